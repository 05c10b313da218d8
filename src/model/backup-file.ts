import { idField, nameField, serverFields, upServerLink } from './fields.js';
import type { LinkDecl, TypeDecl } from './types.js';

/**
 * A file of a backup (EM `backupfiles_id`, `get_query_backupfile`): a full (`.vbk`) or an
 * increment (`.vib`, `.vrb` for reversed ones), named `<Job>D<yyyy-MM-ddTHHmmss>.<ext>` as
 * Veeam names them. BackupSize is the file, DataSize the data it holds; the related list is
 * its backup's files.
 */
export const BACKUP_FILE_TYPES = ['vbk', 'vib', 'vrb'] as const;

const self = 'backupFiles/{id}';

const up: LinkDecl[] = [upServerLink, { rel: 'Up', type: 'BackupReference', href: 'backups/{backupId}', name: 'backupName' }];
const related: LinkDecl = { rel: 'Related', type: 'BackupFileReferenceList', href: 'backups/{backupId}/backupFiles' };

export const BackupFile: TypeDecl = {
  name: 'BackupFile',
  uidKind: 'BackupFile',
  listElement: 'BackupFiles',
  collection: 'backupFiles',
  table: 'backup_files',
  from: 'backup_files t LEFT JOIN backups b ON b.id = t.backup_id LEFT JOIN backup_servers bs ON bs.id = b.server_id',
  fields: [
    nameField,
    idField('BackupFile'),
    { key: 'filePath', kind: 'string', column: 'file_path', filter: ['FilePath'], render: { name: 'FilePath', as: 'element' } },
    { key: 'backupSize', kind: 'long', column: 'backup_size', filter: ['BackupSize'], render: { name: 'BackupSize', as: 'element' } },
    { key: 'dataSize', kind: 'long', column: 'data_size', filter: ['DataSize'], render: { name: 'DataSize', as: 'element' } },
    {
      key: 'creationTime', kind: 'datetime', column: 'creation_time',
      filter: ['CreationTimeUTC', 'CreationTime'], render: { name: 'CreationTimeUtc', as: 'element' },
    },
    { key: 'fileType', kind: 'enum', members: BACKUP_FILE_TYPES, column: 'file_type', filter: ['FileType'], render: { name: 'FileType', as: 'element' } },
    { key: 'backupId', kind: 'uid', uidKind: 'Backup', column: 'backup_id', filter: ['BackupUid'] },
    { key: 'backupName', kind: 'string', joined: 'b.name', filter: ['BackupName'] },
    { key: 'repositoryId', kind: 'uid', uidKind: 'Repository', joined: 'b.repository_id', filter: ['RepositoryUid'] },
    { key: 'jobId', kind: 'uid', uidKind: 'Job', joined: 'b.job_id', optional: true, filter: ['JobUid'] },
    ...serverFields('b'),
  ],
  indexes: [['creationTime', 'id'], ['backupId', 'creationTime'], ['name'], ['backupSize']],
  defaultSort: ['creationTime', 'id'],
  links: {
    entity: [...up, { rel: 'Alternate', type: 'BackupFileReference', href: self, name: 'name' }, related],
    reference: [...up, { rel: 'Alternate', type: 'BackupFile', href: `${self}?format=Entity`, name: 'name' }, related],
  },
};
