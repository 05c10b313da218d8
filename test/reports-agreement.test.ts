/**
 * The summary reports agree with the query service over the same data: every figure of every
 * report is asked again of `GET /api/query` over real HTTP — a count (`pageSize=1`: the
 * PagesCount is the total) or the entities the figure is made of (maxima, sums, latest states,
 * distinct VMs) — with filters written here from docs/em-surface/reports.md, not taken from the
 * report code. Over a seeded, simulated demo, and again after the admin clock API has moved
 * the clock on (the estate runs, the numbers move).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { generateDemo, type DemoOptions } from '../src/demo/demo.js';
import { get, logon, startLoggedOn, type Server } from './support/server.js';

const TOKEN = 'reports-admin-token-0123456789';
const NOW = Date.parse('2026-12-01T10:00:00Z');
const DAY = 86_400_000;
const DEMO: DemoOptions = { seed: 5, servers: 2, jobs: 4, backupJobs: 5, days: 9, now: NOW };

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let server: Server;
let token: string;

async function json(path: string): Promise<Json> {
  const r = await get(server, path, { token, accept: 'application/json' });
  assert.equal(r.status, 200, `${path}: ${r.body}`);
  return JSON.parse(r.body);
}

const query = (type: string, filter: string | undefined, rest: string) =>
  `/api/query?type=${type}${filter === undefined ? '' : `&filter=${encodeURIComponent(filter)}`}${rest}`;

/** Whether the query service knows the type (a type still missing answers 501: an estate without such objects). */
async function known(type: string): Promise<boolean> {
  const r = await get(server, query(type, undefined, '&pageSize=1'), { token, accept: 'application/json' });
  if (r.status === 501) return false;
  assert.equal(r.status, 200, r.body);
  return true;
}

/** The query service's total for a filter. */
async function count(type: string, filter?: string): Promise<number> {
  if (!(await known(type))) return 0;
  const j = await json(query(type, filter, '&pageSize=1'));
  return j.Refs.Refs.length === 0 ? 0 : j.PagingInfo.PagesCount;
}

/** The entities the filter finds, in the order asked (`extra`: a sort, a smaller page; the first of a repeated parameter wins). */
async function entities(type: string, plural: string, filter?: string, extra = ''): Promise<Json[]> {
  if (!(await known(type))) return [];
  return (await json(query(type, filter, `${extra}&format=Entities&pageSize=100000`))).Entities[plural][plural];
}

const iso = (ms: number) => new Date(ms).toISOString();
const between = (field: string, from: string, to: string) => `${field}>="${from}";${field}<="${to}"`;
/** Epoch ms of a wire DateTime (fractions beyond ms dropped). */
const ms = (t: string) => Date.parse(t.replace(/(\.\d{3})\d+Z$/, '$1Z'));

const SIDES = [
  { side: 'Backup', sessions: 'BackupJobSession', sessionList: 'BackupJobSessions', tasks: 'BackupTaskSession', taskList: 'BackupTaskSessions' },
  { side: 'Replica', sessions: 'ReplicaJobSession', sessionList: 'ReplicaJobSessions', tasks: 'ReplicaTaskSession', taskList: 'ReplicaTaskSessions' },
] as const;
const SCHEDULED = 'ScheduleConfigured==true;ScheduleEnabled==true';
/** Backup-side jobs with a schedule: backup jobs, and agent and file share jobs (their runs are backup sessions too). */
const scheduledBackupJobs = async () =>
  (await count('Job', `${SCHEDULED};JobType!=Replica`)) + (await count('AgentBackupJob', SCHEDULED)) + (await count('NasJob', SCHEDULED));

async function expectedJobStatistics(now: number, period: number): Promise<Json> {
  const ended = between('EndTime', iso(now - period), iso(now));
  const e: Json = { RunningJobs: 0, TotalJobRuns: 0, SuccessfulJobRuns: 0, WarningsJobRuns: 0, FailedJobRuns: 0 };
  const longest: Record<string, { seconds: number; name: string }> = {};
  for (const s of SIDES) {
    e.RunningJobs += await count(s.sessions, 'State!=Stopped');
    e.TotalJobRuns += await count(s.sessions, ended);
    e.SuccessfulJobRuns += await count(s.sessions, `${ended};Result==Success`);
    e.WarningsJobRuns += await count(s.sessions, `${ended};Result==Warning`);
    e.FailedJobRuns += await count(s.sessions, `${ended};Result==Failed`);
    longest[s.side] = { seconds: 0, name: '' };
    for (const run of await entities(s.sessions, s.sessionList, ended)) {
      const seconds = Math.floor((ms(run.EndTimeUTC) - ms(run.CreationTimeUTC)) / 1000);
      if (seconds > longest[s.side].seconds) longest[s.side] = { seconds, name: run.JobName };
    }
  }
  e.ScheduledBackupJobs = await scheduledBackupJobs();
  e.ScheduledReplicaJobs = await count('Job', `${SCHEDULED};JobType==Replica`);
  e.ScheduledJobs = e.ScheduledBackupJobs + e.ScheduledReplicaJobs;
  e.MaxBackupJobDuration = longest.Backup.seconds;
  e.MaxReplicaJobDuration = longest.Replica.seconds;
  e.MaxJobDuration = Math.max(longest.Backup.seconds, longest.Replica.seconds);
  e.MaxDurationBackupJobName = longest.Backup.name;
  e.MaxDurationReplicaJobName = longest.Replica.name;
  return e;
}

/**
 * The VM latest states as the docs define them: each job's newest sessions (at most 8) down to
 * its newest finished run that is not a retry; each VM processed there, its latest finished task.
 */
async function latestStates(): Promise<{ side: string; vm: string; result: string; size: number }[]> {
  const out = [];
  for (const job of await entities('Job', 'Jobs')) {
    const s = SIDES[job.JobType === 'Replica' ? 1 : 0];
    const newest = await entities(s.sessions, s.sessionList, `JobUid==${job.UID}`, '&sortDesc=CreationTime&pageSize=8');
    const cut = newest.findIndex((run) => run.EndTimeUTC != null && run.IsRetry === false);
    const runs = cut < 0 ? newest : newest.slice(0, cut + 1);
    if (runs.length === 0) continue;
    const ofRuns = runs.map((run) => `JobSessionUid==${run.UID}`).join(',');
    const seen = new Set<string>();
    for (const t of await entities(s.tasks, s.taskList, `(${ofRuns});EndTime>="0001-01-01"`, '&sortDesc=EndTime')) {
      const vm = t.VmDisplayName.toLowerCase();
      if (seen.has(vm)) continue;
      seen.add(vm);
      out.push({ side: s.side, vm, result: t.Result, size: t.TotalSize });
    }
  }
  return out;
}

async function expectedOverview(): Promise<Json> {
  const states = await latestStates();
  const servers = await count('BackupServer');
  const running = (await count('BackupJobSession', 'State!=Stopped')) + (await count('ReplicaJobSession', 'State!=Stopped'));
  return {
    BackupServers: servers,
    ProxyServers: servers,
    RepositoryServers: await count('Repository'),
    RunningJobs: running,
    ScheduledJobs: (await scheduledBackupJobs()) + (await count('Job', `${SCHEDULED};JobType==Replica`)),
    SuccessfulVmLastestStates: states.filter((s) => s.result === 'Success').length,
    WarningVmLastestStates: states.filter((s) => s.result === 'Warning').length,
    FailedVmLastestStates: states.filter((s) => s.result === 'Failed').length,
  };
}

async function expectedVmsOverview(): Promise<Json> {
  const states = await latestStates();
  const ok = (s: { result: string }) => s.result === 'Success' || s.result === 'Warning';
  const backedUp = new Set((await entities('VmRestorePoint', 'VmRestorePoints')).map((p) => p.VmName.toLowerCase()));
  const replicated = new Set(states.filter((s) => s.side === 'Replica' && ok(s)).map((s) => s.vm));
  const protectedVms = new Set([...backedUp, ...replicated]);
  const sizes = new Map<string, number>();
  for (const s of states) if (protectedVms.has(s.vm)) sizes.set(s.vm, Math.max(sizes.get(s.vm) ?? 0, s.size));
  const bytes = async (filter: string) => (await entities('BackupFile', 'BackupFiles', filter)).reduce((sum, f) => sum + f.BackupSize, 0);
  const backupStates = states.filter((s) => s.side === 'Backup');
  return {
    ProtectedVms: protectedVms.size,
    BackedUpVms: backedUp.size,
    ReplicatedVms: replicated.size,
    RestorePoints: await count('RestorePoint'),
    FullBackupPointsSize: await bytes('FileType==vbk'),
    IncrementalBackupPointsSize: await bytes('FileType!=vbk'),
    ReplicaRestorePointsSize: 0,
    SourceVmsSize: [...sizes.values()].reduce((a, b) => a + b, 0),
    SuccessBackupPercents: backupStates.length === 0 ? 0 : Math.floor((100 * backupStates.filter(ok).length) / backupStates.length),
  };
}

async function expectedProcessedVms(now: number, days: number): Promise<Json[]> {
  const today = Math.floor(now / DAY) * DAY;
  const out = [];
  for (let i = 0; i < days; i++) {
    const start = today - i * DAY;
    const to = i === 0 ? iso(now) : `${iso(start).slice(0, 10)}T23:59:59.9999999Z`;
    const filter = `${between('EndTime', iso(start), to)};(Result==Success,Result==Warning)`;
    out.push({
      Timestamp: `${iso(start).slice(0, 10)}T00:00:00Z`,
      ReplicatedVms: await count('ReplicaTaskSession', filter),
      BackupedVms: await count('BackupTaskSession', filter),
    });
  }
  return out;
}

async function expectedRepositories(): Promise<Json[]> {
  return (await entities('Repository', 'Repositories')).map((r) => ({
    Name: r.Name,
    Capacity: r.Capacity,
    FreeSpace: r.FreeSpace,
    BackupSize: r.Capacity < 0 || r.FreeSpace < 0 ? 0 : r.Capacity - r.FreeSpace,
  }));
}

const without = (o: Json, ...keys: string[]) => Object.fromEntries(Object.entries(o).filter(([k]) => !keys.includes(k)));

/** Every report against its questions to the query service, at the server's now. */
async function assertAgreement(): Promise<Json> {
  const now = server.clock.now();
  const jobs = await json('/api/reports/summary/job_statistics');
  assert.deepEqual(without(jobs, 'BackupJobStatusReportLink'), await expectedJobStatistics(now, DAY), 'job_statistics');
  assert.deepEqual(await json('/api/reports/summary/overview'), await expectedOverview(), 'overview');
  assert.deepEqual(without(await json('/api/reports/summary/vms_overview'), 'ProtectedVmsReportLink'), await expectedVmsOverview(), 'vms_overview');
  const processed = await json('/api/reports/summary/processed_vms');
  assert.deepEqual(processed.Days, await expectedProcessedVms(now, 7), 'processed_vms');
  assert.deepEqual((await json('/api/reports/summary/repository')).Periods, await expectedRepositories(), 'repository');
  return { jobs, processed };
}

describe('the summary reports agree with the query service', () => {
  before(async () => {
    ({ server, token } = await startLoggedOn({ now: NOW, adminToken: TOKEN, load: (store) => generateDemo(store, DEMO), simulate: true }));
  });
  after(() => server.close());

  let seeded: Json;
  test('on the seeded demo', async () => {
    seeded = await assertAgreement();
    assert.ok(seeded.jobs.TotalJobRuns > 0 && seeded.jobs.ScheduledJobs > 0, 'the demo ran jobs in the last day');
    assert.ok(seeded.processed.Days.some((d: Json) => d.BackupedVms > 0), 'and processed VMs');
  });

  test('with the emrest period parameter: the same questions over the wider window', async () => {
    const now = server.clock.now();
    const wide = await json('/api/reports/summary/job_statistics?period=P3D');
    assert.deepEqual(without(wide, 'BackupJobStatusReportLink'), await expectedJobStatistics(now, 3 * DAY));
    assert.ok(wide.TotalJobRuns > seeded.jobs.TotalJobRuns, 'three days hold more runs than one');
    assert.deepEqual((await json('/api/reports/summary/processed_vms?period=P3D')).Days, await expectedProcessedVms(now, 3));
  });

  test('after the clock moves on (admin clock API): the estate ran, the reports moved and still agree', async () => {
    const r = await fetch(`${server.url}/admin/v1/clock`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ advance: 'PT30H' }),
    });
    assert.equal(r.status, 200, await r.text());
    assert.equal(server.clock.now(), NOW + 30 * 3_600_000);
    token = (await logon(server)).token; // the logon idled out over the 30 hours
    const moved = await assertAgreement();
    assert.equal(moved.processed.Days[0].Timestamp, '2026-12-02T00:00:00Z', 'a new day leads the processed VMs');
    assert.deepEqual(moved.processed.Days[2], seeded.processed.Days[1], 'a whole past day keeps its count');
    assert.notDeepEqual(without(moved.jobs, 'ScheduledJobs'), without(seeded.jobs, 'ScheduledJobs'), 'the last day holds other runs');
  });
});

describe('the summary reports agree with the query service over sparse captured data (the spec §7 fixture)', () => {
  before(async () => ({ server, token } = await startLoggedOn()));
  after(() => server.close());

  test('every report', async () => {
    await assertAgreement();
  });
});
