import type { DemoJob, Vm } from './fleet.js';
import type { Shape } from './options.js';
import { BACKUP_FAILURES, decideOutcome, REPLICA_FAILURES, SUCCESS } from './outcomes.js';
import { Random } from './random.js';
import { firstSlot } from './schedules.js';
import { emitSession, type Emitted, type Run } from './session.js';
import { plannerOf } from './transfer.js';
import { DAY, isWeekend, MIN, SEC } from './units.js';
import { sideOf, type Writer } from './writer.js';

/** A job's history: its scheduled runs over the window and the automatic retries after failures. */

/** Sessions start at least this long before `now`, so all their task records exist by then. */
export const MIN_LEAD = 2 * MIN;

/** Where a job's sessions begin: the window start, or its creation during the window. */
export const historyStart = (job: DemoJob, shape: Shape) => Math.max(shape.now - shape.days * DAY, job.since ?? -Infinity);

/** The most retries after a failed run that started at `start`: a broken job tries once more. */
const maxRetriesOf = (job: DemoJob, shape: Shape, start: number) =>
  job.brokenFrom !== undefined && start >= job.brokenFrom && shape.retries > 0 ? shape.retries + 1 : shape.retries;

/**
 * Emits a job's sessions in time order: runs in its schedule's slots (skipped while the previous
 * run or its retries still go on; continuous jobs minutes after the previous run ended), each
 * failed run followed by retries of its failed VMs.
 */
export async function emitJobSessions(out: Writer, job: DemoJob, shape: Shape): Promise<void> {
  // Replica streams keep their own labels: the replica side is the same with or without backups.
  const rng = Random.derive(shape.seed, job.kind === 'replica' ? 'sessions' : 'backup-sessions', job.index);
  const side = sideOf(job);
  const failures = job.kind === 'replica' ? REPLICA_FAILURES : BACKUP_FAILURES;
  const planner = plannerOf(job);
  const { now, rates } = shape;
  let copied = true;
  let busyUntil = -Infinity;
  const emit = async (run: Run): Promise<Emitted> => {
    const e = emitSession(out, job, run, now, rng);
    copied = !e.running && e.result !== 'Failed';
    if (copied) job.points?.push(e.endMs);
    busyUntil = e.endMs;
    if (out.due(side)) await out.flush(side);
    return e;
  };

  const { period, phase } = job;
  const continuous = period === 0;
  const from = historyStart(job, shape);
  let t = continuous ? from + rng.int(0, 59) * MIN : firstSlot(period, phase, from);
  for (; t <= now; t = continuous ? busyUntil + rng.int(1, 5) * MIN + rng.int(0, 59) * SEC : t + period) {
    if (job.disabledAt !== undefined && t >= job.disabledAt) break;
    if (job.weekdaysOnly && isWeekend(t)) continue;
    const start = t + rng.int(2, 40) * SEC + rng.int(0, 999);
    if (start > now - MIN_LEAD) break;
    if (start < busyUntil) continue;
    const forceRunning = job.forceRunning && t + period > now;
    const outcome = forceRunning ? SUCCESS : decideOutcome(failures, job, job.vms, start, false, rng, rates);
    const plan = planner.run(start, copied);
    let last = await emit({ vms: job.vms, start, outcome, isRetry: false, forceRunning, plan });

    // Retries come 10–30 minutes after the failure and process the failed VMs again.
    for (let retry = 0, max = maxRetriesOf(job, shape, start); !last.running && last.result === 'Failed' && retry < max; retry++) {
      if (!rng.chance(retry === 0 ? 0.85 : 0.6)) break;
      const retryStart = last.endMs + rng.int(10, 30) * MIN + rng.int(0, 59) * SEC + rng.int(0, 999);
      if (retryStart > now - MIN_LEAD) break;
      const vms: readonly Vm[] = last.failedVms;
      const retryOutcome = decideOutcome(failures, job, vms, retryStart, true, rng, rates);
      last = await emit({ vms, start: retryStart, outcome: retryOutcome, isRetry: true, forceRunning: false, plan: planner.retry(retryStart, copied, plan) });
    }
    if (last.running) break;
  }
}
