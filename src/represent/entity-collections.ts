/**
 * The members of a QueryResult's `Entities`, in the order EM's class declares them (its XSD
 * order). A 12/13 EM writes every one of them in JSON, `null` but the one the query filled;
 * a 9.5 EM, and XML always, show only the filled one.
 *
 * Evidence: the v12-era JSON capture in centreon/centreon-plugins
 * `tests/apps/backup/veeam/vbem/restapi/restapi.json` (a BackupJobSession query) lists exactly
 * these names in this order. Its spellings are EM's own, kept as they are: `EnterpiseRoles`,
 * `EnterpiseAccounts` (sic) and the singular `AgentBackupJob`.
 */
export const ENTITY_COLLECTIONS: readonly string[] = [
  'Jobs',
  'FailoverPlans',
  'Backups',
  'Replicas',
  'Repositories',
  'RestorePoints',
  'VmRestorePoints',
  'VAppRestorePoints',
  'VmReplicaPoints',
  'BackupJobSessions',
  'ReplicaJobSessions',
  'ReplicaTaskSessions',
  'RestoreSessions',
  'HierarchyRoots',
  'BackupTaskSessions',
  'BackupServers',
  'ManagedServers',
  'EnterpiseRoles',
  'EnterpiseAccounts',
  'WanAccelerators',
  'CloudGateways',
  'CloudTenants',
  'CloudReplicas',
  'VCloudOrganizationConfigs',
  'BackupFiles',
  'VSphereSelfServiceConfigs',
  'CloudPublicIps',
  'CloudHardwarePlans',
  'CloudVmReplicaPoints',
  'AgentRestorePoints',
  'AgentBackupJob',
  'CloudGatewayPools',
  'CloudFailoverPlans',
  'ExternalRepositories',
  'VlanConfigurations',
  'CloudFailoverSessions',
  'AgentProtectionGroups',
  'DiscoveredComputers',
  'FileServers',
  'NASJobs',
  'CdpReplicas',
  'CdpReplicaVms',
  'CdpPolicies',
  'CdpReplicaSessions',
  'CdpReplicaTaskSessions',
  'VAppReplicaPoints',
  'VmCdpReplicas',
  'VAppCdpReplicas',
  'VAppCdpReplicaVms',
  'SystemSessions',
];

/**
 * Our list element → the `Entities` member it fills, where the two names differ. The capture
 * shows the agent-job member only empty, as `AgentBackupJob`; we keep our `AgentBackupJobs`
 * name for the filled member (no capture shows it filled) but put it in that member's place.
 */
const SLOT_OF: Readonly<Record<string, string>> = { AgentBackupJobs: 'AgentBackupJob' };

const orders = new Map<string, readonly string[]>();

/** The `Entities` members in order with `filled` in its place (appended if EM has no such member). */
export function entityCollections(filled: string): readonly string[] {
  const known = orders.get(filled);
  if (known) return known;
  const i = ENTITY_COLLECTIONS.indexOf(SLOT_OF[filled] ?? filled);
  const order = i < 0 ? [...ENTITY_COLLECTIONS, filled] : ENTITY_COLLECTIONS.map((name, j) => (j === i ? filled : name));
  orders.set(filled, order);
  return order;
}
