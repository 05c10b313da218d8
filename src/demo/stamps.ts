import { fromEpochMs, type DateTime } from '../util/datetime.js';
import type { Random } from './random.js';
import { DAY, HOUR, MIN, pad2, SEC } from './units.js';

/** How the generator writes times: canonical DateTimes for rows, VBR's US style in descriptions. */

// Millions of stamps per large seed: they are built from cached digit strings and the date of
// the previous stamp (sessions come in time order) instead of a Date per call.
const P2 = Array.from({ length: 60 }, (_, i) => pad2(i));
const P3 = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));
const P4 = Array.from({ length: 10000 }, (_, i) => String(i).padStart(4, '0'));
let stampDay = NaN;
let stampPrefix = '';

/** The canonical DateTime of epoch ms plus 0–9999 ticks of 100 ns (equal to `fromEpochMs`). */
export function demoStamp(ms: number, ticks: number): DateTime {
  const whole = Math.floor(ms);
  const day = Math.floor(whole / DAY);
  if (day !== stampDay) {
    stampPrefix = fromEpochMs(day * DAY).slice(0, 11);
    stampDay = day;
  }
  let r = whole - day * DAY;
  const h = Math.floor(r / HOUR);
  r -= h * HOUR;
  const m = Math.floor(r / MIN);
  r -= m * MIN;
  const s = Math.floor(r / SEC);
  r -= s * SEC;
  // Joined, not concatenated: V8 keeps a concatenation as a tree of its pieces (288 bytes a
  // stamp against 48 flat), and the live estate holds hundreds of thousands of stamps.
  return [stampPrefix, P2[h], ':', P2[m], ':', P2[s], '.', P3[r], P4[ticks], 'Z'].join('');
}

/** The canonical DateTime of epoch ms, no sub-millisecond ticks (times an operator sets). */
export const msStamp = (ms: number) => demoStamp(ms, 0);

/** A stamp with random sub-millisecond ticks, as real clocks give. */
export const stamp = (ms: number, rng: Random) => demoStamp(ms, rng.int(0, 9999));

/** `3/14/2024 10:21 AM`, the way VBR stamps a job's creation in its description. */
function usDate(ms: number): string {
  const d = new Date(ms);
  const h = d.getUTCHours();
  return `${d.getUTCMonth() + 1}/${d.getUTCDate()}/${d.getUTCFullYear()} ${h % 12 === 0 ? 12 : h % 12}:` +
    `${pad2(d.getUTCMinutes())} ${h < 12 ? 'AM' : 'PM'}`;
}

/** A job's description, as VBR writes it. */
export const describeCreation = (creator: string, at: number) => `Created by ${creator} at ${usDate(at)}.`;
