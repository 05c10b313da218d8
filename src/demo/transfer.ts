import type { DemoJob, Vm } from './fleet.js';
import { weeklyFull } from './schedules.js';
import { DAY, HOUR, MIN, SEC } from './units.js';

/**
 * How much data a run moves and how long a VM's task takes: the model both the generator (with
 * random draws) and the estimate (with their means) run on.
 */

/** Soft upper bound of one VM's data transfer time. */
const MAX_TRANSFER = 50 * MIN;
/** How much data a continuous job's run moves: as if it ran this often. */
const CONTINUOUS_INTERVAL = HOUR;
/** Even an idle VM moves this much (metadata, logs). */
const MIN_BYTES = 64 * 2 ** 20;
/** The share of each VM a long runner moves per run. */
export const LONG_RUN_SHARE = 0.3;

/** How much data one session moves, where it differs from a job's usual incremental run. */
export interface SessionPlan {
  /** Data per VM as a multiple of the VM's daily change. */
  readonly volume?: (vm: Vm) => number;
  /** Soft cap of one VM's transfer time. */
  readonly maxTransfer?: number;
}

/** An active full moves most of each VM's data, at most a few hours' worth per VM. */
export const ACTIVE_FULL: SessionPlan = { volume: (vm) => 0.45 / vm.change, maxTransfer: 4 * HOUR };
/** A long runner's run. */
export const LONG_RUN: SessionPlan = { volume: (vm) => LONG_RUN_SHARE / vm.change, maxTransfer: 12 * HOUR };

/** Runs more often than daily move less data each time, but not proportionally less: days of change per run. */
const dailyShare = (period: number) => Math.pow(Math.min(period, DAY) / DAY, 0.6);

/** The share of a day's change a job's incremental run moves. */
export const runShare = (job: DemoJob) => dailyShare(job.period || CONTINUOUS_INTERVAL);

/** What a session's tasks transfer with. */
export interface Pace {
  /** Bytes/s. */
  readonly speed: number;
  /** Days of change an incremental run moves (`runShare`). */
  readonly share: number;
  /** Change multiplier on busy days (patch day, reindexing, …). */
  readonly busyDay: number;
  readonly plan?: SessionPlan;
}

/**
 * How long moving one VM's data takes (ms), `spread` times its usual change. The time is softly
 * capped: big deltas get more proxy bandwidth, WAN acceleration, ….
 */
export function transferTime(vm: Vm, pace: Pace, spread: number): number {
  return timeToMove(transferBytes(vm, pace, spread), pace);
}

/** How much data one VM's task moves, `spread` times its usual change. */
export function transferBytes(vm: Vm, pace: Pace, spread: number): number {
  const { plan } = pace;
  const bytes = Math.max(MIN_BYTES, vm.size * vm.change * (plan?.volume?.(vm) ?? pace.share) * pace.busyDay * spread);
  return plan !== undefined ? Math.min(bytes, vm.size) : bytes;
}

/** How long moving `bytes` takes (ms), softly capped. */
export function timeToMove(bytes: number, pace: Pace): number {
  const cap = pace.plan?.maxTransfer ?? MAX_TRANSFER;
  return cap * (1 - Math.exp(-((bytes / pace.speed) * SEC) / cap));
}

/** The proxy slot the `i`th task runs on: its own while slots are free, then the one free first. */
export const slotFor = (i: number, slots: number, slotFree: readonly number[]) => (i < slots ? i : slotFree.indexOf(Math.min(...slotFree)));

/** What a job's scheduled runs and retries move (`succeeded`: the previous session did not fail). */
export interface Planner {
  run(start: number, succeeded: boolean): SessionPlan | undefined;
  retry(start: number, succeeded: boolean, run: SessionPlan | undefined): SessionPlan | undefined;
}

const INCREMENTAL: Planner = { run: () => undefined, retry: () => undefined };

/**
 * What a job's sessions move: incrementals, but for a backup job a weekly active full on the
 * first run of its full day (its retries too) and a long runner's large share; for a copy job
 * the restore points its source made since the last successful copy (little or nothing if none).
 */
export function plannerOf(job: DemoJob): Planner {
  // Replicas, agents and file shares move what changed since the last run, every run.
  if (job.kind === 'replica' || job.kind === 'agent' || job.kind === 'nas') return INCREMENTAL;
  if (job.kind === 'backup') {
    if (job.longRun) return { run: () => LONG_RUN, retry: () => LONG_RUN };
    const isFull = weeklyFull(job.fullDay);
    return { run: (start) => (isFull(start) ? ACTIVE_FULL : undefined), retry: (_start, _succeeded, run) => run };
  }
  const points = job.source?.points ?? [];
  const sourceShare = dailyShare(job.source?.period || DAY);
  let next = 0;
  let pending = 0;
  const plan = (start: number, succeeded: boolean) => {
    if (succeeded) pending = 0;
    for (; next < points.length && points[next] <= start; next++) pending++;
    const volume = pending === 0 ? 0.002 : sourceShare * Math.min(pending, 3);
    return { volume: () => volume };
  };
  return { run: plan, retry: (start, succeeded) => plan(start, succeeded) };
}
