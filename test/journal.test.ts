/**
 * The request journal over a real listening server (contract §5): it counts exactly what was
 * sent (and nothing of /admin), each entry's fields (the clock's `at`, the status, real `ms`,
 * the user, body bytes), most recent first, the filters, credentials never kept, faulted
 * requests with their rule's id (reset and hang with status null), clearing, bad filters
 * refused, and the ring's size (`--journal N`, 0 = off).
 */
import assert from 'node:assert/strict';
import type { JournalEntry } from '../src/client/types.js';
import net from 'node:net';
import { after, before, beforeEach, describe, test } from 'node:test';
import { UsageError } from '../src/cli/args.js';
import { Journal } from '../src/http/journal.js';
import { settingsFrom } from '../src/settings.js';
import { FIXTURE_NOW } from './support/fixture.js';
import { rawRequest } from './support/raw-http.js';
import { ADMIN_BASIC, startLoggedOn, VIEWER_BASIC, type Server } from './support/server.js';

const TOKEN = 'journal-admin-token-0123456789';
const BEARER = { Authorization: `Bearer ${TOKEN}` };

type Entry = JournalEntry;

async function call(server: Server, method: string, path: string, headers: Record<string, string> = BEARER, body?: string) {
  const r = await fetch(server.url + path, { method, headers, body });
  const buf = Buffer.from(await r.arrayBuffer());
  const text = buf.toString('utf8');
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: r.status, headers: r.headers, bytes: buf.length, text, json };
}

const journal = async (server: Server, query = ''): Promise<{ requests: Entry[]; total: number; capacity: number }> => {
  const a = await call(server, 'GET', `/admin/v1/requests${query}`);
  assert.equal(a.status, 200, a.text);
  return a.json;
};
const count = async (server: Server, query = ''): Promise<number> => {
  const a = await call(server, 'GET', `/admin/v1/requests/count${query}`);
  assert.equal(a.status, 200, a.text);
  return a.json.count;
};

describe('request journal over HTTP', () => {
  let server: Server;
  let token: string;
  const em = (path: string, init: { method?: string; headers?: Record<string, string> } = {}) =>
    call(server, init.method ?? 'GET', path, { 'X-RestSvcSessionId': token, ...init.headers });

  before(async () => {
    ({ server, token } = await startLoggedOn({ adminToken: TOKEN }));
  });
  after(() => server.close());
  beforeEach(async () => {
    assert.equal((await call(server, 'DELETE', '/admin/v1/faults')).status, 204);
    assert.equal((await call(server, 'DELETE', '/admin/v1/requests')).status, 204);
  });

  test('counts exactly what was sent, most recent first, each entry as the client saw it; /admin is not journalled', async () => {
    assert.deepEqual(await journal(server), { requests: [], total: 0, capacity: 10_000 });
    const sent: { method: string; path: string; status: number; bytes: number; user: string | null; query: Record<string, string> }[] = [];
    for (let i = 0; i < 5; i++) {
      const a = await em('/api/querySvc');
      sent.push({ method: 'GET', path: '/api/querySvc', status: a.status, bytes: a.bytes, user: 'TECH\\admin', query: {} });
      // Control-plane requests in between are not journalled.
      await call(server, 'GET', '/admin/v1/clock');
    }
    for (let i = 0; i < 3; i++) {
      const a = await em(`/api/query?type=BackupServer&pageSize=${i + 1}&Format=Entities`);
      sent.push({ method: 'GET', path: '/api/query', status: a.status, bytes: a.bytes, user: 'TECH\\admin', query: { type: 'BackupServer', pageSize: String(i + 1), Format: 'Entities' } });
    }
    const good = await call(server, 'POST', '/api/sessionMngr/?v=latest', { Authorization: VIEWER_BASIC });
    sent.push({ method: 'POST', path: '/api/sessionMngr/', status: good.status, bytes: good.bytes, user: 'tech\\viewer', query: { v: 'latest' } });
    const wrong = await call(server, 'POST', '/api/sessionMngr/', { Authorization: 'Basic ' + Buffer.from('tech\\viewer:nope').toString('base64') });
    sent.push({ method: 'POST', path: '/api/sessionMngr/', status: wrong.status, bytes: wrong.bytes, user: 'tech\\viewer', query: {} });
    const stranger = await call(server, 'GET', '/api/querySvc', { 'X-RestSvcSessionId': 'bm9wZQ==' });
    sent.push({ method: 'GET', path: '/api/querySvc', status: stranger.status, bytes: stranger.bytes, user: null, query: {} });
    const head = await em('/api/backupServers', { method: 'HEAD' });
    sent.push({ method: 'HEAD', path: '/api/backupServers', status: head.status, bytes: 0, user: 'TECH\\admin', query: {} });
    const unknown = await em('/nowhere?x=1');
    sent.push({ method: 'GET', path: '/nowhere', status: unknown.status, bytes: unknown.bytes, user: 'TECH\\admin', query: { x: '1' } });
    assert.deepEqual([good.status, wrong.status, stranger.status, head.status, unknown.status], [201, 401, 401, 200, 404]);

    assert.equal(await count(server), sent.length);
    const { requests, total } = await journal(server);
    assert.equal(total, sent.length);
    assert.deepEqual(
      requests.map(({ method, path, status, bytes, user, query }) => ({ method, path, status, bytes, user, query })),
      [...sent].reverse(),
    );
    for (const e of requests) {
      assert.equal(e.at, new Date(Date.parse(FIXTURE_NOW)).toISOString(), "the clock's now (frozen here)");
      assert.ok(typeof e.ms === 'number' && e.ms >= 0, `ms ${e.ms}`);
      assert.equal(e.fault, null);
    }
  });

  test('`at` follows the clock; since, path, method, status, user, fault and limit filter', async () => {
    await em('/api/querySvc');
    await em('/api/query?type=BackupServer');
    server.advance(60_000);
    const later = new Date(server.clock.now()).toISOString();
    await em('/api/query?type=Job');
    await em('/api/backupServers/00000000-0000-0000-0000-000000000000'); // unknown: 404
    const viewer = await call(server, 'POST', '/api/sessionMngr/', { Authorization: VIEWER_BASIC });
    assert.equal(viewer.status, 201);
    await call(server, 'GET', '/api/querySvc', { 'X-RestSvcSessionId': viewer.headers.get('x-restsvcsessionid')! });
    const all = await journal(server);
    assert.equal(all.total, 6);
    assert.equal(all.requests[0].at, later);
    assert.equal(all.requests.at(-1)!.at, new Date(server.clock.now() - 60_000).toISOString());

    const cases: [string, number][] = [
      [`?since=${later}`, 4],
      [`?since=${encodeURIComponent(new Date(server.clock.now() + 1).toISOString())}`, 0],
      ['?path=/api/query', 4], // /api/query and /api/querySvc: a prefix
      ['?path=/API/QUERY', 4],
      [`?path=${encodeURIComponent('/^\\/api\\/query$/')}`, 2],
      ['?method=post', 1],
      ['?status=404', 1],
      ['?status=4xx', 1],
      ['?status=2xx', 5],
      ['?user=tech%5Cviewer', 2],
      ['?user=TECH%5CADMIN&path=/api/query&since=' + later, 1],
      ['?fault=f1', 0],
    ];
    for (const [query, n] of cases) {
      assert.equal(await count(server, query), n, query);
      const listed = await journal(server, query);
      assert.equal(listed.total, n, query);
      assert.equal(listed.requests.length, n, query);
    }
    const limited = await journal(server, '?limit=2&method=GET');
    assert.equal(limited.total, 5);
    assert.deepEqual(limited.requests.map((e) => e.path), ['/api/querySvc', '/api/backupServers/00000000-0000-0000-0000-000000000000']);
    assert.equal((await journal(server, '?limit=0')).requests.length, 0);
  });

  test('long URLs are kept cut: 1024 characters per path, name and value, 32 parameters', async () => {
    const long = 'x'.repeat(6000);
    const many = Array.from({ length: 40 }, (_, i) => `p${i}=${i}`).join('&');
    assert.equal((await em(`/api/${long}?filter=${long}&${many}`)).status, 404);
    const [entry] = (await journal(server)).requests;
    assert.equal(entry.path, `/api/${long}`.slice(0, 1023) + '…');
    assert.equal(entry.query.filter, long.slice(0, 1023) + '…');
    assert.equal(Object.keys(entry.query).length, 32);
    assert.equal(entry.query.p30, '30');
    assert.equal(entry.query.p31, undefined);
    assert.equal(await count(server, `?path=/api/${'x'.repeat(100)}`), 1, 'a prefix still finds it');
  });

  test('never credentials: no bodies, no headers, credential-like parameters masked', async () => {
    const password = 'Passw0rd';
    const logon = await call(server, 'POST', '/api/sessionMngr/?v=latest&password=hunter2&apiKey=k', { Authorization: ADMIN_BASIC }, `password=${password}`);
    assert.equal(logon.status, 201);
    const fresh = await logonToken(server, ADMIN_BASIC);
    await call(server, 'GET', `/api/querySvc?sessionId=${fresh}&token=${fresh}&type=x`, { 'X-RestSvcSessionId': fresh, Cookie: `X-RestSvcSessionId=${fresh}` });
    const { requests } = await journal(server);
    const text = JSON.stringify(requests);
    for (const secret of [password, 'hunter2', fresh, Buffer.from(fresh, 'base64').toString('ascii'), ADMIN_BASIC.slice(6), 'Basic']) {
      assert.ok(!text.includes(secret), `the journal holds ${secret}`);
    }
    const query = requests.find((e) => e.path === '/api/querySvc')!.query;
    assert.deepEqual(query, { sessionId: '***', token: '***', type: 'x' });
    assert.deepEqual(requests.at(-1)!.query, { v: 'latest', password: '***', apiKey: '***' });
  });

  test('requests that met a fault carry its id: status, delay, truncate; reset and hang with status null', async () => {
    const rule = async (body: object) => (await call(server, 'POST', '/admin/v1/faults', BEARER, JSON.stringify(body))).json.id as string;
    const status = await rule({ match: { path: '/api/backupServers' }, fault: { status: 503 }, count: 1 });
    const delay = await rule({ match: { path: '/api/logonSessions' }, delay: 'PT0.05S', count: 1 });
    const reset = await rule({ match: { path: '/api/querySvc' }, fault: { reset: true }, count: 1 });
    const hang = await rule({ match: { path: '/api/query' }, fault: { hang: true }, count: 1 });
    const truncate = await rule({ match: { path: '/api/jobs' }, fault: { truncate: true }, skip: 1, count: 1 });
    assert.equal((await em('/api/backupServers')).status, 503);
    assert.equal((await em('/api/backupServers')).status, 200);
    assert.equal((await em('/api/logonSessions')).status, 200);
    await assert.rejects(em('/api/querySvc'));
    assert.equal((await em('/api/jobs?format=Entity')).status, 200, 'skipped');
    await assert.rejects(em('/api/jobs?format=Entity'), 'truncated: the client fails');

    // A hung request is journalled while it hangs: no status, no time yet.
    const port = Number(new URL(server.url).port);
    const socket = net.connect(port, '127.0.0.1', () => socket.write(rawRequest('GET', '/api/query?type=Job', { 'X-RestSvcSessionId': token })));
    socket.on('error', () => {});
    let hung: Entry | undefined;
    for (let i = 0; i < 100 && !hung; i++) {
      await new Promise((r) => setTimeout(r, 20));
      hung = (await journal(server, `?fault=${hang}`)).requests[0];
    }
    assert.deepEqual([hung?.status, hung?.ms, hung?.path], [null, null, '/api/query']);
    socket.destroy();
    let ended: Entry | undefined;
    for (let i = 0; i < 100 && !(typeof ended?.ms === 'number'); i++) {
      await new Promise((r) => setTimeout(r, 20));
      ended = (await journal(server, `?fault=${hang}`)).requests[0];
    }
    assert.equal(ended!.status, null, 'the client gave up: no status was ever sent');
    assert.ok(ended!.ms! >= 0);

    const { requests } = await journal(server);
    const faultOf = (path: string) => requests.filter((e) => e.path === path).map((e) => [e.status, e.fault]).reverse();
    assert.deepEqual(faultOf('/api/backupServers'), [[503, status], [200, null]]);
    assert.deepEqual(faultOf('/api/logonSessions'), [[200, delay]]);
    assert.ok(requests.find((e) => e.fault === delay)!.ms! >= 45);
    assert.deepEqual(faultOf('/api/querySvc'), [[null, reset]]);
    const jobs = requests.filter((e) => e.path === '/api/jobs').reverse();
    assert.deepEqual(jobs.map((e) => [e.status, e.fault]), [[200, null], [200, truncate]]);
    assert.ok(jobs[1].bytes > 0 && jobs[1].bytes < jobs[0].bytes, `truncated: ${jobs[1].bytes} of ${jobs[0].bytes} bytes`);
    assert.equal(await count(server, `?fault=${reset}`), 1);
  });

  test('DELETE empties it; bad filters are 400 naming the parameter; no token, 401', async () => {
    await em('/api/querySvc');
    assert.equal(await count(server), 1);
    assert.equal((await call(server, 'DELETE', '/admin/v1/requests')).status, 204);
    assert.equal(await count(server), 0);
    for (const [query, message] of [
      ['?colour=red', /^unknown parameter "colour" \(expected path, method, status, user, since, fault, limit\)$/],
      ['?status=teapot', /^status must be a status such as 503 or a class such as 5xx/],
      ['?since=yesterday', /^since must be an ISO-8601 date and time/],
      ['?limit=-1', /^limit must be a whole number/],
      ['?path=api', /^path must start with \//],
      ['?path=%2F(%2F', /^path: not a valid regular expression/],
      ['?method=G%20T', /^method must be an HTTP method/],
      ['?user=a&user=b', /^parameter user given twice$/],
    ] as const) {
      const a = await call(server, 'GET', `/admin/v1/requests${query}`);
      assert.equal(a.status, 400, query);
      assert.match(a.json.error, message, query);
    }
    const c = await call(server, 'GET', '/admin/v1/requests/count?limit=3');
    assert.equal(c.status, 400);
    assert.match(c.json.error, /^unknown parameter "limit"/);
    assert.equal((await call(server, 'GET', '/admin/v1/requests', {})).status, 401);
    assert.equal((await call(server, 'POST', '/admin/v1/requests')).status, 405);
  });
});

/** A fresh logon's token. */
async function logonToken(server: Server, basic: string): Promise<string> {
  const r = await fetch(`${server.url}/api/sessionMngr/?v=latest`, { method: 'POST', headers: { Authorization: basic } });
  assert.equal(r.status, 201);
  return r.headers.get('x-restsvcsessionid')!;
}

describe('journal size', () => {
  test('the ring keeps the last N (the oldest go first)', () => {
    const j = new Journal(3);
    const res = () => ({ once() {}, write: () => true, end() {} }) as any;
    for (let i = 0; i < 5; i++) j.begin({ method: 'GET', path: `/api/${i}`, params: [], at: i * 1000 }, res());
    assert.deepEqual(j.list({}).requests.map((e) => e.path), ['/api/4', '/api/3', '/api/2']);
    assert.equal(j.count({ since: 3000 }), 2);
    j.clear();
    assert.equal(j.count({}), 0);
    j.begin({ method: 'GET', path: '/api/x', params: [], at: 0 }, res());
    assert.deepEqual(j.list({}).requests.map((e) => e.path), ['/api/x']);
  });

  test('--journal: default 10000, 0 turns it off, bounds checked', () => {
    assert.equal(settingsFrom({}, {}).journalSize, 10_000);
    assert.equal(settingsFrom({ journal: '0' }, {}).journalSize, 0);
    assert.throws(() => settingsFrom({ journal: '-1' }, {}), (e: Error) => e instanceof UsageError && e.message === "--journal must be an integer from 0 to 1000000, got '-1'");
    assert.throws(() => settingsFrom({ journal: 'many' }, {}), (e: Error) => e instanceof UsageError && /^--journal /.test(e.message));
  });

  test('a server with --journal 2 keeps two; with --journal 0, none', async () => {
    for (const [size, kept] of [['2', 2], ['0', 0]] as const) {
      const { server, token } = await startLoggedOn({ adminToken: TOKEN, flags: { journal: size } });
      try {
        for (let i = 0; i < 4; i++) await call(server, 'GET', `/api/querySvc?i=${i}`, { 'X-RestSvcSessionId': token });
        const j = await journal(server);
        assert.equal(j.capacity, Number(size));
        assert.equal(j.total, kept);
        assert.deepEqual(j.requests.map((e) => e.query.i), ['3', '2'].slice(0, kept));
      } finally {
        await server.close();
      }
    }
  });
});
