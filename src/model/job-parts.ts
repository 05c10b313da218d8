import { upServerLink } from './fields.js';
import type { FieldDecl, LinkDecl, TypeDecl } from './types.js';

/**
 * What EM's agent and file share (NAS) backup jobs share: the job members after the type's own
 * (description, schedule, next run; the docs' JobScheduleOptions, JobInfo, Includes and
 * StorageOptions are not emitted, as for Job), their reference links, and the session list
 * each has under its own collection.
 */

export const describedJobFields = (nextRunFilter: readonly string[]): FieldDecl[] => [
  { key: 'description', kind: 'string', column: 'description', filter: ['Description'], render: { name: 'Description', as: 'element' } },
  { key: 'scheduleConfigured', kind: 'bool', column: 'schedule_configured', filter: ['ScheduleConfigured'], render: { name: 'ScheduleConfigured', as: 'element' } },
  { key: 'scheduleEnabled', kind: 'bool', column: 'schedule_enabled', filter: ['ScheduleEnabled'], render: { name: 'ScheduleEnabled', as: 'element' } },
  { key: 'nextRun', kind: 'datetime', column: 'next_run', optional: true, filter: nextRunFilter, render: { name: 'NextRun', as: 'element' } },
];

/** `{collection}/{id}/backupSessions`: the job's BackupJobSessions. */
export const sessionsDown = (self: string): LinkDecl => ({ rel: 'Down', type: 'BackupJobSessionReferenceList', href: `${self}/backupSessions` });

/** Entity links start with the server and the reference form (typed `JobReference`, as captured). */
export const jobEntityHead = (self: string): LinkDecl[] => [upServerLink, { rel: 'Alternate', type: 'JobReference', href: self, name: 'name' }];

/** Reference links: the server, the entity form (typed `Job` in the docs' examples), the sessions. */
export const jobReferenceLinks = (self: string): LinkDecl[] => [
  upServerLink,
  { rel: 'Alternate', type: 'Job', href: `${self}?format=Entity`, name: 'name' },
  sessionsDown(self),
];

export const JOB_INDEXES: TypeDecl['indexes'] = [['name', 'id'], ['serverId'], ['description'], ['nextRun']];

export const sessionsChild: TypeDecl['children'] = [{ path: 'backupSessions', type: 'BackupJobSession', parentKey: 'jobId' }];
