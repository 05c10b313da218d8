import { upServerLink } from './fields.js';
import { JOB_SESSION_FROM, jobSessionFields } from './job-session.js';
import type { TypeDecl } from './types.js';

export const BACKUP_SESSION_JOB_TYPES = [
  'Backup', 'BackupCopy', 'ImmediateBackupCopy', 'ImmediateBackupCopyWorker', 'AgentBackup', 'AgentManagement', 'NasBackup',
] as const;

const self = 'backupSessions/{id}';

export const BackupJobSession: TypeDecl = {
  name: 'BackupJobSession',
  uidKind: 'BackupJobSession',
  listElement: 'BackupJobSessions',
  collection: 'backupSessions',
  table: 'backup_job_sessions',
  from: JOB_SESSION_FROM('backup_job_sessions'),
  fields: jobSessionFields('BackupJobSession', BACKUP_SESSION_JOB_TYPES),
  defaultSort: ['creationTime', 'id'],
  windowField: 'creationTime',
  links: {
    entity: [
      upServerLink,
      { rel: 'Up', type: 'JobReference', href: 'jobs/{jobId}', name: 'jobName' },
      { rel: 'Alternate', type: 'BackupJobSessionReference', href: self, name: 'name' },
      { rel: 'Down', type: 'BackupTaskSessionReferenceList', href: `${self}/taskSessions` },
      // Present on finished sessions too, as captured.
      { rel: 'Stop', href: `${self}?action=stop` },
    ],
    reference: [
      upServerLink,
      { rel: 'Up', type: 'JobReference', href: 'jobs/{jobId}', name: 'jobName' },
      { rel: 'Alternate', type: 'BackupJobSession', href: `${self}?format=Entity`, name: 'name' },
      { rel: 'Down', type: 'BackupTaskSessionReferenceList', href: `${self}/taskSessions` },
    ],
  },
  children: [{ path: 'taskSessions', type: 'BackupTaskSession', parentKey: 'sessionId' }],
};
