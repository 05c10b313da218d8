import { BackupJobSession, BackupTaskSession, ReplicaJobSession, ReplicaTaskSession } from '../model/all.js';
import { jobDeclOf } from '../demo/jobs.js';
import type { Row, TypeDecl } from '../model/index.js';
import { DEMO_META, type DemoOptions } from '../demo/demo.js';
import { fleetOf, modelFromStore, withNewJobs, type ImportedModel } from './imported.js';
import { plan } from '../demo/plan.js';
import { Random } from '../demo/random.js';
import { applyScript, operatorRun, stopSession, type ScriptedRun } from '../demo/runs.js';
import { isRunning, renderSession, type PlannedSession } from '../demo/session.js';
import { Timeline } from '../demo/timeline.js';
import type { DemoJob } from '../demo/fleet.js';
import { sideOf } from '../demo/writer.js';
import type { JobSessionRow, TaskSessionRow } from '../model/rows.js';
import type { StorageChanges } from '../demo/points.js';
import { PARENTS_FIRST } from '../store/schema.js';
import type { Store } from '../store/store.js';
import type { ActionOutcome, Estate, EstateControl, JobAction, RunCounts } from './estate.js';

/**
 * The live estate: the demo fleet's timeline told on as the clock moves. Every catch-up runs
 * what was due since the last one, in order, and writes the sessions it started or that were
 * running, as EM shows them at the new instant, in one transaction. Operators' actions and
 * scripts change what happens next (control plane §2–3).
 */

/** EM's messages for a job action it refuses (the task finishes with Success=false). */
const REFUSED = {
  running: (job: string) => `Job ${job} is already running`,
  idle: (job: string) => `Job ${job} is not running`,
  notFailed: (job: string) => `Job ${job} cannot be retried: its last session did not fail`,
  unreachable: (job: string) => `Backup server of job ${job} is unavailable`,
} as const;

export const STOPPED_BY_USER = 'Job has been stopped by user';

const SIDE_TYPES = {
  replica: [ReplicaJobSession, ReplicaTaskSession],
  backup: [BackupJobSession, BackupTaskSession],
} as const;

/**
 * A write of at least this many rows is a bulk write (see `WriteOptions.bulk`): a catch-up
 * over a long stop. Routine catch-ups (the first after loading a 1M-session estate at
 * `--speed 600` writes ≈ 40k rows) are as fast without the bulk writer's large page cache,
 * which would stay resident (docs/PERF-PROFILE.md, fifth look).
 */
const BULK_ROWS = 100_000;

/**
 * Rows waiting to be written, per type and id (a later version of a row replaces an earlier
 * one), and ids waiting to be deleted (a row deleted before it was written is never written).
 */
class Batch {
  readonly rows = new Map<TypeDecl, Map<string, Row>>();
  readonly deletes = new Map<TypeDecl, Set<string>>();
  get size(): number {
    let n = 0;
    for (const rows of this.rows.values()) n += rows.size;
    return n;
  }
  add(type: TypeDecl, row: object): void {
    let rows = this.rows.get(type);
    if (!rows) this.rows.set(type, (rows = new Map()));
    rows.set((row as Row).id as string, row as Row);
  }
  remove(type: TypeDecl, id: string): void {
    this.rows.get(type)?.delete(id);
    let ids = this.deletes.get(type);
    if (!ids) this.deletes.set(type, (ids = new Set()));
    ids.add(id);
  }
  /** The storage chain's changes of one advance. */
  addStorage({ upserts, deletes }: StorageChanges): void {
    for (const [type, ids] of deletes) for (const id of ids) this.remove(type, id);
    for (const [type, rows] of upserts) for (const row of rows) this.add(type, row);
  }
  /** Writes the rows, and with them how far the estate has run (`state`), in one transaction. */
  async write(store: Store, state: SimulationState): Promise<void> {
    // The declarations' write order: parents before children; deletes children first.
    // A long catch-up writes like a load (a larger cache, indexes rebuilt when that is cheaper).
    await store.write(async (w) => {
      for (const type of [...PARENTS_FIRST].reverse()) {
        const ids = this.deletes.get(type);
        if (ids && ids.size > 0) await w.delete(type, [...ids]);
      }
      for (const type of PARENTS_FIRST) {
        const rows = this.rows.get(type);
        if (rows && rows.size > 0) await w.upsert(type, [...rows.values()]);
      }
      await w.putMeta(ESTATE_META, JSON.stringify(state));
    }, { bulk: this.size >= BULK_ROWS });
  }
}

/** The meta entry holding the `SimulationState` (beside the demo's own, `DEMO_META`). */
const ESTATE_META = 'estate';

/** What the estate tells the story of, and how far it has told it. */
export interface SimulationState {
  /** The demo the data was seeded from (its `now` is the seed's instant)… */
  readonly demo?: DemoOptions;
  /** …or the model of data the demo did not generate (see `imported.ts`). */
  readonly imported?: ImportedModel;
  /** The instant the estate has been run up to. */
  readonly until: number;
}

export class Simulation implements Estate, EstateControl {
  /** Runs the engine on its own as the clock moves (off: only explicit catch-ups and actions). */
  enabled = true;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly operatorRng = new Map<DemoJob, Random>();
  /** Rows shown but not yet committed (a failed write leaves them here for the next one). */
  private pending = new Batch();
  /**
   * Rows of running sessions as last committed: a catch-up writes only the rows that changed
   * (a running session's finished tasks are shown again at every catch-up).
   */
  private readonly shown = new Map<string, string>();
  /** What the pending rows will make of `shown` once committed (undefined: forget the row). */
  private showing = new Map<string, string | undefined>();

  private constructor(
    private readonly store: Store,
    private readonly timeline: Timeline,
    private readonly source: Omit<SimulationState, 'until'>,
  ) {}

  /**
   * The estate of `state` (a demo, or a model of other data), told up to `state.until` again
   * (nothing is written: the store holds it already), ready to go on from there.
   */
  static async resume(store: Store, state: SimulationState): Promise<Simulation> {
    const { demo, imported } = state;
    const { shape, fleet } = demo ? plan(demo) : await fleetOf(store, imported!);
    const timeline = new Timeline(fleet, shape);
    await timeline.advance(Math.max(shape.now, state.until), {});
    return new Simulation(store, timeline, demo ? { demo } : { imported });
  }

  /**
   * The estate of the store's data, run up to where it was last: demo data always (from the
   * seed's instant the first time); other data only when `imported` asks for it, from `now`
   * the first time (its jobs modelled then and kept). Undefined: nothing to simulate.
   */
  static async load(store: Store, options: { imported?: boolean; now: number }): Promise<Simulation | undefined> {
    const saved = await store.getMeta(ESTATE_META);
    const state = saved === undefined ? undefined : (JSON.parse(saved) as SimulationState);
    const demoText = await store.getMeta(DEMO_META);
    if (demoText !== undefined) {
      const demo = JSON.parse(demoText) as DemoOptions;
      // A state saved for another demo (the data was seeded again since) does not apply.
      const until = state?.demo !== undefined && JSON.stringify(state.demo) === demoText ? state.until : demo.now;
      return Simulation.resume(store, { demo, until });
    }
    if (!options.imported) return undefined;
    const { now } = options;
    // Jobs imported since the model was made join it, their stories starting now.
    const imported = state?.imported ? await withNewJobs(store, state.imported, Math.max(now, state.until)) : await modelFromStore(store, now);
    const simulation = await Simulation.resume(store, { imported, until: state?.imported ? state.until : now });
    if (imported !== state?.imported) await simulation.commit();
    return simulation;
  }

  /** How far the stored estate has run (what the node that runs it committed last), if it ever ran. */
  static async storedUntil(store: Store): Promise<number | undefined> {
    const saved = await store.getMeta(ESTATE_META);
    return saved === undefined ? undefined : (JSON.parse(saved) as SimulationState).until;
  }

  /** Whether `load` would find an estate in the store's data (without telling its story). */
  static async simulates(store: Store, options: { imported?: boolean }): Promise<boolean> {
    return options.imported === true || (await store.getMeta(DEMO_META)) !== undefined;
  }

  get state(): SimulationState {
    return { ...this.source, until: this.timeline.until };
  }

  get jobs(): number {
    return this.timeline.jobs;
  }

  get running(): number {
    return this.timeline.running;
  }

  /** One change at a time, in the order asked. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => undefined);
    return next;
  }

  catchUp(now: number): Promise<RunCounts> {
    return this.serial(() => this.advance(now));
  }

  status() {
    return { enabled: this.enabled, jobs: this.timeline.jobs, running: this.timeline.running };
  }

  setEnabled(enabled: boolean): void {
    this.enabled = enabled;
  }

  private async advance(now: number): Promise<RunCounts> {
    if (!this.enabled || now <= this.timeline.until) return { sessionsStarted: 0, sessionsFinished: 0 };
    const ran = await this.timeline.advance(now, {
      session: (job, row, tasks) => this.offer(job, row, tasks),
      job: (row, job) => this.pending.add(jobDeclOf(job), row),
      storage: (changes) => this.pending.addStorage(changes),
    });
    await this.commit();
    return ran;
  }

  /** Queues what changed of a session and its tasks as shown now. */
  private offer(job: DemoJob, row: JobSessionRow, tasks: readonly TaskSessionRow[]): void {
    const [sessionType, taskType] = SIDE_TYPES[sideOf(job)];
    // A stopped session never changes again: its rows need not be remembered.
    const final = row.endTime !== null;
    const one = (type: TypeDecl, r: JobSessionRow | TaskSessionRow) => {
      const text = JSON.stringify(r);
      if (this.shown.get(r.id) !== text) this.pending.add(type, r);
      this.showing.set(r.id, final ? undefined : text);
    };
    one(sessionType, row);
    for (const t of tasks) one(taskType, t);
  }

  /** Writes the pending rows with the estate's state; kept for the next try if that fails. */
  private async commit(): Promise<void> {
    await this.pending.write(this.store, this.state);
    this.pending = new Batch();
    for (const [id, text] of this.showing) {
      if (text === undefined) this.shown.delete(id);
      else this.shown.set(id, text);
    }
    this.showing = new Map();
  }

  jobAction(jobId: string, action: JobAction, now: number): Promise<ActionOutcome | undefined> {
    return this.serial(async () => {
      const job = this.timeline.jobById(jobId);
      if (!job) return undefined;
      // Everything due before the action happens first.
      await this.advance(now);
      return this.act(job, action, now);
    });
  }

  private async act(job: DemoJob, action: JobAction, now: number): Promise<ActionOutcome> {
    const name = job.row.name;
    const last = this.timeline.lastOf(job);
    const running = last !== undefined && isRunning(last, now);
    if (action === 'toggleScheduleEnabled') {
      // The switch is EM's record of the job: it changes even while the server is unreachable.
      this.timeline.switchSchedule(job, !this.timeline.scheduleEnabled(job, now));
      await this.writeJob(job, now);
      return { ok: true, message: '' };
    }
    if (!this.timeline.isReachable(job.row.serverId)) return { ok: false, message: REFUSED.unreachable(name) };
    if (action === 'stop') {
      if (!running) return { ok: false, message: REFUSED.idle(name) };
      stopSession(last, now, STOPPED_BY_USER);
      await this.writeSession(last, now);
      return { ok: true, message: '', session: this.ref(last) };
    }
    if (running) return { ok: false, message: REFUSED.running(name) };
    if (action === 'retry' && (last === undefined || last.result !== 'Failed')) return { ok: false, message: REFUSED.notFailed(name) };
    const session = operatorRun(job, this.timeline.shape, this.rngOf(job), now, action === 'retry' ? last : undefined);
    const script = this.timeline.takeScript(job);
    if (script) applyScript(session, script);
    this.timeline.adopt(job, session);
    await this.writeSession(session, now);
    return { ok: true, message: '', session: this.ref(session) };
  }

  /** The job's next runs end as scripted (control plane §2); an empty list drops the script. */
  script(jobId: string, runs: readonly ScriptedRun[]): boolean {
    const job = this.timeline.jobById(jobId);
    if (!job) return false;
    this.timeline.script(job, runs);
    return true;
  }

  setServerReachable(serverId: string, reachable: boolean): boolean {
    if (!this.timeline.hasServer(serverId)) return false;
    this.timeline.setReachable(serverId, reachable);
    return true;
  }

  isReachable(serverId: string): boolean {
    return this.timeline.isReachable(serverId);
  }

  private ref(s: PlannedSession): ActionOutcome['session'] {
    return { type: sideOf(s.job) === 'replica' ? 'ReplicaJobSession' : 'BackupJobSession', id: s.id };
  }

  private rngOf(job: DemoJob): Random {
    let rng = this.operatorRng.get(job);
    if (!rng) this.operatorRng.set(job, (rng = Random.derive(this.timeline.shape.seed, 'operator', job.kind, job.index)));
    return rng;
  }

  private async writeSession(s: PlannedSession, now: number): Promise<void> {
    const { row, tasks } = renderSession(s, now);
    this.offer(s.job, row, tasks);
    await this.commit();
  }

  private async writeJob(job: DemoJob, now: number): Promise<void> {
    this.timeline.refreshJobRow(job, now);
    this.pending.add(jobDeclOf(job), job.row);
    await this.commit();
  }
}
