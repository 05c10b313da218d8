import type { DateTime } from '../util/datetime.js';
import { JOB_SESSION_STATES, RESULT_MEMBERS, TASK_STATES } from '../model/fields.js';
import { sessionName, type BackupTaskSessionRow, type JobSessionRow, type TaskSessionRow } from '../model/rows.js';
import type { DemoJob, Vm } from './fleet.js';
import type { Outcome } from './outcomes.js';
import type { Random } from './random.js';
import { stamp } from './stamps.js';
import { ACTIVE_FULL, runShare, slotFor, timeToMove, transferBytes, type Pace, type SessionPlan } from './transfer.js';
import { MIN, SEC } from './units.js';

/**
 * One session of a job and its task sessions: planned whole when it starts (every time, id and
 * result drawn then), and shown as EM would show it at any instant (`renderSession`). The plan
 * never depends on when it is looked at, so a history seeded up to some instant and the same
 * history run on from there are one story.
 */

type Result = (typeof RESULT_MEMBERS)[number];
const R = (r: Result) => RESULT_MEMBERS.indexOf(r);
const RESULT_NONE = R('None');
const STATE_STARTING = JOB_SESSION_STATES.indexOf('Starting');
const STATE_WORKING = JOB_SESSION_STATES.indexOf('Working');
const STATE_STOPPED = JOB_SESSION_STATES.indexOf('Stopped');
const TASK_IN_PROGRESS = TASK_STATES.indexOf('InProgress');
const TASK_PENDING = TASK_STATES.indexOf('Pending');
const TASK_COMPLETED = TASK_STATES.indexOf('Completed');

/** One run or retry of a job. */
export interface Run {
  readonly vms: readonly Vm[];
  readonly start: number;
  readonly outcome: Outcome;
  readonly isRetry: boolean;
  /** Its job is caught mid-run at this instant (the seed's `now`): it must still be going then. */
  readonly runsPast?: number;
  readonly plan?: SessionPlan;
}

/** A task as planned: its VM, when it appears, starts processing and ends, and how. */
export interface PlannedTask {
  readonly id: string;
  readonly vm: Vm;
  readonly created: number;
  readonly createdStamp: DateTime;
  procStart: number;
  end: number;
  endStamp: DateTime;
  result: Result;
  reason: string;
  /** Data the task moved (what its VM's restore point holds; 0 when it failed before moving any). */
  readonly bytes: number;
}

/** A job session as planned when it starts; `end` is Infinity while it hangs (until stopped). */
export interface PlannedSession {
  readonly job: DemoJob;
  readonly id: string;
  readonly start: number;
  readonly startStamp: DateTime;
  end: number;
  endStamp: DateTime;
  result: Outcome['result'];
  message: string | null;
  readonly isRetry: boolean;
  /** An active full backup (its restore point is a full one). */
  readonly activeFull: boolean;
  readonly tasks: PlannedTask[];
}

/** Whether a planned session is still going at `now` (EM shows it Working, with no EndTime). */
export const isRunning = (s: PlannedSession, now: number) => s.end > now;

/** VMs whose tasks failed (what a retry processes again). */
export const failedVms = (s: PlannedSession): Vm[] => s.tasks.filter((t) => t.result === 'Failed').map((t) => t.vm);

/** Plans one session and its tasks, drawing everything from `rng` in a fixed order. */
export function planSession(job: DemoJob, run: Run, rng: Random): PlannedSession {
  const { start, outcome } = run;
  const id = rng.guid();
  const pace: Pace = {
    speed: job.throughput * rng.float(0.6, 1.3),
    share: runShare(job),
    busyDay: rng.chance(0.06) ? rng.float(2, 4) : 1,
    plan: run.plan,
  };
  const plans = planTasks(job, run, pace, rng);
  let end = plans.reduce((last, p) => (p.end > last ? p.end : last), -Infinity) + rng.int(3, 25) * SEC + rng.int(0, 999);
  const past = run.runsPast;
  if (past !== undefined && end < past + 2 * MIN) end = stretch(plans, start, end, past + rng.int(5, 60) * MIN);
  const tasks: PlannedTask[] = plans.map((p) => {
    const createdStamp = stamp(p.created, rng);
    return { id: rng.guid(), ...p, createdStamp, endStamp: stamp(p.end, rng) };
  });
  return {
    job, id, start, startStamp: stamp(start, rng), end, endStamp: stamp(end, rng),
    result: outcome.result, message: outcome.sessionMessage, isRetry: run.isRetry, activeFull: run.plan === ACTIVE_FULL, tasks,
  };
}

/** The session and the tasks that exist at `now`, as EM shows them then. */
export function renderSession(s: PlannedSession, now: number): { row: JobSessionRow; tasks: TaskSessionRow[] } {
  const { job } = s;
  const running = isRunning(s, now);
  const tasks: TaskSessionRow[] = [];
  for (const t of s.tasks) if (t.created <= now) tasks.push(taskRow(job, s.id, t, now));
  const row: JobSessionRow = {
    id: s.id,
    serverId: job.row.serverId,
    jobId: job.row.id,
    name: sessionName(job.row.name, s.startStamp),
    jobName: job.row.name,
    jobType: job.sessionJobType,
    creationTime: s.startStamp,
    endTime: running ? null : s.endStamp,
    state: !running ? STATE_STOPPED : tasks.length === 0 ? STATE_STARTING : STATE_WORKING,
    result: running ? RESULT_NONE : R(s.result),
    progress: running ? progressAt(s, now) : 100,
    failureMessage: running ? null : s.message,
    isRetry: s.isRetry ? 1 : 0,
  };
  return { row, tasks };
}

/** Percent done while running: 0 until the first task starts, at most 99. */
function progressAt(s: PlannedSession, now: number): number {
  if (!Number.isFinite(s.end)) {
    const done = s.tasks.filter((t) => t.end < now).length;
    return Math.min(99, Math.floor((100 * done) / Math.max(1, s.tasks.length)));
  }
  return Math.min(99, Math.max(s.tasks.length > 0 && s.tasks[0].created <= now ? 1 : 0, Math.floor((100 * (now - s.start)) / (s.end - s.start))));
}

/**
 * Times the tasks: all task records appear seconds after the session starts, then each VM waits
 * for a proxy slot and takes its overhead plus its transfer (failed ones stop early; when the
 * host is down, right away).
 */
type TaskTimes = Omit<PlannedTask, 'id' | 'createdStamp' | 'endStamp'>;

function planTasks(job: DemoJob, run: Run, pace: Pace, rng: Random): TaskTimes[] {
  const { vms, outcome } = run;
  const slotFree: number[] = [];
  let created = run.start + rng.int(3, 15) * SEC + rng.int(0, 999);
  const plans: TaskTimes[] = [];
  for (let i = 0; i < vms.length; i++) {
    const vm = vms[i];
    if (i > 0) created += rng.int(0, 3) * SEC + rng.int(0, 999);
    const slot = slotFor(i, job.slots, slotFree);
    const procStart = Math.max(created, slotFree[slot] ?? 0) + rng.int(1, 8) * SEC + rng.int(0, 999);
    const affected = outcome.affected.indexOf(i);
    const failed = affected >= 0 && outcome.result === 'Failed';
    let duration: number;
    let bytes = 0;
    if (failed && outcome.hostWide) duration = rng.int(15, 120) * SEC;
    else {
      bytes = transferBytes(vm, pace, rng.logUniform(0.5, 1.8));
      duration = rng.int(job.overhead[0], job.overhead[1]) * SEC + timeToMove(bytes, pace);
      if (failed) duration *= rng.float(0.1, 0.6);
    }
    const end = procStart + Math.round(duration);
    slotFree[slot] = end;
    plans.push({
      vm, created, procStart, end, bytes,
      result: affected < 0 ? 'Success' : outcome.result,
      reason: affected < 0 ? '' : outcome.reasons[affected],
    });
  }
  return plans;
}

/** Stretches a session caught mid-run so it ends at `until`, after now; returns the new end. */
function stretch(plans: TaskTimes[], start: number, end: number, until: number): number {
  const f = (until - start) / (end - start);
  for (const p of plans) {
    p.procStart = start + Math.round((p.procStart - start) * f);
    p.end = start + Math.round((p.end - start) * f);
  }
  return start + Math.round((end - start) * f);
}

/** A task as EM shows it at `now`: completed, in progress, or pending a slot; on the backup side with its VM's id. */
function taskRow(job: DemoJob, sessionId: string, t: PlannedTask, now: number): TaskSessionRow {
  const done = t.end <= now;
  const task: TaskSessionRow = {
    id: t.id,
    sessionId,
    name: sessionName(t.vm.name, t.createdStamp),
    vmDisplayName: t.vm.name,
    creationTime: t.createdStamp,
    endTime: done ? t.endStamp : null,
    state: done ? TASK_COMPLETED : t.procStart <= now ? TASK_IN_PROGRESS : TASK_PENDING,
    result: done ? R(t.result) : RESULT_NONE,
    reason: done ? t.reason : '',
    totalSize: t.vm.size,
  };
  if (job.uids !== undefined) (task as BackupTaskSessionRow).vmUid = job.uids.get(t.vm)!;
  return task;
}
