import { JOB_SESSION_FROM, JOB_SESSION_INDEXES, jobSessionFields, jobSessionLinks } from './job-session.js';
import type { TypeDecl } from './types.js';

export const BACKUP_SESSION_JOB_TYPES = [
  'Backup', 'BackupCopy', 'ImmediateBackupCopy', 'ImmediateBackupCopyWorker', 'AgentBackup', 'AgentManagement', 'NasBackup',
] as const;

export const BackupJobSession: TypeDecl = {
  name: 'BackupJobSession',
  uidKind: 'BackupJobSession',
  listElement: 'BackupJobSessions',
  collection: 'backupSessions',
  table: 'backup_job_sessions',
  from: JOB_SESSION_FROM('backup_job_sessions'),
  fields: jobSessionFields('BackupJobSession', BACKUP_SESSION_JOB_TYPES),
  indexes: JOB_SESSION_INDEXES,
  defaultSort: ['creationTime', 'id'],
  windowField: 'creationTime',
  // Stop is present on finished sessions too, as captured.
  links: jobSessionLinks('BackupJobSession', 'backupSessions', { path: 'taskSessions', type: 'BackupTaskSession' }, [
    { rel: 'Stop', href: 'backupSessions/{id}?action=stop' },
  ]),
  children: [{ path: 'taskSessions', type: 'BackupTaskSession', parentKey: 'sessionId' }],
};
