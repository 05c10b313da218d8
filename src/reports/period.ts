import { MIN_TIME } from '../clock/clock.js';
import { DurationError, parseDuration } from '../clock/duration.js';
import { fromEpochMs } from '../util/datetime.js';
import type { Window } from './figures.js';

/**
 * The periods the summary reports cover. EM documents no query parameter for them (the 9.x
 * pages say "Query Parameters: None"; later ones list none): job statistics cover the last 24
 * hours and processed VMs the last 7 days (the documented examples and a captured answer show
 * seven `Day`s, the newest first, today's included). emrest adds an optional `period`
 * (ISO-8601 duration, as the admin clock API takes) so a test harness can widen them; no EM
 * client sends it, so none can tell.
 */

export const DAY_MS = 86_400_000;
/** Job statistics: runs that ended in the last day. */
export const RUNS_PERIOD_MS = DAY_MS;
/** Processed VMs: this many days, today's included. */
export const PROCESSED_DAYS = 7;
/** The longest `period` accepted: a year of days. */
const MAX_PERIOD_MS = 366 * DAY_MS;

/** A `period` parameter EM never sends and emrest cannot use: answered 400 by the route. */
export class BadPeriod extends Error {}

/** The `period` parameter (absent: `fallback`), in ms; whole days only when `wholeDays`. */
export function parsePeriod(text: string | undefined, fallback: number, wholeDays = false): number {
  if (text === undefined) return fallback;
  let ms: number;
  try {
    ms = parseDuration(text.trim());
  } catch (e) {
    if (e instanceof DurationError) throw new BadPeriod(`Parameter period: ${e.message}`);
    throw e;
  }
  if (ms < 1000 || ms > MAX_PERIOD_MS) throw new BadPeriod(`Parameter period must be from PT1S to P366D, got '${text}'`);
  if (wholeDays && ms % DAY_MS !== 0) throw new BadPeriod(`Parameter period must be whole days here (e.g. P7D), got '${text}'`);
  return ms;
}

/** The last `ms` up to `now`, both ends included. */
export const lastPeriod = (now: number, ms: number): Window => ({ from: fromEpochMs(Math.max(MIN_TIME, now - ms)), to: fromEpochMs(now) });

/**
 * The UTC days of the last `count` days, newest first, today's included: each from midnight to
 * its last 100-ns tick, today's only up to `now`. EM labels days at the server's local
 * midnight; emrest's server time is UTC.
 */
export function lastDays(now: number, count: number): { start: number; window: Window }[] {
  const today = Math.floor(now / DAY_MS) * DAY_MS;
  // Days before the clock's first instant (0001-01-01) do not exist: a clock set there lists fewer.
  const days = Math.min(count, Math.floor((today - MIN_TIME) / DAY_MS) + 1);
  return Array.from({ length: days }, (_, i) => {
    const start = today - i * DAY_MS;
    const to = i === 0 ? fromEpochMs(now) : fromEpochMs(start + DAY_MS - 1, 9999);
    return { start, window: { from: fromEpochMs(start), to } };
  });
}
