import type { FastifyInstance, FastifyRequest } from 'fastify';
import { parseInstant } from '../../clock/clock.js';
import { errors } from '../errors.js';
import { parsePathMatch, RuleError } from '../faults/rule.js';
import type { JournalFilter, JournalReader } from '../journal.js';
import { parseQueryString, rawQuery } from '../query-string.js';
import { sendRaw } from '../send.js';
import { ADMIN_METHODS, jsonErrors, sendJson } from './admin-shared.js';

/**
 * The control plane's request journal (contract §5), JSON only:
 *   GET    /admin/v1/requests?path=&method=&status=&user=&since=&fault=&limit=
 *          → {"requests":[…],"total":N,"capacity":N}, most recent first; total counts every match
 *   GET    /admin/v1/requests/count?…   → {"count":N} (the same filters, no limit)
 *   DELETE /admin/v1/requests           → 204, the journal is empty
 * Filters AND together: `path` a case-insensitive prefix or a regex `/…/` (as fault rules take
 * it), `method`, `status` (`503` or a class `5xx`), `user` (case-insensitive), `since` (an ISO
 * instant: entries at or after it, by the clock), `fault` (a rule id). A bad or unknown
 * parameter is a 400 naming it.
 */

export const REQUESTS = '/admin/v1/requests';
const COUNT = '/admin/v1/requests/count';

const bad = (message: string) => errors.adminBadRequest(message);
const FILTERS = ['path', 'method', 'status', 'user', 'since', 'fault'];

/** The filter (and limit) of a journal request's query string; refuses what it cannot read. */
export function journalFilter(url: string, allowLimit: boolean): { filter: JournalFilter; limit?: number } {
  const names = allowLimit ? [...FILTERS, 'limit'] : FILTERS;
  const given = new Map<string, string>();
  for (const p of parseQueryString(rawQuery(url))) {
    const name = p.name.toLowerCase();
    if (!names.includes(name)) throw bad(`unknown parameter ${JSON.stringify(p.name)} (expected ${names.join(', ')})`);
    if (given.has(name)) throw bad(`parameter ${name} given twice`);
    given.set(name, p.value);
  }
  const filter: { -readonly [K in keyof JournalFilter]: JournalFilter[K] } = {};
  const v = (name: string) => given.get(name);
  if (v('path') !== undefined) {
    try {
      filter.path = parsePathMatch(v('path'), 'path');
    } catch (e) {
      if (e instanceof RuleError) throw bad(e.message);
      throw e;
    }
  }
  if (v('method') !== undefined) {
    if (!/^[A-Za-z]{1,20}$/.test(v('method')!)) throw bad(`method must be an HTTP method such as GET, got ${JSON.stringify(v('method'))}`);
    filter.method = v('method')!.toUpperCase();
  }
  if (v('status') !== undefined) {
    const s = v('status')!;
    if (/^[1-5]\d\d$/.test(s)) filter.status = { exact: Number(s) };
    else if (/^[1-5]xx$/i.test(s)) filter.status = { hundreds: Number(s[0]) };
    else throw bad(`status must be a status such as 503 or a class such as 5xx, got ${JSON.stringify(s)}`);
  }
  if (v('user') !== undefined) {
    if (v('user') === '') throw bad('user must be a user name, got ""');
    filter.user = v('user');
  }
  if (v('since') !== undefined) {
    const at = parseInstant(v('since')!);
    if (at === undefined) throw bad(`since must be an ISO-8601 date and time such as 2026-12-01T10:00:00Z, got ${JSON.stringify(v('since'))}`);
    filter.since = at;
  }
  if (v('fault') !== undefined) {
    if (v('fault') === '') throw bad('fault must be a fault rule id such as f1, got ""');
    filter.fault = v('fault');
  }
  let limit: number | undefined;
  if (v('limit') !== undefined) {
    if (!/^\d{1,9}$/.test(v('limit')!)) throw bad(`limit must be a whole number of at least 0, got ${JSON.stringify(v('limit'))}`);
    limit = Number(v('limit'));
  }
  return { filter, limit };
}

export function adminRequestRoutes(journal: JournalReader, guard: (req: FastifyRequest) => Promise<void>) {
  return async (scope: FastifyInstance): Promise<void> => {
    jsonErrors(scope);
    const config = { anonymous: true };
    scope.route({
      method: 'GET', url: REQUESTS, config, onRequest: guard,
      handler: async (req, reply) => {
        const { filter, limit } = journalFilter(req.url, true);
        sendJson(reply, 200, { ...(await journal.list(filter, limit)), capacity: journal.capacity });
      },
    });
    scope.route({
      method: 'GET', url: COUNT, config, onRequest: guard,
      handler: async (req, reply) => sendJson(reply, 200, { count: await journal.count(journalFilter(req.url, false).filter) }),
    });
    scope.route({
      method: 'DELETE', url: REQUESTS, config, onRequest: guard,
      handler: async (_req, reply) => {
        await journal.clear();
        sendRaw(reply, 204, []);
      },
    });
    for (const [url, allowed] of [[REQUESTS, ['GET', 'DELETE']], [COUNT, ['GET']]] as const) {
      scope.route({
        method: ADMIN_METHODS.filter((m) => !(allowed as readonly string[]).includes(m) && m !== 'HEAD'),
        url, config, onRequest: guard,
        handler: async (req) => {
          throw errors.methodNotAllowed(req.method, allowed);
        },
      });
    }
  };
}
