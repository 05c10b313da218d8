import { MIN_PERIOD, type ScheduleMix } from './schedules.js';

/** What a caller asks of the generator, what it reports back, and the options with defaults applied. */

export interface DemoOptions {
  /** Random seed (default 1). */
  seed?: number;
  /** Backup servers (default 3; scaled with the job count when `sessions` scales the jobs). */
  servers?: number;
  /** Replication jobs (default 12). */
  jobs?: number;
  /** Backup jobs (about 3/4 Backup, 1/4 BackupCopy; default 12). */
  backupJobs?: number;
  /** Days of history up to `now` (default 30). */
  days?: number;
  /** The generator's "now" (epoch ms): no session starts or ends after it. */
  now: number;
  /**
   * Mean VMs per job. Default: 1–8 per job, mean ≈ 3.8. With a value each job gets about
   * 0.26–2.1 × N VMs (the default mix, scaled), at least one.
   */
  vmsPerJob?: number;
  /**
   * Total job sessions (replica + backup) to aim for. Without `jobs` and `backupJobs` the job
   * counts are scaled (as many backup as replication jobs, servers scaled along unless given);
   * with either given the job counts stay and the schedules get denser or sparser instead.
   * The generator estimates each job's sessions from its schedule (exactly) and its expected
   * failures, retries and run lengths, picks the job count (or density) whose estimate is just
   * above the target, then lets a few jobs (picked by the seed) have been created during the
   * window until the estimate is the target: the result lands within a few % (typically 1–2 %).
   */
  sessions?: number;
  /**
   * Chance that a run (scheduled or retry) of an ordinary job fails, 0–1, so about this
   * fraction of all sessions fail (a little more: flaky jobs fail at least 20 % of their runs
   * and the few broken ones every run; 0 means no failures at all). Default: 3.5 % of scheduled
   * runs and 12 % of retries fail (with the broken and flaky jobs about 4–6 % of all sessions).
   */
  failureRate?: number;
  /** At most this many automatic retries after a failed run (default 2; broken jobs N + 1). */
  retries?: number;
  /** Schedule mix of replication and backup jobs: `[period ms (0 = continuous), weight]`. */
  schedules?: ScheduleMix;
  /** Called once the fleet is planned, after every batch of rows, and as the indexes are built. */
  onProgress?: (event: DemoProgress) => void;
  /**
   * Deletes every server, job and session of the store in the same transaction first (users
   * and logons stay), so the fleet loads as into a new database instead of row by row upserts.
   */
  replace?: boolean;
}

export type DemoProgress =
  | { readonly phase: 'planned'; readonly plan: DemoPlan }
  | { readonly phase: 'sessions'; readonly done: number; readonly expected: number }
  /** The rows are written; then, if the store reports them, the steps of its deferred work (indexes, statistics). */
  | { readonly phase: 'indexing'; readonly done: number; readonly expected: number; readonly step?: { done: number; total: number } };

export const DEMO_DEFAULTS = Object.freeze({ seed: 1, servers: 3, jobs: 12, backupJobs: 12, days: 30, retries: 2 });

export interface DemoCounts {
  servers: number;
  /** All jobs (replication and backup). */
  jobs: number;
  /** Replica job and task sessions. */
  sessions: number;
  tasks: number;
  /** Backup job and task sessions (agent and file-share sessions among them). */
  backupSessions: number;
  backupTasks: number;
  /** Veeam Agent and file-share (NAS) backup jobs, in tables of their own. */
  agentJobs: number;
  nasJobs: number;
  /** Repositories, and the restore points retention kept at `now`. */
  repositories: number;
  restorePoints: number;
}

/** What a generator run will write: the fleet shape and the sessions it expects. */
export interface DemoPlan {
  readonly seed: number;
  readonly servers: number;
  readonly jobs: number;
  readonly backupJobs: number;
  readonly days: number;
  /** Schedule density factor: 2 = twice as many scheduled runs as the schedules say. */
  readonly density: number;
  /** Expected job sessions (replica + backup), the progress denominator. */
  readonly expectedSessions: number;
  /** The `sessions` target, if any. */
  readonly target?: number;
}

/** Failure probabilities of a run. */
export interface Rates {
  /** A scheduled run of an ordinary job. */
  readonly first: number;
  /** A retry. */
  readonly retry: number;
  /** A scheduled run of a flaky job. */
  readonly flaky: number;
  /** There are broken and flaky jobs at all. */
  readonly troubled: boolean;
}

const DEFAULT_RATES: Rates = { first: 0.035, retry: 0.12, flaky: 0.2, troubled: true };

function ratesFor(failureRate: number | undefined): Rates {
  if (failureRate === undefined) return DEFAULT_RATES;
  return { first: failureRate, retry: failureRate, flaky: Math.min(0.9, Math.max(0.2, 2 * failureRate)), troubled: failureRate > 0 };
}

/** Options with every default applied and the fleet shape decided. */
export interface Shape {
  readonly seed: number;
  readonly servers: number;
  readonly jobs: number;
  readonly backupJobs: number;
  readonly days: number;
  readonly now: number;
  readonly vmsPerJob?: number;
  readonly retries: number;
  readonly rates: Rates;
  readonly schedules?: ScheduleMix;
  /** Schedule periods are divided by this (1: as drawn). */
  readonly density: number;
}

/** The options with their defaults, checked; a `sessions` target may still change the shape. */
export function shapeOf(input: DemoOptions): Shape {
  const shape: Shape = {
    seed: input.seed ?? DEMO_DEFAULTS.seed,
    servers: input.servers ?? DEMO_DEFAULTS.servers,
    jobs: input.jobs ?? DEMO_DEFAULTS.jobs,
    backupJobs: input.backupJobs ?? DEMO_DEFAULTS.backupJobs,
    days: input.days ?? DEMO_DEFAULTS.days,
    now: input.now,
    vmsPerJob: input.vmsPerJob,
    retries: input.retries ?? DEMO_DEFAULTS.retries,
    rates: ratesFor(input.failureRate),
    schedules: input.schedules,
    density: 1,
  };
  validate(shape);
  return shape;
}

function validate(o: Shape): void {
  for (const key of ['servers', 'jobs', 'backupJobs', 'days', 'retries'] as const) {
    if (!Number.isInteger(o[key]) || o[key] < 0) throw new RangeError(`demo ${key} must be a non-negative integer`);
  }
  if (!Number.isFinite(o.seed)) throw new RangeError('demo seed must be a finite number');
  if (!Number.isFinite(o.now)) throw new RangeError('demo now must be epoch milliseconds');
  if ((o.jobs > 0 || o.backupJobs > 0) && o.servers === 0) throw new RangeError('demo jobs need at least one backup server');
  if (o.vmsPerJob !== undefined && !(Number.isFinite(o.vmsPerJob) && o.vmsPerJob >= 1)) throw new RangeError('demo vmsPerJob must be at least 1');
  const { first } = o.rates;
  if (!(first >= 0 && first <= 1)) throw new RangeError('demo failureRate must be between 0 and 1');
  for (const [period, weight] of o.schedules ?? []) {
    if (!(Number.isFinite(period) && (period === 0 || period >= MIN_PERIOD) && weight > 0)) {
      throw new RangeError('demo schedules need periods of 0 (continuous) or at least 5 minutes, and positive weights');
    }
  }
}
