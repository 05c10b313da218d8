import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Clock } from '../src/clock/clock.js';
import type { LiveEstate } from '../src/estate/estate.js';
import { EstateLeader } from '../src/estate/leader.js';
import { Metrics } from '../src/http/metrics.js';
import type { Store } from '../src/store/store.js';
import { BS1 } from './support/fixture.js';
import { ADMIN_BASIC, get, logon, startFixtureServer, type Server } from './support/server.js';

/** A sample's key: the metric name and its labels as written (`name{a="x",b="y"}`). */
type Samples = Map<string, number>;

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABEL = `[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\[\\\\"n])*"`;
const SAMPLE = new RegExp(`^(${NAME})(\\{(?:${LABEL})(?:,${LABEL})*\\})? (-?(?:\\d+(?:\\.\\d+)?(?:e[+-]?\\d+)?|NaN|\\+Inf|-Inf))( \\d+)?$`, 'i');
const HELP = new RegExp(`^# HELP ${NAME} .*$`);
const TYPE = new RegExp(`^# TYPE ${NAME} (counter|gauge|histogram|summary|untyped)$`);

/**
 * Parses the exposition text, failing on any line that is not Prometheus text format 0.0.4
 * (values as Go parses floats: NaN and Inf in any case, which prom-client writes as `Nan`).
 */
function parseExposition(text: string): Samples {
  const samples: Samples = new Map();
  assert.ok(text.endsWith('\n'), 'ends with a line break');
  for (const line of text.slice(0, -1).split('\n')) {
    if (line === '') continue;
    if (line.startsWith('#')) {
      assert.ok(HELP.test(line) || TYPE.test(line), `a comment line: ${line}`);
      continue;
    }
    const m = SAMPLE.exec(line);
    assert.ok(m, `a sample line: ${line}`);
    samples.set(m[1] + (m[2] ?? ''), Number(m[3]));
  }
  return samples;
}

async function scrape(server: Server, headers: Record<string, string> = {}): Promise<{ text: string; samples: Samples }> {
  const res = await fetch(`${server.url}/metrics`, { headers });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  const text = await res.text();
  return { text, samples: parseExposition(text) };
}

const value = (s: Samples, key: string) => s.get(key) ?? 0;
const delta = (before: Samples, after: Samples, key: string) => value(after, key) - value(before, key);
const sumOf = (s: Samples, prefix: string) => [...s].filter(([k]) => k.startsWith(prefix)).reduce((n, [, v]) => n + v, 0);

describe('GET /metrics', () => {
  let server: Server;
  let token: string;
  before(async () => {
    server = await startFixtureServer();
    token = (await logon(server)).token;
  });
  after(() => server.close());

  test('is anonymous and Prometheus text, with the process metrics', async () => {
    const { samples } = await scrape(server);
    assert.ok(samples.has('process_cpu_user_seconds_total'));
    assert.ok(samples.has('nodejs_heap_size_used_bytes'));
  });

  test('counts requests by method, route pattern and status, and times them', async () => {
    const before = (await scrape(server)).samples;
    for (let i = 0; i < 2; i++) assert.equal((await get(server, '/api/query?type=BackupServer', { token })).status, 200);
    assert.equal((await get(server, `/api/backupServers/${BS1}`, { token })).status, 200);
    assert.equal((await get(server, '/api/nowhere/at/all', { token })).status, 404);
    const { text, samples: after } = await scrape(server);
    assert.equal(delta(before, after, 'emrest_http_requests_total{method="GET",route="/api/query",status="200"}'), 2);
    assert.equal(delta(before, after, 'emrest_http_request_duration_seconds_count{method="GET",route="/api/query"}'), 2);
    assert.ok(value(after, 'emrest_http_request_duration_seconds_sum{method="GET",route="/api/query"}') > 0);
    assert.equal(delta(before, after, 'emrest_http_requests_total{method="GET",route="/api/backupServers/:id",status="200"}'), 1);
    assert.equal(delta(before, after, 'emrest_http_requests_total{method="GET",route="unmatched",status="404"}'), 1);
    // Routes are patterns: no raw URL (an id, an unknown path) becomes a label.
    assert.doesNotMatch(text, new RegExp(BS1, 'i'));
    assert.doesNotMatch(text, /nowhere/);
    // A histogram's buckets are cumulative and end at +Inf with its count.
    assert.equal(
      value(after, 'emrest_http_request_duration_seconds_bucket{le="+Inf",method="GET",route="/api/query"}'),
      value(after, 'emrest_http_request_duration_seconds_count{method="GET",route="/api/query"}'),
    );
  });

  test('counts response cache misses and hits, and store query time', async () => {
    const url = '/api/query?type=Job&format=Entities&sortAsc=Name';
    const before = (await scrape(server)).samples;
    assert.equal((await get(server, url, { token })).status, 200);
    const middle = (await scrape(server)).samples;
    assert.equal(delta(before, middle, 'emrest_response_cache_misses_total'), 1);
    assert.equal(delta(before, middle, 'emrest_response_cache_hits_total'), 0);
    assert.ok(sumOf(middle, 'emrest_store_query_duration_seconds_count') > sumOf(before, 'emrest_store_query_duration_seconds_count'), 'the store read was timed');
    assert.equal((await get(server, url, { token })).status, 200);
    const after = (await scrape(server)).samples;
    assert.equal(delta(middle, after, 'emrest_response_cache_hits_total'), 1);
    assert.equal(delta(middle, after, 'emrest_response_cache_misses_total'), 0);
    // Served from the cache: the store was not asked.
    assert.equal(sumOf(after, 'emrest_store_query_duration_seconds_count'), sumOf(middle, 'emrest_store_query_duration_seconds_count'));
  });

  test('counts logon failures by reason, naming no user', async () => {
    const before = (await scrape(server)).samples;
    const wrong = 'Basic ' + Buffer.from('tech\\someone:not-the-password').toString('base64');
    assert.equal((await get(server, '/api/sessionMngr/?v=latest', { method: 'POST', headers: { Authorization: wrong } })).status, 401);
    assert.equal((await get(server, '/api/sessionMngr/?v=latest', { method: 'POST' })).status, 401);
    assert.equal((await get(server, '/api/sessionMngr/?v=latest', { method: 'POST', headers: { Authorization: ADMIN_BASIC } })).status, 201);
    const { text, samples: after } = await scrape(server);
    assert.equal(delta(before, after, 'emrest_logon_failures_total{reason="invalid_credentials"}'), 1);
    assert.equal(delta(before, after, 'emrest_logon_failures_total{reason="missing_credentials"}'), 1);
    assert.equal(delta(before, after, 'emrest_http_requests_total{method="POST",route="/api/sessionMngr",status="401"}'), 2);
    assert.equal(delta(before, after, 'emrest_http_requests_total{method="POST",route="/api/sessionMngr",status="201"}'), 1);
    assert.doesNotMatch(text, /someone|not-the-password|admin/i);
  });

  test('each app counts in its own registry', async () => {
    const other = await startFixtureServer();
    try {
      await get(other, '/api/query?type=BackupServer', { token: (await logon(other)).token });
      const mine = (await scrape(server)).samples;
      const theirs = (await scrape(other)).samples;
      assert.equal(value(theirs, 'emrest_http_requests_total{method="GET",route="/api/query",status="200"}'), 1);
      assert.ok(value(mine, 'emrest_http_requests_total{method="GET",route="/api/query",status="200"}') >= 3);
    } finally {
      await other.close();
    }
  });
});

describe('/metrics with the admin API on', () => {
  test('needs no admin token and stays out of the request journal', async () => {
    const server = await startFixtureServer({ adminToken: 'metrics-test-token' });
    try {
      await scrape(server);
      const journal = await get(server, '/admin/v1/requests', { headers: { Authorization: 'Bearer metrics-test-token' } });
      assert.equal(journal.status, 200, journal.body);
      assert.doesNotMatch(journal.body, /\/metrics/);
    } finally {
      await server.close();
    }
  });
});

describe('simulation counters', () => {
  test('the estate leader reports what each catch-up ran', async () => {
    const metrics = new Metrics();
    const estate = {
      catchUp: async () => ({ sessionsStarted: 3, sessionsFinished: 2 }),
    } as unknown as LiveEstate;
    const store = { lead: async () => true } as unknown as Store;
    const leader = new EstateLeader(
      store,
      new Clock({ now: 0, frozen: true }),
      { load: async () => estate, simulated: async () => true, until: async () => undefined },
      { tickMs: 60_000, report: (e) => assert.fail(e as Error), onRun: (counts) => metrics.simulationRan(counts) },
    );
    await leader.start();
    try {
      await leader.catchUp(1000);
      await leader.catchUp(2000);
    } finally {
      leader.stop();
    }
    const samples = parseExposition((await metrics.text()).body);
    assert.equal(samples.get('emrest_simulation_catchups_total'), 2);
    assert.equal(samples.get('emrest_simulation_sessions_started_total'), 6);
    assert.equal(samples.get('emrest_simulation_sessions_finished_total'), 4);
  });
});
