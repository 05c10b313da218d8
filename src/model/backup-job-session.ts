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
  // The restore point the session made, while retention keeps it: a session makes at most one.
  from: `${JOB_SESSION_FROM('backup_job_sessions')} LEFT JOIN restore_points rp ON rp.session_id = t.id`,
  fields: [
    ...jobSessionFields('BackupJobSession', BACKUP_SESSION_JOB_TYPES),
    { key: 'restorePointId', kind: 'uid', uidKind: 'RestorePoint', joined: 'rp.id', optional: true },
    { key: 'restorePointName', kind: 'string', joined: 'rp.name', optional: true },
  ],
  indexes: JOB_SESSION_INDEXES,
  defaultSort: ['creationTime', 'id'],
  windowField: 'creationTime',
  // Stop is present on finished sessions too, as captured.
  links: jobSessionLinks('BackupJobSession', 'backupSessions', { path: 'taskSessions', type: 'BackupTaskSession' }, [
    { rel: 'Stop', href: 'backupSessions/{id}?action=stop' },
    // Shown only while the point exists (a link whose href lacks a value is left out).
    { rel: 'Related', type: 'RestorePointReference', href: 'restorePoints/{restorePointId}', name: 'restorePointName' },
  ], BACKUP_SESSION_JOB_TYPES),
  children: [{ path: 'taskSessions', type: 'BackupTaskSession', parentKey: 'sessionId' }],
};
