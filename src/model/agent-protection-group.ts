import { idField, nameField, serverFields, upServerLink } from './fields.js';
import type { TypeDecl } from './types.js';

const self = 'agents/protectionGroups/{id}';

/**
 * A Veeam Agent protection group of a backup server (EM docs: agents_protectiongroups_id,
 * get_query_agentprotectiongroup): the group the server discovers computers in. Filterable by
 * the four names the query page lists; `RescanScheduleEnabled` is rendered only.
 */
export const AgentProtectionGroup: TypeDecl = {
  name: 'AgentProtectionGroup',
  uidKind: 'AgentProtectionGroup',
  listElement: 'AgentProtectionGroups',
  collection: 'agents/protectionGroups',
  table: 'agent_protection_groups',
  from: 'agent_protection_groups t LEFT JOIN backup_servers bs ON bs.id = t.server_id',
  fields: [
    nameField,
    idField('AgentProtectionGroup'),
    { key: 'rescanScheduleEnabled', kind: 'bool', column: 'rescan_schedule_enabled', render: { name: 'RescanScheduleEnabled', as: 'element' } },
    { key: 'hierarchyObjRef', kind: 'string', column: 'hierarchy_obj_ref', render: { name: 'HierarchyObjRef', as: 'element' } },
    ...serverFields(),
  ],
  indexes: [['name', 'id'], ['serverId']],
  defaultSort: ['name', 'id'],
  links: {
    // The docs' example lists the group's computers as entities (`?format=Entity`, DiscoveredComputerList).
    entity: [
      upServerLink,
      { rel: 'Alternate', type: 'AgentProtectionGroupReference', href: self, name: 'name' },
      { rel: 'Down', type: 'DiscoveredComputerList', href: `${self}/discoveredComputers?format=Entity` },
    ],
    reference: [
      upServerLink,
      { rel: 'Alternate', type: 'AgentProtectionGroup', href: `${self}?format=Entity`, name: 'name' },
      { rel: 'Down', type: 'DiscoveredComputerReferenceList', href: `${self}/discoveredComputers` },
    ],
  },
  children: [{ path: 'discoveredComputers', type: 'DiscoveredComputer', parentKey: 'protectionGroupId' }],
};
