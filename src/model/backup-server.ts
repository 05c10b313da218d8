import { idField, nameField } from './fields.js';
import type { TypeDecl } from './types.js';

const self = 'backupServers/{id}';

export const BackupServer: TypeDecl = {
  name: 'BackupServer',
  uidKind: 'BackupServer',
  listElement: 'BackupServers',
  collection: 'backupServers',
  table: 'backup_servers',
  from: 'backup_servers t',
  fields: [
    nameField,
    idField('BackupServer'),
    { key: 'description', kind: 'string', column: 'description', filter: ['Description'], render: { name: 'Description', as: 'element' } },
    { key: 'port', kind: 'int', column: 'port', filter: ['Port'], render: { name: 'Port', as: 'element' } },
    { key: 'version', kind: 'string', column: 'version', filter: ['Version'], render: { name: 'Version', as: 'element' } },
    { key: 'ipOrDnsName', kind: 'string', column: 'name', filter: ['IpOrDnsName'] },
  ],
  indexes: [['name', 'id'], ['description'], ['port'], ['version']],
  defaultSort: ['name', 'id'],
  fromLink: { port: 9392 },
  children: [
    { path: 'jobs', type: 'Job', parentKey: 'serverId' },
    { path: 'repositories', type: 'Repository', parentKey: 'serverId' },
  ],
  links: {
    entity: [
      { rel: 'Alternate', type: 'BackupServerReference', href: self, name: 'name' },
      { rel: 'Edit', type: 'BackupServerReference', href: self, name: 'name' },
      { rel: 'Delete', type: 'BackupServerReference', href: self, name: 'name' },
      { rel: 'Down', type: 'JobReferenceList', href: `${self}/jobs` },
      { rel: 'Down', type: 'ManagedServerReferenceList', href: `${self}/managedServers` },
      { rel: 'Down', type: 'RepositoryReferenceList', href: `${self}/repositories` },
      { rel: 'Down', type: 'CredentialsList', href: `${self}/credentials` },
      { rel: 'Create', href: `${self}/credentials?action=create` },
      { rel: 'Down', type: 'PasswordKeyList', href: `${self}/passwords` },
      { rel: 'Create', href: `${self}/passwords?action=create` },
      { rel: 'VeeamZip', href: `${self}?action=veeamzip` },
      { rel: 'QuickBackup', href: `${self}?action=quickbackup` },
      { rel: 'Start', href: `${self}?action=collect` },
    ],
    reference: [
      { rel: 'Down', type: 'JobReferenceList', href: `${self}/jobs` },
      { rel: 'Down', type: 'RepositoryReferenceList', href: `${self}/repositories` },
      { rel: 'Down', type: 'CredentialsList', href: `${self}/credentials` },
      { rel: 'Down', type: 'PasswordKeyList', href: `${self}/passwords` },
      { rel: 'Alternate', type: 'BackupServer', href: `${self}?format=Entity`, name: 'name' },
      { rel: 'Down', type: 'ManagedServerReferenceList', href: `${self}/managedServers` },
    ],
  },
};
