import type { Store } from '../store/store.js';
import { countOf, declaredType, rowsOf, type Question } from './figures.js';
import type { VmState } from './vm-states.js';

/** `GET /reports/summary/vms_overview`, computed (docs/em-surface/reports.md §vms_overview). */
export interface VmsOverview {
  readonly protectedVms: number;
  readonly backedUpVms: number;
  readonly replicatedVms: number;
  readonly restorePoints: number;
  readonly fullBackupPointsSize: number;
  readonly incrementalBackupPointsSize: number;
  readonly replicaRestorePointsSize: number;
  readonly sourceVmsSize: number;
  readonly successBackupPercents: number;
}

/** A question about a type the registry may not declare yet: nothing to read until it does. */
const about = (typeName: string, filter?: string): Question | undefined => {
  const type = declaredType(typeName);
  return type && { type, filter };
};

/** Bytes of the backup files a question finds. */
async function bytesOf(store: Store, q: Question | undefined): Promise<number> {
  if (!q) return 0;
  let sum = 0;
  for (const f of await rowsOf(store, q)) sum += Number(f.backupSize);
  return sum;
}

/** VM names (lower-cased) that have a VM restore point: the backed-up VMs. */
async function backedUpVms(store: Store): Promise<Set<string>> {
  const q = about('VmRestorePoint');
  return new Set(q ? (await rowsOf(store, q)).map((p) => (p.vmName as string).toLowerCase()) : []);
}

const done = (s: VmState) => s.result === 'Success' || s.result === 'Warning';

/**
 * Backed-up VMs are those with a restore point; replicated VMs those whose latest replication
 * in some job succeeded (the store holds no replica points); protected VMs either. Sizes are
 * the backup files' (fulls `.vbk`; increments `.vib` and reversed `.vrb`), the replicas' 0,
 * and the source size the protected VMs' sizes as last processed. The success share is of the
 * backed-up side's VM latest states: the part that succeeded (warnings included), in whole
 * percent, 0 while there are none.
 */
export async function vmsOverview(store: Store, states: readonly VmState[]): Promise<VmsOverview> {
  const backedUp = await backedUpVms(store);
  const replicated = new Set(states.filter((s) => s.side === 'Replica' && done(s)).map((s) => s.vm));
  const protectedVms = new Set([...backedUp, ...replicated]);
  const sizes = new Map<string, number>();
  for (const s of states) if (protectedVms.has(s.vm)) sizes.set(s.vm, Math.max(sizes.get(s.vm) ?? 0, s.totalSize));
  const backupStates = states.filter((s) => s.side === 'Backup');
  const restorePoints = about('RestorePoint');
  return {
    protectedVms: protectedVms.size,
    backedUpVms: backedUp.size,
    replicatedVms: replicated.size,
    restorePoints: restorePoints ? await countOf(store, restorePoints) : 0,
    fullBackupPointsSize: await bytesOf(store, about('BackupFile', 'FileType==vbk')),
    incrementalBackupPointsSize: await bytesOf(store, about('BackupFile', 'FileType!=vbk')),
    replicaRestorePointsSize: 0,
    sourceVmsSize: [...sizes.values()].reduce((a, b) => a + b, 0),
    successBackupPercents: backupStates.length === 0 ? 0 : Math.floor((100 * backupStates.filter(done).length) / backupStates.length),
  };
}
