import { idField, nameField, serverFields, upServerLink } from './fields.js';
import type { TypeDecl } from './types.js';

export const HOST_STATUSES = ['Online', 'Offline'] as const;
export const AGENT_STATUSES = ['NotInstalled', 'Installed', 'UnsupportedOs', 'Failed', 'Exclude'] as const;

const self = 'agents/discoveredComputers/{id}';

/**
 * A computer a protection group discovered (EM docs: agents_discoveredcomputers_id,
 * get_query_discoveredcomputer). The docs' examples print `backupTaskSessions/{id}` as its
 * Href, a slip their own Alternate links contradict: emrest uses `agents/discoveredComputers`.
 * HostStatus is rendered but, as the query page lists, not filterable.
 */
export const DiscoveredComputer: TypeDecl = {
  name: 'DiscoveredComputer',
  uidKind: 'DiscoveredComputer',
  listElement: 'DiscoveredComputers',
  collection: 'agents/discoveredComputers',
  table: 'discovered_computers',
  from: 'discovered_computers t LEFT JOIN backup_servers bs ON bs.id = t.server_id LEFT JOIN agent_protection_groups pg ON pg.id = t.protection_group_id',
  fields: [
    nameField,
    idField('DiscoveredComputer'),
    { key: 'hostStatus', kind: 'enum', members: HOST_STATUSES, column: 'host_status', render: { name: 'HostStatus', as: 'element' } },
    { key: 'agentVersion', kind: 'string', column: 'agent_version', filter: ['AgentVersion'], render: { name: 'AgentVersion', as: 'element' } },
    { key: 'agentStatus', kind: 'enum', members: AGENT_STATUSES, column: 'agent_status', filter: ['AgentStatus'], render: { name: 'AgentStatus', as: 'element' } },
    { key: 'osVersion', kind: 'string', column: 'os_version', filter: ['OsVersion'], render: { name: 'OsVersion', as: 'element' } },
    { key: 'ipAddress', kind: 'string', column: 'ip_address', filter: ['IpAddress'], render: { name: 'IpAddress', as: 'element' } },
    { key: 'hierarchyObjRef', kind: 'string', column: 'hierarchy_obj_ref', render: { name: 'HierarchyObjRef', as: 'element' } },
    { key: 'protectionGroupId', kind: 'uid', uidKind: 'AgentProtectionGroup', column: 'protection_group_id', filter: ['ProtectionGroupUid'] },
    { key: 'protectionGroupName', kind: 'string', joined: 'pg.name', filter: ['ProtectionGroupName'] },
    ...serverFields(),
  ],
  indexes: [['name', 'id'], ['serverId'], ['protectionGroupId'], ['agentStatus'], ['ipAddress']],
  defaultSort: ['name', 'id'],
  links: {
    entity: [
      upServerLink,
      { rel: 'Alternate', type: 'DiscoveredComputerReference', href: self, name: 'name' },
      { rel: 'Up', type: 'AgentProtectionGroupReference', href: 'agents/protectionGroups/{protectionGroupId}', name: 'protectionGroupName' },
    ],
    reference: [upServerLink, { rel: 'Alternate', type: 'DiscoveredComputer', href: `${self}?format=Entity`, name: 'name' }],
  },
};
