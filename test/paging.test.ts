/**
 * Spec §6.5 paging, end to end: a real server on a real SQLite file holding a demo fleet;
 * for XML and JSON and several queries, start at page 1 and follow `Next` links until there
 * is none, checking every page's PagingInfo and links against the request and the union of
 * the pages against the whole result fetched as one big page.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { generateDemo, type DemoCounts } from '../src/demo/demo.js';
import { logon, startServer, type Server } from './support/server.js';
import { child, children, parseXml } from './support/xml.js';

const FIXED = Date.parse('2026-11-30T00:00:00Z');
const JSON_ACCEPT = 'application/json';

let server: Server;
let counts: DemoCounts;
let token: string;
let B: string;

before(async () => {
  server = await startServer({
    now: FIXED,
    load: async (store) => (counts = await generateDemo(store, { seed: 7, servers: 3, jobs: 12, days: 30, now: FIXED })),
  });
  ({ token } = await logon(server));
  B = `${server.url}/api`;
});
after(() => server.close());

type Pair = readonly [string, string | undefined];

/** One page as either representation shows it. */
interface Page {
  uids: string[];
  pagesCount: number;
  pageSize: number;
  pageNum: number;
  links: [string, string][];
}

function parsePage(body: string, json: boolean): Page {
  if (json) {
    const doc = JSON.parse(body);
    // Profile 12 (the default) writes every QueryResult member, the unused ones null, and every
    // Entities collection, null but the filled one; paging links carry Name and Type as null.
    assert.deepEqual(Object.keys(doc), ['Refs', 'Entities', 'Resources', 'Links', 'PagingInfo']);
    assert.deepEqual([doc.Resources, doc.Links, doc.Refs === null || doc.Entities === null], [null, null, true]);
    let items: { UID: string }[];
    if (doc.Refs) {
      assert.deepEqual(Object.keys(doc.Refs), ['Refs']);
      items = doc.Refs.Refs;
    } else {
      const [list, ...more] = Object.keys(doc.Entities).filter((k) => doc.Entities[k] !== null);
      assert.equal(more.length, 0);
      assert.deepEqual(Object.keys(doc.Entities[list]), [list]);
      items = doc.Entities[list][list];
    }
    assert.ok(Array.isArray(items));
    const p = doc.PagingInfo;
    assert.deepEqual(Object.keys(p), ['Links', 'PageNum', 'PageSize', 'PagesCount']);
    for (const l of p.Links) assert.deepEqual([Object.keys(l), l.Name, l.Type], [['Rel', 'Href', 'Name', 'Type'], null, null]);
    return {
      uids: items.map((i) => i.UID),
      pagesCount: p.PagesCount,
      pageSize: p.PageSize,
      pageNum: p.PageNum,
      links: p.Links.map((l: { Rel: string; Href: string }) => [l.Rel, l.Href]),
    };
  }
  const root = parseXml(body).documentElement!;
  assert.equal(root.localName, 'QueryResult');
  const [result, paging, ...more] = children(root);
  assert.equal(more.length, 0);
  let items: Element[];
  if (result.localName === 'Refs') items = children(result, 'Ref');
  else {
    assert.equal(result.localName, 'Entities');
    const lists = children(result);
    assert.equal(lists.length, 1);
    items = children(lists[0]);
  }
  assert.equal(paging.localName, 'PagingInfo');
  const num = (name: string) => {
    const v = paging.getAttribute(name);
    assert.match(v ?? '', /^\d+$/, `${name}="${v}"`);
    return Number(v);
  };
  return {
    uids: items.map((e) => e.getAttribute('UID')!),
    pagesCount: num('PagesCount'),
    pageSize: num('PageSize'),
    pageNum: num('PageNum'),
    links: children(child(paging, 'Links'), 'Link').map((l) => {
      assert.equal(l.getAttribute('Type'), null);
      assert.equal(l.getAttribute('Name'), null);
      return [l.getAttribute('Rel')!, l.getAttribute('Href')!];
    }),
  };
}

async function fetchPage(url: string, json: boolean): Promise<Page> {
  const res = await fetch(url, { headers: { 'X-RestSvcSessionId': token, ...(json ? { Accept: JSON_ACCEPT } : {}) } });
  const body = await res.text();
  assert.equal(res.status, 200, `${url}\n${body}`);
  assert.equal(res.headers.get('content-type'), json ? 'application/json; charset=utf-8' : 'application/xml; charset=utf-8');
  return parsePage(body, json);
}

/** Form decoding, independent of src/http/query-string.ts. */
const formDecode = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));

function parseHref(href: string): Pair[] {
  const prefix = `${B}/query?`;
  assert.ok(href.startsWith(prefix), `${href} should start with ${prefix}`);
  const query = href.slice(prefix.length);
  assert.doesNotMatch(query, /[#\s"<>]/, href);
  return query.split('&').map((piece) => {
    const eq = piece.indexOf('=');
    return eq < 0 ? [formDecode(piece), undefined] : [formDecode(piece.slice(0, eq)), formDecode(piece.slice(eq + 1))];
  });
}

const encode = (s: string) => encodeURIComponent(s).replace(/%3B/g, ';').replace(/%2C/g, ',');

function queryString(pairs: readonly Pair[]): string {
  return pairs.map(([n, v]) => (v === undefined ? encode(n) : `${encode(n)}=${encode(v)}`)).join('&');
}

/** The request's parameters with pageSize/page replaced in place (any case) or appended, in that order. */
function withPaging(pairs: readonly Pair[], pageSize: number, page: number): Pair[] {
  const out: Pair[] = [];
  let sawSize = false, sawPage = false;
  for (const [n, v] of pairs) {
    const lower = n.toLowerCase();
    if (lower === 'pagesize') {
      sawSize = true;
      out.push([n, String(pageSize)]);
    } else if (lower === 'page') {
      sawPage = true;
      out.push([n, String(page)]);
    } else out.push([n, v]);
  }
  if (!sawSize) out.push(['pageSize', String(pageSize)]);
  if (!sawPage) out.push(['page', String(page)]);
  return out;
}

const pageOf = (href: string) => Number(parseHref(href).find(([n]) => n.toLowerCase() === 'page')![1]);

/** Checks a page's links: order, presence rules and parameters (original order, names, values). */
function checkLinks(p: Page, request: readonly Pair[], page: number): Map<string, string> {
  const rels = p.links.map(([rel]) => rel);
  const expected = ['First', ...(page > 1 ? ['Previous'] : []), ...(page < p.pagesCount ? ['Next'] : []), 'Last'];
  assert.deepEqual(rels, expected, `links of page ${page}`);
  const byRel = new Map(p.links);
  const targets: Record<string, number> = { First: 1, Last: p.pagesCount };
  if (page < p.pagesCount) targets.Next = page + 1;
  if (page > 1 && page <= p.pagesCount) targets.Previous = page - 1;
  for (const [rel, href] of p.links) {
    const target = targets[rel] ?? pageOf(href);
    assert.deepEqual(parseHref(href), withPaging(request, p.pageSize, target), `${rel} of page ${page}: ${href}`);
  }
  return byRel;
}

/** All hits in one request (`pageSize=100000`, no `page`). */
async function everything(request: readonly Pair[], json: boolean): Promise<string[]> {
  const pairs = withPaging(request.filter(([n]) => n.toLowerCase() !== 'page'), 100_000, 1);
  const p = await fetchPage(`${B}/query?${queryString(pairs)}`, json);
  assert.equal(p.pagesCount, 1);
  assert.equal(p.pageSize, 100_000);
  return p.uids;
}

/** Starts at `?request` (page 1 unless it says otherwise) and follows Next to the end. */
async function walk(request: readonly Pair[], json: boolean, expectedPageSize: number) {
  const all = await everything(request, json);
  assert.equal(new Set(all).size, all.length, 'the full result has no duplicates');
  const seen: string[] = [];
  let url: string | undefined = `${B}/query?${queryString(request)}`;
  let page = 1;
  let pagesCount: number | undefined;
  while (url) {
    const p = await fetchPage(url, json);
    assert.equal(p.pageNum, page, `PageNum on ${url}`);
    assert.equal(p.pageSize, expectedPageSize);
    pagesCount ??= p.pagesCount;
    assert.equal(p.pagesCount, pagesCount, 'PagesCount is constant');
    const expectedLength = page < pagesCount ? expectedPageSize : all.length - (pagesCount - 1) * expectedPageSize;
    assert.equal(p.uids.length, expectedLength, `items on page ${page}`);
    for (const uid of p.uids) assert.match(uid, /^urn:veeam:\w+:[0-9a-f-]{36}$/);
    seen.push(...p.uids);
    const links = checkLinks(p, request, page);
    url = links.get('Next');
    if (url) page++;
  }
  assert.equal(page, pagesCount, 'PagesCount = pages visited');
  assert.equal(pagesCount, Math.max(1, Math.ceil(all.length / expectedPageSize)));
  assert.equal(new Set(seen).size, seen.length, 'every UID once');
  assert.deepEqual(seen, all, 'pages concatenated = the whole result, in order');
  return { all, pagesCount };
}

const QUERIES: { title: string; request: Pair[]; pageSize: number; minPages: number }[] = [
  {
    title: 'ReplicaJobSession References, pageSize=7',
    request: [['type', 'ReplicaJobSession'], ['format', 'References'], ['pageSize', '7']],
    pageSize: 7,
    minPages: 20,
  },
  {
    title: 'ReplicaJobSession Entities, Result!=Success, sortDesc=EndTime, pageSize=5',
    request: [['type', 'ReplicaJobSession'], ['format', 'Entities'], ['filter', 'Result!=Success'], ['sortDesc', 'EndTime'], ['pageSize', '5']],
    pageSize: 5,
    minPages: 3,
  },
  {
    title: 'ReplicaTaskSession, pageSize=50',
    request: [['type', 'ReplicaTaskSession'], ['pageSize', '50']],
    pageSize: 50,
    minPages: 10,
  },
  {
    title: 'odd order and case, unknown parameters, page given first',
    request: [['PageSize', '9'], ['type', 'replicajobsession'], ['foo', 'bar'], ['baz', undefined], ['FILTER', 'State==Stopped'], ['Page', '1']],
    pageSize: 9,
    minPages: 5,
  },
  {
    title: 'quoted filter with spaces, AND/OR, sortAsc',
    request: [['type', 'ReplicaJobSession'], ['filter', '(Result==Failed,Result==Warning);State=="Stopped"'], ['sortAsc', 'JobName'], ['format', 'entity'], ['pageSize', '4']],
    pageSize: 4,
    minPages: 2,
  },
];

for (const json of [false, true]) {
  describe(`following Next links (${json ? 'JSON' : 'XML'})`, () => {
    for (const q of QUERIES) {
      test(q.title, async () => {
        const { pagesCount } = await walk(q.request, json, q.pageSize);
        assert.ok(pagesCount >= q.minPages, `expected at least ${q.minPages} pages, got ${pagesCount}`);
      });
    }

    test('links keep original names and order, re-encoded (exact hrefs)', async () => {
      const p = await fetchPage(`${B}/query?PageSize=9&type=replicajobsession&foo=bar&FILTER=State==Stopped`, json);
      // Profile 12 (the default) encodes as .NET's form encoding: lower-case hex (issue 16 item 4).
      const q = 'PageSize=9&type=replicajobsession&foo=bar&FILTER=State%3d%3dStopped';
      assert.deepEqual(p.links, [
        ['First', `${B}/query?${q}&page=1`],
        ['Next', `${B}/query?${q}&page=2`],
        ['Last', `${B}/query?${q}&page=${p.pagesCount}`],
      ]);
    });

    test('default pageSize is 100 and is appended to the links', async () => {
      const request: Pair[] = [['type', 'ReplicaJobSession']];
      const { all } = await walk(request, json, 100);
      assert.ok(all.length > 100, `demo should have more than 100 sessions, has ${all.length}`);
      assert.equal(all.length, counts.sessions);
      const p = await fetchPage(`${B}/query?type=ReplicaJobSession`, json);
      assert.equal(p.links[0][1], `${B}/query?type=ReplicaJobSession&pageSize=100&page=1`);
    });

    test('a page beyond the last is 200 with an empty list and echoes PageNum', async () => {
      const request: Pair[] = [['type', 'ReplicaJobSession'], ['pageSize', '7']];
      const first = await fetchPage(`${B}/query?${queryString(request)}`, json);
      for (const page of [first.pagesCount + 1, first.pagesCount + 5]) {
        const pairs = withPaging(request, 7, page);
        const p = await fetchPage(`${B}/query?${queryString(pairs)}`, json);
        assert.deepEqual(p.uids, []);
        assert.equal(p.pageNum, page);
        assert.equal(p.pageSize, 7);
        assert.equal(p.pagesCount, first.pagesCount);
        assert.deepEqual(p.links.map(([rel]) => rel), ['First', 'Previous', 'Last']);
        checkLinks(p, pairs, page);
        // The server accepts its own links, and Previous leads to a page that exists.
        const prev = await fetchPage(new Map(p.links).get('Previous')!, json);
        assert.ok(prev.uids.length > 0);
      }
    });

    for (const format of ['References', 'Entities']) {
      test(`zero hits (${format}): PagesCount=1, PageNum=1, First and Last only`, async () => {
        const request: Pair[] = [['type', 'ReplicaJobSession'], ['format', format], ['filter', 'JobName=="no such job"'], ['pageSize', '5']];
        const p = await fetchPage(`${B}/query?${queryString(request)}`, json);
        assert.deepEqual(p.uids, []);
        assert.equal(p.pagesCount, 1);
        assert.equal(p.pageNum, 1);
        assert.equal(p.pageSize, 5);
        assert.deepEqual(p.links.map(([rel]) => rel), ['First', 'Last']);
        assert.equal(p.links[0][1], p.links[1][1]);
        checkLinks(p, request, 1);
        await walk(request, json, 5);
      });
    }
  });
}

test('XML and JSON page through the same UIDs', async () => {
  const request: Pair[] = [['type', 'ReplicaJobSession'], ['format', 'Entities'], ['filter', 'Result!=Success'], ['sortDesc', 'EndTime'], ['pageSize', '5']];
  assert.deepEqual((await walk(request, false, 5)).all, (await walk(request, true, 5)).all);
});

test('sortDesc=EndTime puts running sessions (no EndTime) last', async () => {
  const res = await fetch(`${B}/query?type=ReplicaJobSession&format=Entities&filter=Result!=Success&sortDesc=EndTime&pageSize=100000`, {
    headers: { 'X-RestSvcSessionId': token, Accept: JSON_ACCEPT },
  });
  const sessions: { EndTimeUTC?: string | null; Result: string }[] = (await res.json()).Entities.ReplicaJobSessions.ReplicaJobSessions;
  assert.ok(sessions.every((s) => s.Result !== 'Success'));
  // Profile 12 writes a running session's EndTimeUTC as null.
  const ends = sessions.map((s) => s.EndTimeUTC ?? undefined);
  const firstMissing = ends.indexOf(undefined);
  assert.ok(firstMissing > 0, 'demo has finished and running non-successful sessions');
  assert.ok(ends.slice(firstMissing).every((e) => e === undefined));
  const finished = ends.slice(0, firstMissing).map((e) => Date.parse(e!));
  assert.deepEqual(finished, [...finished].sort((a, b) => b - a));
});
