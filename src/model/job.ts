import { idField, nameField, serverFields, upServerLink } from './fields.js';
import type { LinkDecl, Row, TypeDecl } from './types.js';

export const JOB_TYPES = ['Backup', 'BackupCopy', 'ImmediateBackupCopy', 'Replica'] as const;
export const PLATFORMS = ['VMware', 'HyperV', 'vCloud', 'CustomPlatform'] as const;

const isReplica = (row: Row) => row.jobType === JOB_TYPES.indexOf('Replica');
const isBackup = (row: Row) => !isReplica(row);
/** Backup copy jobs (periodic or immediate): EM gives them `Sync` and linked jobs/repositories instead of includes and Start/Stop/Retry. */
const isCopy = (row: Row) => row.jobType === JOB_TYPES.indexOf('BackupCopy') || row.jobType === JOB_TYPES.indexOf('ImmediateBackupCopy');
const isRunnable = (row: Row) => !isCopy(row);
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
    // EM shows the action links by job type, not by state (docs/EM-TASKS.md §5): Start, Stop and
    // Retry on every backup and replication job whether running, idle or failed (as a captured
    // session keeps its Stop link when stopped); backup copy jobs have Sync instead (EM 13 docs).
    entity: [
      upServerLink,
      { rel: 'Alternate', type: 'JobReference', href: self, name: 'name' },
      { rel: 'Edit', type: 'JobReference', href: self, name: 'name', when: isRunnable },
      { rel: 'Clone', href: `${self}?action=clone` },
      { rel: 'ToggleScheduleEnabled', href: `${self}?action=toggleScheduleEnabled` },
      { rel: 'Down', type: 'ObjectInJobList', href: `${self}/includes`, when: isRunnable },
      ...sessionsLink,
      { rel: 'Create', type: 'ObjectInJob', href: `${self}/includes`, when: isRunnable },
      { rel: 'Start', href: `${self}?action=start`, when: isRunnable },
      { rel: 'Stop', href: `${self}?action=stop`, when: isRunnable },
      { rel: 'Retry', href: `${self}?action=retry`, when: isRunnable },
      { rel: 'Sync', href: `${self}?action=sync`, when: isCopy },
      { rel: 'Down', type: 'LinkedJobObjectList', href: `${self}/linkedJobs`, when: isCopy },
      { rel: 'Down', type: 'LinkedBackupRepositoryObjectList', href: `${self}/linkedBackupRepositories`, when: isCopy },
      { rel: 'Create', type: 'LinkedJobObject', href: `${self}/linkedJobs`, when: isCopy },
      { rel: 'Create', type: 'LinkedBackupRepositoryObject', href: `${self}/linkedBackupRepositories`, when: isCopy },
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
