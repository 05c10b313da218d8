const CANDIDATES = new Set(['application/json', 'application/xml', 'text/xml']);

/**
 * JSON iff `application/json` is the first of the three EM media types listed in Accept
 * (spec §1.2); anything else, including no header and `*` wildcards, gets XML.
 */
export function wantsJson(accept: string | string[] | undefined): boolean {
  if (accept === undefined) return false;
  const text = Array.isArray(accept) ? accept.join(',') : accept;
  for (const part of text.split(',')) {
    const type = part.split(';', 1)[0].trim().toLowerCase();
    if (CANDIDATES.has(type)) return type === 'application/json';
  }
  return false;
}
