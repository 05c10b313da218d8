/**
 * Whether a request meets a rule's `match` (pure). Every given field must hold: the method
 * (case-insensitive), the path (a case-insensitive prefix, as EM's routes are case-insensitive,
 * or a regex), each query parameter (its first occurrence, name case-insensitive as EM reads
 * them; value compared whole, case-insensitively, or by regex), the user (case-insensitive, as
 * user names are) and the negotiated format.
 */
import type { QueryParam } from '../query-string.js';
import type { RuleMatch, TextMatch } from './rule.js';

/** What a rule can see of a request. */
export interface RequestFacts {
  readonly method: string;
  /** The path as sent, without the query string, `//` runs collapsed. */
  readonly path: string;
  readonly params: readonly QueryParam[];
  /** The logon session's user, or for a logon the user name of its Basic credentials. */
  readonly user?: string;
  readonly format: 'xml' | 'json';
}

/** The path part of a request target, `//` runs collapsed (Fastify routes `//api//query` as `/api/query`). */
export const requestPath = (url: string): string => url.split('?', 1)[0].replace(/\/{2,}/g, '/');

export function pathMatches(m: TextMatch, path: string): boolean {
  return m.regex ? m.regex.test(path) : path.toLowerCase().startsWith(m.text.toLowerCase());
}

const valueMatches = (m: TextMatch, value: string): boolean => (m.regex ? m.regex.test(value) : value.toLowerCase() === m.text.toLowerCase());

export function matches(m: RuleMatch, f: RequestFacts): boolean {
  if (m.method !== undefined && m.method !== f.method.toUpperCase()) return false;
  if (m.path !== undefined && !pathMatches(m.path, f.path)) return false;
  if (m.user !== undefined && (f.user === undefined || m.user.toLowerCase() !== f.user.toLowerCase())) return false;
  if (m.format !== undefined && m.format !== f.format) return false;
  for (const q of m.query ?? []) {
    const p = f.params.find((x) => x.name.toLowerCase() === q.name);
    if (p === undefined || !valueMatches(q.value, p.value)) return false;
  }
  return true;
}
