import type { JobRow, JobSessionRow, TaskSessionRow } from '../model/rows.js';
import { fleetJobs, type DemoJob, type Fleet } from './fleet.js';
import type { Shape } from './options.js';
import { jobTimeline, type RunControl, type ScriptedRun, type Step } from './runs.js';
import { nextRunOf } from './schedules.js';
import { StorageChains, type StorageChanges } from './points.js';
import { isRunning, renderSession, type PlannedSession } from './session.js';

/**
 * The whole fleet's story up to a moving instant. `advance(now)` starts every run due by
 * `now` in time order, job by job (a copy job after the backup job it copies), and shows every
 * session that started since, or was still running, as EM shows it at `now`. Seeding a history
 * is one `advance` to the seed's `now`; the live estate advances the same timeline as the
 * clock moves, so the seeded history and what follows are one story.
 */

/** What an advance hands on: sessions as shown at its `now`, and job rows that changed. */
export interface TimelineSink {
  /** Absent: the sessions are not shown (replaying a story told before). */
  session?(job: DemoJob, row: JobSessionRow, tasks: readonly TaskSessionRow[]): void | Promise<void>;
  /** `job` says which table the row is of (VM, agent and file share jobs have their own). */
  job?(row: JobRow, job: DemoJob): void | Promise<void>;
  /** The storage chain's rows to write and delete (absent: stored before, as when replaying; not made). */
  storage?(changes: StorageChanges): void | Promise<void>;
}

export interface Advanced {
  /** Job sessions (not task sessions) that started, and that finished, during the advance. */
  readonly sessionsStarted: number;
  readonly sessionsFinished: number;
}

interface Runner {
  readonly job: DemoJob;
  readonly story: Generator<Step, void, void>;
  step: IteratorResult<Step, void>;
}

export class Timeline implements RunControl {
  private readonly runners: Runner[];
  private readonly byId: Map<string, Runner>;
  /** Sessions running at `until`. */
  private readonly active = new Set<PlannedSession>();
  private readonly last = new Map<DemoJob, PlannedSession>();
  private readonly scripts = new Map<DemoJob, ScriptedRun[]>();
  /** Schedules an operator switched (true: enabled), overriding the demo's own. */
  private readonly switched = new Map<DemoJob, boolean>();
  private readonly unreachable = new Set<string>();
  /** The instant the story has been told up to. */
  until = -Infinity;
  /** Restore points, backup files and repositories, as the finished sessions leave them. */
  private readonly storage: StorageChains;

  constructor(readonly fleet: Fleet, readonly shape: Shape) {
    this.runners = fleetJobs(fleet).map((job) => {
      const story = jobTimeline(job, shape, this);
      return { job, story, step: story.next() };
    });
    this.byId = new Map(this.runners.map((r) => [r.job.row.id, r]));
    this.storage = new StorageChains(fleet, shape.seed);
  }

  jobById(id: string): DemoJob | undefined {
    return this.byId.get(id.toLowerCase())?.job;
  }

  get jobs(): number {
    return this.runners.length;
  }

  get running(): number {
    return this.active.size;
  }

  /** The job's latest session, if it has one. */
  lastOf(job: DemoJob): PlannedSession | undefined {
    return this.last.get(job);
  }

  // RunControl: what the stories ask when a run is due.
  runs(job: DemoJob, at: number): boolean {
    return !this.unreachable.has(job.row.serverId) && this.scheduleEnabled(job, at);
  }

  takeScript(job: DemoJob): ScriptedRun | undefined {
    const queue = this.scripts.get(job);
    const next = queue?.shift();
    if (queue && queue.length === 0) this.scripts.delete(job);
    return next;
  }

  busyUntil(job: DemoJob): number {
    return this.last.get(job)?.end ?? -Infinity;
  }

  started(job: DemoJob, session: PlannedSession): void {
    this.last.set(job, session);
  }

  /** Whether the job's schedule is enabled at `at`: the demo disables some jobs at a time in the past. */
  scheduleEnabled(job: DemoJob, at: number): boolean {
    return this.switched.get(job) ?? (job.disabledAt === undefined || at < job.disabledAt);
  }

  /** The job's next runs end as scripted (in order), then as its model says again. */
  script(job: DemoJob, runs: readonly ScriptedRun[]): void {
    if (runs.length === 0) this.scripts.delete(job);
    else this.scripts.set(job, [...runs]);
  }

  switchSchedule(job: DemoJob, enabled: boolean): void {
    this.switched.set(job, enabled);
  }

  /**
   * An unreachable server's jobs do not start runs, and its sessions in progress are not shown
   * again (they go on, and show as they are then once it is reachable again).
   */
  setReachable(serverId: string, reachable: boolean): void {
    if (reachable) this.unreachable.delete(serverId.toLowerCase());
    else this.unreachable.add(serverId.toLowerCase());
  }

  isReachable(serverId: string): boolean {
    return !this.unreachable.has(serverId.toLowerCase());
  }

  hasServer(serverId: string): boolean {
    return this.fleet.servers.some((s) => s.id === serverId.toLowerCase());
  }

  /** A session started outside the story (by an operator): shown from now on like the others. */
  adopt(job: DemoJob, session: PlannedSession): void {
    this.last.set(job, session);
    this.active.add(session);
  }

  /**
   * Tells the story up to `now` (never backwards): the sessions running before and those
   * started since, shown at `now`; job rows whose NextRun or ScheduleEnabled changed.
   */
  async advance(now: number, sink: TimelineSink): Promise<Advanced> {
    let sessionsStarted = 0;
    let sessionsFinished = 0;
    const replaying = sink.storage === undefined;
    const show = async (s: PlannedSession) => {
      if (!sink.session) return;
      const { row, tasks } = renderSession(s, now);
      await sink.session(s.job, row, tasks);
    };
    for (const s of [...this.active]) {
      // EM does not hear from an unreachable server: its sessions stay as last collected.
      if (this.unreachable.has(s.job.row.serverId)) continue;
      await show(s);
      if (!isRunning(s, now)) {
        this.active.delete(s);
        sessionsFinished++;
        this.storage.finished(s, replaying);
      }
    }
    for (const r of this.runners) {
      for (; !r.step.done; r.step = r.story.next()) {
        const step = r.step.value;
        if (step.kind === 'due' && step.at > now) break;
        if (step.kind === 'due') continue;
        const s = step.session;
        sessionsStarted++;
        if (isRunning(s, now)) this.active.add(s);
        else {
          sessionsFinished++;
          this.storage.finished(s, replaying);
        }
        await show(s);
      }
    }
    if (sink.job) {
      for (const r of this.runners) {
        const row = this.refreshJobRow(r.job, now);
        if (row) await sink.job(row, r.job);
      }
    }
    if (sink.storage) await sink.storage(this.storage.drain());
    else this.storage.forget();
    this.until = Math.max(this.until, now);
    return { sessionsStarted, sessionsFinished };
  }

  /** The job's row updated to `now` (NextRun, ScheduleEnabled), if that changed it. */
  refreshJobRow(job: DemoJob, now: number): JobRow | undefined {
    const enabled = this.scheduleEnabled(job, now);
    const nextRun = enabled ? nextRunOf(job.period, job.phase, now, undefined, job.weekdaysOnly) : null;
    const scheduleEnabled = enabled ? 1 : 0;
    if (job.row.nextRun === nextRun && job.row.scheduleEnabled === scheduleEnabled) return undefined;
    job.row.nextRun = nextRun;
    job.row.scheduleEnabled = scheduleEnabled;
    return job.row;
  }
}
