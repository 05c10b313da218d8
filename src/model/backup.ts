import { idField, nameField, serverFields, upServerLink } from './fields.js';
import { PLATFORMS } from './job.js';
import type { LinkDecl, TypeDecl } from './types.js';

/**
 * A backup: the restore points and files one job keeps on one repository (EM `backups_id`,
 * `get_query_backup`). Its name is its job's; its job and repository are filterable as
 * JobUid/JobName and RepositoryUid, as the docs list them.
 */
const self = 'backups/{id}';

const up: LinkDecl[] = [
  upServerLink,
  { rel: 'Up', type: 'RepositoryReference', href: 'repositories/{repositoryId}', name: 'repositoryName' },
  { rel: 'Up', type: 'JobReference', href: 'jobs/{jobId}', name: 'jobName' },
];
const down: LinkDecl[] = [
  { rel: 'Down', type: 'RestorePointReferenceList', href: `${self}/restorePoints` },
  { rel: 'Down', type: 'BackupFileReferenceList', href: `${self}/backupFiles` },
];

export const Backup: TypeDecl = {
  name: 'Backup',
  uidKind: 'Backup',
  listElement: 'Backups',
  collection: 'backups',
  table: 'backups',
  from: 'backups t LEFT JOIN backup_servers bs ON bs.id = t.server_id LEFT JOIN repositories r ON r.id = t.repository_id LEFT JOIN jobs j ON j.id = t.job_id',
  fields: [
    nameField,
    idField('Backup'),
    { key: 'platform', kind: 'enum', members: PLATFORMS, column: 'platform', filter: ['Platform'], render: { name: 'Platform', as: 'element' } },
    ...serverFields(),
    { key: 'repositoryId', kind: 'uid', uidKind: 'Repository', column: 'repository_id', filter: ['RepositoryUid'] },
    { key: 'repositoryName', kind: 'string', joined: 'r.name', filter: ['RepositoryName'] },
    // EM keeps a backup whose job was deleted (an imported or orphaned backup): it may outlive its job.
    { key: 'jobId', kind: 'uid', uidKind: 'Job', column: 'job_id', optional: true, mayDangle: true, filter: ['JobUid'] },
    { key: 'jobName', kind: 'string', joined: 'j.name', optional: true, filter: ['JobName'] },
  ],
  indexes: [['name', 'id'], ['serverId'], ['repositoryId'], ['jobId']],
  defaultSort: ['name', 'id'],
  links: {
    entity: [...up, { rel: 'Alternate', type: 'BackupReference', href: self, name: 'name' }, ...down],
    reference: [...up, { rel: 'Alternate', type: 'Backup', href: `${self}?format=Entity`, name: 'name' }, ...down],
  },
  children: [
    { path: 'restorePoints', type: 'RestorePoint', parentKey: 'backupId' },
    { path: 'backupFiles', type: 'BackupFile', parentKey: 'backupId' },
  ],
};
