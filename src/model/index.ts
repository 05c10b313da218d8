import { BackupJobSession } from './backup-job-session.js';
import { BackupServer } from './backup-server.js';
import { BackupTaskSession } from './backup-task-session.js';
import { Job } from './job.js';
import { ReplicaJobSession } from './replica-job-session.js';
import { ReplicaTaskSession } from './replica-task-session.js';
import type { FieldDecl, RenderedField, TypeDecl } from './types.js';

export type {
  EnumField, FieldDecl, LinkDecl, PlainField, RawValue, RenderDecl, RenderedField, Row, ScalarKind, TypeDecl, UidField,
} from './types.js';

/** Every declared type, each a query type of `GET /api/query`, in the order the query service lists them (spec §4.4). */
export const TYPES: readonly TypeDecl[] = [
  Job, BackupTaskSession, ReplicaTaskSession, BackupJobSession, ReplicaJobSession, BackupServer,
];

/** Query types a real Enterprise Manager knows but emrest does not implement (answer 501). */
export const UNIMPLEMENTED_QUERY_TYPES: readonly string[] = [
  'Backup', 'BackupFile',
  'CatalogVm', 'CdpReplicaSession', 'CloudTenant', 'CloudHardwarePlan', 'FailoverPlan',
  'HierarchyRoot', 'ManagedServer', 'Replica', 'Repository', 'RestorePoint', 'RestoreSession',
  'VAppRestorePoint', 'VmReplicaPoint', 'VmRestorePoint', 'WanAccelerator', 'vCloudOrganization',
  'vCloudOrgVdc', 'vCloudVApp', 'vCloudVm', 'ExternalRepository', 'AgentBackupJobSession',
  // EM's tasks are queryable (`query?type=Task`, docs/EM-TASKS.md); here only `/api/tasks` lists them.
  'Task',
].filter((name) => !TYPES.some((t) => t.name === name));

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
