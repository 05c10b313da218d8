import { idField, nameField, serverFields, upServerLink } from './fields.js';
import type { LinkDecl, Row, TypeDecl } from './types.js';

export const JOB_TYPES = ['Backup', 'BackupCopy', 'ImmediateBackupCopy', 'Replica'] as const;
export const PLATFORMS = ['VMware', 'HyperV', 'vCloud', 'CustomPlatform'] as const;

const isReplica = (row: Row) => row.jobType === JOB_TYPES.indexOf('Replica');
const isBackup = (row: Row) => !isReplica(row);
const self = 'jobs/{id}';

/** The job's own session list: replica sessions for Replica jobs, backup sessions otherwise. */
const sessionsLink: LinkDecl[] = [
  { rel: 'Down', type: 'ReplicaJobSessionReferenceList', href: `${self}/replicaSessions`, when: isReplica },
  { rel: 'Down', type: 'BackupJobSessionReferenceList', href: `${self}/backupSessions`, when: isBackup },
];

export const Job: TypeDecl = {
  name: 'Job',
  uidKind: 'Job',
  listElement: 'Jobs',
  collection: 'jobs',
  table: 'jobs',
  from: 'jobs t LEFT JOIN backup_servers bs ON bs.id = t.server_id',
  adminOnly: true,
  fromLink: {},
  fields: [
    nameField,
    idField('Job'),
    { key: 'jobType', kind: 'enum', members: JOB_TYPES, column: 'job_type', filter: ['JobType'], render: { name: 'JobType', as: 'element' } },
    { key: 'platform', kind: 'enum', members: PLATFORMS, column: 'platform', filter: ['Platform'], render: { name: 'Platform', as: 'element' } },
    { key: 'description', kind: 'string', column: 'description', filter: ['Description'], render: { name: 'Description', as: 'element' } },
    { key: 'scheduleConfigured', kind: 'bool', column: 'schedule_configured', filter: ['ScheduleConfigured'], render: { name: 'ScheduleConfigured', as: 'element' } },
    { key: 'scheduleEnabled', kind: 'bool', column: 'schedule_enabled', filter: ['ScheduleEnabled'], render: { name: 'ScheduleEnabled', as: 'element' } },
    { key: 'nextRun', kind: 'datetime', column: 'next_run', optional: true, filter: ['NextRun'], render: { name: 'NextRun', as: 'element' } },
    ...serverFields(),
  ],
  indexes: [['name', 'id'], ['serverId'], ['jobType'], ['platform'], ['description'], ['nextRun']],
  defaultSort: ['name', 'id'],
  links: {
    entity: [
      upServerLink,
      { rel: 'Alternate', type: 'JobReference', href: self, name: 'name' },
      { rel: 'Edit', type: 'JobReference', href: self, name: 'name' },
      { rel: 'Clone', href: `${self}?action=clone` },
      { rel: 'ToggleScheduleEnabled', href: `${self}?action=toggleScheduleEnabled` },
      { rel: 'Down', type: 'ObjectInJobList', href: `${self}/includes` },
      ...sessionsLink,
      { rel: 'Create', type: 'ObjectInJob', href: `${self}/includes` },
      { rel: 'Start', href: `${self}?action=start` },
      { rel: 'Stop', href: `${self}?action=stop` },
      { rel: 'Retry', href: `${self}?action=retry` },
    ],
    reference: [
      upServerLink,
      { rel: 'Alternate', type: 'Job', href: `${self}?format=Entity`, name: 'name' },
      ...sessionsLink,
    ],
  },
  children: [
    { path: 'replicaSessions', type: 'ReplicaJobSession', parentKey: 'jobId' },
    { path: 'backupSessions', type: 'BackupJobSession', parentKey: 'jobId' },
  ],
};
