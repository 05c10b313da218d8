import type { DemoJob, Fleet, Platform } from '../demo/fleet.js';
import { KINDS } from '../demo/jobs.js';
import { ESX_HOSTS, HV_HOSTS } from '../demo/names.js';
import { shapeOf, type Shape } from '../demo/options.js';
import type { Theme } from '../demo/themes.js';
import { DAY, HOUR } from '../demo/units.js';
import { BackupJobSession, BackupServer, BackupTaskSession, Job, ReplicaJobSession, ReplicaTaskSession } from '../model/all.js';
import { fieldByKey, type EnumField, type TypeDecl } from '../model/index.js';
import { PLATFORMS } from '../model/job.js';
import type { JobRow, ServerRow } from '../model/rows.js';
import { planOrder, type Predicate } from '../query/plan.js';
import type { Store } from '../store/store.js';
import { toEpochMs } from '../util/datetime.js';

/**
 * A live estate for data the demo did not generate (imported or captured): each job is modelled
 * from what the store says of it — its VMs and their sizes from its latest full run's task
 * sessions, its schedule from NextRun (daily at that time of day), its failure model the demo's
 * default — and its story starts when the simulation is first asked for. The model is kept with
 * the estate's state, so a restart tells the same story whatever was written since.
 */

export interface ImportedJob {
  readonly id: string;
  readonly kind: DemoJob['kind'];
  readonly vms: readonly { readonly name: string; readonly size: number; readonly uid?: string }[];
  /** Daily at this many ms after midnight UTC. */
  readonly phase: number;
  /** Its story starts here rather than at the model's start (a job that came later). */
  readonly since?: number;
}

export interface ImportedModel {
  readonly seed: number;
  /** When the story starts: runs come after it. */
  readonly start: number;
  readonly jobs: readonly ImportedJob[];
}

/** A job whose sessions tell nothing of its VMs processes one of this size. */
const DEFAULT_VM_SIZE = 50 * 2 ** 30;
/** Daily jobs without a NextRun or a session start at this time of day. */
const DEFAULT_PHASE = 22 * HOUR;
/** The theme of imported VMs: what the failure and warning texts need of a workload. */
const IMPORTED: Theme = { label: 'Imported', names: [], vms: [], size: [1, 1], change: [0.03, 0.03], os: 'windows' };

const all = (type: TypeDecl, where?: Predicate, sort?: { key: string; desc: boolean }) => ({
  type,
  where,
  order: planOrder(type, sort && { name: fieldByKey(type, sort.key).filter![0], desc: sort.desc }),
  offset: 0,
  limit: -1,
});
const equals = (type: TypeDecl, key: string, value: string | number): Predicate => ({ kind: 'cmp', field: fieldByKey(type, key), op: '==', value });
const both = (a: Predicate, b: Predicate): Predicate => ({ kind: 'and', items: [a, b] });

const kindOf = (jobType: number): DemoJob['kind'] => {
  const name = (fieldByKey(Job, 'jobType') as EnumField).members[jobType];
  return name === 'Replica' ? 'replica' : name === 'Backup' ? 'backup' : 'copy';
};

/** Models every job of the store, its story starting at `start`. */
export async function modelFromStore(store: Store, start: number, seed = 1): Promise<ImportedModel> {
  const jobs: ImportedJob[] = [];
  for (const job of (await store.query(all(Job))).rows) {
    const kind = kindOf(job.jobType as number);
    const [sessionType, taskType] = kind === 'replica' ? [ReplicaJobSession, ReplicaTaskSession] : [BackupJobSession, BackupTaskSession];
    const latest = (await store.query({
      ...all(sessionType, both(equals(sessionType, 'jobId', job.id as string), equals(sessionType, 'isRetry', 0)), { key: 'creationTime', desc: true }),
      limit: 1,
    })).rows[0];
    const tasks = latest ? (await store.query(all(taskType, equals(taskType, 'sessionId', latest.id as string)))).rows : [];
    const vms = tasks.length > 0
      ? tasks.map((t) => ({ name: t.vmDisplayName as string, size: (t.totalSize as number) || DEFAULT_VM_SIZE, uid: (t.vmUid as string | undefined) || undefined }))
      : [{ name: `${job.name as string} VM`, size: DEFAULT_VM_SIZE }];
    const at = job.nextRun ?? latest?.creationTime;
    const phase = typeof at === 'string' ? ((toEpochMs(at) % DAY) + DAY) % DAY : DEFAULT_PHASE;
    jobs.push({ id: job.id as string, kind, vms, phase: Math.floor(phase / 60_000) * 60_000 });
  }
  return { seed, start, jobs };
}

/** The model with the store's jobs it lacks added, their stories starting at `now`. */
export async function withNewJobs(store: Store, model: ImportedModel, now: number): Promise<ImportedModel> {
  const known = new Set(model.jobs.map((j) => j.id));
  const fresh = (await modelFromStore(store, now)).jobs.filter((j) => !known.has(j.id));
  return fresh.length === 0 ? model : { ...model, jobs: [...model.jobs, ...fresh.map((j) => ({ ...j, since: now }))] };
}

/** The fleet a model describes, over the store's current job and server rows (jobs the store lost are left out). */
export async function fleetOf(store: Store, model: ImportedModel): Promise<{ fleet: Fleet; shape: Shape }> {
  const rows = new Map((await store.query(all(Job))).rows.map((r) => [r.id as string, r as unknown as JobRow]));
  const servers = (await store.query(all(BackupServer))).rows as unknown as ServerRow[];
  const replicas: DemoJob[] = [];
  const backups: DemoJob[] = [];
  for (const j of model.jobs) {
    const row = rows.get(j.id);
    if (!row) continue;
    const side = j.kind === 'replica' ? replicas : backups;
    const platform: Platform = PLATFORMS[row.platform] === 'HyperV' ? 'HyperV' : 'VMware';
    const vms = j.vms.map((v) => ({ name: v.name, size: v.size, change: IMPORTED.change[0], theme: IMPORTED, store: 'datastore1' }));
    const hosts = platform === 'VMware' ? ESX_HOSTS : HV_HOSTS;
    const k = KINDS[j.kind];
    side.push({
      index: side.length, kind: j.kind, row, creator: '', theme: IMPORTED,
      sessionJobType: j.kind === 'replica' ? k.sessionJobType : sessionJobTypeOf(row.jobType),
      overhead: k.overhead as unknown as readonly [number, number], platform, vms, hosts: [hosts[0], hosts[1]],
      drawn: DAY, period: DAY, phase: j.phase, slots: k.slots[1], throughput: Math.sqrt(k.throughput[0] * k.throughput[1]) * 2 ** 20,
      forceRunning: false,
      since: j.since,
      // The schedule as the store has it now; operators switch it from here.
      disabledAt: row.scheduleEnabled === 1 ? undefined : -Infinity,
      ...(j.kind === 'replica' ? {} : { uids: new Map(vms.map((v, i) => [v, j.vms[i].uid ?? ''])), repo: 'Default Backup Repository', points: [] }),
    });
  }
  const shape = shapeOf({ seed: model.seed, servers: Math.max(1, servers.length), jobs: replicas.length, backupJobs: backups.length, days: 0, now: model.start });
  return { fleet: { servers, replicas, backups }, shape };
}

/** A backup job's session `JobType` ordinal: the job's own type name in the session enum. */
function sessionJobTypeOf(jobType: number): number {
  const name = (fieldByKey(Job, 'jobType') as EnumField).members[jobType];
  const members = (fieldByKey(BackupJobSession, 'jobType') as EnumField).members;
  return Math.max(0, members.indexOf(name));
}
