import { idField, nameField, serverFields, upServerLink } from './fields.js';
import type { LinkDecl, TypeDecl } from './types.js';

/**
 * A restore point of a backup: what one job session saved (EM `restorepoints_id`,
 * `get_query_restorepoint`). EM names it by its time in SQL Server's default style
 * (`Oct  6 2016  1:59PM`); it links up to its backup and, related, to the session that made it.
 */
const self = 'restorePoints/{id}';

const up: LinkDecl[] = [upServerLink, { rel: 'Up', type: 'BackupReference', href: 'backups/{backupId}', name: 'backupName' }];
const down: LinkDecl = { rel: 'Down', type: 'VmRestorePointReferenceList', href: `${self}/vmRestorePoints` };
// Named from the session row: left out when the session is not there (links.ts).
const session: LinkDecl = { rel: 'Related', type: 'BackupJobSessionReference', href: 'backupSessions/{sessionId}', name: 'sessionName' };

export const RestorePoint: TypeDecl = {
  name: 'RestorePoint',
  uidKind: 'RestorePoint',
  listElement: 'RestorePoints',
  collection: 'restorePoints',
  table: 'restore_points',
  from:
    'restore_points t LEFT JOIN backups b ON b.id = t.backup_id LEFT JOIN backup_servers bs ON bs.id = b.server_id ' +
    'LEFT JOIN backup_job_sessions s ON s.id = t.session_id',
  fields: [
    nameField,
    idField('RestorePoint'),
    {
      key: 'backupDate', kind: 'datetime', column: 'backup_date',
      filter: ['BackupDateUTC', 'BackupDate', 'CreationTime'], render: { name: 'BackupDateUTC', as: 'element' },
    },
    { key: 'backupId', kind: 'uid', uidKind: 'Backup', column: 'backup_id', filter: ['BackupUid'] },
    { key: 'backupName', kind: 'string', joined: 'b.name', filter: ['BackupName'] },
    // The session stays in EM's history after the point is gone and may be missing from an import.
    { key: 'sessionId', kind: 'uid', uidKind: 'BackupJobSession', column: 'session_id', optional: true, mayDangle: true, filter: ['JobSessionUid'] },
    { key: 'sessionName', kind: 'string', joined: 's.name', optional: true },
    { key: 'jobId', kind: 'uid', uidKind: 'Job', joined: 'b.job_id', optional: true, filter: ['JobUid'] },
    ...serverFields('b'),
  ],
  indexes: [['backupDate', 'id'], ['backupId', 'backupDate'], ['sessionId'], ['name']],
  defaultSort: ['backupDate', 'id'],
  links: {
    entity: [...up, { rel: 'Alternate', type: 'RestorePointReference', href: self, name: 'name' }, down, session],
    reference: [...up, { rel: 'Alternate', type: 'RestorePoint', href: `${self}?format=Entity`, name: 'name' }, down, session],
  },
  children: [{ path: 'vmRestorePoints', type: 'VmRestorePoint', parentKey: 'restorePointId' }],
};
