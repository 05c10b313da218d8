import { JOB_SESSION_STATES, RESULT_MEMBERS, TASK_STATES } from '../model/fields.js';
import { sessionName, type BackupTaskSessionRow, type JobSessionRow, type TaskSessionRow } from '../model/rows.js';
import type { DemoJob, Vm } from './fleet.js';
import type { Outcome } from './outcomes.js';
import type { Random } from './random.js';
import { stamp } from './stamps.js';
import { runShare, slotFor, transferTime, type Pace, type SessionPlan } from './transfer.js';
import { MIN, SEC } from './units.js';
import { sideOf, type Writer } from './writer.js';

/** One session of a job and its task sessions, timed VM by VM on the job's proxy slots. */

type Result = (typeof RESULT_MEMBERS)[number];
const R = (r: Result) => RESULT_MEMBERS.indexOf(r);
const RESULT_NONE = R('None');
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
  /** Its job is caught mid-run at `now`: it must still be going then. */
  readonly forceRunning: boolean;
  readonly plan?: SessionPlan;
}

export interface Emitted {
  readonly endMs: number;
  readonly running: boolean;
  readonly result: Outcome['result'];
  /** VMs whose tasks failed (what a retry processes again). */
  readonly failedVms: readonly Vm[];
}

interface TaskPlan {
  readonly vm: Vm;
  readonly created: number;
  procStart: number;
  end: number;
  readonly result: Result;
  readonly reason: string;
}

/** Plans and buffers one session (and its tasks); returns what the caller needs for retries. */
export function emitSession(out: Writer, job: DemoJob, run: Run, now: number, rng: Random): Emitted {
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
  if (run.forceRunning && end < now + 2 * MIN) end = stretch(plans, start, end, now + rng.int(5, 60) * MIN);
  const running = end >= now;

  const tasks: TaskSessionRow[] = [];
  const failedVms: Vm[] = [];
  for (const p of plans) {
    tasks.push(taskRow(job, id, p, now, rng));
    if (p.result === 'Failed') failedVms.push(p.vm);
  }
  const creationTime = stamp(start, rng);
  const row: JobSessionRow = {
    id,
    serverId: job.row.serverId,
    jobId: job.row.id,
    name: sessionName(job.row.name, creationTime),
    jobName: job.row.name,
    jobType: job.sessionJobType,
    creationTime,
    endTime: running ? null : stamp(end, rng),
    state: running ? STATE_WORKING : STATE_STOPPED,
    result: running ? RESULT_NONE : R(outcome.result),
    progress: running ? Math.min(99, Math.max(1, Math.floor((100 * (now - start)) / (end - start)))) : 100,
    failureMessage: running ? null : outcome.sessionMessage,
    isRetry: run.isRetry ? 1 : 0,
  };
  out.add(sideOf(job), row, tasks);
  return { endMs: end, running, result: running ? 'Success' : outcome.result, failedVms };
}

/**
 * Times the tasks: all task records appear seconds after the session starts, then each VM waits
 * for a proxy slot and takes its overhead plus its transfer (failed ones stop early; when the
 * host is down, right away).
 */
function planTasks(job: DemoJob, run: Run, pace: Pace, rng: Random): TaskPlan[] {
  const { vms, outcome } = run;
  const slotFree: number[] = [];
  let created = run.start + rng.int(3, 15) * SEC + rng.int(0, 999);
  const plans: TaskPlan[] = [];
  for (let i = 0; i < vms.length; i++) {
    const vm = vms[i];
    if (i > 0) created += rng.int(0, 3) * SEC + rng.int(0, 999);
    const slot = slotFor(i, job.slots, slotFree);
    const procStart = Math.max(created, slotFree[slot] ?? 0) + rng.int(1, 8) * SEC + rng.int(0, 999);
    const affected = outcome.affected.indexOf(i);
    const failed = affected >= 0 && outcome.result === 'Failed';
    let duration: number;
    if (failed && outcome.hostWide) duration = rng.int(15, 120) * SEC;
    else {
      const transfer = transferTime(vm, pace, rng.logUniform(0.5, 1.8));
      duration = rng.int(job.overhead[0], job.overhead[1]) * SEC + transfer;
      if (failed) duration *= rng.float(0.1, 0.6);
    }
    const end = procStart + Math.round(duration);
    slotFree[slot] = end;
    plans.push({
      vm, created, procStart, end,
      result: affected < 0 ? 'Success' : outcome.result,
      reason: affected < 0 ? '' : outcome.reasons[affected],
    });
  }
  return plans;
}

/** Stretches a session caught mid-run so it ends at `until`, after now; returns the new end. */
function stretch(plans: TaskPlan[], start: number, end: number, until: number): number {
  const f = (until - start) / (end - start);
  for (const p of plans) {
    p.procStart = start + Math.round((p.procStart - start) * f);
    p.end = start + Math.round((p.end - start) * f);
  }
  return start + Math.round((end - start) * f);
}

/** A task as EM shows it at `now`: completed, in progress, or pending a slot; on the backup side with its VM's id. */
function taskRow(job: DemoJob, sessionId: string, p: TaskPlan, now: number, rng: Random): TaskSessionRow {
  const creationTime = stamp(p.created, rng);
  const done = p.end < now;
  const id = rng.guid();
  const task: TaskSessionRow = {
    id,
    sessionId,
    name: sessionName(p.vm.name, creationTime),
    vmDisplayName: p.vm.name,
    creationTime,
    endTime: done ? stamp(p.end, rng) : null,
    state: done ? TASK_COMPLETED : p.procStart <= now ? TASK_IN_PROGRESS : TASK_PENDING,
    result: done ? R(p.result) : RESULT_NONE,
    reason: done ? p.reason : '',
    totalSize: p.vm.size,
  };
  if (job.uids !== undefined) (task as BackupTaskSessionRow).vmUid = job.uids.get(p.vm)!;
  return task;
}
