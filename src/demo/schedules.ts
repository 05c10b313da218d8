import { fromEpochMs, type DateTime } from '../util/datetime.js';
import type { Random } from './random.js';
import { DAY, HOUR, isWeekend, MIN, weekday } from './units.js';

/** When jobs run: the schedule mixes, where in its period a job starts, and the weekly full. */

/** Weighted schedules: `[period in ms, or 0 for continuous, weight]`. */
export type ScheduleMix = readonly (readonly [period: number, weight: number])[];

/** Default schedule mixes (see `describeSchedules`). */
export const REPLICA_SCHEDULES: ScheduleMix = [[DAY, 70], [12 * HOUR, 10], [6 * HOUR, 10], [4 * HOUR, 10]];
export const BACKUP_SCHEDULES: ScheduleMix = [[DAY, 80], [12 * HOUR, 10], [6 * HOUR, 5], [4 * HOUR, 5]];
/** Backup jobs of databases run more often. */
export const SQL_BACKUP_SCHEDULES: ScheduleMix = [[DAY, 50], [12 * HOUR, 20], [6 * HOUR, 15], [4 * HOUR, 15]];

/** UTC hours daily jobs start at: evenings and nights, repeated hours more likely. */
export const REPLICA_START_HOURS = [18, 19, 20, 21, 22, 22, 23, 23, 0, 1, 2, 3, 4, 5];
export const BACKUP_START_HOURS = [18, 19, 20, 21, 21, 22, 22, 23, 23, 0, 0, 1, 2, 3, 4, 5];

/** Weekday of a weekly active full: mostly the weekend. */
export const FULL_DAYS = [[6, 55], [0, 30], [5, 15]] as const;

/** Shortest schedule period (drawn, given or after density scaling). */
export const MIN_PERIOD = 5 * MIN;

/**
 * Parses a schedule mix: comma-separated `NAME[:WEIGHT]` with NAME `daily`, `weekly`,
 * `continuous` or a period `Nd`, `Nh`, `Nm` (e.g. `daily:70,4h:20,30m:5,continuous:5`).
 */
export function parseScheduleMix(text: string): ScheduleMix {
  const out: [number, number][] = [];
  for (const part of text.split(',')) {
    const m = /^\s*(daily|weekly|continuous|(\d+)([dhm]))\s*(?::\s*(\d+(?:\.\d+)?)\s*)?$/i.exec(part);
    if (!m) throw new RangeError(`schedule '${part.trim()}' is not daily, weekly, continuous, Nd, Nh or Nm (with an optional :WEIGHT)`);
    const name = m[1].toLowerCase();
    const period = name === 'daily' ? DAY : name === 'weekly' ? 7 * DAY : name === 'continuous' ? 0
      : Number(m[2]) * (m[3].toLowerCase() === 'd' ? DAY : m[3].toLowerCase() === 'h' ? HOUR : MIN);
    if (name !== 'continuous' && (period < MIN_PERIOD || period > 28 * DAY)) {
      throw new RangeError(`schedule '${part.trim()}': the period must be 5m to 28d`);
    }
    const weight = m[4] === undefined ? 1 : Number(m[4]);
    if (weight > 0) out.push([period, weight]);
  }
  if (out.length === 0) throw new RangeError('the schedule mix has no schedule with a weight above 0');
  return out;
}

/** A schedule mix as text (`daily:70,12h:10`), the inverse of `parseScheduleMix`. */
export function describeSchedules(mix: ScheduleMix): string {
  const name = (p: number) => p === 0 ? 'continuous' : p === DAY ? 'daily' : p === 7 * DAY ? 'weekly'
    : p % DAY === 0 ? `${p / DAY}d` : p % HOUR === 0 ? `${p / HOUR}h` : `${Math.round(p / MIN)}m`;
  return mix.map(([p, w]) => `${name(p)}:${w}`).join(',');
}

/** A job's schedule: runs at `phase + k * period` (epoch ms, UTC); period 0 = back to back. */
export interface Schedule {
  /** The period as drawn from the mix, before density scaling. */
  readonly drawn: number;
  readonly period: number;
  readonly phase: number;
}

/**
 * The schedule drawn as `drawn` and `phase`, with the period divided by `density` and the phase
 * at the same place in it. The draws never depend on the density, so a denser fleet is the
 * same fleet.
 */
export function scaledSchedule(density: number, drawn: number, phase: number): Schedule {
  if (density === 1 || drawn === 0) return { drawn, period: drawn, phase };
  const period = Math.max(MIN_PERIOD, Math.round(drawn / density / MIN) * MIN);
  return { drawn, period, phase: period === drawn ? phase : Math.floor((phase * period) / drawn / MIN) * MIN };
}

/** Where in its period a job starts: `dailyHours` for daily jobs, whole hours (or minutes) otherwise. */
export function phaseFor(rng: Random, period: number, dailyHours: readonly number[]): number {
  if (period === 0) return 0;
  if (period === DAY) {
    const hour = rng.pick(dailyHours);
    const minute = rng.pick([0, 0, 0, 0, 30, 30, 15, 45, rng.int(0, 59)]);
    return hour * HOUR + minute * MIN;
  }
  if (period % HOUR === 0) return rng.int(0, period / HOUR - 1) * HOUR + rng.pick([0, 0, 15, 30, 45]) * MIN;
  return rng.int(0, Math.floor(period / MIN) - 1) * MIN;
}

/** A phase that puts a job's latest scheduled run a few minutes to an hour and a half before `now`. */
export function runningPhase(rng: Random, period: number, now: number): number {
  const ago = rng.int(4, Math.max(5, Math.min(90, Math.floor(period / MIN / 3))));
  const at = Math.floor((now - ago * MIN) / MIN) * MIN;
  return ((at % period) + period) % period;
}

/** The first scheduled slot at or after `from`. */
export const firstSlot = (period: number, phase: number, from: number) => phase + Math.ceil((from - phase) / period) * period;

/** The latest scheduled slot at or before `at` (`period` > 0). */
export const lastSlot = (period: number, phase: number, at: number) => phase + Math.floor((at - phase) / period) * period;

/** The next scheduled run after `now` (null for disabled and continuous jobs). */
export function nextRunOf(period: number, phase: number, now: number, disabledAt: number | undefined, weekdaysOnly = false): DateTime | null {
  if (disabledAt !== undefined || period === 0) return null;
  let next = phase + Math.floor((now - phase) / period + 1) * period;
  while (weekdaysOnly && isWeekend(next)) next += period;
  return fromEpochMs(next);
}

/** Tells, run by run in time order, which run is the week's active full: the first on `fullDay`. */
export function weeklyFull(fullDay: number | undefined): (start: number) => boolean {
  let lastFull = NaN;
  return (start) => {
    if (fullDay === undefined || weekday(start) !== fullDay || Math.floor(start / DAY) === lastFull) return false;
    lastFull = Math.floor(start / DAY);
    return true;
  };
}
