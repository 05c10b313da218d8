import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DEMO_DEFAULTS, generateDemo, type DemoOptions } from '../src/data/demo.js';
import { Random } from '../src/data/random.js';
import { JOB_SESSION_STATES, RESULT_MEMBERS, TASK_STATES } from '../src/registry/fields.js';
import { openSqliteStore, type SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { fromEpochMs } from '../src/util/datetime.js';

const NOW = Date.parse('2026-11-30T00:00:00Z');
const NOW_DT = fromEpochMs(NOW);
const SUCCESS = RESULT_MEMBERS.indexOf('Success');
const WARNING = RESULT_MEMBERS.indexOf('Warning');
const FAILED = RESULT_MEMBERS.indexOf('Failed');
const WORKING = JOB_SESSION_STATES.indexOf('Working');
const STOPPED = JOB_SESSION_STATES.indexOf('Stopped');
const COMPLETED = TASK_STATES.indexOf('Completed');
const GUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const TABLES = ['backup_servers', 'jobs', 'replica_job_sessions', 'replica_task_sessions'];

const dir = mkdtempSync(join(tmpdir(), 'emrest-demo-'));
let fileNo = 0;

async function generate(options: Partial<DemoOptions> = {}) {
  const store = openSqliteStore(join(dir, `demo-${++fileNo}.db`));
  const counts = await generateDemo(store, { ...DEMO_DEFAULTS, now: NOW, ...options });
  return { store, counts };
}

const dump = (store: SqliteStore) =>
  Object.fromEntries(TABLES.map((t) => [t, store.db.prepare(`SELECT * FROM ${t} ORDER BY id`).all()]));
const all = <T>(store: SqliteStore, sql: string, ...params: unknown[]) => store.db.prepare(sql).all(...params) as T[];
const one = <T>(store: SqliteStore, sql: string, ...params: unknown[]) => store.db.prepare(sql).get(...params) as T;

after(() => rmSync(dir, { recursive: true, force: true }));

describe('Random', () => {
  test('is deterministic per seed and yields v4-shaped lowercase GUIDs', () => {
    const a = new Random(7), b = new Random(7), c = new Random(8);
    const seqA = Array.from({ length: 20 }, () => a.guid());
    assert.deepEqual(Array.from({ length: 20 }, () => b.guid()), seqA);
    assert.notDeepEqual(Array.from({ length: 20 }, () => c.guid()), seqA);
    for (const g of seqA) assert.match(g, GUID_V4);
  });

  test('int stays within bounds', () => {
    const r = new Random(1);
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) {
      const n = r.int(3, 6);
      assert.ok(n >= 3 && n <= 6);
      seen.add(n);
    }
    assert.deepEqual([...seen].sort(), [3, 4, 5, 6]);
  });
});

describe('generateDemo', () => {
  let a: SqliteStore;
  let counts: Awaited<ReturnType<typeof generateDemo>>;

  before(async () => {
    ({ store: a, counts } = await generate());
  });
  after(() => a.close());

  test('counts match the rows written', () => {
    const n = (t: string) => one<{ n: number }>(a, `SELECT COUNT(*) AS n FROM ${t}`).n;
    assert.deepEqual(counts, {
      servers: n('backup_servers'), jobs: n('jobs'), sessions: n('replica_job_sessions'), tasks: n('replica_task_sessions'),
    });
    assert.equal(counts.servers, 3);
    assert.equal(counts.jobs, 12);
    assert.ok(counts.sessions > 12 * 30 * 0.8, `sessions ${counts.sessions}`);
    assert.ok(counts.tasks > counts.sessions, `tasks ${counts.tasks}`);
  });

  test('same seed twice gives identical rows; another seed differs', async () => {
    const { store: b } = await generate();
    const { store: c } = await generate({ seed: 2 });
    try {
      assert.deepEqual(dump(b), dump(a));
      const dc = dump(c);
      for (const t of TABLES) assert.notDeepEqual(dc[t], dump(a)[t], t);
    } finally {
      await b.close();
      await c.close();
    }
  });

  test('GUIDs are lowercase v4 and the fleet looks real', () => {
    for (const t of TABLES) for (const { id } of all<{ id: string }>(a, `SELECT id FROM ${t}`)) assert.match(id, GUID_V4);
    for (const s of all<{ name: string; port: number; version: string }>(a, 'SELECT name, port, version FROM backup_servers')) {
      assert.match(s.name, /^vbr[-a-z]*\d{2}\.corp\.local$/);
      assert.equal(s.port, 9392);
      assert.match(s.version, /^1[23]\.\d+\.\d+\.\d+$/);
    }
    const jobs = all<{ name: string; server_id: string; next_run: string | null; schedule_enabled: number; description: string }>(
      a, 'SELECT name, server_id, next_run, schedule_enabled, description FROM jobs');
    assert.equal(new Set(jobs.map((j) => j.name)).size, jobs.length, 'job names are unique');
    assert.equal(new Set(jobs.map((j) => j.server_id)).size, 3, 'jobs spread over all servers');
    for (const j of jobs) {
      assert.match(j.description, /^Created by CORP\\[\w.-]+ at \d{1,2}\/\d{1,2}\/\d{4} \d{1,2}:\d{2} [AP]M\.$/);
      if (j.schedule_enabled) assert.ok(j.next_run !== null && j.next_run > NOW_DT, `${j.name} next run ${j.next_run}`);
    }
    // Job sizes and names per task.
    const bad = one<{ n: number }>(a, `SELECT COUNT(*) AS n FROM replica_task_sessions
      WHERE total_size < 20 * 1073741824 OR total_size > 2048 * 1073741824 OR name NOT LIKE vm_display_name || '@%'`);
    assert.equal(bad.n, 0);
  });

  test('result mix: mostly Success, some Warning and Failed', () => {
    const mix = Object.fromEntries(
      all<{ result: number; n: number }>(a, 'SELECT result, COUNT(*) AS n FROM replica_job_sessions GROUP BY result').map((r) => [r.result, r.n]),
    );
    const total = counts.sessions;
    assert.ok(mix[SUCCESS] / total > 0.7, `success ${mix[SUCCESS]}/${total}`);
    assert.ok(mix[WARNING] / total > 0.03 && mix[WARNING] / total < 0.2, `warning ${mix[WARNING]}/${total}`);
    assert.ok(mix[FAILED] / total > 0.02 && mix[FAILED] / total < 0.2, `failed ${mix[FAILED]}/${total}`);
    const retries = one<{ n: number }>(a, 'SELECT COUNT(*) AS n FROM replica_job_sessions WHERE is_retry = 1').n;
    assert.ok(retries > 0);
    // Failed sessions explain themselves; warnings carry '' or null.
    assert.equal(one<{ n: number }>(a, `SELECT COUNT(*) AS n FROM replica_job_sessions
      WHERE result = ? AND (failure_message IS NULL OR failure_message = '')`, FAILED).n, 0);
    assert.equal(one<{ n: number }>(a, `SELECT COUNT(*) AS n FROM replica_job_sessions
      WHERE result = ? AND failure_message IS NOT NULL AND failure_message <> ''`, WARNING).n, 0);
  });

  test('a retry starts after the failed session it retries has ended', () => {
    const rows = all<{ end_time: string; retry_start: string | null; retry: number | null }>(a, `
      SELECT f.end_time,
             (SELECT n.creation_time FROM replica_job_sessions n
               WHERE n.job_id = f.job_id AND n.creation_time > f.creation_time ORDER BY n.creation_time LIMIT 1) AS retry_start,
             (SELECT n.is_retry FROM replica_job_sessions n
               WHERE n.job_id = f.job_id AND n.creation_time > f.creation_time ORDER BY n.creation_time LIMIT 1) AS retry
        FROM replica_job_sessions f WHERE f.result = ?`, FAILED);
    assert.ok(rows.length > 0);
    let followed = 0;
    for (const r of rows) {
      if (r.retry !== 1) continue;
      followed++;
      assert.ok(r.retry_start! > r.end_time, `retry at ${r.retry_start} before failed end ${r.end_time}`);
    }
    assert.ok(followed > 0, 'some failed sessions are retried');
    // Every retry follows a failed session of its job.
    const orphans = one<{ n: number }>(a, `SELECT COUNT(*) AS n FROM replica_job_sessions r WHERE r.is_retry = 1 AND
      (SELECT p.result FROM replica_job_sessions p WHERE p.job_id = r.job_id AND p.creation_time < r.creation_time
        ORDER BY p.creation_time DESC LIMIT 1) IS NOT ?`, FAILED).n;
    assert.equal(orphans, 0);
  });

  test('times are consistent and nothing happens after now', () => {
    for (const t of ['replica_job_sessions', 'replica_task_sessions']) {
      const n = one<{ n: number }>(a, `SELECT COUNT(*) AS n FROM ${t}
        WHERE end_time < creation_time OR creation_time > ? OR end_time > ?`, NOW_DT, NOW_DT).n;
      assert.equal(n, 0, t);
    }
    const first = one<{ t: string }>(a, 'SELECT MIN(creation_time) AS t FROM replica_job_sessions').t;
    assert.ok(first >= fromEpochMs(NOW - 30 * 86_400_000), first);
    // Some sub-millisecond precision, as a real EM has.
    const fine = one<{ n: number }>(a, `SELECT COUNT(*) AS n FROM replica_job_sessions WHERE substr(creation_time, 24, 4) <> '0000'`).n;
    assert.ok(fine > counts.sessions / 2);
  });

  test('running sessions: Working, no result, partial progress; finished ones Stopped at 100', () => {
    const running = all<{ state: number; result: number; progress: number; failure_message: string | null }>(
      a, 'SELECT state, result, progress, failure_message FROM replica_job_sessions WHERE end_time IS NULL');
    assert.ok(running.length >= 1 && running.length <= 6, `running ${running.length}`);
    for (const r of running) {
      assert.equal(r.state, WORKING);
      assert.equal(r.result, 0);
      assert.ok(r.progress >= 1 && r.progress < 100);
    }
    const finishedBad = one<{ n: number }>(a, `SELECT COUNT(*) AS n FROM replica_job_sessions
      WHERE end_time IS NOT NULL AND (state <> ? OR progress <> 100 OR result = 0)`, STOPPED).n;
    assert.equal(finishedBad, 0);
    // At most one running session per job, and it is the job's latest.
    const notLatest = one<{ n: number }>(a, `SELECT COUNT(*) AS n FROM replica_job_sessions r WHERE r.end_time IS NULL AND
      EXISTS (SELECT 1 FROM replica_job_sessions l WHERE l.job_id = r.job_id AND l.creation_time > r.creation_time)`).n;
    assert.equal(notLatest, 0);
  });

  test('tasks: every session has some, all belong to a session, results agree', () => {
    assert.equal(one<{ n: number }>(a, `SELECT COUNT(*) AS n FROM replica_job_sessions s
      WHERE NOT EXISTS (SELECT 1 FROM replica_task_sessions t WHERE t.session_id = s.id)`).n, 0);
    assert.equal(one<{ n: number }>(a, `SELECT COUNT(*) AS n FROM replica_task_sessions t
      WHERE NOT EXISTS (SELECT 1 FROM replica_job_sessions s WHERE s.id = t.session_id)`).n, 0);
    // A Failed session has a Failed task with a reason; Success sessions only Success tasks.
    assert.equal(one<{ n: number }>(a, `SELECT COUNT(*) AS n FROM replica_job_sessions s WHERE s.result = ? AND NOT EXISTS
      (SELECT 1 FROM replica_task_sessions t WHERE t.session_id = s.id AND t.result = ? AND t.reason <> '')`, FAILED, FAILED).n, 0);
    assert.equal(one<{ n: number }>(a, `SELECT COUNT(*) AS n FROM replica_task_sessions t JOIN replica_job_sessions s
      ON s.id = t.session_id WHERE s.result = ? AND (t.result <> ? OR t.reason <> '')`, SUCCESS, SUCCESS).n, 0);
    // Tasks start after their session and finish before it (or run on while it runs).
    assert.equal(one<{ n: number }>(a, `SELECT COUNT(*) AS n FROM replica_task_sessions t JOIN replica_job_sessions s
      ON s.id = t.session_id WHERE t.creation_time <= s.creation_time OR t.end_time > s.end_time
      OR (s.end_time IS NOT NULL AND (t.end_time IS NULL OR t.state <> ?))`, COMPLETED).n, 0);
  });

  test('larger fleets are written in batches and stay consistent', async () => {
    const { store, counts: big } = await generate({ seed: 9, servers: 5, jobs: 40, days: 45 });
    try {
      assert.ok(big.tasks > 5000, `tasks ${big.tasks}`);
      assert.equal(one<{ n: number }>(store, 'SELECT COUNT(*) AS n FROM replica_task_sessions').n, big.tasks);
      assert.equal(one<{ n: number }>(store, 'SELECT COUNT(DISTINCT name) AS n FROM jobs').n, 40);
      assert.equal(one<{ n: number }>(store, `SELECT COUNT(*) AS n FROM replica_job_sessions
        WHERE end_time < creation_time OR creation_time > ? OR end_time > ?`, NOW_DT, NOW_DT).n, 0);
    } finally {
      await store.close();
    }
  });

  test('rejects impossible options', async () => {
    const store = openSqliteStore(join(dir, 'reject.db'));
    try {
      await assert.rejects(generateDemo(store, { ...DEMO_DEFAULTS, servers: 0, now: NOW }), RangeError);
      await assert.rejects(generateDemo(store, { ...DEMO_DEFAULTS, jobs: -1, now: NOW }), RangeError);
      assert.deepEqual(await generateDemo(store, { ...DEMO_DEFAULTS, jobs: 0, servers: 0, now: NOW }),
        { servers: 0, jobs: 0, sessions: 0, tasks: 0 });
    } finally {
      await store.close();
    }
  });
});
