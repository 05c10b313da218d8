/** Time and size units, and the UTC calendar the schedules run on. */

export const SEC = 1000;
export const MIN = 60 * SEC;
export const HOUR = 60 * MIN;
export const DAY = 24 * HOUR;
export const GiB = 1024 ** 3;
/** Throughputs are quoted in decimal megabytes, as Veeam shows them. */
export const MB = 1000 ** 2;

export const pad2 = (n: number) => String(n).padStart(2, '0');

/** UTC weekday (0 = Sunday) of epoch ms; 1970-01-01 was a Thursday. */
export const weekday = (ms: number) => (((Math.floor(ms / DAY) + 4) % 7) + 7) % 7;

export const isWeekend = (ms: number) => {
  const d = weekday(ms);
  return d === 0 || d === 6;
};
