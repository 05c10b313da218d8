/**
 * EM DateTimes keep .NET's 100-ns precision, which a JS Date cannot hold. Internally a
 * DateTime is the canonical fixed-width UTC string `YYYY-MM-DDTHH:MM:SS.fffffffZ`: it sorts
 * and compares correctly as text (in SQL and in JS) and renders without arithmetic.
 */
export type DateTime = string;

const FILTER_FORM =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})?)?$/i;

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

function canonical(ms: number, fraction7: string): DateTime | undefined {
  const d = new Date(ms);
  const year = d.getUTCFullYear();
  if (!Number.isFinite(ms) || year < 1 || year > 9999) return undefined;
  return (
    `${pad(year, 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}T` +
    `${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}.${fraction7}Z`
  );
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

const isLeap = (year: number) => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;

function digits(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/**
 * `YYYY-MM-DDTHH:MM:SS[.f…f]Z` with up to 7 fraction digits, the form EM and exports write,
 * checked and padded without a Date (an import parses millions); null for any other form.
 */
function utcForm(text: string): DateTime | undefined | null {
  const n = text.length;
  if (n < 20 || n > 28 || n === 21 || text.charCodeAt(n - 1) !== 90 /* Z */) return null;
  if (text[4] !== '-' || text[7] !== '-' || text[10] !== 'T' || text[13] !== ':' || text[16] !== ':') return null;
  if (!digits(text, 0, 4) || !digits(text, 5, 7) || !digits(text, 8, 10) || !digits(text, 11, 13) || !digits(text, 14, 16) || !digits(text, 17, 19)) return null;
  if (n > 20 && (text[19] !== '.' || !digits(text, 20, n - 1))) return null;
  const year = +text.slice(0, 4), month = +text.slice(5, 7), day = +text.slice(8, 10);
  if (year < 1 || month < 1 || month > 12 || day < 1) return undefined;
  if (day > DAYS_IN_MONTH[month - 1] + (month === 2 && isLeap(year) ? 1 : 0)) return undefined;
  if (+text.slice(11, 13) > 23 || +text.slice(14, 16) > 59 || +text.slice(17, 19) > 59) return undefined;
  return text.slice(0, 19) + '.' + (n > 20 ? text.slice(20, n - 1) : '').padEnd(7, '0') + 'Z';
}

/**
 * Parses the DateTime forms EM clients send (in filters and in captured documents):
 * date only, `T` or space separator, optional seconds and 1–9 fraction digits (beyond 7
 * truncated), `Z`, a `±HH:MM` offset or no zone (= UTC). Returns undefined when invalid.
 */
export function parseDateTime(text: string): DateTime | undefined {
  const utc = utcForm(text);
  if (utc !== null) return utc;
  const m = FILTER_FORM.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h = '00', mi = '00', s = '00', frac = '', zone = 'Z'] = m;
  const year = +y, month = +mo, day = +d, hour = +h, minute = +mi, second = +s;
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return undefined;
  if (year < 1) return undefined;
  const probe = new Date(0);
  probe.setUTCFullYear(year, month - 1, day);
  if (probe.getUTCDate() !== day) return undefined; // 2021-02-30 and friends
  let offsetMinutes = 0;
  if (zone.toUpperCase() !== 'Z') {
    const oh = +zone.slice(1, 3), om = +zone.slice(4, 6);
    if (oh > 23 || om > 59) return undefined;
    offsetMinutes = (zone[0] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute - offsetMinutes, second, 0);
  return canonical(date.getTime(), frac.slice(0, 7).padEnd(7, '0'));
}

/** Renders a canonical DateTime the way EM does: trailing fraction zeros trimmed, no dot when zero. */
export function formatDateTime(value: DateTime): string {
  let end = 26; // index of the last fraction digit
  while (end >= 20 && value.charCodeAt(end) === 48) end--;
  return end === 19 ? value.slice(0, 19) + 'Z' : value.slice(0, end + 1) + 'Z';
}

/** How many fraction digits a DateTime keeps on the wire (see `WireProfile.timePrecision`). */
export type TimePrecision = 'seconds' | 'sql-datetime' | 'microseconds' | 'ticks';

/**
 * Renders a canonical DateTime as an EM of the given precision would: the fraction cut down
 * (never rounded up, so the rendered value is never later than the stored one and a `>=`
 * filter on it still finds the row), then trimmed as `formatDateTime` does. SQL Server's
 * `datetime` holds 1/300 s, which .NET shows as milliseconds ending in 0, 3 or 7; the last
 * such value not after the stored one is taken.
 */
export function formatDateTimeAt(value: DateTime, precision: TimePrecision): string {
  switch (precision) {
    case 'ticks':
      return formatDateTime(value);
    case 'seconds':
      return value.slice(0, 19) + 'Z';
    case 'microseconds':
      return formatDateTime(value.slice(0, 26) + '0Z');
    case 'sql-datetime': {
      const ms = value.slice(20, 23);
      const last = Number(ms[2]);
      const grid = last >= 7 ? '7' : last >= 3 ? '3' : '0';
      return formatDateTime(value.slice(0, 20) + ms.slice(0, 2) + grid + '0000Z');
    }
  }
}

/** A canonical DateTime from epoch milliseconds plus optional 100-ns ticks below the millisecond. */
export function fromEpochMs(ms: number, subMsTicks = 0): DateTime {
  const whole = Math.floor(ms);
  const fraction = pad(whole - Math.floor(whole / 1000) * 1000, 3) + pad(subMsTicks, 4);
  const value = canonical(Math.floor(whole / 1000) * 1000, fraction);
  if (value === undefined) throw new RangeError(`time out of range: ${ms}`);
  return value;
}

/** Epoch milliseconds of a canonical DateTime (sub-millisecond digits dropped). */
export function toEpochMs(value: DateTime): number {
  return Date.parse(value.slice(0, 23) + 'Z');
}

/** `yyyy-MM-dd HH:mm:ss`, the stamp EM puts in session names. */
export function nameStamp(value: DateTime): string {
  return value.slice(0, 10) + ' ' + value.slice(11, 19);
}
