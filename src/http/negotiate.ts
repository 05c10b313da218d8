const CANDIDATES = new Set(['application/json', 'application/xml', 'text/xml']);

/** Which Accept headers get JSON (the profile's `acceptJson`). */
export type AcceptJsonRule = 'first' | 'anywhere';

/**
 * Whether an answer goes out as JSON. Only the three EM media types count, parameters and
 * q-values ignored: with `first` (spec §1.2), JSON iff `application/json` is the first of them
 * listed; with `anywhere` (a 9.5 U4 EM answered `application/xml, text/xml, application/json`
 * with JSON), iff it is listed at all. Anything else, including no header and `*` wildcards,
 * gets XML.
 */
export function wantsJson(accept: string | string[] | undefined, rule: AcceptJsonRule = 'first'): boolean {
  if (accept === undefined) return false;
  const text = Array.isArray(accept) ? accept.join(',') : accept;
  for (const part of text.split(',')) {
    const type = part.split(';', 1)[0].trim().toLowerCase();
    if (!CANDIDATES.has(type)) continue;
    if (type === 'application/json') return true;
    if (rule === 'first') return false;
  }
  return false;
}
