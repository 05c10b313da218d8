import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createProgress } from '../src/cli/progress.js';
import {
  DEMO_DEFAULTS, describeSchedules, generateDemo, parseScheduleMix, planDemo, REPLICA_SCHEDULES,
  type DemoOptions, type DemoProgress,
} from '../src/demo/demo.js';
import { namedGuid, Random } from '../src/demo/random.js';
import { demoStamp } from '../src/demo/stamps.js';
import { BACKUP_SESSION_JOB_TYPES } from '../src/model/backup-job-session.js';
import { JOB_SESSION_STATES, RESULT_MEMBERS, TASK_STATES } from '../src/model/fields.js';
import type { Row, TypeDecl } from '../src/model/index.js';
import { JOB_TYPES, PLATFORMS } from '../src/model/job.js';
import type { Store, StoreWriter } from '../src/store/store.js';
import { inspectSqlite, storedRows } from './support/sqlite-inspector.js';
import { openTestStore, storeFile } from './support/store.js';
import { fromEpochMs, toEpochMs } from '../src/util/datetime.js';

const NOW = Date.parse('2026-11-30T00:00:00Z');
const NOW_DT = fromEpochMs(NOW);
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const SUCCESS = RESULT_MEMBERS.indexOf('Success');
const WARNING = RESULT_MEMBERS.indexOf('Warning');
const FAILED = RESULT_MEMBERS.indexOf('Failed');
const WORKING = JOB_SESSION_STATES.indexOf('Working');
const STOPPED = JOB_SESSION_STATES.indexOf('Stopped');
const COMPLETED = TASK_STATES.indexOf('Completed');
const GUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const TABLES = ['backup_servers', 'jobs', 'replica_job_sessions', 'replica_task_sessions', 'backup_job_sessions', 'backup_task_sessions'];
const REPLICA_TABLES = ['replica_job_sessions', 'replica_task_sessions'];
/** Every job a session may belong to: VM jobs, and the agent and file share jobs of their own tables. */
const ALL_JOBS = `(SELECT id, server_id, name FROM jobs UNION ALL SELECT id, server_id, name FROM agent_backup_jobs
  UNION ALL SELECT id, server_id, name FROM nas_jobs)`;
const REPLICA_JOB = JOB_TYPES.indexOf('Replica');
const BACKUP_JOB = JOB_TYPES.indexOf('Backup');
const COPY_JOB = JOB_TYPES.indexOf('BackupCopy');
const VMWARE = PLATFORMS.indexOf('VMware');
const HYPERV = PLATFORMS.indexOf('HyperV');
/** The replica and backup halves share every session and task invariant. */
const SIDES = [
  { side: 'replica', sessions: 'replica_job_sessions', tasks: 'replica_task_sessions' },
  { side: 'backup', sessions: 'backup_job_sessions', tasks: 'backup_task_sessions' },
] as const;
const VMWARE_UID = /^urn:VMware:Vm:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\.vm-\d+$/;
const HYPERV_UID = /^urn:HyperV:Vm:[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}\.[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$/;

const dir = mkdtempSync(join(tmpdir(), 'emrest-demo-'));
let fileNo = 0;

interface Upsert { type: string; rows: readonly Row[] }
interface Write { bulk: boolean; upserts: Upsert[] }

/**
 * Generates into a fresh database: the defaults unless `raw` (then only `now` is added, so
 * `sessions` may scale the job counts). `writes` (if given) records every write transaction
 * and its upserts.
 */
async function generate(options: Partial<DemoOptions> = {}, writes?: Write[], raw = false) {
  const store = openTestStore(join(dir, `demo-${++fileNo}`));
  if (writes !== undefined) {
    const write = store.write.bind(store);
    store.write = <T>(fn: (w: StoreWriter) => Promise<T>, o?: { bulk?: boolean }) => {
      const record: Write = { bulk: o?.bulk === true, upserts: [] };
      writes.push(record);
      return write((w) => fn({
        ...w,
        upsert: (type: TypeDecl, rows: readonly Row[]) => {
          record.upserts.push({ type: type.name, rows: [...rows] });
          return w.upsert(type, rows);
        },
      }), o);
    };
  }
  const counts = await generateDemo(store, raw ? { now: NOW, ...options } : { ...DEMO_DEFAULTS, now: NOW, ...options });
  return { store, counts };
}

const dump = (store: Store, tables = TABLES, where = '') => inspectSqlite(storeFile(store), (db) =>
  Object.fromEntries(tables.map((t) => [t, storedRows(db, t, where)])));
const all = <T>(store: Store, sql: string, ...params: unknown[]) => inspectSqlite(storeFile(store), (db) => db.prepare(sql).all(...params) as T[]);
const one = <T>(store: Store, sql: string, ...params: unknown[]) => inspectSqlite(storeFile(store), (db) => db.prepare(sql).get(...params) as T);
const n = (store: Store, sql: string, ...params: unknown[]) => one<{ n: number }>(store, sql, ...params).n;
const ms = (dt: string) => toEpochMs(dt);

after(() => rmSync(dir, { recursive: true, force: true }));

/**
 * What every generated fleet keeps, whatever the options: consistent times, nothing after now
 * or before the window, no overlapping runs of a job, running sessions as EM shows them, every
 * task in a session and within its times, results that agree, retries after failures.
 */
function invariants(label: string, store: () => Store, days: number) {
  for (const { side, sessions, tasks } of SIDES) {
    test(`${label}, ${side}: times are consistent, runs of a job never overlap, nothing after now`, () => {
      const a = store();
      for (const t of [sessions, tasks]) {
        assert.equal(n(a, `SELECT COUNT(*) AS n FROM ${t}
          WHERE end_time < creation_time OR creation_time > ? OR end_time > ?`, NOW_DT, NOW_DT), 0, t);
      }
      const first = one<{ t: string | null }>(a, `SELECT MIN(creation_time) AS t FROM ${sessions}`).t;
      assert.ok(first === null || first >= fromEpochMs(NOW - days * DAY), `${first}`);
      const rows = all<{ job_id: string; creation_time: string; end_time: string | null }>(a,
        `SELECT job_id, creation_time, end_time FROM ${sessions} ORDER BY job_id, creation_time`);
      for (let i = 1; i < rows.length; i++) {
        const [p, s] = [rows[i - 1], rows[i]];
        if (p.job_id === s.job_id) assert.ok(p.end_time !== null && p.end_time < s.creation_time, `${s.job_id} at ${s.creation_time}`);
      }
    });

    test(`${label}, ${side}: running sessions have no end, no result, partial progress; finished ones are Stopped at 100`, () => {
      const a = store();
      assert.equal(n(a, `SELECT COUNT(*) AS n FROM ${sessions}
        WHERE end_time IS NULL AND (state <> ? OR result <> 0 OR progress < 1 OR progress > 99)`, WORKING), 0);
      assert.equal(n(a, `SELECT COUNT(*) AS n FROM ${sessions}
        WHERE end_time IS NOT NULL AND (state <> ? OR progress <> 100 OR result = 0)`, STOPPED), 0);
      // At most one running session per job, and it is the job's latest.
      assert.equal(n(a, `SELECT COUNT(*) AS n FROM ${sessions} r WHERE r.end_time IS NULL AND
        EXISTS (SELECT 1 FROM ${sessions} l WHERE l.job_id = r.job_id AND l.creation_time > r.creation_time)`), 0);
    });

    test(`${label}, ${side}: tasks belong to sessions and stay within them; results agree`, () => {
      const a = store();
      assert.equal(n(a, `SELECT COUNT(*) AS n FROM ${sessions} s
        WHERE NOT EXISTS (SELECT 1 FROM ${tasks} t WHERE t.session_id = s.id)`), 0);
      assert.equal(n(a, `SELECT COUNT(*) AS n FROM ${tasks} t
        WHERE NOT EXISTS (SELECT 1 FROM ${sessions} s WHERE s.id = t.session_id)`), 0);
      assert.equal(n(a, `SELECT COUNT(*) AS n FROM ${sessions} s LEFT JOIN ${ALL_JOBS} j ON j.id = s.job_id WHERE j.id IS NULL
        OR s.server_id <> j.server_id OR s.job_name <> j.name`), 0);
      // A Failed session has a Failed task with a reason; Success sessions only Success tasks.
      assert.equal(n(a, `SELECT COUNT(*) AS n FROM ${sessions} s WHERE s.result = ? AND NOT EXISTS
        (SELECT 1 FROM ${tasks} t WHERE t.session_id = s.id AND t.result = ? AND t.reason <> '')`, FAILED, FAILED), 0);
      assert.equal(n(a, `SELECT COUNT(*) AS n FROM ${tasks} t JOIN ${sessions} s
        ON s.id = t.session_id WHERE s.result = ? AND (t.result <> ? OR t.reason <> '')`, SUCCESS, SUCCESS), 0);
      // Tasks start after their session and finish before it (or run on while it runs).
      assert.equal(n(a, `SELECT COUNT(*) AS n FROM ${tasks} t JOIN ${sessions} s
        ON s.id = t.session_id WHERE t.creation_time <= s.creation_time OR t.end_time > s.end_time
        OR (s.end_time IS NOT NULL AND (t.end_time IS NULL OR t.state <> ?))`, COMPLETED), 0);
    });

    test(`${label}, ${side}: every retry follows a failed run of its job, after it ended`, () => {
      const a = store();
      assert.equal(n(a, `SELECT COUNT(*) AS n FROM ${sessions} r WHERE r.is_retry = 1 AND
        (SELECT p.result FROM ${sessions} p WHERE p.job_id = r.job_id AND p.creation_time < r.creation_time
          ORDER BY p.creation_time DESC LIMIT 1) IS NOT ?`, FAILED), 0);
      // Failed sessions explain themselves; warnings carry '' or null.
      assert.equal(n(a, `SELECT COUNT(*) AS n FROM ${sessions}
        WHERE result = ? AND (failure_message IS NULL OR failure_message = '')`, FAILED), 0);
      assert.equal(n(a, `SELECT COUNT(*) AS n FROM ${sessions}
        WHERE result = ? AND failure_message IS NOT NULL AND failure_message <> ''`, WARNING), 0);
    });
  }
}

describe('Random', () => {
  test('is deterministic per seed and yields v4-shaped lowercase GUIDs', () => {
    const a = new Random(7), b = new Random(7), c = new Random(8);
    const seqA = Array.from({ length: 20 }, () => a.guid());
    assert.deepEqual(Array.from({ length: 20 }, () => b.guid()), seqA);
    assert.notDeepEqual(Array.from({ length: 20 }, () => c.guid()), seqA);
    for (const g of seqA) assert.match(g, GUID_V4);
  });

  test('named GUIDs: the same name gives the same GUID; 300,000 names give 300,000 GUIDs (a 32-bit seed space would repeat some)', () => {
    assert.equal(namedGuid(7, 'backup-file', 'x'), namedGuid(7, 'backup-file', 'x'));
    assert.notEqual(namedGuid(7, 'backup-file', 'x'), namedGuid(8, 'backup-file', 'x'));
    assert.notEqual(namedGuid(7, 'backup-file', 'x'), namedGuid(7, 'restore-point', 'x'));
    assert.match(namedGuid(7, 'a', 'b'), GUID_V4);
    const seen = new Set<string>();
    for (let i = 0; i < 300_000; i++) seen.add(namedGuid(1, 'backup-file', `session-${i}`));
    assert.equal(seen.size, 300_000);
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

describe('demo helpers', () => {
  test('demoStamp equals fromEpochMs (day boundaries, leap days, every tick)', () => {
    const r = new Random(3);
    const times = [0, DAY - 1, DAY, Date.parse('2024-02-29T23:59:59.999Z'), Date.parse('2024-03-01T00:00:00Z'), NOW - 1, NOW];
    for (let i = 0; i < 5000; i++) times.push(NOW - r.int(0, 400) * DAY - r.int(0, DAY - 1));
    for (const t of times) {
      const ticks = r.int(0, 9999);
      assert.equal(demoStamp(t, ticks), fromEpochMs(t, ticks));
    }
  });

  test('schedule mixes parse, print and reject nonsense', () => {
    assert.deepEqual(parseScheduleMix('daily:70, 12h:10,30m:5,continuous:5,weekly,2d:1'),
      [[DAY, 70], [12 * HOUR, 10], [30 * MIN, 5], [0, 5], [7 * DAY, 1], [2 * DAY, 1]]);
    assert.equal(describeSchedules(REPLICA_SCHEDULES), 'daily:70,12h:10,6h:10,4h:10');
    assert.deepEqual(parseScheduleMix(describeSchedules(REPLICA_SCHEDULES)), REPLICA_SCHEDULES);
    for (const bad of ['', 'hourly', '2m:1', 'daily:0', '4h:x', '40d']) assert.throws(() => parseScheduleMix(bad), RangeError, bad);
  });

  test('progress: plain lines at 10 % steps after the first second, a redrawn bar on a terminal', () => {
    let now = 0;
    const plain: string[] = [];
    const p = createProgress('seed', 'sessions', { write: (s) => plain.push(s) }, () => now);
    p.update(500, 1000); // within the first second: nothing
    now = 1500;
    p.update(600, 1000);
    p.update(650, 1000);
    p.update(1200, 1000); // beyond the estimate: capped below 100 %
    p.phase('building indexes');
    p.phase('building indexes', { done: 1, total: 3 }); // the steps of a phase: no more lines
    now = 2500;
    p.phase('statistics');
    p.finish();
    assert.deepEqual(plain, [
      'seed: 60% (600 of ~1,000 sessions, 1.5 s)\n',
      'seed: 90% (1,200 of ~1,000 sessions, 1.5 s)\n',
      'seed: building indexes (1.5 s)\n',
      'seed: statistics (2.5 s)\n',
    ]);
    for (const line of plain) assert.doesNotMatch(line, /[\r\u001b]/);

    const tty: string[] = [];
    now = 0;
    const t = createProgress('seed', 'sessions', { write: (s) => tty.push(s), isTTY: true, columns: 100 }, () => now);
    t.update(0, 1000);
    now = 50;
    t.update(10, 1000); // redrawn at most every 100 ms
    now = 200;
    t.update(500, 1000);
    t.phase('building indexes', { done: 2, total: 7 }); // each step redraws
    t.finish();
    assert.equal(tty.length, 4);
    assert.match(tty[0], /^\rseed \[-{28}\]  0% 0 \/ ~1,000 sessions/);
    assert.match(tty[1], /^\rseed \[#{14}-{14}\] 50% 500 \/ ~1,000 sessions/);
    assert.match(tty[2], /^\rseed: building indexes \(step 2 of 7\)  0\.2 s/);
    assert.match(tty[3], /^\r +\r$/, 'the bar is cleared at the end');
    for (const s of tty) assert.ok(!s.includes('\n') && s.length <= 101);
  });
});

describe('generateDemo', () => {
  let a: Store;
  let counts: Awaited<ReturnType<typeof generateDemo>>;

  before(async () => {
    ({ store: a, counts } = await generate());
  });
  after(() => a.close());

  test('counts match the rows written', () => {
    const rows = (t: string) => n(a, `SELECT COUNT(*) AS n FROM ${t}`);
    assert.deepEqual(counts, {
      servers: rows('backup_servers'), jobs: rows('jobs'), sessions: rows('replica_job_sessions'), tasks: rows('replica_task_sessions'),
      backupSessions: rows('backup_job_sessions'), backupTasks: rows('backup_task_sessions'),
      agentJobs: rows('agent_backup_jobs'), nasJobs: rows('nas_jobs'), repositories: rows('repositories'), restorePoints: rows('restore_points'),
    });
    assert.equal(counts.servers, 3);
    assert.equal(counts.jobs, 24);
    const byType = (t: number) => n(a, 'SELECT COUNT(*) AS n FROM jobs WHERE job_type = ?', t);
    assert.equal(byType(REPLICA_JOB), 12, 'jobs still means replication jobs');
    assert.equal(byType(BACKUP_JOB), 9, '3/4 of the backup jobs are Backup jobs');
    assert.equal(byType(COPY_JOB), 3, '1/4 are BackupCopy jobs');
    assert.ok(counts.sessions > 12 * 30 * 0.8, `sessions ${counts.sessions}`);
    assert.ok(counts.tasks > counts.sessions, `tasks ${counts.tasks}`);
    assert.ok(counts.backupSessions > 12 * 30 * 0.8, `backup sessions ${counts.backupSessions}`);
    assert.ok(counts.backupTasks > counts.backupSessions, `backup tasks ${counts.backupTasks}`);
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

  test('the replica side does not depend on the backup jobs', async () => {
    const { store: r, counts: rc } = await generate({ backupJobs: 0 });
    try {
      assert.deepEqual(rc, { ...counts, jobs: 12, backupSessions: 0, backupTasks: 0, agentJobs: 0, nasJobs: 0, repositories: rc.repositories, restorePoints: 0 });
      assert.deepEqual(dump(r, ['backup_servers', ...REPLICA_TABLES]), dump(a, ['backup_servers', ...REPLICA_TABLES]));
      assert.deepEqual(dump(r, ['jobs']), dump(a, ['jobs'], `WHERE job_type = ${REPLICA_JOB}`));
      assert.equal(n(r, 'SELECT COUNT(*) AS n FROM jobs'), 12);
    } finally {
      await r.close();
    }
  });

  test('GUIDs are lowercase v4 and the fleet looks real', () => {
    for (const t of TABLES) for (const { id } of all<{ id: string }>(a, `SELECT id FROM ${t}`)) assert.match(id, GUID_V4);
    for (const s of all<{ name: string; port: number; version: string }>(a, 'SELECT name, port, version FROM backup_servers')) {
      assert.match(s.name, /^vbr[-a-z]*\d{2}\.corp\.local$/);
      assert.equal(s.port, 9392);
      assert.match(s.version, /^1[23]\.\d+\.\d+\.\d+$/);
    }
    const jobs = all<{ name: string; server_id: string; next_run: string | null; schedule_enabled: number; schedule_configured: number; description: string }>(
      a, 'SELECT name, server_id, next_run, schedule_enabled, schedule_configured, description FROM jobs');
    assert.equal(new Set(jobs.map((j) => j.name)).size, jobs.length, 'job names are unique');
    assert.equal(new Set(jobs.map((j) => j.server_id)).size, 3, 'jobs spread over all servers');
    for (const j of jobs) {
      assert.match(j.description, /^Created by CORP\\[\w.-]+ at \d{1,2}\/\d{1,2}\/\d{4} \d{1,2}:\d{2} [AP]M\.$/);
      assert.equal(j.schedule_configured, 1);
      if (j.schedule_enabled) assert.ok(j.next_run !== null && j.next_run > NOW_DT, `${j.name} next run ${j.next_run}`);
      else assert.equal(j.next_run, null);
    }
    // Job sizes and names per task.
    for (const { tasks } of SIDES) {
      assert.equal(n(a, `SELECT COUNT(*) AS n FROM ${tasks}
        WHERE total_size < 20 * 1073741824 OR total_size > 2048 * 1073741824 OR name NOT LIKE vm_display_name || '@%'`), 0, tasks);
    }
    // Sessions carry their job's name and server and the session enum's JobType (not the job's).
    const sessionTypes: [string, number, number][] = [
      ['replica_job_sessions', REPLICA_JOB, 0],
      ['backup_job_sessions', BACKUP_JOB, BACKUP_SESSION_JOB_TYPES.indexOf('Backup')],
      ['backup_job_sessions', COPY_JOB, BACKUP_SESSION_JOB_TYPES.indexOf('BackupCopy')],
    ];
    for (const [table, jobType, sessionType] of sessionTypes) {
      assert.equal(n(a, `SELECT COUNT(*) AS n FROM ${table} s JOIN jobs j ON j.id = s.job_id WHERE j.job_type = ? AND
        (s.job_type <> ? OR s.job_name <> j.name OR s.server_id <> j.server_id OR s.name NOT LIKE j.name || '@%')`, jobType, sessionType), 0);
      assert.ok(n(a, `SELECT COUNT(*) AS n FROM ${table} s JOIN jobs j ON j.id = s.job_id WHERE j.job_type = ?`, jobType) > 0);
    }
    assert.equal(n(a, `SELECT COUNT(*) AS n FROM backup_job_sessions s LEFT JOIN jobs j ON j.id = s.job_id
      WHERE (j.job_type IS NULL AND s.job_id NOT IN (SELECT id FROM agent_backup_jobs UNION SELECT id FROM nas_jobs))
        OR j.job_type = ?`, REPLICA_JOB), 0, 'backup sessions belong to backup, agent or file share jobs');
  });

  test('backup and backup copy jobs protect the fleet the replicas do', () => {
    const names = all<{ name: string; job_type: number }>(a, 'SELECT name, job_type FROM jobs WHERE job_type <> ?', REPLICA_JOB);
    for (const j of names) {
      if (j.job_type === COPY_JOB) assert.match(j.name, /Copy/, j.name);
      else assert.match(j.name, /Backup/, j.name);
    }
    // VMs both backed up and replicated, on the same server.
    const vmsOnServers = (side: (typeof SIDES)[number]) => new Set(all<{ k: string }>(a, `SELECT DISTINCT s.server_id || '/' ||
      t.vm_display_name AS k FROM ${side.tasks} t JOIN ${side.sessions} s ON s.id = t.session_id`).map((r) => r.k));
    const [replicated, backedUp] = SIDES.map(vmsOnServers);
    assert.ok([...backedUp].some((vm) => replicated.has(vm)), 'some VMs are both backed up and replicated on the same server');
    // …and VMs that are only backed up.
    assert.ok([...backedUp].some((vm) => !replicated.has(vm)), 'some VMs are only backed up');
    // A VM name belongs to one server only.
    assert.equal(n(a, `SELECT COUNT(*) AS n FROM (SELECT t.vm_display_name FROM backup_task_sessions t
      JOIN backup_job_sessions s ON s.id = t.session_id GROUP BY t.vm_display_name HAVING COUNT(DISTINCT s.server_id) > 1)`), 0);

    // A copy job copies the VMs of a Backup job on its server, every 1–4 hours, in short sessions.
    const vmSets = new Map<string, string[]>();
    for (const r of all<{ job_id: string; vm: string }>(a, `SELECT DISTINCT s.job_id, t.vm_display_name AS vm
      FROM backup_task_sessions t JOIN backup_job_sessions s ON s.id = t.session_id`)) {
      vmSets.set(r.job_id, [...(vmSets.get(r.job_id) ?? []), r.vm]);
    }
    const vmsOf = (jobId: string) => vmSets.get(jobId) ?? [];
    const jobs = all<{ id: string; server_id: string; job_type: number; name: string }>(a,
      'SELECT id, server_id, job_type, name FROM jobs WHERE job_type <> ?', REPLICA_JOB);
    for (const copy of jobs.filter((j) => j.job_type === COPY_JOB)) {
      const vms = vmsOf(copy.id);
      assert.ok(jobs.some((b) => b.job_type === BACKUP_JOB && b.server_id === copy.server_id &&
        vms.every((vm) => vmsOf(b.id).includes(vm))), `${copy.name} copies a backup job's VMs`);
      const runs = n(a, 'SELECT COUNT(*) AS n FROM backup_job_sessions WHERE job_id = ? AND is_retry = 0', copy.id);
      assert.ok(runs >= 30 * 6 * 0.8, `${copy.name}: ${runs} runs`);
      const avg = one<{ m: number }>(a, `SELECT AVG((julianday(end_time) - julianday(creation_time)) * 1440) AS m
        FROM backup_job_sessions WHERE job_id = ?`, copy.id).m;
      assert.ok(avg < 30, `${copy.name}: sessions average ${avg} min`);
    }
  });

  test('a VM keeps its vmUid across sessions and jobs; the uid matches the job platform', () => {
    assert.equal(n(a, `SELECT COUNT(*) AS n FROM (SELECT vm_display_name FROM backup_task_sessions
      GROUP BY vm_display_name HAVING COUNT(DISTINCT vm_uid) > 1)`), 0);
    assert.equal(n(a, `SELECT COUNT(*) AS n FROM (SELECT vm_uid FROM backup_task_sessions
      GROUP BY vm_uid HAVING COUNT(DISTINCT vm_display_name) > 1)`), 0);
    // Some VMs appear in many sessions (and in a backup and a copy job) with that one uid.
    assert.ok(n(a, `SELECT COUNT(*) AS n FROM (SELECT vm_uid FROM backup_task_sessions t JOIN backup_job_sessions s
      ON s.id = t.session_id GROUP BY vm_uid HAVING COUNT(DISTINCT s.job_id) > 1 AND COUNT(*) > 10)`) > 0);
    const rows = all<{ vm_uid: string; platform: number }>(a, `SELECT DISTINCT t.vm_uid, j.platform FROM backup_task_sessions t
      JOIN backup_job_sessions s ON s.id = t.session_id JOIN jobs j ON j.id = s.job_id`);
    for (const r of rows) assert.match(r.vm_uid, r.platform === VMWARE ? VMWARE_UID : r.platform === HYPERV ? HYPERV_UID : /^$/);
  });

  for (const { side, sessions, tasks } of SIDES) {
    describe(side, () => {
      const total = () => (side === 'replica' ? counts.sessions : counts.backupSessions);

      test('result mix: mostly Success, some Warning and Failed; one job keeps failing', () => {
        const mix = Object.fromEntries(
          all<{ result: number; n: number }>(a, `SELECT result, COUNT(*) AS n FROM ${sessions} GROUP BY result`).map((r) => [r.result, r.n]),
        );
        assert.ok(mix[SUCCESS] / total() > 0.7, `success ${mix[SUCCESS]}/${total()}`);
        assert.ok(mix[WARNING] / total() > 0.03 && mix[WARNING] / total() < 0.2, `warning ${mix[WARNING]}/${total()}`);
        assert.ok(mix[FAILED] / total() > 0.02 && mix[FAILED] / total() < 0.2, `failed ${mix[FAILED]}/${total()}`);
        assert.ok(n(a, `SELECT COUNT(*) AS n FROM ${sessions} WHERE is_retry = 1`) > 0);
        // One job keeps failing: its latest three sessions all failed.
        assert.ok(n(a, `SELECT COUNT(*) AS n FROM jobs j WHERE 3 = (SELECT COUNT(*) FROM (SELECT result FROM ${sessions} s
          WHERE s.job_id = j.id ORDER BY creation_time DESC LIMIT 3) WHERE result = ?)`, FAILED) >= 1);
      });

      test('a retry follows a failed session 10-31 minutes after it ended, and processes only its failed VMs', () => {
        const rows = all<{ id: string; end_time: string; next_id: string | null; next_start: string | null; retry: number | null }>(a, `
          SELECT f.id, f.end_time, n.id AS next_id, n.creation_time AS next_start, n.is_retry AS retry
            FROM ${sessions} f LEFT JOIN ${sessions} n ON n.id = (SELECT x.id FROM ${sessions} x
              WHERE x.job_id = f.job_id AND x.creation_time > f.creation_time ORDER BY x.creation_time LIMIT 1)
           WHERE f.result = ?`, FAILED);
        assert.ok(rows.length > 0);
        let followed = 0;
        const vms = (id: string, failedOnly: boolean) => all<{ vm: string }>(a, `SELECT vm_display_name AS vm FROM ${tasks}
          WHERE session_id = ? ${failedOnly ? `AND result = ${FAILED}` : ''} ORDER BY 1`, id).map((r) => r.vm);
        for (const r of rows) {
          if (r.retry !== 1) continue;
          followed++;
          const gap = ms(r.next_start!) - ms(r.end_time);
          assert.ok(gap >= 10 * MIN && gap < 31 * MIN, `retry ${gap / MIN} min after the failure`);
          assert.deepEqual(vms(r.next_id!, false), vms(r.id, true));
        }
        assert.ok(followed > 0, 'some failed sessions are retried');
      });

      test('a few sessions run at now; sub-millisecond precision as a real EM has', () => {
        const running = n(a, `SELECT COUNT(*) AS n FROM ${sessions} WHERE end_time IS NULL`);
        assert.ok(running >= 1 && running <= 8, `running ${running}`);
        assert.ok(n(a, `SELECT COUNT(*) AS n FROM ${sessions} WHERE substr(creation_time, 24, 4) <> '0000'`) > total() / 2);
      });
    });
  }

  invariants('default fleet', () => a, 30);

  test('one bulk write transaction, in batches of at most 5000 rows, referenced rows first', async () => {
    const writes: Write[] = [];
    const { store, counts: big } = await generate({ seed: 9, servers: 5, jobs: 25, backupJobs: 8, days: 30 }, writes);
    try {
      assert.equal(writes.length, 1, 'one write transaction');
      assert.equal(writes[0].bulk, true);
      assert.ok(big.tasks > 5000, `tasks ${big.tasks}`);
      assert.equal(n(store, 'SELECT COUNT(*) AS n FROM replica_task_sessions'), big.tasks);
      assert.equal(n(store, 'SELECT COUNT(*) AS n FROM backup_task_sessions'), big.backupTasks);
      assert.equal(n(store, 'SELECT COUNT(DISTINCT name) AS n FROM jobs'), 33);
      // ≤ 5000 rows per upsert; every referenced row was written by an earlier call.
      const seen = new Map<string, Set<unknown>>();
      // `A|B`: either type (a backup session's job is a VM, agent or file share job).
      const has = (types: string, id: unknown) => types.split('|').some((type) => seen.get(type)?.has(id) ?? false);
      const parents: Record<string, [string, string][]> = {
        Job: [['serverId', 'BackupServer']],
        ReplicaJobSession: [['serverId', 'BackupServer'], ['jobId', 'Job']],
        BackupJobSession: [['serverId', 'BackupServer'], ['jobId', 'Job|AgentBackupJob|NasJob']],
        ReplicaTaskSession: [['sessionId', 'ReplicaJobSession']],
        BackupTaskSession: [['sessionId', 'BackupJobSession']],
      };
      const { upserts } = writes[0];
      for (const { type, rows } of upserts) {
        assert.ok(rows.length > 0 && rows.length <= 5000, `${type}: ${rows.length} rows`);
        for (const row of rows) {
          for (const [key, parent] of parents[type] ?? []) assert.ok(has(parent, row[key]), `${type} before its ${parent}`);
        }
        const ids = seen.get(type) ?? new Set();
        for (const row of rows) ids.add(row.id);
        seen.set(type, ids);
      }
      assert.ok(upserts.filter((c) => c.type === 'BackupTaskSession').length > 1, 'backup tasks took several batches');
      // Written as they are made: small batches, never the whole run at once.
      assert.ok(Math.max(...upserts.filter((c) => c.type.endsWith('TaskSession')).map((c) => c.rows.length)) < 300);
    } finally {
      await store.close();
    }
  });

  test('seeding again with the same options changes nothing', async () => {
    const store = openTestStore(join(dir, 'twice'));
    try {
      const options = { ...DEMO_DEFAULTS, jobs: 3, backupJobs: 3, days: 5, now: NOW };
      const first = await generateDemo(store, options);
      const before = dump(store);
      assert.deepEqual(await generateDemo(store, options), first);
      assert.deepEqual(dump(store), before);
    } finally {
      await store.close();
    }
  });

  test('backupJobs defaults when omitted; rejects impossible options', async () => {
    const store = openTestStore(join(dir, 'reject'));
    try {
      await assert.rejects(generateDemo(store, { ...DEMO_DEFAULTS, servers: 0, now: NOW }), RangeError);
      await assert.rejects(generateDemo(store, { ...DEMO_DEFAULTS, jobs: -1, now: NOW }), RangeError);
      await assert.rejects(generateDemo(store, { ...DEMO_DEFAULTS, backupJobs: 1.5, now: NOW }), RangeError);
      await assert.rejects(generateDemo(store, { ...DEMO_DEFAULTS, jobs: 0, servers: 0, now: NOW }), RangeError);
      await assert.rejects(generateDemo(store, { now: NOW, failureRate: 1.5 }), RangeError);
      await assert.rejects(generateDemo(store, { now: NOW, vmsPerJob: 0 }), RangeError);
      await assert.rejects(generateDemo(store, { now: NOW, sessions: 0 }), RangeError);
      await assert.rejects(generateDemo(store, { now: NOW, retries: -1 }), RangeError);
      await assert.rejects(generateDemo(store, { now: NOW, schedules: [[MIN, 1]] }), RangeError);
      assert.deepEqual(await generateDemo(store, { ...DEMO_DEFAULTS, jobs: 0, backupJobs: 0, servers: 0, now: NOW }),
        { servers: 0, jobs: 0, sessions: 0, tasks: 0, backupSessions: 0, backupTasks: 0, agentJobs: 0, nasJobs: 0, repositories: 0, restorePoints: 0 });
    } finally {
      await store.close();
    }
    const { store: small, counts: c } = await generate({ backupJobs: undefined, servers: 1, jobs: 1, days: 1 });
    try {
      assert.equal(c.jobs, 1 + DEMO_DEFAULTS.backupJobs);
      assert.ok(c.backupSessions > 0);
    } finally {
      await small.close();
    }
  });
});

describe('fleet shape options', () => {
  /** Failed share of all sessions, and the retries. */
  const failures = (s: Store) => {
    const [total, failed, retries] = [0, 1, 2].map((k) => SIDES.reduce((sum, { sessions }) => sum + n(s,
      `SELECT COUNT(*) AS n FROM ${sessions} WHERE ${['1', `result = ${FAILED}`, 'is_retry = 1'][k]}`), 0));
    return { total, failed: failed / total, retries };
  };

  describe('every option at once', () => {
    const options: Partial<DemoOptions> = {
      seed: 5, sessions: 4000, days: 21, vmsPerJob: 6, failureRate: 0.15, retries: 3,
      schedules: parseScheduleMix('daily:50,8h:20,45m:10,continuous:20'),
    };
    let s: Store;
    let counts: Awaited<ReturnType<typeof generateDemo>>;
    const events: DemoProgress[] = [];
    before(async () => {
      ({ store: s, counts } = await generate({ ...options, onProgress: (e) => void events.push(e) }, undefined, true));
    });
    after(() => s.close());

    test('deterministic: the same options give identical rows and GUIDs; another seed differs', async () => {
      const { store: again } = await generate(options, undefined, true);
      const { store: other } = await generate({ ...options, seed: 6 }, undefined, true);
      try {
        assert.deepEqual(dump(again), dump(s));
        for (const t of TABLES) assert.notDeepEqual(dump(other, [t])[t], dump(s, [t])[t], t);
      } finally {
        await again.close();
        await other.close();
      }
    });

    test('lands near the session target; VMs per job near the mean; progress reports', () => {
      const total = counts.sessions + counts.backupSessions;
      assert.ok(Math.abs(total - 4000) / 4000 < 0.05, `total ${total}`);
      const vms = one<{ m: number }>(s, `SELECT AVG(c) AS m FROM (SELECT COUNT(DISTINCT t.vm_display_name) AS c
        FROM replica_task_sessions t JOIN replica_job_sessions j ON j.id = t.session_id GROUP BY j.job_id)`).m;
      assert.ok(vms > 3.5 && vms < 9, `replication jobs have ${vms} VMs on average`);
      assert.equal(events[0].phase, 'planned');
      assert.equal(events.at(-1)!.phase, 'indexing');
      const steps = events.flatMap((e) => (e.phase === 'indexing' && e.step ? [e.step] : []));
      assert.ok(steps.length > 10, 'the store reports its deferred work step by step');
      assert.deepEqual(steps.map((s) => s.done), steps.map((_, i) => i));
      assert.ok(steps.every((s) => s.total === steps.length - 1));
      const done = events.filter((e) => e.phase === 'sessions').map((e) => e.done);
      assert.ok(done.length > 10 && done.every((d, i) => i === 0 || d >= done[i - 1]));
      assert.equal(done.at(-1), total);
    });

    test('continuous jobs run back to back and have no next run', () => {
      const gaps = all<{ gap: number }>(s, `SELECT (julianday(n.creation_time) - julianday(p.end_time)) * 1440 AS gap
        FROM replica_job_sessions p JOIN replica_job_sessions n ON n.id = (SELECT x.id FROM replica_job_sessions x
          WHERE x.job_id = p.job_id AND x.creation_time > p.creation_time ORDER BY x.creation_time LIMIT 1)
        JOIN jobs j ON j.id = p.job_id WHERE j.next_run IS NULL AND j.schedule_enabled = 1 AND n.is_retry = 0`);
      assert.ok(gaps.length > 50, `${gaps.length} continuous runs`);
      assert.ok(gaps.every((g) => g.gap > 1 && g.gap < 7), 'the next run starts 1-7 minutes after the previous one ended');
    });

    invariants('every option at once', () => s, 21);
  });

  test('sessions: scales the job counts, or (with job counts given) the schedules', () => {
    const scaled = planDemo({ now: NOW, sessions: 200_000 });
    assert.equal(scaled.jobs, scaled.backupJobs);
    assert.ok(scaled.jobs > 500 && scaled.servers > 3, JSON.stringify(scaled));
    assert.ok(Math.abs(scaled.expectedSessions - 200_000) < 1000);
    const dense = planDemo({ now: NOW, sessions: 20_000, jobs: 10, backupJobs: 10 });
    assert.deepEqual([dense.jobs, dense.backupJobs, dense.servers], [10, 10, 3]);
    assert.ok(dense.density > 2, `density ${dense.density}`);
    assert.equal(planDemo({ now: NOW }).density, 1);
  });

  test('sessions: a small target lands within a few % (jobs scaled, or schedules with fixed jobs)', async () => {
    for (const options of [{ sessions: 5000 }, { sessions: 3000, jobs: 6, days: 10 }] as Partial<DemoOptions>[]) {
      const { store, counts } = await generate(options, undefined, true);
      try {
        const total = counts.sessions + counts.backupSessions;
        assert.ok(Math.abs(total - options.sessions!) / options.sessions! < 0.04, `${JSON.stringify(options)}: ${total}`);
        if (options.jobs) assert.equal(n(store, 'SELECT COUNT(*) AS n FROM jobs WHERE job_type = ?', REPLICA_JOB), options.jobs);
      } finally {
        await store.close();
      }
    }
  });

  test('failure rate shifts the result mix; 0 means no failures at all', async () => {
    const shape = { seed: 4, jobs: 12, backupJobs: 12, days: 14 };
    const { store: none } = await generate({ ...shape, failureRate: 0 });
    const { store: many } = await generate({ ...shape, failureRate: 0.3 });
    try {
      const [f0, f30] = [failures(none), failures(many)];
      assert.equal(f0.failed, 0);
      assert.equal(f0.retries, 0);
      assert.ok(f30.failed > 0.25 && f30.failed < 0.45, `failed ${f30.failed}`);
      assert.ok(f30.retries > 0);
    } finally {
      await none.close();
      await many.close();
    }
  });

  test('retries: at most N (N+1 for a job failing every run), each 10-31 minutes after the failure; 0 means none', async () => {
    const shape = { seed: 8, jobs: 10, backupJobs: 10, days: 14, failureRate: 0.4 };
    const { store: four } = await generate({ ...shape, retries: 4 });
    const { store: zero } = await generate({ ...shape, retries: 0 });
    try {
      assert.equal(failures(zero).retries, 0);
      for (const { sessions } of SIDES) {
        const rows = all<{ job_id: string; creation_time: string; end_time: string | null; result: number; is_retry: number }>(four,
          `SELECT job_id, creation_time, end_time, result, is_retry FROM ${sessions} ORDER BY job_id, creation_time`);
        let chain = 0, longest = 0;
        for (let i = 0; i < rows.length; i++) {
          const [p, r] = [rows[i - 1], rows[i]];
          if (r.is_retry !== 1) {
            chain = 0;
            continue;
          }
          assert.ok(p !== undefined && p.job_id === r.job_id && p.result === FAILED, 'a retry follows a failure of its job');
          const gap = ms(r.creation_time) - ms(p.end_time!);
          assert.ok(gap >= 10 * MIN && gap < 31 * MIN, `retry ${gap / MIN} min after the failure`);
          longest = Math.max(longest, ++chain);
        }
        assert.ok(longest >= 3 && longest <= 5, `${sessions}: longest retry chain ${longest}`);
      }
    } finally {
      await four.close();
      await zero.close();
    }
  });

  describe('a long run', () => {
    let s: Store;
    before(async () => {
      ({ store: s } = await generate({ seed: 3, jobs: 6, backupJobs: 40, days: 56 }));
    });
    after(() => s.close());
    const runs = () => all<{ job_id: string; start: string; minutes: number; weekday: number }>(s, `
      SELECT job_id, creation_time AS start, (julianday(end_time) - julianday(creation_time)) * 1440 AS minutes,
        CAST(strftime('%w', creation_time) AS INTEGER) AS weekday
      FROM backup_job_sessions s JOIN jobs j ON j.id = s.job_id
      WHERE j.job_type = ${BACKUP_JOB} AND s.is_retry = 0 AND s.end_time IS NOT NULL`);

    test('weekends: some daily backup jobs skip them; weekly fulls (mostly at the weekend) run much longer', () => {
      const byJob = new Map<string, { weekday: number; minutes: number }[]>();
      for (const r of runs()) byJob.set(r.job_id, [...(byJob.get(r.job_id) ?? []), r]);
      let weekdaysOnly = 0, fulls = 0, weekendFulls = 0;
      for (const list of byJob.values()) {
        if (list.length < 30) continue;
        const weekend = list.filter((r) => r.weekday === 0 || r.weekday === 6).length;
        if (weekend === 0 && list.length >= 35) weekdaysOnly++;
        // A weekly full: one weekday whose runs take several times the job's median.
        const sorted = list.map((r) => r.minutes).sort((x, y) => x - y);
        const median = sorted[Math.floor(sorted.length / 2)];
        const avg = (d: number) => {
          const on = list.filter((r) => r.weekday === d);
          return on.reduce((sum, r) => sum + r.minutes, 0) / Math.max(1, on.length);
        };
        const longest = [0, 1, 2, 3, 4, 5, 6].reduce((best, d) => (avg(d) > avg(best) ? d : best), 0);
        if (avg(longest) > 4 * median) {
          fulls++;
          if (longest === 0 || longest === 6 || longest === 5) weekendFulls++;
        }
      }
      assert.ok(weekdaysOnly >= 2, `${weekdaysOnly} jobs run on weekdays only`);
      assert.ok(fulls >= 2 && weekendFulls >= fulls - 1, `${fulls} jobs with weekly fulls, ${weekendFulls} of them Fri-Sun`);
    });

    test('a few long runners take hours every run', () => {
      const long = new Map<string, number>();
      for (const r of runs()) if (r.minutes >= 120) long.set(r.job_id, (long.get(r.job_id) ?? 0) + 1);
      const steady = [...long.values()].filter((count) => count >= 20).length;
      assert.ok(steady >= 1 && steady <= 4, `${steady} jobs take 2+ hours on 20+ runs`);
    });

    test('a backup job keeps failing: its latest three runs failed', () => {
      assert.ok(n(s, `SELECT COUNT(*) AS n FROM jobs j WHERE j.job_type <> ${REPLICA_JOB} AND 3 = (SELECT COUNT(*) FROM
        (SELECT result FROM backup_job_sessions b WHERE b.job_id = j.id ORDER BY creation_time DESC LIMIT 3) WHERE result = ?)`, FAILED) >= 1);
    });

    invariants('a long run', () => s, 56);
  });
});
