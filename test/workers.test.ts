/**
 * `serve --workers 2`: the real CLI, every request on a connection of its own (the cluster
 * hands connections to the workers in turn), holding the control-plane contract whatever
 * worker a request lands on.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import { freshDir, run, start, stop, waitFor, type Child } from './support/cli-process.js';

const TOKEN = 'workers-test-token';
const NOW = '2026-11-30T00:00:00Z';

interface Answer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

let server: Child;
let port: number;
let password: string;
const ADMIN = { Authorization: `Bearer ${TOKEN}` };

/** One request on a new connection (no agent, no keep-alive). */
function ask(method: string, path: string, headers: Record<string, string> = {}, body?: unknown): Promise<Answer> {
  const data = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, method, path, agent: false, headers: { Connection: 'close', ...(data ? { 'Content-Type': 'application/json' } : {}), ...headers } },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (s: string) => (text += s));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text }));
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

const json = async (method: string, path: string, body?: unknown) => {
  const r = await ask(method, path, ADMIN, body);
  assert.ok(r.status < 300, `${method} ${path} → ${r.status} ${r.body}`);
  return r.body === '' ? undefined : JSON.parse(r.body);
};

async function logon(): Promise<string> {
  const r = await ask('POST', '/api/sessionMngr/?v=latest', { Authorization: 'Basic ' + Buffer.from(`administrator:${password}`).toString('base64') });
  assert.equal(r.status, 201, r.body);
  return r.headers['x-restsvcsessionid'] as string;
}

/** The worker processes of the primary, in the order they were forked (the leader first). */
function workerPids(): number[] {
  const out = execFileSync('ps', ['-o', 'pid=', '--ppid', String(server.proc.pid)], { encoding: 'utf8' });
  return out.split('\n').map((s) => Number(s.trim())).filter((n) => n > 0).sort((a, b) => a - b);
}

/** A counter of the aggregated /metrics (0 when not yet counted). */
async function metric(name: string): Promise<number> {
  const r = await ask('GET', '/metrics');
  const m = new RegExp(`^${name} (\\d+)`, 'm').exec(r.body);
  return m ? Number(m[1]) : 0;
}

describe('serve --workers 2', () => {
  before(async () => {
    server = start(['serve', '--workers', '2', '--data-dir', freshDir(), '--http-port', '0', '--no-https', '--admin-token', TOKEN, '--now', NOW, '--clock', 'frozen']);
    await waitFor(server, /^listening http:/m, 40_000);
    port = Number(/^listening http:\/\/127\.0\.0\.1:(\d+)\/api\/$/m.exec(server.out())![1]);
    password = /with password: (\S+)/.exec(server.out())![1];
  });
  after(async () => {
    if (server.proc.exitCode === null) await stop(server.proc, 'SIGKILL');
  });

  test('the quick start output comes once: one password, one demo, one listening line', () => {
    assert.equal(server.out().match(/with password/g)?.length, 1, server.out());
    assert.equal(server.out().match(/Created demo data/g)?.length, 1, server.out());
    assert.equal(server.out().match(/^listening /gm)?.length, 1, server.out());
    assert.equal(workerPids().length, 2);
  });

  test('both workers answer (each caches its own answer), and /metrics counts them all', async () => {
    const token = await logon();
    const [hits, misses] = [await metric('emrest_response_cache_hits_total'), await metric('emrest_response_cache_misses_total')];
    for (let i = 0; i < 4; i++) assert.equal((await ask('GET', '/api/query?type=BackupServer', { 'X-RestSvcSessionId': token })).status, 200);
    // One worker alone would have missed once and hit three times.
    assert.equal((await metric('emrest_response_cache_misses_total')) - misses, 2);
    assert.equal((await metric('emrest_response_cache_hits_total')) - hits, 2);
  });

  test('a logon works on every worker; a logoff is refused at once on every worker', async () => {
    const token = await logon();
    for (let i = 0; i < 4; i++) assert.equal((await ask('GET', '/api/backupServers', { 'X-RestSvcSessionId': token })).status, 200, `use ${i}`);
    const id = Buffer.from(token, 'base64').toString('ascii');
    assert.equal((await ask('DELETE', `/api/logonSessions/${id}`, { 'X-RestSvcSessionId': token })).status, 204);
    for (let i = 0; i < 4; i++) assert.equal((await ask('GET', '/api/backupServers', { 'X-RestSvcSessionId': token })).status, 401, `after logoff ${i}`);
  });

  test('a fault rule with count 2 fires exactly twice over 10 connections; hits are global', async () => {
    const token = await logon();
    const rule = await json('POST', '/admin/v1/faults', { match: { path: '/api/query' }, fault: { status: 503 }, count: 2 });
    const statuses = [];
    for (let i = 0; i < 10; i++) statuses.push((await ask('GET', '/api/query?type=Repository', { 'X-RestSvcSessionId': token })).status);
    assert.equal(statuses.filter((s) => s === 503).length, 2, String(statuses));
    const listed = (await json('GET', '/admin/v1/faults')).faults;
    assert.deepEqual(listed.map((r: { id: string; hits: number; matched: number }) => [r.id, r.hits, r.matched]), [[rule.id, 2, 10]]);
    await json('DELETE', '/admin/v1/faults');
    assert.equal((await ask('GET', '/api/query?type=Repository', { 'X-RestSvcSessionId': token })).status, 200);
  });

  test('the journal lists the requests of every worker, newest first; clearing clears all', async () => {
    const token = await logon();
    await json('DELETE', '/admin/v1/requests');
    for (let i = 0; i < 6; i++) await ask('GET', `/api/backupServers?n=${i}`, { 'X-RestSvcSessionId': token });
    const listed = await json('GET', '/admin/v1/requests?path=/api/backupServers');
    assert.equal(listed.total, 6);
    assert.deepEqual(listed.requests.map((e: { query: { n: string } }) => e.query.n), ['5', '4', '3', '2', '1', '0']);
    assert.equal((await json('GET', '/admin/v1/requests/count?path=/api/backupServers')).count, 6);
    await json('DELETE', '/admin/v1/requests');
    assert.equal((await json('GET', '/admin/v1/requests/count')).count, 0);
  });

  test('a clock move answered is the time every worker reads at once', async () => {
    const moved = await json('POST', '/admin/v1/clock', { advance: 'PT1H' });
    assert.equal(moved.now, '2026-11-30T01:00:00.000Z');
    for (let i = 0; i < 4; i++) assert.equal((await json('GET', '/admin/v1/health')).now, moved.now, `read ${i}`);
  });

  test('a session used on one worker just before a clock move is not idle on another', async () => {
    const token = await logon();
    await json('POST', '/admin/v1/clock', { advance: 'PT10M' });
    assert.equal((await ask('GET', '/api/backupServers', { 'X-RestSvcSessionId': token })).status, 200);
    // 20 minutes after the logon, 10 after its use: alive on every worker.
    await json('POST', '/admin/v1/clock', { advance: 'PT10M' });
    for (let i = 0; i < 4; i++) assert.equal((await ask('GET', '/api/backupServers', { 'X-RestSvcSessionId': token })).status, 200, `use ${i}`);
  });

  test('a logon lockout counts failures over every worker', async () => {
    const wrong = { Authorization: 'Basic ' + Buffer.from('nobody:wrong').toString('base64') };
    const before = await metric('emrest_logon_failures_total\\{reason="locked_out"\\}');
    // The default policy locks out after 10 failures of one name and address.
    for (let i = 0; i < 12; i++) assert.equal((await ask('POST', '/api/sessionMngr/?v=latest', wrong)).status, 401);
    assert.equal((await metric('emrest_logon_failures_total\\{reason="locked_out"\\}')) - before, 2);
  });

  test('jobs start through any worker (the leader runs them)', async () => {
    const token = await logon();
    const jobs = (await ask('GET', '/api/jobs?format=Entity', { 'X-RestSvcSessionId': token, Accept: 'application/json' })).body;
    const ids = [...jobs.matchAll(/"UID":"urn:veeam:Job:([0-9a-f-]{36})"/g)].map((m) => m[1]).slice(0, 4);
    assert.equal(ids.length, 4);
    for (const id of ids) {
      const r = await ask('POST', `/api/jobs/${id}?action=start`, { 'X-RestSvcSessionId': token });
      assert.equal(r.status, 202, r.body);
    }
  });

  test('a killed worker is replaced and serving goes on; so does the simulation', async () => {
    const [leaderPid] = workerPids();
    process.kill(leaderPid, 'SIGKILL');
    const killedAt = Date.now();
    await waitForText(() => server.err(), /the live estate runs in a new worker process, (\d+) ms/);
    const takeover = Number(/the live estate runs in a new worker process, (\d+) ms/.exec(server.err())![1]);
    assert.ok(takeover < 10_000, `takeover in ${takeover} ms`);
    console.log(`# leader takeover: ${takeover} ms (test saw it after ${Date.now() - killedAt} ms)`);
    assert.equal(workerPids().length, 2);
    assert.ok(!workerPids().includes(leaderPid));
    const token = await logon();
    for (let i = 0; i < 4; i++) assert.equal((await ask('GET', '/api/backupServers', { 'X-RestSvcSessionId': token })).status, 200);
    const status = await json('GET', '/admin/v1/simulation');
    assert.equal(status.enabled, true);
    assert.ok(status.jobs > 0);
    const moved = await json('POST', '/admin/v1/clock', { advance: 'PT6H' });
    assert.ok(moved.ran.sessionsStarted > 0, JSON.stringify(moved));
  });

  test('SIGTERM stops every process, exit 0', async () => {
    const pids = workerPids();
    const exit = await stop(server.proc, 'SIGTERM');
    assert.deepEqual(exit, { code: 0, signal: null });
    for (const pid of pids) assert.throws(() => process.kill(pid, 0), `worker ${pid} still runs`);
  });
});

test('serve --help documents --workers', async () => {
  const r = await run(['serve', '--help']);
  assert.match(r.stdout, /--workers N/);
  assert.match(r.stdout, /EMREST_WORKERS/);
});

async function waitForText(read: () => string, pattern: RegExp, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!pattern.test(read())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${pattern}\n${read()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
