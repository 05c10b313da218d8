import { link } from './links.js';
import { list, node, rootList, type Document, type Node } from './model.js';

/**
 * The 54 links of a LogonSession, in EM's order (spec §4.2): `[Rel, Type, path]`, path
 * relative to `{B}`. `{id}` is the session id. Most targets are not implemented here and
 * answer 404, as the spec allows; they are listed because clients navigate by position.
 */
const DOWN_LISTS: readonly (readonly [string, string])[] = [
  ['FailoverPlan', 'failoverPlans'],
  ['HierarchyRoot', 'hierarchyRoots'],
  ['Repository', 'repositories'],
  ['Backup', 'backups'],
  ['RestorePoint', 'restorePoints'],
  ['VmRestorePoint', 'vmRestorePoints'],
  ['VAppRestorePoint', 'vAppRestorePoints'],
  ['Replica', 'replicas'],
  ['VmReplicaPoint', 'vmReplicaPoints'],
  ['CatalogVm', 'catalog/vms'],
  ['BackupJobSession', 'backupSessions'],
  ['RestoreSession', 'restoreSessions'],
  ['ReplicaJobSession', 'replicaSessions'],
  ['BackupTaskSession', 'backupTaskSessions'],
  ['ReplicaTaskSession', 'replicaTaskSessions'],
];

export const LOGON_LINKS: readonly (readonly [string, string | undefined, string])[] = [
  ['Up', 'EnterpriseManager', ''],
  ['Down', 'BackupServerReferenceList', 'backupServers'],
  ['Down', 'ManagedServerReferenceList', 'managedServers'],
  ['Down', 'JobReferenceList', 'jobs'],
  ...DOWN_LISTS.map(([t, p]) => ['Down', `${t}ReferenceList`, p] as const),
  ['Down', 'EnterpriseSecuritySettings', 'security'],
  ['Down', 'WanAcceleratorReferenceList', 'wanAccelerators'],
  ['Down', 'BackupFileReferenceList', 'backupFiles'],
  ['Down', 'ExternalRepositoryReferenceList', 'externalRepositories'],
  ['Down', 'TaskList', 'tasks'],
  ['Down', 'QueryService', 'querySvc'],
  ['Down', 'LookupService', 'lookupSvc'],
  ['Down', 'Report', 'reports/summary'],
  ['Down', 'BackupServerList', 'backupServers?format=Entity'],
  ['Down', 'ManagedServerList', 'managedServers?format=Entity'],
  ['Create', undefined, 'backupServers?action=create'],
  ['Down', 'JobList', 'jobs?format=Entity'],
  ...DOWN_LISTS.map(([t, p]) => ['Down', `${t}List`, `${p}?format=Entity`] as const),
  ['Down', 'WanAcceleratorList', 'wanAccelerators?format=Entity'],
  ['Down', 'VCloudService', 'vCloud'],
  ['Down', 'BackupFileList', 'backupFiles?format=Entity'],
  ['Down', 'AgentsService', 'agents'],
  ['Down', 'VSphereSelfService', 'selfService/vSphere'],
  ['Down', 'ExternalRepositoryList', 'externalRepositories?format=Entity'],
  ['Down', 'NasService', 'nas'],
  ['Delete', undefined, 'logonSessions/{id}'],
];

export interface LogonSessionView {
  readonly id: string;
  readonly userName: string;
}

function logonSessionNode(s: LogonSessionView, base: string): Node {
  const links = LOGON_LINKS.map(([rel, type, path]) =>
    link(rel, `${base}/${path.replace('{id}', s.id)}`, type, path === 'reports/summary' ? 'Summary' : undefined),
  );
  return node('LogonSession', [
    { name: 'UserName', value: s.userName, x: 1 },
    { name: 'SessionId', value: s.id, x: 2 },
    { name: 'Links', value: list(links), x: 0 },
    { name: 'Href', value: `${base}/logonSessions/${s.id}`, attr: true, x: 1 },
    { name: 'Type', value: 'LogonSession', attr: true, x: 0 },
  ]);
}

export const logonSession = (s: LogonSessionView, base: string): Document => logonSessionNode(s, base);

export const logonSessions = (sessions: readonly LogonSessionView[], base: string): Document =>
  rootList('LogonSessions', 'LogonSessions', sessions.map((s) => logonSessionNode(s, base)));
