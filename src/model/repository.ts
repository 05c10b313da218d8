import { idField, nameField, serverFields, upServerLink } from './fields.js';
import type { TypeDecl } from './types.js';

/**
 * A backup repository of a backup server (EM `get_query_repository`, `repositories_id`):
 * capacity and free space in bytes, and its kind. EM prints -1 for a capacity it cannot read
 * (the repository report's NetApp example), which is what a repository known only from a
 * link gets.
 */
export const REPOSITORY_KINDS = [
  'WindowsLocal', 'LinuxLocal', 'Cifs', 'Nfs', 'DDBoost', 'HPStoreOnce', 'ExaGrid', 'Cloud', 'ExtendableRepository',
] as const;

const self = 'repositories/{id}';

export const Repository: TypeDecl = {
  name: 'Repository',
  uidKind: 'Repository',
  listElement: 'Repositories',
  collection: 'repositories',
  table: 'repositories',
  from: 'repositories t LEFT JOIN backup_servers bs ON bs.id = t.server_id',
  fields: [
    nameField,
    idField('Repository'),
    { key: 'capacity', kind: 'long', column: 'capacity', filter: ['Capacity'], render: { name: 'Capacity', as: 'element' } },
    { key: 'freeSpace', kind: 'long', column: 'free_space', filter: ['FreeSpace'], render: { name: 'FreeSpace', as: 'element' } },
    { key: 'kind', kind: 'enum', members: REPOSITORY_KINDS, column: 'kind', filter: ['Kind'], render: { name: 'Kind', as: 'element' } },
    ...serverFields(),
  ],
  indexes: [['name', 'id'], ['serverId']],
  defaultSort: ['name', 'id'],
  fromLink: { capacity: -1, freeSpace: -1 },
  links: {
    entity: [upServerLink, { rel: 'Alternate', type: 'RepositoryReference', href: self, name: 'name' }],
    reference: [upServerLink, { rel: 'Alternate', type: 'Repository', href: `${self}?format=Entity`, name: 'name' }],
  },
};
