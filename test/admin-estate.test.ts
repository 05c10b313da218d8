/**
 * The control plane's simulated estate over real HTTP (contract §2): the simulation switch,
 * job scripts and server reachability, each bad input a 400 JSON naming the field with nothing
 * changed; and a worked "last success" check as a monitoring script would run it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { agentJobCount } from '../src/demo/agents.js';
import { generateDemo, type DemoOptions } from '../src/demo/demo.js';
import { nasJobCount } from '../src/demo/nas.js';
import { BackupJobSession, BackupTaskSession, Job, ReplicaJobSession } from '../src/model/all.js';
import { RESULT_MEMBERS } from '../src/model/fields.js';
import type { Row, TypeDecl } from '../src/model/index.js';
import { parseFilter } from '../src/filter/parse.js';
import { planPredicate } from '../src/query/plan.js';
import { FIXTURE_NOW } from './support/fixture.js';
import { plan } from './support/plans.js';
import { startFixtureServer, startLoggedOn, startServer, type Server } from './support/server.js';

const TOKEN = 'estate-admin-token-0123456789';
const T0 = Date.parse(FIXTURE_NOW);
const H = 3_600_000;
const DEMO: DemoOptions = { seed: 5, servers: 2, jobs: 3, backupJobs: 4, days: 2, now: T0 };

async function call(server: Server, method: string, path: string, body?: unknown, token = TOKEN) {
  const r = await fetch(server.url + path, {
    method,
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await r.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: r.status, text, json, headers: r.headers };
}

const planOf = (type: TypeDecl, filter?: string) => ({ ...plan(type), ...(filter ? { where: planPredicate(type, parseFilter(filter)!) } : {}) });
const rows = async (server: Server, type: TypeDecl, filter?: string): Promise<Row[]> => (await server.store.query(planOf(type, filter))).rows;
const count = async (server: Server, type: TypeDecl, filter?: string): Promise<number> =>
  (await server.store.query({ ...planOf(type, filter), limit: 1 }, { count: true })).total ?? 0;
const sessionsOf = async (server: Server, jobId: string) =>
  [...(await rows(server, ReplicaJobSession, `JobUid==${jobId}`)), ...(await rows(server, BackupJobSession, `JobUid==${jobId}`))]
    .sort((a, b) => String(a.creationTime).localeCompare(String(b.creationTime)));
const advance = (server: Server, duration: string) => call(server, 'POST', '/admin/v1/clock', { advance: duration });

describe('/admin/v1/simulation, job scripts and server state', () => {
  let server: Server;
  let jobs: Row[];
  before(async () => {
    server = await startServer({ adminToken: TOKEN, load: (store) => generateDemo(store, DEMO), simulate: true });
    jobs = await rows(server, Job, 'ScheduleEnabled==true');
  });
  after(() => server.close());

  test('GET the simulation; pause: time passes and nothing runs; resume: it catches up', async () => {
    const got = await call(server, 'GET', '/admin/v1/simulation');
    assert.equal(got.status, 200);
    assert.equal(got.headers.get('content-type'), 'application/json');
    // Every job runs: VM jobs, and the agent and file share jobs the backup jobs bring along.
    const jobCount = DEMO.jobs! + DEMO.backupJobs! + agentJobCount(DEMO.backupJobs!) + nasJobCount(DEMO.backupJobs!);
    assert.deepEqual({ ...got.json, running: undefined }, { enabled: true, jobs: jobCount, running: undefined });
    assert.equal(typeof got.json.running, 'number');

    const paused = await call(server, 'POST', '/admin/v1/simulation', { enabled: false });
    assert.equal(paused.json.enabled, false);
    const moved = await advance(server, 'PT12H');
    assert.deepEqual(moved.json.ran, { sessionsStarted: 0, sessionsFinished: 0 });
    const resumed = await call(server, 'POST', '/admin/v1/simulation', { enabled: true });
    assert.equal(resumed.json.enabled, true);
    assert.equal(server.estate!.state.until, T0 + 12 * H, 'resumed, it ran the time that passed');
  });

  test('a script: fails three times, then succeeds; the failure message is the scripted one', async () => {
    const job = jobs[0].id as string;
    const s = await call(server, 'POST', `/admin/v1/jobs/${job}/script`, { outcomes: ['Failed', 'failed', 'FAILED', 'Success'], failureMessage: 'Repository is out of space' });
    assert.equal(s.status, 200, s.text);
    assert.equal((s.json.runs as unknown[]).length, 4);
    const from = server.clock.now();
    await advance(server, 'P5D');
    const runs = (await sessionsOf(server, job)).filter((r) => Date.parse(String(r.creationTime)) > from).slice(0, 4);
    assert.deepEqual(runs.map((r) => RESULT_MEMBERS[r.result as number]), ['Failed', 'Failed', 'Failed', 'Success']);
    assert.equal(runs[0].failureMessage, 'Repository is out of space');
  });

  test('DELETE a script: back to the model (204); unknown jobs 404', async () => {
    const job = jobs[1].id as string;
    assert.equal((await call(server, 'POST', `/admin/v1/jobs/${job}/script`, { outcomes: ['Failed'] })).status, 200);
    const del = await call(server, 'DELETE', `/admin/v1/jobs/${job}/script`);
    assert.equal(del.status, 204);
    assert.equal(del.text, '');
    const none = await call(server, 'POST', '/admin/v1/jobs/00000000-0000-0000-0000-000000000000/script', { outcomes: ['Failed'] });
    assert.deepEqual([none.status, none.json.status], [404, 404]);
    assert.equal((await call(server, 'POST', '/admin/v1/jobs/not-a-guid/script', { outcomes: ['Failed'] })).status, 404);
  });

  test('an unreachable server: its jobs stop running until it is back', async () => {
    const job = jobs[2];
    const serverId = job.serverId as string;
    const off = await call(server, 'POST', `/admin/v1/backupServers/${serverId}/state`, { reachable: false });
    assert.deepEqual([off.status, off.json], [200, { id: serverId, reachable: false }]);
    const from = server.clock.now();
    const before = (await sessionsOf(server, job.id as string)).length;
    await advance(server, 'P2D');
    assert.equal((await sessionsOf(server, job.id as string)).length, before, 'no runs while unreachable');
    await call(server, 'POST', `/admin/v1/backupServers/${serverId}/state`, { reachable: true });
    await advance(server, 'P2D');
    const after = (await sessionsOf(server, job.id as string)).filter((r) => Date.parse(String(r.creationTime)) > from);
    assert.ok(after.length > 0, 'runs again once reachable');
    assert.ok(after.every((r) => Date.parse(String(r.creationTime)) > from + 2 * 24 * H - 60_000), 'none ran while it was unreachable');
    assert.equal((await call(server, 'POST', '/admin/v1/backupServers/00000000-0000-0000-0000-000000000000/state', { reachable: false })).status, 404);
  });

  for (const [name, path, body, message] of [
    ['simulation: enabled not a boolean', '/admin/v1/simulation', { enabled: 'no' }, /^enabled must be true or false, got "no"$/],
    ['simulation: no enabled', '/admin/v1/simulation', {}, /^enabled: required/],
    ['simulation: an unknown key', '/admin/v1/simulation', { enabled: true, speed: 2 }, /^unknown field "speed"/],
    ['script: no outcomes', '/admin/v1/jobs/{job}/script', {}, /^outcomes: give at least one/],
    ['script: outcomes not a list', '/admin/v1/jobs/{job}/script', { outcomes: 'Failed' }, /^outcomes must be a list/],
    ['script: a bad outcome', '/admin/v1/jobs/{job}/script', { outcomes: ['Failed', 'Exploded'] }, /^outcomes\[1\] must be Success, Warning or Failed, got "Exploded"$/],
    ['script: a bad duration', '/admin/v1/jobs/{job}/script', { outcomes: ['Success'], duration: 'PT' }, /^duration: /],
    ['script: a zero duration', '/admin/v1/jobs/{job}/script', { outcomes: ['Success'], duration: 0 }, /^duration must be/],
    ['script: hang not a boolean', '/admin/v1/jobs/{job}/script', { hang: 1 }, /^hang must be true or false/],
    ['script: failureMessage not a string', '/admin/v1/jobs/{job}/script', { outcomes: ['Failed'], failureMessage: 42 }, /^failureMessage must be a string/],
    ['script: not JSON', '/admin/v1/jobs/{job}/script', 'outcomes=Failed', /^body: not JSON/],
    ['server state: reachable missing', '/admin/v1/backupServers/{server}/state', {}, /^reachable: required/],
    ['server state: reachable a string', '/admin/v1/backupServers/{server}/state', { reachable: 'false' }, /^reachable must be true or false/],
  ] as const) {
    test(`${name} → 400 JSON, nothing changed`, async () => {
      const until = server.estate!.state.until;
      const status = server.estate!.status();
      const url = path.replace('{job}', jobs[0].id as string).replace('{server}', jobs[0].serverId as string);
      const a = await call(server, 'POST', url, body);
      assert.equal(a.status, 400, a.text);
      assert.equal(a.json.status, 400);
      assert.match(String(a.json.error), message);
      assert.deepEqual([server.estate!.state.until, server.estate!.status()], [until, status]);
    });
  }

  test('wrong methods → 405 JSON with Allow; no token → 401', async () => {
    const put = await call(server, 'PUT', '/admin/v1/simulation', { enabled: true });
    assert.deepEqual([put.status, put.headers.get('allow')], [405, 'GET, POST']);
    const get = await call(server, 'GET', `/admin/v1/jobs/${jobs[0].id}/script`);
    assert.deepEqual([get.status, get.headers.get('allow')], [405, 'POST, DELETE']);
    assert.equal((await call(server, 'GET', '/admin/v1/simulation', undefined, 'wrong')).status, 401);
  });
});

describe('queries while the engine writes', () => {
  let server: Server;
  let token: string;
  before(async () => ({ server, token } = await startLoggedOn({ adminToken: TOKEN, load: (store) => generateDemo(store, DEMO), simulate: true })));
  after(() => server.close());

  test('never see an answer older than what was committed before they were sent', async () => {
    const QUERIES: [string, TypeDecl, string?][] = [
      ['/api/query?type=BackupJobSession&pageSize=1', BackupJobSession],
      ['/api/query?type=BackupTaskSession&format=Entities&pageSize=1', BackupTaskSession],
      ['/api/query?type=ReplicaJobSession&filter=State==Stopped&pageSize=1', ReplicaJobSession, 'State==Stopped'],
    ];
    /** Rows of each query the store had committed when the latest catch-up had answered. */
    const committed = QUERIES.map(() => 0);
    const totalOf = async (path: string) => {
      const r = await fetch(server.url + path, { headers: { 'X-RestSvcSessionId': token, Accept: 'application/json' } });
      assert.equal(r.status, 200);
      return (JSON.parse(await r.text()) as { PagingInfo: { PagesCount: number } }).PagingInfo.PagesCount;
    };
    let writing = true;
    let answers = 0;
    const writer = (async () => {
      // Steps shorter than the logon idle timeout: the readers' logon session stays alive.
      for (let i = 0; i < 36; i++) {
        assert.equal((await advance(server, 'PT10M')).status, 200);
        for (const [i, [, type, filter]] of QUERIES.entries()) committed[i] = await count(server, type, filter);
      }
      writing = false;
    })();
    const readers = Array.from({ length: 6 }, async (_, r) => {
      while (writing) {
        const i = r % QUERIES.length;
        const floor = committed[i];
        const total = await totalOf(QUERIES[i][0]);
        assert.ok(total >= floor, `${QUERIES[i][0]}: ${total} rows, but ${floor} were committed before it was sent`);
        answers++;
      }
    });
    await Promise.all([writer, ...readers]);
    assert.ok(answers > 24, `queries ran meanwhile (${answers})`);
  });
});

describe('a snapshot (no simulation)', () => {
  let server: Server;
  before(async () => (server = await startFixtureServer({ adminToken: TOKEN })));
  after(() => server.close());

  test('GET says disabled; changing it is 409 estate-off', async () => {
    assert.deepEqual((await call(server, 'GET', '/admin/v1/simulation')).json, { enabled: false, jobs: 0, running: 0 });
    const a = await call(server, 'POST', '/admin/v1/simulation', { enabled: true });
    assert.deepEqual([a.status, a.json.status], [409, 409]);
    assert.match(String(a.json.error), /not simulated/);
  });
});
