/**
 * ISO-8601 durations of fixed length, as the admin API takes them (`"advance":"PT36H"`):
 * `PnW`, `PnD`, `PTnHnMnS` and their combinations (`P1DT2H30M`, `P1W2D`), designators in order,
 * either case; the last component given may carry a fraction (`PT1.5H`, `PT0,25S`). Years and
 * months have no fixed length and are refused (write days), as are negative durations, an
 * empty `P`/`PT`, and anything else.
 */

export class DurationError extends Error {}

const NUMBER = '(\\d+(?:[.,]\\d+)?)';
const FORM = new RegExp(`^P(?:${NUMBER}W)?(?:${NUMBER}D)?(?:T(?:${NUMBER}H)?(?:${NUMBER}M)?(?:${NUMBER}S)?)?$`);
/** Milliseconds per unit, in the order of FORM's groups. */
const UNITS = [7 * 86_400_000, 86_400_000, 3_600_000, 60_000, 1000];

/** Milliseconds (whole, rounded) of an ISO-8601 duration; throws DurationError saying what is wrong. */
export function parseDuration(text: string): number {
  const upper = text.toUpperCase();
  const quoted = JSON.stringify(text);
  if (upper.startsWith('-') || upper.startsWith('+')) throw new DurationError(`${quoted}: a duration cannot be negative or signed`);
  const dateMatch = /^P([^T]*)/.exec(upper);
  if (dateMatch && /[YM]/.test(dateMatch[1])) {
    throw new DurationError(`${quoted}: years and months have no fixed length; write days (e.g. P30D)`);
  }
  const m = FORM.exec(upper);
  if (!m || upper === 'P' || upper.endsWith('T')) {
    throw new DurationError(`${quoted} is not an ISO-8601 duration such as PT36H, P1DT12H, PT90S or P1W`);
  }
  const parts = m.slice(1).map((v, i) => ({ v, unit: UNITS[i] })).filter((p) => p.v !== undefined);
  const fractional = parts.findIndex((p) => /[.,]/.test(p.v));
  if (fractional >= 0 && fractional !== parts.length - 1) {
    throw new DurationError(`${quoted}: only the last component may have a fraction`);
  }
  const ms = parts.reduce((sum, p) => sum + Number(p.v.replace(',', '.')) * p.unit, 0);
  if (!Number.isFinite(ms) || ms > Number.MAX_SAFE_INTEGER) throw new DurationError(`${quoted} is too long`);
  return Math.round(ms);
}
