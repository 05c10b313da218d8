/**
 * Fault rules over a real listening server (contract §4): each kind as a real client sees it —
 * fetch for status, delay, slowBody and expireSession; a raw socket for reset, hang and
 * truncate — the exact count/skip behaviour, the match fields, delays (lower bounds only),
 * seeded probability that repeats, /admin never faulted, app.close() with a hung request
 * outstanding, reset/truncate/hang over HTTPS too, bad rules refused with the field named and nothing added, and rule files
 * (`serve --faults`) that refuse to start naming the file and position.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { performance } from 'node:perf_hooks';
import { after, before, beforeEach, describe, test } from 'node:test';
import { UsageError } from '../src/cli/args.js';
import { DEFAULTS } from '../src/config.js';
import { generateDemo } from '../src/demo/demo.js';
import { tlsMaterial } from '../src/http/listen.js';
import { parseRule, parseRuleList, RuleError } from '../src/http/faults/rule.js';
import { FaultRegistry } from '../src/http/faults/registry.js';
import { settingsFrom } from '../src/settings.js';
import { freshDir, httpOrigin, run, start, stop, waitFor, workDir } from './support/cli-process.js';
import { rawRequest } from './support/raw-http.js';
import { ADMIN_BASIC, logon, startLoggedOn, VIEWER_BASIC, type Server } from './support/server.js';
import { parseXml } from './support/xml.js';

const TOKEN = 'faults-admin-token-0123456789';
const BEARER = { Authorization: `Bearer ${TOKEN}` };

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: any;
}

async function call(server: Server, method: string, path: string, body?: unknown, headers: Record<string, string> = BEARER): Promise<Answer> {
  const init: RequestInit = { method, headers: { ...headers } };
  if (body !== undefined) init.body = typeof body === 'string' ? body : JSON.stringify(body);
  const r = await fetch(server.url + path, init);
  const text = await r.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: r.status, headers: r.headers, text, json };
}

/** Adds a rule; returns its id. */
async function addRule(server: Server, rule: unknown): Promise<string> {
  const a = await call(server, 'POST', '/admin/v1/faults', rule);
  assert.equal(a.status, 201, a.text);
  return a.json.id;
}

const listRules = async (server: Server) => (await call(server, 'GET', '/admin/v1/faults')).json.faults as any[];

/** An EM API request with the session token. */
async function api(server: Server, token: string, path: string, init: { accept?: string; method?: string } = {}): Promise<Answer> {
  const headers: Record<string, string> = { 'X-RestSvcSessionId': token };
  if (init.accept) headers.Accept = init.accept;
  return call(server, init.method ?? 'GET', path, undefined, headers);
}

/** Everything a raw connection receives until the server closes it (or `ms` pass), and how it ended. */
async function rawExchange(port: number, request: string, ms = 5000, secure = false): Promise<{ data: Buffer; closed: boolean; error?: string }> {
  const socket = secure ? tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false }) : net.connect(port, '127.0.0.1');
  const chunks: Buffer[] = [];
  return new Promise((resolve) => {
    let error: string | undefined;
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ data: Buffer.concat(chunks), closed: false, error });
    }, ms);
    socket.on(secure ? 'secureConnect' : 'connect', () => socket.write(request));
    socket.on('data', (d) => chunks.push(d));
    socket.on('error', (e: NodeJS.ErrnoException) => void (error = e.code));
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ data: Buffer.concat(chunks), closed: true, error });
    });
  });
}

const portOf = (server: Server) => Number(new URL(server.url).port);

describe('fault rules over HTTP', () => {
  let server: Server;
  let token: string;

  before(async () => {
    ({ server, token } = await startLoggedOn({ adminToken: TOKEN }));
  });
  after(() => server.close());
  beforeEach(async () => {
    assert.equal((await call(server, 'DELETE', '/admin/v1/faults')).status, 204);
  });

  test('status: an EM Error in the negotiated format, exactly `count` times, then the rule is exhausted but listed', async () => {
    const id = await addRule(server, {
      match: { method: 'GET', path: '/api/query', query: { type: 'BackupServer' } },
      fault: { status: 503, message: 'Service unavailable' },
      count: 2,
    });
    assert.match(id, /^f\d+$/);
    const xml = await api(server, token, '/api/query?type=BackupServer');
    assert.equal(xml.status, 503);
    assert.match(xml.headers.get('content-type')!, /^application\/xml/);
    const error = parseXml(xml.text).documentElement;
    assert.equal(error.nodeName, 'Error');
    assert.equal(error.getAttribute('StatusCode'), '503');
    assert.equal(error.getAttribute('Message'), 'Service unavailable');
    const json = await api(server, token, '/api/query?type=BackupServer', { accept: 'application/json' });
    assert.equal(json.status, 503);
    assert.match(json.headers.get('content-type')!, /^application\/json/);
    assert.equal(json.json.StatusCode, 503);
    assert.equal(json.json.Message, 'Service unavailable');
    assert.equal((await api(server, token, '/api/query?type=BackupServer')).status, 200, 'count reached');
    assert.equal((await api(server, token, '/api/query?type=Job')).status, 200, 'another type does not match');
    const [rule] = await listRules(server);
    assert.deepEqual(
      { id: rule.id, hits: rule.hits, matched: rule.matched, exhausted: rule.exhausted, count: rule.count, fault: rule.fault },
      { id, hits: 2, matched: 3, exhausted: true, count: 2, fault: { status: 503, message: 'Service unavailable' } },
    );
  });

  test('status without a message: the reason phrase', async () => {
    await addRule(server, { match: { path: '/api/querySvc' }, fault: { status: 429 } });
    const a = await api(server, token, '/api/querySvc');
    assert.equal(a.status, 429);
    assert.equal(parseXml(a.text).documentElement.getAttribute('Message'), 'Too Many Requests');
  });

  test('skip and count: exactly the matching requests after the first `skip`, `count` of them', async () => {
    await addRule(server, { match: { path: '/api/backupServers' }, fault: { status: 500 }, skip: 2, count: 3 });
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      statuses.push((await api(server, token, '/api/backupServers')).status);
      // Requests that do not match are not counted.
      assert.equal((await api(server, token, '/api/querySvc')).status, 200);
    }
    assert.deepEqual(statuses, [200, 200, 500, 500, 500, 200, 200, 200]);
    const [rule] = await listRules(server);
    assert.deepEqual([rule.hits, rule.matched, rule.skip, rule.exhausted], [3, 8, 2, true]);
  });

  test('count 0 never fires; a later rule counts a request an earlier one met', async () => {
    await addRule(server, { match: { path: '/api/querySvc' }, fault: { status: 500 }, count: 0 });
    assert.equal((await api(server, token, '/api/querySvc')).status, 200);
    await call(server, 'DELETE', '/admin/v1/faults');
    // "the first two fail with 503, the next one with 500": skip counts what the first rule met.
    await addRule(server, { match: { path: '/api/querySvc' }, fault: { status: 503 }, count: 2 });
    await addRule(server, { match: { path: '/api/querySvc' }, fault: { status: 500 }, skip: 2, count: 1 });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await api(server, token, '/api/querySvc')).status);
    assert.deepEqual(statuses, [503, 503, 500, 200]);
  });

  test('match fields: method, path prefix or regex, query (names case-insensitive), user, format — ANDed', async () => {
    const viewer = (await logon(server, VIEWER_BASIC)).token;
    await addRule(server, { match: { method: 'DELETE', path: '/api/tasks' }, fault: { status: 418 } });
    await addRule(server, { match: { path: '/^\\/api\\/backupServers\\/[^/]+$/' }, fault: { status: 419 } });
    await addRule(server, { match: { path: '/api/query', query: { TYPE: 'job', format: '/^Ent/' } }, fault: { status: 420 } });
    await addRule(server, { match: { user: 'tech\\VIEWER' }, fault: { status: 421 } });
    await addRule(server, { match: { path: '/api/logonSessions', format: 'json' }, fault: { status: 422 } });
    const cases: [string, string, string, { accept?: string; method?: string }, number][] = [
      ['GET /api/tasks is not DELETE', token, '/api/tasks', {}, 200],
      ['DELETE /api/tasks/x', token, '/api/tasks/nope', { method: 'DELETE' }, 418],
      ['the collection is not /…/[^/]+$', token, '/api/backupServers', {}, 200],
      ['one backup server', token, '/api/backupServers/abc', {}, 419],
      ['type=Job, format=Entities', token, '/api/query?Type=JOB&format=Entities', {}, 420],
      ['type=Job without format', token, '/api/query?type=Job', {}, 200],
      ['type=BackupServer', token, '/api/query?type=BackupServer&format=Entities', {}, 200],
      ['the viewer, anywhere', viewer, '/api/querySvc', {}, 421],
      ['XML logon sessions', token, '/api/logonSessions', {}, 200],
      ['JSON logon sessions', token, '/api/logonSessions', { accept: 'application/json' }, 422],
      ['a path in another case meets the prefix', token, '/API/LogonSessions', { accept: 'application/json' }, 422],
    ];
    for (const [what, who, path, init, status] of cases) assert.equal((await api(server, who, path, init)).status, status, what);
  });

  test('a logon meets a rule on its Basic user name', async () => {
    await addRule(server, { match: { path: '/api/sessionMngr', user: 'tech\\viewer' }, fault: { status: 503 }, count: 1 });
    const post = (basic: string) => call(server, 'POST', '/api/sessionMngr/?v=latest', undefined, { Authorization: basic });
    assert.equal((await post(ADMIN_BASIC)).status, 201);
    assert.equal((await post(VIEWER_BASIC)).status, 503);
    assert.equal((await post(VIEWER_BASIC)).status, 201);
  });

  test('faults never apply to /admin; a rule without match meets every /api request', async () => {
    await addRule(server, { fault: { status: 503 } });
    assert.equal((await call(server, 'GET', '/admin/v1/faults')).status, 200);
    assert.equal((await call(server, 'GET', '/admin/v1/clock')).status, 200);
    assert.equal((await call(server, 'GET', '/api/', undefined, {})).status, 503);
    assert.equal((await api(server, token, '/api/querySvc')).status, 503);
    assert.equal((await call(server, 'GET', '/api/querySvc', undefined, {})).status, 503, 'even before authentication');
  });

  test('delay and jitter: real time, lower bounds only; the answer is the usual one', async () => {
    await addRule(server, { match: { path: '/api/querySvc' }, delay: 'PT0.3S' });
    const started = performance.now();
    const a = await api(server, token, '/api/querySvc');
    assert.ok(performance.now() - started >= 290, `delayed ${performance.now() - started} ms`);
    assert.equal(a.status, 200);
    await call(server, 'DELETE', '/admin/v1/faults');
    await addRule(server, { match: { path: '/api/querySvc' }, fault: { status: 502 }, delay: 'PT0.1S', jitter: 'PT0.1S' });
    const t = performance.now();
    assert.equal((await api(server, token, '/api/querySvc')).status, 502);
    assert.ok(performance.now() - t >= 95, 'delay, then the fault');
  });

  test('slowBody: the same body, at the rate', async () => {
    const path = '/api/query?type=BackupServer&format=Entities';
    const normal = await api(server, token, path);
    const size = Buffer.byteLength(normal.text);
    assert.ok(size > 500, `a body of ${size} bytes`);
    const bytesPerSecond = Math.ceil(size / 0.6);
    await addRule(server, { match: { path: '/api/query' }, fault: { slowBody: { bytesPerSecond } } });
    const started = performance.now();
    const slow = await api(server, token, path);
    const took = performance.now() - started;
    assert.equal(slow.status, 200);
    assert.equal(slow.text, normal.text);
    // The first tenth of a second's worth goes out at once; the rest at the rate (≈ 0.5 s).
    assert.ok(took >= 400, `took ${took} ms`);
  });

  test('expireSession: the caller is logged off (401 as for any expired session), others are not; logging on again works', async () => {
    const mine = await logon(server);
    await addRule(server, { match: { path: '/api/querySvc', user: 'tech\\admin' }, fault: { expireSession: true }, count: 1 });
    const expired = await api(server, mine.token, '/api/querySvc');
    assert.equal(expired.status, 401);
    assert.equal(await server.store.getLogonSession(mine.sessionId), undefined, 'the logon session is gone');
    const again = await api(server, mine.token, '/api/logonSessions');
    assert.equal(again.status, 401);
    assert.equal(expired.text, again.text, 'the same answer as any request of a gone session');
    assert.equal(expired.headers.get('www-authenticate'), again.headers.get('www-authenticate'));
    const fresh = await logon(server);
    assert.equal((await api(server, fresh.token, '/api/querySvc')).status, 200);
    assert.equal((await api(server, token, '/api/querySvc')).status, 200, "the suite's own session lives on");
  });

  test('reset: a TCP reset before any byte', async () => {
    await addRule(server, { match: { path: '/api/querySvc' }, fault: { reset: true }, count: 1 });
    const r = await rawExchange(portOf(server), rawRequest('GET', '/api/querySvc', { 'X-RestSvcSessionId': token }));
    assert.equal(r.closed, true);
    assert.equal(r.data.length, 0);
    assert.equal(r.error, 'ECONNRESET');
    assert.equal((await api(server, token, '/api/querySvc')).status, 200, 'count 1: the next is answered');
  });

  test('truncate: the headers with the full Content-Length, part of the body, then the close', async () => {
    const path = '/api/query?type=BackupServer&format=Entities';
    const full = Buffer.from((await api(server, token, path)).text, 'utf8');
    await addRule(server, { match: { path: '/api/query' }, fault: { truncate: true } });
    const r = await rawExchange(portOf(server), rawRequest('GET', path, { Host: new URL(server.url).host, 'X-RestSvcSessionId': token }));
    assert.equal(r.closed, true);
    const end = r.data.indexOf('\r\n\r\n');
    assert.ok(end > 0, 'headers came');
    const head = r.data.subarray(0, end).toString('latin1');
    assert.match(head, /^HTTP\/1\.1 200 /);
    assert.match(head, new RegExp(`\r\nContent-Length: ${full.length}\r\n`));
    const body = r.data.subarray(end + 4);
    assert.ok(body.length > 0 && body.length < full.length, `${body.length} of ${full.length} bytes`);
    assert.deepEqual(body, full.subarray(0, body.length));
  });

  test('hang: no answer while the client waits; the server goes on serving others', async () => {
    await addRule(server, { match: { path: '/api/querySvc' }, fault: { hang: true }, count: 1 });
    const hung = rawExchange(portOf(server), rawRequest('GET', '/api/querySvc', { 'X-RestSvcSessionId': token }), 400);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal((await api(server, token, '/api/querySvc')).status, 200, 'another request is answered meanwhile');
    const r = await hung;
    assert.deepEqual([r.closed, r.data.length], [false, 0], 'the client gave up, having received nothing');
  });

  test('seeded probability: the same seed gives the same hits; no seed: the rule content seeds it', async () => {
    const pattern = async (rule: object) => {
      const id = await addRule(server, rule);
      const hits: number[] = [];
      for (let i = 0; i < 24; i++) hits.push((await api(server, token, '/api/querySvc')).status === 503 ? 1 : 0);
      const listed = (await listRules(server)).find((r) => r.id === id);
      assert.equal(listed.hits, hits.reduce((a, b) => a + b, 0));
      assert.equal(listed.matched, 24);
      await call(server, 'DELETE', `/admin/v1/faults/${id}`);
      return { hits: hits.join(''), seed: listed.seed as number };
    };
    const rule = { match: { path: '/api/querySvc' }, fault: { status: 503 }, probability: 0.5, seed: 42 };
    const first = await pattern(rule);
    assert.match(first.hits, /1/);
    assert.match(first.hits, /0/);
    assert.equal(first.seed, 42);
    assert.equal((await pattern(rule)).hits, first.hits, 'same seed, same pattern');
    assert.notEqual((await pattern({ ...rule, seed: 7 })).hits, first.hits, 'another seed, another pattern');
    const { seed: _, ...unseeded } = rule;
    const a = await pattern(unseeded);
    const b = await pattern(unseeded);
    assert.deepEqual(b, a, 'a rule without seed draws the same way every time (its seed is listed)');
    const zero = await pattern({ ...rule, probability: 0 });
    assert.equal(zero.hits, '0'.repeat(24));
  });

  test('listing, one rule, deleting one and all; ids are never reused', async () => {
    const a = await addRule(server, { match: { path: '/api/querySvc' }, delay: 'PT0S' });
    const b = await addRule(server, { fault: { reset: true }, match: { path: '/api/nowhere' } });
    const one = await call(server, 'GET', `/admin/v1/faults/${b}`);
    assert.equal(one.status, 200);
    assert.deepEqual(one.json, {
      id: b,
      match: { path: '/api/nowhere' },
      fault: { reset: true },
      probability: 1,
      count: null,
      skip: 0,
      delay: null,
      jitter: null,
      seed: one.json.seed,
      hits: 0,
      matched: 0,
      exhausted: false,
    });
    assert.deepEqual((await listRules(server)).map((r) => r.id), [a, b]);
    assert.equal((await call(server, 'DELETE', `/admin/v1/faults/${a}`)).status, 204);
    const gone = await call(server, 'DELETE', `/admin/v1/faults/${a}`);
    assert.equal(gone.status, 404);
    assert.deepEqual(gone.json, { error: `Not found: fault rule ${a}`, status: 404 });
    assert.deepEqual((await listRules(server)).map((r) => r.id), [b]);
    assert.equal((await call(server, 'DELETE', '/admin/v1/faults')).status, 204);
    assert.deepEqual(await listRules(server), []);
    const c = await addRule(server, { delay: 'PT0S' });
    assert.ok(Number(c.slice(1)) > Number(b.slice(1)));
    // A list is added whole.
    const list = await call(server, 'POST', '/admin/v1/faults', [{ delay: 'PT0S' }, { fault: { hang: true }, match: { path: '/api/x' } }]);
    assert.equal(list.status, 201);
    assert.equal(list.json.faults.length, 2);
    assert.equal((await call(server, 'PUT', '/admin/v1/faults', {})).status, 405);
    assert.equal((await call(server, 'GET', '/admin/v1/faults', undefined, {})).status, 401);
  });

  test('bad rules: 400 naming the field, and nothing is added', async () => {
    await addRule(server, { delay: 'PT0S' });
    const cases: [unknown, RegExp][] = [
      [{ fault: { status: 503, reset: true } }, /^fault: give exactly one kind, got status and reset$/],
      [{ fault: {} }, /^fault: give one kind/],
      [{ match: { path: '/(unclosed/' }, fault: { reset: true } }, /^match\.path: not a valid regular expression/],
      [{ match: { path: 'api/query' }, fault: { reset: true } }, /^match\.path must start with \//],
      [{ match: { query: { type: 5 } }, fault: { reset: true } }, /^match\.query\.type must be a string/],
      [{ match: { format: 'yaml' }, fault: { reset: true } }, /^match\.format must be "xml" or "json"/],
      [{ match: { colour: 'red' }, fault: { reset: true } }, /^match: unknown field "colour"/],
      [{ fault: { reset: true }, probability: 1.5 }, /^probability must be a number from 0 to 1, got 1\.5$/],
      [{ fault: { reset: true }, probability: -0.1 }, /^probability must be a number from 0 to 1/],
      [{ fault: { reset: true }, probability: '0.5' }, /^probability must be a number/],
      [{ fault: { reset: true }, colour: 'red' }, /^unknown field "colour" \(expected match, fault, /],
      [{ fault: { reset: true }, count: -1 }, /^count must be a whole number of at least 0, got -1$/],
      [{ fault: { reset: true }, skip: 1.5 }, /^skip must be a whole number of at least 0/],
      [{ fault: { reset: true }, delay: '5s' }, /^delay: "5s" is not an ISO-8601 duration/],
      [{ fault: { reset: true }, jitter: 'P1M' }, /^jitter: "P1M": years and months/],
      [{ fault: { reset: true }, delay: 'PT2H' }, /^delay: at most PT1H/],
      [{ fault: { status: 200 } }, /^fault\.status must be an HTTP status from 400 to 599, got 200$/],
      [{ fault: { reset: 'yes' } }, /^fault\.reset must be true/],
      [{ fault: { hang: true, message: 'x' } }, /^fault\.message goes only with status$/],
      [{ fault: { slowBody: { bytesPerSecond: 0 } } }, /^fault\.slowBody\.bytesPerSecond must be a whole number from 1/],
      [{ fault: { slowBody: 100 } }, /^fault\.slowBody must be an object/],
      [{ fault: { teapot: true } }, /^fault: unknown field "teapot"/],
      [{ match: { path: '/api' } }, /^a rule needs a fault .* or a delay/],
      [{ fault: { reset: true }, seed: 1.5 }, /^seed must be a whole number/],
      ['{"fault":', /^body: not JSON/],
      ['', /^body: expected a JSON object/],
      ['42', /^body: expected a JSON object/],
      [[{ delay: 'PT0S' }, { fault: { reset: true }, count: -2 }], /^rule \[1\]: count must be a whole number/],
    ];
    for (const [body, message] of cases) {
      const a = await call(server, 'POST', '/admin/v1/faults', body);
      assert.equal(a.status, 400, `${JSON.stringify(body)}: ${a.text}`);
      assert.match(a.headers.get('content-type')!, /^application\/json$/);
      assert.equal(a.json.status, 400);
      assert.match(a.json.error, message, JSON.stringify(body));
    }
    assert.equal((await listRules(server)).length, 1, 'nothing was added');
  });

  test('at most 1000 rules in force: a list that would pass it is refused whole', async () => {
    const rule = { match: { path: '/api/nothing-here' }, fault: { status: 500 } };
    assert.equal((await call(server, 'POST', '/admin/v1/faults', Array(999).fill(rule))).status, 201);
    const over = await call(server, 'POST', '/admin/v1/faults', [rule, rule]);
    assert.equal(over.status, 400);
    assert.match(over.json.error, /^at most 1000 fault rules are in force at once: 999 are, this adds 2$/);
    assert.equal((await call(server, 'POST', '/admin/v1/faults', rule)).status, 201);
    assert.equal((await listRules(server)).length, 1000);
    assert.equal((await call(server, 'DELETE', '/admin/v1/faults')).status, 204);
    const list = await call(server, 'POST', '/admin/v1/faults', Array(1001).fill(rule));
    assert.equal(list.status, 400);
    assert.match(list.json.error, /^at most 1000 rules, got 1001$/);
  });
});

describe('slowBody and truncate on a streamed answer (over two store chunks)', () => {
  let server: Server;
  let token: string;
  const path = '/api/query?type=BackupTaskSession&format=Entities&pageSize=5000';

  before(async () => {
    ({ server, token } = await startLoggedOn({
      adminToken: TOKEN,
      load: (store) => generateDemo(store, { seed: 3, servers: 2, jobs: 2, backupJobs: 6, days: 10, now: Date.parse('2026-11-01T00:00:00Z') }),
    }));
  });
  after(() => server.close());
  beforeEach(async () => {
    assert.equal((await call(server, 'DELETE', '/admin/v1/faults')).status, 204);
  });

  test('slowBody: the same streamed body, at the rate', async () => {
    const normal = await api(server, token, path);
    assert.equal(normal.status, 200);
    const rows = parseXml(normal.text).getElementsByTagName('BackupTaskSession').length;
    assert.ok(rows > 2 * DEFAULTS.chunkRows, `${rows} rows: a streamed answer`);
    const size = Buffer.byteLength(normal.text);
    const bytesPerSecond = Math.ceil(size / 0.5);
    await addRule(server, { match: { path: '/api/query' }, fault: { slowBody: { bytesPerSecond } }, count: 1 });
    const started = performance.now();
    const slow = await api(server, token, path);
    const took = performance.now() - started;
    assert.equal(slow.status, 200);
    assert.equal(slow.text, normal.text);
    assert.ok(took >= 350, `took ${took} ms`);
  });

  test('truncate: a prefix of the streamed body, then the connection closes', async () => {
    const full = Buffer.from((await api(server, token, path)).text, 'utf8');
    await addRule(server, { match: { path: '/api/query' }, fault: { truncate: true }, count: 1 });
    const r = await rawExchange(portOf(server), rawRequest('GET', path, { Host: new URL(server.url).host, 'X-RestSvcSessionId': token }));
    assert.equal(r.closed, true);
    const end = r.data.indexOf('\r\n\r\n');
    assert.match(r.data.subarray(0, end).toString('latin1'), /^HTTP\/1\.1 200 /);
    const received = dechunk(r.data.subarray(end + 4));
    assert.ok(received.length > 0 && received.length < full.length, `${received.length} of ${full.length} bytes`);
    assert.deepEqual(received, full.subarray(0, received.length));
    assert.equal((await api(server, token, path)).text, full.toString('utf8'), 'count 1: the next answer is whole');
  });
});

/** The data of a chunked body as far as it came (a cut last chunk counts as far as it goes). */
function dechunk(body: Buffer): Buffer {
  const out: Buffer[] = [];
  let at = 0;
  while (at < body.length) {
    const eol = body.indexOf('\r\n', at);
    if (eol < 0) break;
    const size = parseInt(body.subarray(at, eol).toString('latin1'), 16);
    if (!(size > 0)) break;
    out.push(body.subarray(eol + 2, Math.min(body.length, eol + 2 + size)));
    at = eol + 2 + size + 2;
  }
  return Buffer.concat(out);
}

describe('hung requests and shutdown', () => {
  test('app.close() finishes with a hung request and a slow body outstanding, cutting them', async () => {
    const { server, token } = await startLoggedOn({ adminToken: TOKEN });
    await addRule(server, { match: { path: '/api/querySvc' }, fault: { hang: true } });
    await addRule(server, { match: { path: '/api/query' }, fault: { slowBody: { bytesPerSecond: 1 } } });
    await addRule(server, { match: { path: '/api/logonSessions' }, delay: 'PT1H' });
    const port = portOf(server);
    const hung = rawExchange(port, rawRequest('GET', '/api/querySvc', { 'X-RestSvcSessionId': token }), 30_000);
    const slow = rawExchange(port, rawRequest('GET', '/api/query?type=BackupServer', { 'X-RestSvcSessionId': token }), 30_000);
    const delayed = rawExchange(port, rawRequest('GET', '/api/logonSessions', { 'X-RestSvcSessionId': token }), 30_000);
    // Wait until all three have met their rules.
    for (let i = 0; i < 100 && (await listRules(server)).some((r) => r.hits !== 1); i++) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual((await listRules(server)).map((r) => r.hits), [1, 1, 1]);
    const started = performance.now();
    await server.close();
    assert.ok(performance.now() - started < 20_000, 'closed without waiting for the client');
    const [h, s, d] = await Promise.all([hung, slow, delayed]);
    assert.deepEqual([h.closed, h.data.length], [true, 0], 'the hung client sees the close');
    assert.equal(s.closed, true);
    assert.match(s.data.toString('latin1'), /^HTTP\/1\.1 200 /, 'the slow body had begun');
    assert.deepEqual([d.closed, d.data.length], [true, 0]);
  });
});

describe('over HTTPS', () => {
  test('reset, truncate and hang on a TLS connection; close still finishes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'emrest-faults-tls-'));
    const { server, token } = await startLoggedOn({ adminToken: TOKEN, tls: await tlsMaterial(dir) });
    let closed = false;
    try {
      const port = Number(new URL(server.httpsUrl!).port);
      const request = (path: string) => rawRequest('GET', path, { 'X-RestSvcSessionId': token });
      await addRule(server, { match: { path: '/api/querySvc' }, fault: { reset: true }, count: 1 });
      const r = await rawExchange(port, request('/api/querySvc'), 5000, true);
      assert.deepEqual([r.closed, r.data.length, r.error], [true, 0, 'ECONNRESET']);
      const ok = await rawExchange(port, rawRequest('GET', '/api/querySvc', { 'X-RestSvcSessionId': token, Connection: 'close' }), 5000, true);
      assert.match(ok.data.toString('latin1'), /^HTTP\/1\.1 200 /, 'count 1: the next is answered');
      await addRule(server, { match: { path: '/api/backupServers' }, fault: { truncate: true }, count: 1 });
      const t = await rawExchange(port, request('/api/backupServers'), 5000, true);
      const text = t.data.toString('latin1');
      const length = Number(/\r\nContent-Length: (\d+)\r\n/.exec(text)![1]);
      assert.equal(t.closed, true);
      assert.ok(t.data.length - (text.indexOf('\r\n\r\n') + 4) < length, 'part of the body');
      await addRule(server, { match: { path: '/api/logonSessions' }, fault: { hang: true } });
      const hung = rawExchange(port, request('/api/logonSessions'), 30_000, true);
      for (let i = 0; i < 100 && (await listRules(server)).at(-1).hits === 0; i++) await new Promise((r) => setTimeout(r, 20));
      await server.close();
      closed = true;
      const h = await hung;
      assert.deepEqual([h.closed, h.data.length], [true, 0]);
    } finally {
      if (!closed) await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('rule files', () => {
  const file = (name: string, text: string) => {
    const path = join(workDir, name);
    writeFileSync(path, text);
    return path;
  };

  test('parse: positions name the rule index and field; pure checks', () => {
    assert.throws(() => parseRuleList({}), (e: Error) => e instanceof RuleError && /^expected a JSON list of rules/.test(e.message));
    assert.throws(
      () => parseRuleList([{ delay: 'PT1S' }, { match: { path: '/(/' }, fault: { reset: true } }]),
      (e: Error) => e instanceof RuleError && e.field === '[1].match.path' && /^rule \[1\]: match\.path: not a valid regular expression/.test(e.message),
    );
    const rule = parseRule({ match: { method: 'get', query: { Type: 'Job' } }, fault: { status: 503 } });
    assert.equal(rule.match.method, 'GET');
    assert.deepEqual(rule.match.query, [{ name: 'type', value: { text: 'Job', regex: undefined } }]);
    assert.equal(parseRule({ fault: { status: 503 } }).seed, parseRule({ fault: { status: 503 } }).seed, 'content seeds the same');
    const registry = new FaultRegistry([rule]);
    assert.equal(registry.list()[0].id, 'f1');
  });

  test('settings: --faults is read and checked once; an error is one usage line naming the file and position', () => {
    const good = file('good.json', JSON.stringify([{ match: { path: '/api/query' }, fault: { status: 503 }, count: 1 }, { delay: 'PT0.1S' }]));
    const s = settingsFrom({ faults: good }, {});
    assert.equal(s.faultRules.length, 2);
    assert.deepEqual(settingsFrom({}, {}).faultRules, []);
    for (const [text, message] of [
      ['[{"fault":{"status":503}}, {"fault":{"reset":true,"hang":true}}]', /^--faults .*bad1\.json: rule \[1\]: fault: give exactly one kind, got reset and hang$/],
      ['[\n  {"fault": {"status": 503}},\n  {"fault": }\n]', /^--faults .*bad2\.json: not JSON at line 3, column 13: unexpected '}'$/],
      ['{"fault":{"status":503}}', /^--faults .*bad3\.json: expected a JSON list of rules/],
      ['[{"fault":{"reset":true},"probability":2}]', /^--faults .*bad4\.json: rule \[0\]: probability must be a number from 0 to 1, got 2$/],
    ] as const) {
      const path = file(`bad${/bad(\d)/.exec(message.source)![1]}.json`, text);
      assert.throws(() => settingsFrom({ faults: path }, {}), (e: Error) => e instanceof UsageError && message.test(e.message) && !e.message.includes('\n'), text);
    }
    assert.throws(() => settingsFrom({ faults: join(workDir, 'missing.json') }, {}), (e: Error) => e instanceof UsageError && /^cannot read --faults /.test(e.message));
  });

  test('serve --faults with an error refuses to start (exit 2), naming the file and the rule', async () => {
    const bad = file('bad-serve.json', JSON.stringify([{ delay: 'PT0S' }, { delay: 'PT0S' }, { fault: { status: 503 }, count: -1 }]));
    const dir = freshDir();
    const r = await run(['serve', '--no-https', '--http-port', '0', '--no-demo', '--data-dir', dir, '--faults', bad]);
    assert.equal(r.code, 2, `stdout: ${r.stdout}\nstderr: ${r.stderr}`);
    assert.equal(r.stderr.trim(), `emrest: --faults ${bad}: rule [2]: count must be a whole number of at least 0, got -1`);
    assert.doesNotMatch(r.stdout, /listening/);
  });

  test('serve --faults loads the rules at start: listed, and in force', async () => {
    const rules = file('serve.json', JSON.stringify([{ match: { path: '/api/', method: 'GET' }, fault: { status: 503, message: 'from the file' }, count: 1 }]));
    const c = start(['serve', '--no-https', '--http-port', '0', '--no-demo', '--data-dir', freshDir(), '--faults', rules, '--admin-token', TOKEN]);
    try {
      await waitFor(c, /listening http/);
      const origin = httpOrigin(c);
      const listed = await (await fetch(`${origin}/admin/v1/faults`, { headers: BEARER })).json();
      assert.deepEqual(listed.faults.map((r: any) => [r.id, r.hits, r.fault.message]), [['f1', 0, 'from the file']]);
      const first = await fetch(`${origin}/api/`);
      assert.equal(first.status, 503);
      assert.match(await first.text(), /Message="from the file"/);
      assert.equal((await fetch(`${origin}/api/`)).status, 200);
    } finally {
      await stop(c.proc);
    }
  });
});
