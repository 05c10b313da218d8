import type { DemoJob, Vm } from './fleet.js';
import type { Shape } from './options.js';
import { AGENT_FAILURES, NAS_FAILURES } from './agent-nas-outcomes.js';
import { BACKUP_FAILURES, decideOutcome, REPLICA_FAILURES, SUCCESS, type FailureModel, type Outcome } from './outcomes.js';
import { Random } from './random.js';
import { firstSlot } from './schedules.js';
import { msStamp } from './stamps.js';
import { failedVms, planSession, type PlannedSession, type Run } from './session.js';
import { plannerOf } from './transfer.js';
import { DAY, isWeekend, MIN, SEC } from './units.js';

/**
 * A job's story, told in time order and without end: its scheduled runs (skipped while the
 * previous run or its retries still go on; continuous jobs minutes after the previous run
 * ended), each failed run followed by retries of its failed VMs. The story is a generator that
 * first says when the next run is due and, resumed at that time, plans it: whatever an operator
 * changed meanwhile (a script, the schedule switched off, the server unreachable) applies.
 */

/** Where a job's sessions begin: the window start, or its creation during the window. */
export const historyStart = (job: DemoJob, shape: Shape) => Math.max(shape.now - shape.days * DAY, job.since ?? -Infinity);

/** The most retries after a failed run that started at `start`: a broken job tries once more. */
const maxRetriesOf = (job: DemoJob, shape: Shape, start: number) =>
  job.brokenFrom !== undefined && start >= job.brokenFrom && shape.retries > 0 ? shape.retries + 1 : shape.retries;

export type Step =
  /** A run is due at `at`: resume the story at that time. */
  | { readonly kind: 'due'; readonly at: number }
  | { readonly kind: 'session'; readonly session: PlannedSession };

/** How a scripted run ends instead of as the job's model says (control plane §2). */
export interface ScriptedRun {
  readonly result?: Outcome['result'];
  readonly failureMessage?: string;
  /** Run time in ms instead of the planned one. */
  readonly duration?: number;
  /** Keeps running until stopped. */
  readonly hang?: boolean;
}

/** What an operator decides about a job's runs; consulted when a run is due. */
export interface RunControl {
  /** Whether a run due at `at` starts (its schedule is enabled and its server reachable). */
  runs(job: DemoJob, at: number): boolean;
  /** The next run's script, taken (undefined: the job's model decides). */
  takeScript(job: DemoJob): ScriptedRun | undefined;
  /** When the job is free again (the end of its last run, scheduled or started by hand). */
  busyUntil(job: DemoJob): number;
  /** Records a run the story started. */
  started(job: DemoJob, session: PlannedSession): void;
}

/**
 * Each kind's session stream label and how its runs fail. Replica streams keep their own labels
 * (the replica side is the same with or without backups); agent and file share jobs have their
 * own, so the VM jobs' stories stay as they were before those joined.
 */
const STORIES: Record<DemoJob['kind'], readonly [label: string, failures: FailureModel]> = {
  replica: ['sessions', REPLICA_FAILURES],
  backup: ['backup-sessions', BACKUP_FAILURES],
  copy: ['backup-sessions', BACKUP_FAILURES],
  agent: ['agent-sessions', AGENT_FAILURES],
  nas: ['nas-sessions', NAS_FAILURES],
};

/** The story of `job` (its random draws from one stream of the seed). */
export function* jobTimeline(job: DemoJob, shape: Shape, control: RunControl): Generator<Step, void, void> {
  const [label, failures] = STORIES[job.kind];
  const rng = Random.derive(shape.seed, label, job.index);
  const planner = plannerOf(job);
  let copied = true;
  const begin = (run: Run): PlannedSession => {
    const session = planSession(job, run, rng);
    const script = control.takeScript(job);
    if (script) applyScript(session, script);
    copied = session.result !== 'Failed';
    if (copied && Number.isFinite(session.end)) job.points?.push(session.end);
    control.started(job, session);
    return session;
  };

  const { period, phase } = job;
  const continuous = period === 0;
  const from = historyStart(job, shape);
  let t = continuous ? from + rng.int(0, 59) * MIN : firstSlot(period, phase, from);
  for (; ; t = continuous ? Math.max(control.busyUntil(job), t) + rng.int(1, 5) * MIN + rng.int(0, 59) * SEC : t + period) {
    if (job.weekdaysOnly && isWeekend(t)) continue;
    const start = t + rng.int(2, 40) * SEC + rng.int(0, 999);
    yield { kind: 'due', at: start };
    if (start < control.busyUntil(job) || !control.runs(job, start)) {
      if (continuous) t = start;
      continue;
    }
    // The seed's `now` catches some jobs mid-run: their run in progress then is stretched past it.
    const runsPast = job.forceRunning && t + period > shape.now && start <= shape.now ? shape.now : undefined;
    const outcome = runsPast !== undefined ? SUCCESS : decideOutcome(failures, job, job.vms, start, false, rng, shape.rates);
    const plan = planner.run(start, copied);
    let last = begin({ vms: job.vms, start, outcome, isRetry: false, runsPast, plan });
    yield { kind: 'session', session: last };

    // Retries come 10–30 minutes after the failure and process the failed VMs again.
    for (let retry = 0, max = maxRetriesOf(job, shape, start); Number.isFinite(last.end) && last.result === 'Failed' && retry < max; retry++) {
      if (!rng.chance(retry === 0 ? 0.85 : 0.6)) break;
      const retryStart = last.end + rng.int(10, 30) * MIN + rng.int(0, 59) * SEC + rng.int(0, 999);
      const vms: readonly Vm[] = failedVms(last);
      const retryOutcome = decideOutcome(failures, job, vms, retryStart, true, rng, shape.rates);
      yield { kind: 'due', at: retryStart };
      if (retryStart < control.busyUntil(job) || !control.runs(job, retryStart)) break;
      last = begin({ vms, start: retryStart, outcome: retryOutcome, isRetry: true, plan: planner.retry(retryStart, copied, plan) });
      yield { kind: 'session', session: last };
    }
  }
}

/** Makes a planned session end as scripted: its result, message, run time, or no end at all. */
export function applyScript(session: PlannedSession, script: ScriptedRun): void {
  if (script.duration !== undefined) resize(session, script.duration);
  if (script.result !== undefined) {
    session.result = script.result;
    const message = script.failureMessage ?? (script.result === 'Failed' ? 'Scripted failure' : script.result === 'Warning' ? 'Scripted warning' : '');
    session.message = script.result === 'Success' ? null : message;
    session.tasks.forEach((t, i) => {
      // A scripted failure fails every VM; a warning is the first VM's.
      const affected = script.result === 'Failed' || (script.result === 'Warning' && i === 0);
      t.result = affected ? script.result! : 'Success';
      t.reason = affected ? message : '';
    });
  }
  if (script.hang) {
    session.end = Infinity;
    const last = session.tasks.reduce<(typeof session.tasks)[number] | undefined>((a, b) => (a === undefined || b.end > a.end ? b : a), undefined);
    if (last) last.end = Infinity;
  }
}

/** Rescales a planned session's task times so that it runs `duration` ms. */
function resize(session: PlannedSession, duration: number): void {
  const { start } = session;
  const f = duration / Math.max(1, session.end - start);
  for (const t of session.tasks) {
    t.procStart = start + Math.round((t.procStart - start) * f);
    t.end = Math.max(t.created, start + Math.round((t.end - start) * f));
    t.endStamp = msStamp(t.end);
  }
  session.end = start + duration;
  session.endStamp = msStamp(session.end);
}

/**
 * A run an operator starts at `at` (control plane §3): the whole job, or, as a retry, the VMs
 * that failed in `retryOf`. It moves what an incremental run moves; `rng` is the job's
 * operator stream, so scheduled runs draw as they would without it.
 */
export function operatorRun(job: DemoJob, shape: Shape, rng: Random, at: number, retryOf?: PlannedSession): PlannedSession {
  const failures = STORIES[job.kind][1];
  // A run stopped before it reached any VM has none failed: its retry processes them all.
  const failed = retryOf ? failedVms(retryOf) : [];
  const vms = failed.length > 0 ? failed : job.vms;
  const outcome = decideOutcome(failures, job, vms, at, retryOf !== undefined, rng, shape.rates);
  return planSession(job, { vms, start: at, outcome, isRetry: retryOf !== undefined }, rng);
}

/** Ends a running session at `at` as stopped by an operator: unfinished tasks fail, tasks not yet created never appear. */
export function stopSession(session: PlannedSession, at: number, message: string): void {
  const tasks = session.tasks.filter((t) => t.created <= at);
  session.tasks.length = 0;
  for (const t of tasks) {
    if (t.end >= at) {
      t.end = at;
      t.endStamp = msStamp(at);
      t.result = 'Failed';
      t.reason = message;
    }
    session.tasks.push(t);
  }
  session.end = at;
  session.endStamp = msStamp(at);
  session.result = 'Failed';
  session.message = message;
}
