import { fleetJobs, type DemoJob, type Fleet, type Vm } from './fleet.js';
import type { Shape } from './options.js';
import { historyStart } from './runs.js';
import { firstSlot, weeklyFull } from './schedules.js';
import { ACTIVE_FULL, LONG_RUN, runShare, slotFor, transferTime, type Pace, type SessionPlan } from './transfer.js';
import { isWeekend, MIN, SEC } from './units.js';

/**
 * How many sessions a fleet will have, without generating them: the generator's model with the
 * mean of every draw, so a `sessions` target can pick the fleet before any row is written.
 */

/** Mean of `rng.int(2, 40) * SEC + rng.int(0, 999)`, the delay of a run after its slot. */
const JITTER = 21 * SEC;
/** Mean of `logUniform(0.5, 1.8)`, a VM's change against its usual. */
const SPREAD = 1.3 / Math.log(1.8 / 0.5);

/** A session's expected length (ms), by the same model as `emitSession` with mean draws. */
function expectedDuration(job: DemoJob, vms: readonly Vm[], plan: SessionPlan | undefined): number {
  const pace: Pace = { speed: job.throughput * 0.95, share: runShare(job), busyDay: 0.94 + 0.06 * 3, plan };
  const slotFree: number[] = [];
  let created = 9.5 * SEC;
  let last = 0;
  for (let i = 0; i < vms.length; i++) {
    if (i > 0) created += 2 * SEC;
    const slot = slotFor(i, job.slots, slotFree);
    const procStart = Math.max(created, slotFree[slot] ?? 0) + 5 * SEC;
    const end = procStart + ((job.overhead[0] + job.overhead[1]) / 2) * SEC + transferTime(vms[i], pace, SPREAD);
    slotFree[slot] = end;
    last = Math.max(last, end);
  }
  return last + 14.5 * SEC;
}

/** Expected retries after a run, and how long they keep the job busy. */
interface Retries {
  readonly count: number;
  readonly busy: number;
}

/** Retries after a run that fails with chance `first` and whose retries fail with chance `again`. */
function expectedRetries(first: number, again: number, max: number, oneVm: number): Retries {
  let reach = first, count = 0, busy = 0;
  for (let k = 0; k < max; k++) {
    reach *= k === 0 ? 0.85 : 0.6 * again;
    count += reach;
    busy += reach * (20.5 * MIN + oneVm);
  }
  return { count, busy };
}

/** A job's expected run lengths and retries, for the counting below. */
interface JobModel {
  readonly job: DemoJob;
  readonly windowStart: number;
  readonly now: number;
  readonly incremental: number;
  readonly full: number;
  readonly ordinary: Retries;
  readonly broken: Retries;
}

const retriesAt = (m: JobModel, start: number) => (m.job.brokenFrom !== undefined && start >= m.job.brokenFrom ? m.broken : m.ordinary);

/**
 * Expected sessions of a job over the window: its scheduled runs are counted exactly (window,
 * weekdays, disabling, runs skipped while the previous one is still busy, using expected run
 * lengths); retries by their expected number after each run's failure probability.
 */
export function expectedSessions(job: DemoJob, shape: Shape): number {
  const { rates, retries } = shape;
  const usual = job.longRun ? LONG_RUN : undefined;
  const incremental = expectedDuration(job, job.vms, usual);
  const oneVm = expectedDuration(job, job.vms.slice(0, 1), usual);
  const ordinary = expectedRetries(job.flakyVm !== undefined ? rates.flaky : rates.first, rates.retry, retries, oneVm);
  const m: JobModel = {
    job, windowStart: historyStart(job, shape), now: shape.now, incremental, ordinary,
    full: job.fullDay !== undefined ? expectedDuration(job, job.vms, ACTIVE_FULL) : incremental,
    broken: job.brokenFrom === undefined ? ordinary : expectedRetries(1, 1, retries > 0 ? retries + 1 : 0, oneVm),
  };
  if (job.period === 0) return continuousRuns(m);
  const neverOverlap = !job.weekdaysOnly &&
    Math.max(m.incremental, m.full) + Math.max(m.ordinary.busy, m.broken.busy) + 2 * JITTER < job.period;
  return neverOverlap ? slotCount(m) : walkedRuns(m);
}

/**
 * Back-to-back runs: the count depends on the run lengths, whose random spread makes the last
 * slot finish later than the mean durations say (calibrated: +6 %).
 */
function continuousRuns(m: JobModel): number {
  const { job, now } = m;
  const length = m.incremental * 1.06;
  let total = 0;
  for (let t = m.windowStart + 30 * MIN; ;) {
    if (job.disabledAt !== undefined && t >= job.disabledAt) break;
    const start = t + JITTER;
    if (start > now) break;
    total++;
    const end = start + length;
    if (end >= now) break;
    const r = retriesAt(m, start);
    total += r.count;
    t = end + r.busy + 3.5 * MIN;
  }
  return total;
}

/** Runs (with their retries) never reach the next slot: count the slots, and the broken ones, arithmetically. */
function slotCount(m: JobModel): number {
  const { job, now } = m;
  const { period, phase } = job;
  const first = firstSlot(period, phase, m.windowStart);
  const lastRun = Math.min(now - JITTER, job.disabledAt === undefined ? Infinity : job.disabledAt - 1, now);
  const runs = lastRun >= first ? Math.floor((lastRun - first) / period) + 1 : 0;
  if (runs === 0) return 0;
  let brokenRuns = 0;
  if (job.brokenFrom !== undefined) {
    const from = Math.max(first, firstSlot(period, phase, job.brokenFrom - JITTER));
    brokenRuns = lastRun >= from ? Math.floor((lastRun - from) / period) + 1 : 0;
  }
  const forced = job.forceRunning ? 1 : 0; // the last run, still going: no retries
  return runs + (runs - brokenRuns - forced) * m.ordinary.count + brokenRuns * m.broken.count;
}

/** Walks the slots as the generator does, with expected run lengths (weekly fulls included). */
function walkedRuns(m: JobModel): number {
  const { job, now } = m;
  const { period } = job;
  const isFull = weeklyFull(job.fullDay);
  let total = 0;
  let busyUntil = -Infinity;
  for (let t = firstSlot(period, job.phase, m.windowStart); t <= now; t += period) {
    if (job.disabledAt !== undefined && t >= job.disabledAt) break;
    if (job.weekdaysOnly && isWeekend(t)) continue;
    const start = t + JITTER;
    if (start > now) break;
    if (start < busyUntil) continue;
    total++;
    if (job.forceRunning && t + period > now) break;
    const end = start + (isFull(start) ? m.full : m.incremental);
    if (end >= now) break;
    const r = retriesAt(m, start);
    total += r.count;
    busyUntil = end + r.busy;
  }
  return total;
}

/** Expected job sessions of the whole fleet. */
export const expectedOf = (fleet: Fleet, shape: Shape) =>
  fleetJobs(fleet).reduce((sum, job) => sum + expectedSessions(job, shape), 0);
