/**
 * The control plane's clock over real HTTP (contract §1): GET and POST /admin/v1/clock, JSON
 * only; moves forward run the estate before answering (`ran`); every bad input is a 400 JSON
 * error naming the field with nothing applied; no token → 401 JSON, admin off → 404; and the
 * EM API's "now" follows the clock (logon idle expiry, the 30-day window of session collections).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { generateDemo, type DemoOptions } from '../src/demo/demo.js';
import { BackupJobSession, ReplicaJobSession } from '../src/model/all.js';
import { plan } from './support/plans.js';
import { FIXTURE_NOW } from './support/fixture.js';
import { get, logon, startFixtureServer, startServer, type Server } from './support/server.js';

const TOKEN = 'clock-admin-token-0123456789';
const CLOCK = '/admin/v1/clock';
const T0 = Date.parse(FIXTURE_NOW);
const H = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();

/** A demo fleet seeded at the clock's start: the server runs it live (`simulate`). */
const DEMO: DemoOptions = { seed: 3, servers: 1, jobs: 3, backupJobs: 4, days: 2, now: T0 };
const liveServer = () => startServer({ adminToken: TOKEN, load: (store) => generateDemo(store, DEMO), simulate: true });

/** Job sessions (both sides) the server's store holds. */
async function sessionCount(server: Server): Promise<number> {
  let n = 0;
  for (const type of [ReplicaJobSession, BackupJobSession]) n += (await server.store.query(plan(type, { limit: 1 }), { count: true })).total ?? 0;
  return n;
}

/** Asserts a move's answer: the clock, and `ran` exactly what the store gained; returns the sessions started. */
async function assertRan(server: Server, a: Answer, before: number, expected: Record<string, unknown>): Promise<number> {
  assert.equal(a.status, 200, a.text);
  const ran = a.json.ran as { sessionsStarted: number; sessionsFinished: number };
  assert.deepEqual({ ...a.json, ran: undefined }, { ...expected, ran: undefined });
  assert.equal(ran.sessionsStarted, (await sessionCount(server)) - before, 'ran.sessionsStarted is what the store gained');
  assert.ok(ran.sessionsFinished >= 0);
  assert.equal(server.estate!.state.until, server.clock.now(), 'the estate has run up to the new now');
  return ran.sessionsStarted;
}

interface Answer {
  status: number;
  headers: Headers;
  json: Record<string, unknown>;
  text: string;
}

async function admin(server: Server, method: string, body?: unknown, headers: Record<string, string> = { Authorization: `Bearer ${TOKEN}` }): Promise<Answer> {
  const init: RequestInit = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    (init.headers as Record<string, string>)['Content-Type'] = 'application/json';
  }
  const r = await fetch(server.url + CLOCK, init);
  const text = await r.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON: the test says what it expected
  }
  return { status: r.status, headers: r.headers, json, text };
}

const post = (server: Server, body: unknown) => admin(server, 'POST', body);

/** Asserts a control-plane error: status, JSON `{"error","status"}` whose message matches. */
function assertJsonError(a: Answer, status: number, message: RegExp): void {
  assert.equal(a.status, status, a.text);
  assert.equal(a.headers.get('content-type'), 'application/json');
  assert.deepEqual(Object.keys(a.json).sort(), ['error', 'status']);
  assert.equal(a.json.status, status);
  assert.match(String(a.json.error), message);
}

describe('GET and POST /admin/v1/clock', () => {
  let server: Server;
  before(async () => (server = await liveServer()));
  after(() => server.close());

  test('GET: the clock, JSON only', async () => {
    const a = await admin(server, 'GET');
    assert.equal(a.status, 200);
    assert.equal(a.headers.get('content-type'), 'application/json');
    assert.deepEqual(a.json, { now: '2021-06-18T00:00:00.000Z', speed: 1, frozen: true });
    assert.equal(a.text, '{"now":"2021-06-18T00:00:00.000Z","speed":1,"frozen":true}');
  });

  test('advance by an ISO-8601 duration: the estate runs up to the new now first; the answer says what ran', async () => {
    const before = await sessionCount(server);
    const a = await post(server, { advance: 'PT36H' });
    const started = await assertRan(server, a, before, { now: iso(T0 + 36 * H), speed: 1, frozen: true });
    assert.ok(started > 5, `a day and a half of the fleet's runs (${started})`);
    assert.equal(server.clock.now(), T0 + 36 * H);
  });

  test('advance by seconds (fractions too)', async () => {
    const from = server.clock.now();
    const a = await post(server, { advance: 90.5 });
    assert.equal(a.status, 200, a.text);
    assert.equal(a.json.now, iso(from + 90_500));
    assert.equal(server.clock.now(), from + 90_500);
  });

  test('now: a jump forward runs the estate; the same instant is not a jump back', async () => {
    let before = await sessionCount(server);
    const a = await post(server, { now: '2021-07-01T10:00:00Z' });
    assert.ok((await assertRan(server, a, before, { now: '2021-07-01T10:00:00.000Z', speed: 1, frozen: true })) > 0);
    before = await sessionCount(server);
    const same = await post(server, { now: '2021-07-01T12:00:00+02:00' });
    await assertRan(server, same, before, { now: '2021-07-01T10:00:00.000Z', speed: 1, frozen: true });
    assert.deepEqual(same.json.ran, { sessionsStarted: 0, sessionsFinished: 0 });
  });

  test('now: a jump back needs force, and then runs nothing', async () => {
    const before = await sessionCount(server);
    const refused = await post(server, { now: FIXTURE_NOW });
    assertJsonError(refused, 400, /^now: 2021-06-18T00:00:00\.000Z is before the clock's 2021-07-01T10:00:00\.000Z; a jump back needs "force":true/);
    assert.equal(server.clock.now(), Date.parse('2021-07-01T10:00:00Z'), 'nothing applied');
    assertJsonError(await post(server, { now: FIXTURE_NOW, force: false }), 400, /^now: /);
    const forced = await post(server, { now: FIXTURE_NOW, force: true });
    assert.equal(forced.status, 200, forced.text);
    assert.deepEqual(forced.json, { now: '2021-06-18T00:00:00.000Z', speed: 1, frozen: true, ran: { sessionsStarted: 0, sessionsFinished: 0 } });
    assert.equal(await sessionCount(server), before, 'a jump back runs nothing');
  });

  test('speed and frozen: the clock (no "ran"); unfrozen it runs at that speed', async () => {
    const s = await post(server, { speed: 3600 });
    assert.equal(s.status, 200, s.text);
    assert.deepEqual(s.json, { now: '2021-06-18T00:00:00.000Z', speed: 3600, frozen: true });
    const run = await post(server, { frozen: false });
    assert.deepEqual({ ...run.json, now: undefined }, { now: undefined, speed: 3600, frozen: false });
    await new Promise((r) => setTimeout(r, 50));
    const later = Date.parse(String((await admin(server, 'GET')).json.now));
    assert.ok(later - T0 >= 50 * 3600 * 0.9, `an hour of simulated time per real second: ${later - T0} ms after 50 ms`);
    const stop = await post(server, { frozen: true, speed: 1 });
    assert.deepEqual({ ...stop.json, now: undefined }, { now: undefined, speed: 1, frozen: true });
    const stood = server.clock.now();
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(server.clock.now(), stood);
  });

  test('keys combine (except now with advance): applied together, frozen first, so the clock stands exactly at now', async () => {
    const running = await post(server, { frozen: false, speed: 86400 });
    assert.equal(running.status, 200, running.text);
    let before = await sessionCount(server);
    const a = await post(server, { now: '2021-08-01T00:00:00Z', frozen: true, speed: 2 });
    await assertRan(server, a, before, { now: '2021-08-01T00:00:00.000Z', speed: 2, frozen: true });
    before = await sessionCount(server);
    const b = await post(server, { advance: 'P1D', speed: 1 });
    assert.ok((await assertRan(server, b, before, { now: '2021-08-02T00:00:00.000Z', speed: 1, frozen: true })) > 0);
  });

  test('without an estate, moves answer "ran" with zeros', async () => {
    const bare = await startFixtureServer({ adminToken: TOKEN });
    try {
      const a = await post(bare, { advance: 'PT1H' });
      assert.deepEqual(a.json, { now: iso(T0 + H), speed: 1, frozen: true, ran: { sessionsStarted: 0, sessionsFinished: 0 } });
    } finally {
      await bare.close();
    }
  });

  test('POSTs are taken one at a time: each catch-up ends before the next move', async () => {
    const s = await liveServer();
    try {
      const before = await sessionCount(s);
      const answers = await Promise.all([1, 2, 3, 4, 5, 6].map(() => post(s, { advance: 'PT4H' })));
      assert.deepEqual(answers.map((a) => a.status), [200, 200, 200, 200, 200, 200]);
      // Each answer is the clock right after its own move and catch-up: six distinct steps.
      const nows = answers.map((a) => Date.parse(String(a.json.now))).sort((x, y) => x - y);
      assert.deepEqual(nows, [1, 2, 3, 4, 5, 6].map((n) => T0 + n * 4 * H));
      const started = answers.reduce((n, a) => n + (a.json.ran as { sessionsStarted: number }).sessionsStarted, 0);
      assert.equal(started, (await sessionCount(s)) - before, 'every catch-up counted its own sessions once');
      assert.equal(s.estate!.state.until, T0 + 24 * H);
    } finally {
      await s.close();
    }
  });
});

describe('bad input: 400 JSON naming the field, nothing applied', () => {
  let server: Server;
  before(async () => {
    server = await liveServer();
    server.clock.setSpeed(5); // so that a half-applied speed would show
  });
  after(() => server.close());

  for (const [name, body, message] of [
    ['a month', { advance: 'P1M' }, /^advance: "P1M": years and months have no fixed length/],
    ['a negative duration', { advance: '-PT1H' }, /^advance: "-PT1H": a duration cannot be negative/],
    ['not a duration', { advance: 'banana' }, /^advance: "banana" is not an ISO-8601 duration/],
    ['negative seconds', { advance: -5 }, /^advance must be an ISO-8601 duration such as "PT36H" or a non-negative number of seconds, got -5$/],
    ['advance true', { advance: true }, /^advance must be /],
    ['advance beyond year 9999', { advance: 'P3000000D' }, /^advance: the clock holds instants from/],
    ['advance with a valid speed', { advance: 'P1Y', speed: 60 }, /^advance: /],
    ['now not a date', { now: 'yesterday' }, /^now must be an ISO-8601 date and time such as "2026-12-01T10:00:00Z", got "yesterday"$/],
    ['now a number', { now: 1624000000000 }, /^now must be an ISO-8601 date and time/],
    ['now a jump back', { now: '2021-06-17T00:00:00Z', frozen: false }, /^now: .*needs "force":true/],
    ['now and advance', { now: '2021-06-19T00:00:00Z', advance: 'PT1H' }, /^now and advance cannot be combined/],
    ['force without now', { force: true, advance: 'PT1H' }, /^force goes only with now$/],
    ['force not a boolean', { now: '2021-06-19T00:00:00Z', force: 'yes' }, /^force must be true or false, got "yes"$/],
    ['speed 0', { speed: 0 }, /^speed must be a number greater than 0 and at most 86400, got 0$/],
    ['speed 86401', { speed: 86401 }, /^speed must be a number greater than 0 and at most 86400, got 86401$/],
    ['speed a string', { speed: '60' }, /^speed must be a number greater than 0 and at most 86400, got "60"$/],
    ['speed negative, with a valid frozen', { speed: -1, frozen: false }, /^speed must be /],
    ['frozen a string', { frozen: 'true' }, /^frozen must be true or false, got "true"$/],
    ['an unknown key', { rewind: 'PT1H' }, /^unknown field "rewind" \(expected now, force, advance, speed or frozen\)$/],
    ['an unknown key beside a good one', { advance: 'PT1H', jobs: [] }, /^unknown field "jobs"/],
    ['no operation', {}, /^body: expected one of now, advance, speed or frozen$/],
    ['force alone', { force: true }, /^body: expected one of/],
    ['not JSON', 'advance=PT1H', /^body: not JSON/],
    ['an empty body', '', /^body: expected a JSON object such as \{"advance":"PT1H"\}, got an empty body$/],
    ['an array', [{ advance: 'PT1H' }], /^body: expected a JSON object/],
    ['null', 'null', /^body: expected a JSON object .*got null$/],
    ['a string', '"PT1H"', /^body: expected a JSON object .*got "PT1H"$/],
  ] as const) {
    test(`${name} → 400`, async () => {
      const before = server.clock.describe();
      const sessions = await sessionCount(server);
      assertJsonError(await post(server, body), 400, message);
      assert.deepEqual(server.clock.describe(), before, 'the clock is as it was');
      assert.equal(server.estate!.state.until, T0, 'nothing ran');
      assert.equal(await sessionCount(server), sessions);
    });
  }

  test('a body over 64 KiB → 413 JSON', async () => {
    assertJsonError(await post(server, { advance: 'PT1H', pad: 'x'.repeat(70_000) }), 413, /./);
  });

  test('no or a wrong token → 401 JSON with the Bearer challenge; nothing applied', async () => {
    const tries: Record<string, string>[] = [{}, { Authorization: `Bearer ${TOKEN}x` }, { Authorization: `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}` }];
    for (const headers of tries) {
      for (const method of ['GET', 'POST']) {
        const a = await admin(server, method, method === 'POST' ? { advance: 'P1D' } : undefined, headers);
        assertJsonError(a, 401, /Bearer/);
        assert.equal(a.headers.get('www-authenticate'), 'Bearer realm="emrest-admin"');
      }
    }
    assert.equal(server.clock.now(), T0);
  });

  test('another method → 405 JSON with Allow', async () => {
    for (const method of ['PUT', 'DELETE', 'PATCH']) {
      const a = await admin(server, method, { advance: 'PT1H' });
      assertJsonError(a, 405, new RegExp(`Method ${method} is not allowed`));
      assert.equal(a.headers.get('allow'), 'GET, POST');
    }
    const head = await fetch(server.url + CLOCK, { method: 'HEAD', headers: { Authorization: `Bearer ${TOKEN}` } });
    assert.equal(head.status, 200);
  });
});

describe('admin API off (no token)', () => {
  let server: Server;
  before(async () => (server = await startFixtureServer()));
  after(() => server.close());

  test('GET and POST /admin/v1/clock → 404 like any /admin path, with or without a token; the clock stays', async () => {
    const tries: Record<string, string>[] = [{}, { Authorization: `Bearer ${TOKEN}` }];
    for (const headers of tries) {
      assert.equal((await admin(server, 'GET', undefined, headers)).status, 404);
      assert.equal((await admin(server, 'POST', { advance: 'P1D' }, headers)).status, 404);
    }
    assert.equal(server.clock.now(), T0);
  });
});

describe('the EM API follows the clock', () => {
  let server: Server;
  before(async () => (server = await startFixtureServer({ adminToken: TOKEN })));
  after(() => server.close());

  test('logon idle expiry: advancing a frozen clock past 15 idle minutes ends the EM session (401)', async () => {
    const { token } = await logon(server);
    assert.equal((await get(server, '/api/logonSessions', { token })).status, 200);
    assert.equal((await post(server, { advance: 'PT14M' })).status, 200);
    assert.equal((await get(server, '/api/logonSessions', { token })).status, 200, 'used within 15 minutes: it slides');
    assert.equal((await post(server, { advance: 'PT14M59S' })).status, 200);
    assert.equal((await get(server, '/api/logonSessions', { token })).status, 200, 'just inside the timeout');
    assert.equal((await post(server, { advance: 'PT15M1S' })).status, 200);
    assert.equal((await get(server, '/api/logonSessions', { token })).status, 401, 'idle past 15 minutes');
    assert.equal((await post(server, { now: FIXTURE_NOW, force: true })).status, 200);
  });

  test('the 30-day window of /api/replicaSessions moves with the clock', async () => {
    /** Sessions the collection lists now (a fresh logon: moves idle out the last one). */
    const listed = async () => {
      const { token } = await logon(server);
      const r = await get(server, '/api/replicaSessions', { token });
      assert.equal(r.status, 200, r.body);
      return (r.body.match(/<Ref\b/g) ?? []).length;
    };
    assert.equal(await listed(), 4, 'at the fixture clock: all four');
    assert.equal((await post(server, { now: '2021-07-16T00:00:00Z' })).status, 200);
    assert.equal(await listed(), 3, 'window from 2021-06-16: the session of 06-15 is out');
    assert.equal((await post(server, { advance: 'P1DT12H' })).status, 200);
    assert.equal(await listed(), 0, 'window from 2021-06-17T12:00: none');
    assert.equal((await post(server, { now: FIXTURE_NOW, force: true })).status, 200);
    assert.equal(await listed(), 4, 'back at the fixture clock');
  });
});
