/**
 * Every link resolves: starting at the entry point, a crawler logged on as the administrator
 * follows every `Href` of every document it reads (entity and reference `Href`s, `Link`s of
 * every rel a GET can follow, paging links), in XML and in JSON, over a small seeded demo
 * estate with the simulation's data, each distinct URL once. No answer may be a 404 or a 5xx:
 * a link emrest advertises must lead somewhere. Action links (`?action=`) and links whose rel
 * names a write (Create, Edit, Delete) are not GETs and are not followed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { generateDemo } from '../src/demo/demo.js';
import { UNIMPLEMENTED_QUERY_TYPES } from '../src/model/index.js';
import { startLoggedOn, type Server } from './support/server.js';
import { parseXml } from './support/xml.js';

const NOW = Date.parse('2026-11-20T12:00:00Z');
/** Rels a client follows with a GET ('' for an entity's or reference's own Href); the others (Create, Edit, Delete, Start, Sync, …) are writes and actions. */
const NAVIGATION = new Set(['', 'up', 'down', 'alternate', 'related', 'first', 'last', 'next', 'previous']);
/** A crawl this size means a link generates links without end (e.g. paging past the last page). */
const MAX_URLS = 20_000;

interface Crawl {
  readonly followed: number;
  /** 404s and 5xx other than 501. */
  readonly broken: string[];
  /** Paths answered 501 (not implemented in emrest), ids as `{id}`, query strings dropped but a query's type. */
  readonly unimplemented: Set<string>;
  /** URLs per status. */
  readonly statuses: Map<number, number>;
}

/** Every `Href` of an XML document with its element's `Rel` (empty for entity/reference Hrefs). */
function xmlLinks(text: string): { href: string; rel: string }[] {
  const out: { href: string; rel: string }[] = [];
  const walk = (el: Element) => {
    const href = el.getAttribute('Href');
    if (href) out.push({ href, rel: el.getAttribute('Rel') ?? '' });
    for (let n = el.firstChild; n; n = n.nextSibling) if (n.nodeType === 1) walk(n as Element);
  };
  walk(parseXml(text).documentElement);
  return out;
}

/** Every `Href` of a JSON document with its object's `Rel`. */
function jsonLinks(text: string): { href: string; rel: string }[] {
  const out: { href: string; rel: string }[] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v !== null && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (typeof o.Href === 'string') out.push({ href: o.Href, rel: typeof o.Rel === 'string' ? o.Rel : '' });
      Object.values(o).forEach(walk);
    }
  };
  walk(JSON.parse(text));
  return out;
}

async function crawl(server: Server, token: string, format: 'xml' | 'json'): Promise<Crawl> {
  const origin = new URL(server.url).origin;
  const seen = new Set<string>();
  const queue = [`${server.url}/api/`];
  const broken: string[] = [];
  const unimplemented = new Set<string>();
  const statuses = new Map<number, number>();
  seen.add(queue[0]);
  while (queue.length > 0) {
    const url = queue.shift()!;
    const res = await fetch(url, { headers: { 'X-RestSvcSessionId': token, Accept: format === 'json' ? 'application/json' : 'application/xml' } });
    const text = await res.text();
    statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    if (res.status === 501) {
      const u = new URL(url);
      const type = u.pathname === '/api/query' ? `?type=${u.searchParams.get('type')}` : '';
      unimplemented.add(u.pathname.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, '{id}') + type);
      continue;
    }
    if (res.status === 404 || res.status >= 500) {
      broken.push(`${res.status} ${url}`);
      continue;
    }
    if (res.status !== 200) continue;
    for (const { href, rel } of format === 'json' ? jsonLinks(text) : xmlLinks(text)) {
      if (!NAVIGATION.has(rel.toLowerCase()) || /[?&]action=/i.test(href)) continue;
      assert.ok(href.startsWith(`${origin}/api/`), `a link outside the API: ${href} (in ${url})`);
      if (seen.has(href)) continue;
      seen.add(href);
      assert.ok(seen.size <= MAX_URLS, `over ${MAX_URLS} distinct links: the crawl does not end`);
      queue.push(href);
    }
  }
  return { followed: seen.size, broken, unimplemented, statuses };
}

/** EM resources our documents link to that answer 501 (listed in README "Not implemented yet"). */
const NOT_IMPLEMENTED_PATHS = [
  '/api/agents',
  '/api/agents/jobs/{id}/includes',
  '/api/backupServers/{id}/credentials',
  '/api/backupServers/{id}/managedServers',
  '/api/backupServers/{id}/passwords',
  '/api/catalog/vms',
  '/api/externalRepositories',
  '/api/failoverPlans',
  '/api/hierarchyRoots',
  '/api/jobs/{id}/includes',
  '/api/jobs/{id}/linkedBackupRepositories',
  '/api/jobs/{id}/linkedJobs',
  '/api/lookupSvc',
  '/api/managedServers',
  '/api/nas',
  '/api/nas/jobs/{id}/includes',
  '/api/replicas',
  '/api/restoreSessions',
  '/api/security',
  '/api/selfService/vSphere',
  '/api/vAppRestorePoints',
  '/api/vCloud',
  '/api/vmReplicaPoints',
  '/api/wanAccelerators',
];
/** …and the query service's links to the documented query types emrest does not declare. */
const NOT_IMPLEMENTED = [...NOT_IMPLEMENTED_PATHS, ...UNIMPLEMENTED_QUERY_TYPES.map((name) => `/api/query?type=${name}`)].sort();

describe('link crawl from the entry point', () => {
  let server: Server;
  let token: string;
  before(async () => {
    ({ server, token } = await startLoggedOn({
      now: NOW,
      load: (store) => generateDemo(store, { seed: 11, servers: 2, jobs: 2, backupJobs: 3, days: 3, now: NOW }),
    }));
  });
  after(() => server.close());

  for (const format of ['xml', 'json'] as const) {
    test(`${format}: every advertised link answers, none 404 or 5xx`, async (t) => {
      const result = await crawl(server, token, format);
      t.diagnostic(`${format}: ${result.followed} links followed; statuses ${JSON.stringify(Object.fromEntries(result.statuses))}`);
      assert.deepEqual(result.broken, []);
      assert.deepEqual([...result.unimplemented].sort(), NOT_IMPLEMENTED, 'the EM resources emrest links to but does not implement (README)');
      assert.ok(result.followed > 100, `${result.followed} links followed`);
    });
  }
});
