import { AGENT_BACKUP_SESSIONS, AgentBackupJob } from './agent-backup-job.js';
import { AgentProtectionGroup } from './agent-protection-group.js';
import { Backup } from './backup.js';
import { BackupFile } from './backup-file.js';
import { BackupJobSession } from './backup-job-session.js';
import { BackupServer } from './backup-server.js';
import { BackupTaskSession } from './backup-task-session.js';
import { DiscoveredComputer } from './discovered-computer.js';
import { Job } from './job.js';
import { NAS_BACKUP_SESSIONS, NasJob } from './nas-job.js';
import { ReplicaJobSession } from './replica-job-session.js';
import { ReplicaTaskSession } from './replica-task-session.js';
import { Repository } from './repository.js';
import { RestorePoint } from './restore-point.js';
import { VmRestorePoint } from './vm-restore-point.js';
import type { FieldDecl, RenderedField, TypeDecl, ViewDecl } from './types.js';

export type {
  EnumField, FieldDecl, LinkDecl, PlainField, RawValue, RenderDecl, RenderedField, Row, ScalarKind, TypeDecl, UidField, ViewDecl,
} from './types.js';

/** Every declared type, each a query type of `GET /api/query`, in the order the query service lists them (spec §4.4). */
export const TYPES: readonly TypeDecl[] = [
  Job, BackupTaskSession, ReplicaTaskSession, BackupJobSession, ReplicaJobSession, BackupServer,
  AgentBackupJob, AgentProtectionGroup, DiscoveredComputer, NasJob,
  Repository, Backup, RestorePoint, VmRestorePoint, BackupFile,
];

/** Other paths that list some of a type's rows (spec: views), each derived into routes like a collection's. */
export const VIEWS: readonly ViewDecl[] = [AGENT_BACKUP_SESSIONS, NAS_BACKUP_SESSIONS];

/**
 * Every query type EM's REST reference documents (`GET /query?type=…`): the 9.5 U4 "Type
 * Parameter" list in its order, then the types later references add (v10–v13 pages
 * `get_query_*`). `/api/querySvc` lists them all; those without a declaration answer 501.
 */
export const DOCUMENTED_QUERY_TYPES: readonly string[] = [
  'AgentRestorePoint', 'AgentBackupJob', 'AgentProtectionGroup', 'DiscoveredComputer', 'BackupServer',
  'Repository', 'Job', 'Backup', 'BackupFile', 'FailoverPlan', 'RestorePoint', 'VmRestorePoint',
  'vAppRestorePoint', 'Replica', 'VmReplicaPoint', 'HierarchyRoot', 'ManagedServer', 'BackupJobSession',
  'ReplicaJobSession', 'RestoreSession', 'BackupTaskSession', 'ReplicaTaskSession', 'WanAccelerator',
  'VCloudOrganizationConfig', 'VsphereSelfServiceConfig', 'CloudGateway', 'CloudGatewayPool', 'CloudTenant',
  'CloudSubtenant', 'CloudHardwarePlan', 'CloudPublicIpAddress', 'CloudFailoverPlan', 'CloudVmReplicaPoint',
  'CloudReplica', 'VlanConfiguration', 'CloudFailoverSession', 'ObjectInJob',
  // EM's tasks are queryable (docs/EM-TASKS.md); here only `/api/tasks` lists them.
  'Task', 'Credentials', 'Passwords',
  // Later references.
  'AgentBackupJobSession', 'ObjectInAgentBackupJob', 'NasJob', 'NasObject', 'CatalogVm', 'CdpReplicaSession',
  'ExternalRepository', 'vCloudOrganization', 'vCloudOrgVdc', 'vCloudVApp', 'vCloudVm',
];

/** Documented query types emrest does not implement (they answer 501). */
export const UNIMPLEMENTED_QUERY_TYPES: readonly string[] = DOCUMENTED_QUERY_TYPES.filter(
  (name) => !TYPES.some((t) => t.name.toLowerCase() === name.toLowerCase()),
);

const byName = new Map(TYPES.map((t) => [t.name.toLowerCase(), t]));
const unimplemented = new Set(UNIMPLEMENTED_QUERY_TYPES.map((n) => n.toLowerCase()));

export function typeNamed(name: string): TypeDecl {
  const t = byName.get(name.toLowerCase());
  if (!t) throw new Error(`no declared type ${name}`);
  return t;
}

export type QueryTypeLookup = { found: TypeDecl } | { unimplemented: string } | { unknown: true };

export function lookupQueryType(name: string): QueryTypeLookup {
  const key = name.toLowerCase();
  const found = byName.get(key);
  if (found) return { found };
  if (unimplemented.has(key)) return { unimplemented: name };
  return { unknown: true };
}

const filterIndex = new WeakMap<TypeDecl, Map<string, FieldDecl>>();

/** The field a filter/sort name refers to (case-insensitive, aliases included). */
export function filterField(type: TypeDecl, name: string): FieldDecl | undefined {
  let index = filterIndex.get(type);
  if (!index) {
    index = new Map();
    for (const f of type.fields) for (const n of f.filter ?? []) index.set(n.toLowerCase(), f);
    filterIndex.set(type, index);
  }
  return index.get(name.toLowerCase());
}

export function fieldByKey(type: TypeDecl, key: string): FieldDecl {
  const f = type.fields.find((x) => x.key === key);
  if (!f) throw new Error(`${type.name} has no field ${key}`);
  return f;
}

export const isRendered = (field: FieldDecl): field is RenderedField => field.render !== undefined;

/** A reference's `Type`: `<name>Reference`. */
export const referenceType = (type: TypeDecl) => `${type.name}Reference`;
