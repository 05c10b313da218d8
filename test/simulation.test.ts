/**
 * The live estate over a real SQLite store: a small demo fleet seeded and then run on by the
 * engine. Every session it writes must look like one EM shows, the story must not depend on
 * how the time was advanced, and operators' actions and scripts must do what the control
 * plane says.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { DemoOptions } from '../src/demo/demo.js';
import { AgentBackupJob, BackupJobSession, BackupTaskSession, Job, NasJob, ReplicaJobSession, ReplicaTaskSession } from '../src/model/all.js';
import { JOB_SESSION_STATES, RESULT_MEMBERS, TASK_STATES } from '../src/model/fields.js';
import type { Row, TypeDecl } from '../src/model/index.js';
import { Simulation, STOPPED_BY_USER } from '../src/estate/simulation.js';
import type { Store } from '../src/store/store.js';
import { toEpochMs } from '../src/util/datetime.js';
import { allRows } from './support/plans.js';
import { openTestStore, seededSimulation } from './support/store.js';
import { FIXTURE_NOW, loadFixture } from './support/fixture.js';

const root = mkdtempSync(join(tmpdir(), 'emrest-sim-'));
after(() => rmSync(root, { recursive: true, force: true }));

const SEEDED = Date.parse('2026-11-02T06:00:00Z');
const HOUR = 3_600_000;
const MIN = 60_000;
const DEMO: DemoOptions = { seed: 7, servers: 2, jobs: 4, backupJobs: 6, days: 3, now: SEEDED };

let dirs = 0;
const seeded = (demo: DemoOptions = DEMO) => seededSimulation(join(root, `d${++dirs}`), demo);

const all = allRows;
const ms = (t: unknown) => toEpochMs(String(t));
const state = (r: Row) => JOB_SESSION_STATES[r.state as number];
const result = (r: Row) => RESULT_MEMBERS[r.result as number];

/** Everything the store holds, for comparing two runs. */
async function snapshot(store: Store): Promise<Record<string, Row[]>> {
  const out: Record<string, Row[]> = {};
  // Agent and file share jobs too: their sessions are among the backup sessions, their rows move with NextRun.
  for (const t of [Job, AgentBackupJob, NasJob, ReplicaJobSession, ReplicaTaskSession, BackupJobSession, BackupTaskSession]) out[t.name] = await all(store, t);
  return out;
}

/** The invariants of every job session and its tasks at `now` (retries: of those created after `since`). */
async function checkInvariants(store: Store, now: number, since = -Infinity): Promise<number> {
  let checked = 0;
  for (const [sessionType, taskType] of [[ReplicaJobSession, ReplicaTaskSession], [BackupJobSession, BackupTaskSession]] as const) {
    const tasks = new Map<string, Row[]>();
    for (const t of await all(store, taskType)) tasks.set(t.sessionId as string, [...(tasks.get(t.sessionId as string) ?? []), t]);
    const sessions = await all(store, sessionType);
    for (const s of sessions) {
      const what = `${sessionType.name} ${s.name}`;
      const created = ms(s.creationTime);
      assert.ok(created <= now, `${what} starts by now`);
      if (state(s) === 'Stopped') {
        assert.notEqual(s.endTime, null, `${what}: a stopped session has an EndTime`);
        assert.ok(ms(s.endTime) >= created && ms(s.endTime) <= now, `${what}: CreationTime <= EndTime <= now`);
        assert.equal(s.progress, 100, `${what}: Progress 100 when stopped`);
        assert.notEqual(result(s), 'None', `${what}: a result when stopped`);
      } else {
        assert.equal(s.endTime, null, `${what}: no EndTime while ${state(s)}`);
        assert.equal(result(s), 'None', `${what}: no result while running`);
        assert.ok((s.progress as number) < 100, `${what}: Progress below 100 while running`);
      }
      for (const t of tasks.get(s.id as string) ?? []) {
        assert.ok(ms(t.creationTime) >= created, `${what}: task ${t.name} starts within its session`);
        if (t.endTime !== null) {
          assert.equal(TASK_STATES[t.state as number], 'Completed');
          if (s.endTime !== null) assert.ok(ms(t.endTime) <= ms(s.endTime), `${what}: task ${t.name} ends within its session`);
        } else {
          assert.notEqual(state(s), 'Stopped', `${what}: an unfinished task in a stopped session`);
        }
      }
      checked++;
    }
    // A retry follows a failed session of the same job, 10–31 minutes after it ended.
    const byJob = new Map<string, Row[]>();
    for (const s of sessions) byJob.set(s.jobId as string, [...(byJob.get(s.jobId as string) ?? []), s]);
    for (const list of byJob.values()) {
      list.sort((a, b) => ms(a.creationTime) - ms(b.creationTime));
      list.forEach((s, i) => {
        if (s.isRetry !== 1 || ms(s.creationTime) <= since) return;
        const before = list[i - 1];
        assert.ok(before && result(before) === 'Failed', `${s.name}: a retry follows a failure`);
        const gap = ms(s.creationTime) - ms(before.endTime);
        assert.ok(gap >= 10 * MIN && gap <= 31 * MIN, `${s.name}: retried ${gap / MIN} min after the failure`);
      });
    }
  }
  return checked;
}

describe('the simulated estate', () => {
  test('advanced through a day in steps: every session and task is one EM could show, at every step', async () => {
    const { store, sim } = await seeded();
    const before = (await all(store, ReplicaJobSession)).length + (await all(store, BackupJobSession)).length;
    let started = 0;
    let finished = 0;
    for (let now = SEEDED + 17 * MIN; now <= SEEDED + 24 * HOUR; now += 17 * MIN) {
      const ran = await sim.catchUp(now);
      started += ran.sessionsStarted;
      finished += ran.sessionsFinished;
      if ((now - SEEDED) % (4 * 17 * MIN) === 0) await checkInvariants(store, now);
    }
    const end = SEEDED + Math.floor((24 * HOUR) / (17 * MIN)) * 17 * MIN;
    const checked = await checkInvariants(store, end);
    const after = (await all(store, ReplicaJobSession)).length + (await all(store, BackupJobSession)).length;
    assert.equal(after - before, started, 'every started session is stored');
    assert.ok(started > 10, `sessions ran during the day (${started})`);
    assert.ok(finished >= started - 10, 'most of them finished');
    assert.ok(checked === after);
    // Jobs follow: NextRun is after now for every enabled scheduled job.
    for (const j of await all(store, Job)) if (j.nextRun !== null) assert.ok(ms(j.nextRun) > end, `${j.name} NextRun after now`);
    await store.close();
  });

  test('the story does not depend on how time was advanced: one jump equals many steps, and runs repeat exactly', async () => {
    const a = await seeded();
    const b = await seeded();
    const c = await seeded();
    const target = SEEDED + 30 * HOUR + 7 * MIN;
    const ranA = await a.sim.catchUp(target);
    let started = 0;
    for (let now = SEEDED + 11 * MIN; now < target; now += 11 * MIN) started += (await b.sim.catchUp(now)).sessionsStarted;
    started += (await b.sim.catchUp(target)).sessionsStarted;
    await c.sim.catchUp(target);
    assert.equal(started, ranA.sessionsStarted);
    const snapA = await snapshot(a.store);
    assert.deepEqual(await snapshot(b.store), snapA);
    assert.deepEqual(await snapshot(c.store), snapA);
    for (const s of [a, b, c]) await s.store.close();
  });

  test('a simulation resumed from its state goes on with the same story', async () => {
    const a = await seeded();
    await a.sim.catchUp(SEEDED + 5 * HOUR);
    const resumed = await Simulation.resume(a.store, a.sim.state);
    await resumed.catchUp(SEEDED + 12 * HOUR);
    const b = await seeded();
    await b.sim.catchUp(SEEDED + 12 * HOUR);
    assert.deepEqual(await snapshot(a.store), await snapshot(b.store));
    await a.store.close();
    await b.store.close();
  });
});

describe('data the demo did not generate (the spec fixture)', () => {
  test('runs only when asked; each job runs daily with the VMs of its latest run; a restart goes on with the same story', async () => {
    const store = openTestStore(join(root, `d${++dirs}`));
    await loadFixture(store);
    assert.equal(await Simulation.load(store, { now: Date.parse(FIXTURE_NOW) }), undefined, 'not without asking');
    const start = Date.parse(FIXTURE_NOW);
    const sim = (await Simulation.load(store, { imported: true, now: start }))!;
    assert.equal(sim.jobs, (await all(store, Job)).length);
    const before = await snapshot(store);
    const ran = await sim.catchUp(start + 3 * 24 * HOUR);
    assert.ok(ran.sessionsStarted >= sim.jobs * 2, `every job ran about daily (${ran.sessionsStarted})`);
    await checkInvariants(store, start + 3 * 24 * HOUR, start);
    // Each job's new runs process the VMs its latest run before processed.
    for (const [sessionType, taskType] of [[ReplicaJobSession, ReplicaTaskSession], [BackupJobSession, BackupTaskSession]] as const) {
      const old = before[sessionType.name];
      for (const s of (await all(store, sessionType)).filter((r) => ms(r.creationTime) > start && r.isRetry === 0)) {
        const previous = old.filter((r) => r.jobId === s.jobId && r.isRetry === 0).sort((a, b) => ms(b.creationTime) - ms(a.creationTime))[0];
        if (!previous) continue;
        const vms = async (id: unknown) => (await all(store, taskType, `JobSessionUid==${id}`)).map((t) => t.vmDisplayName).sort();
        const had = await vms(previous.id);
        // A run that processed no VM tells nothing: the job then processes one named after it.
        assert.deepEqual(await vms(s.id), had.length > 0 ? had : [`${s.jobName} VM`], `${s.name}: the VMs of ${previous.name}`);
      }
    }
    // A restart resumes from the saved state; a second store run straight through agrees.
    const resumed = (await Simulation.load(store, { imported: true, now: start + 3 * 24 * HOUR }))!;
    assert.equal(resumed.state.until, start + 3 * 24 * HOUR);
    await resumed.catchUp(start + 5 * 24 * HOUR);
    const other = openTestStore(join(root, `d${++dirs}`));
    await loadFixture(other);
    const straight = (await Simulation.load(other, { imported: true, now: start }))!;
    await straight.catchUp(start + 3 * 24 * HOUR);
    await straight.catchUp(start + 5 * 24 * HOUR);
    assert.deepEqual(await snapshot(store), await snapshot(other));

    // A job imported later joins the model at the next start, running from then on.
    const [template] = await all(store, Job);
    const late = { ...template, id: '7e57da7a-0000-4000-8000-000000000001', name: 'Imported Later' };
    await store.write((w) => w.upsert(Job, [late]));
    const joined = (await Simulation.load(store, { imported: true, now: start + 6 * 24 * HOUR }))!;
    assert.equal(joined.jobs, sim.jobs + 1);
    await joined.catchUp(start + 9 * 24 * HOUR);
    const lateRuns = [...(await all(store, ReplicaJobSession, `JobUid==${late.id}`)), ...(await all(store, BackupJobSession, `JobUid==${late.id}`))];
    assert.ok(lateRuns.length >= 2 && lateRuns.every((r) => ms(r.creationTime) > start + 6 * 24 * HOUR), 'it runs, from when it joined');
    await store.close();
    await other.close();
  });
});

describe('operators and scripts', () => {
  /** A job and the instant after its latest session ended (so it is idle). */
  async function idleJob(store: Store, sim: Simulation, type: TypeDecl, from: number): Promise<{ job: Row; at: number }> {
    for (let at = from; at < from + 7 * 24 * HOUR; at += 10 * MIN) {
      await sim.catchUp(at);
      const sessions = await all(store, type);
      const running = new Set(sessions.filter((s) => s.endTime === null).map((s) => s.jobId));
      const job = (await all(store, Job)).find((j) => !running.has(j.id) && sessions.some((s) => s.jobId === j.id));
      if (job) return { job, at };
    }
    throw new Error('no job was ever idle');
  }

  test('start, start again, stop, retry and toggle the schedule', async () => {
    const { store, sim } = await seeded();
    const { job, at } = await idleJob(store, sim, ReplicaJobSession, SEEDED + MIN);
    const id = job.id as string;
    const started = await sim.jobAction(id, 'start', at);
    assert.equal(started?.ok, true);
    const session = (await all(store, ReplicaJobSession, `UID==${started!.session!.id}`)).concat(await all(store, BackupJobSession, `UID==${started!.session!.id}`))[0];
    assert.equal(session.endTime, null);
    assert.equal(session.isRetry, 0);
    assert.equal(ms(session.creationTime), at);

    const again = await sim.jobAction(id, 'start', at + 1000);
    assert.deepEqual([again?.ok, /already running/.test(again!.message)], [false, true]);

    const stopped = await sim.jobAction(id, 'stop', at + 2000);
    assert.equal(stopped?.ok, true);
    const after = (await all(store, started!.session!.type === 'ReplicaJobSession' ? ReplicaJobSession : BackupJobSession, `UID==${started!.session!.id}`))[0];
    assert.deepEqual([state(after), result(after), after.failureMessage, ms(after.endTime)], ['Stopped', 'Failed', STOPPED_BY_USER, at + 2000]);
    const idle = await sim.jobAction(id, 'stop', at + 3000);
    assert.equal(idle?.ok, false);

    const retried = await sim.jobAction(id, 'retry', at + 4000);
    assert.equal(retried?.ok, true, 'a stopped (failed) run can be retried');
    const retry = (await all(store, started!.session!.type === 'ReplicaJobSession' ? ReplicaJobSession : BackupJobSession, `UID==${retried!.session!.id}`))[0];
    assert.equal(retry.isRetry, 1);

    const enabled = (await all(store, Job, `UID==${id}`))[0].scheduleEnabled;
    assert.equal((await sim.jobAction(id, 'toggleScheduleEnabled', at + 5000))?.ok, true);
    const toggled = (await all(store, Job, `UID==${id}`))[0];
    assert.equal(toggled.scheduleEnabled, enabled === 1 ? 0 : 1);
    if (toggled.scheduleEnabled === 0) assert.equal(toggled.nextRun, null);
    assert.equal(await sim.jobAction('00000000-0000-0000-0000-000000000000', 'start', at), undefined);
    await store.close();
  });

  test('a disabled schedule starts nothing; a scripted job fails, fails, then succeeds; a hang runs until stopped', async () => {
    const { store, sim } = await seeded();
    const jobs = await all(store, Job, 'ScheduleEnabled==true');
    const [quiet, scripted] = jobs;
    await sim.jobAction(quiet.id as string, 'toggleScheduleEnabled', SEEDED + 1000);
    assert.ok(sim.script(scripted.id as string, [{ result: 'Failed', failureMessage: 'disk on fire' }, { result: 'Failed' }, { result: 'Success' }]));
    const sessionsOf = async (job: Row) => [...(await all(store, ReplicaJobSession, `JobUid==${job.id}`)), ...(await all(store, BackupJobSession, `JobUid==${job.id}`))]
      .filter((s) => ms(s.creationTime) > SEEDED).sort((a, b) => ms(a.creationTime) - ms(b.creationTime));
    const before = (await sessionsOf(quiet)).length;
    await sim.catchUp(SEEDED + 3 * 24 * HOUR);
    assert.equal((await sessionsOf(quiet)).length, before, 'no runs while the schedule is disabled');
    const runs = (await sessionsOf(scripted)).slice(0, 3);
    assert.deepEqual(runs.map(result), ['Failed', 'Failed', 'Success']);
    assert.equal(runs[0].failureMessage, 'disk on fire');

    const hung = jobs[2];
    sim.script(hung.id as string, [{ hang: true }]);
    await sim.catchUp(SEEDED + 6 * 24 * HOUR);
    const hanging = (await sessionsOf(hung)).filter((s) => ms(s.creationTime) > SEEDED + 3 * 24 * HOUR);
    assert.equal(hanging.length, 1, 'nothing else starts while it hangs');
    assert.equal(state(hanging[0]), 'Working');
    assert.equal((await sim.jobAction(hung.id as string, 'stop', SEEDED + 6 * 24 * HOUR + 1000))?.ok, true);
    await sim.catchUp(SEEDED + 7 * 24 * HOUR);
    assert.ok((await sessionsOf(hung)).length > 1, 'runs again once stopped');
    await store.close();
  });

  test('an unreachable server runs nothing until it is back', async () => {
    const { store, sim } = await seeded();
    const job = (await all(store, Job, 'ScheduleEnabled==true'))[0];
    assert.ok(sim.setServerReachable(job.serverId as string, false));
    const count = async () => (await all(store, ReplicaJobSession, `JobUid==${job.id}`)).length + (await all(store, BackupJobSession, `JobUid==${job.id}`)).length;
    const before = await count();
    await sim.catchUp(SEEDED + 2 * 24 * HOUR);
    const during = await count();
    assert.equal(during, before, 'no new runs');
    assert.equal((await sim.jobAction(job.id as string, 'start', SEEDED + 2 * 24 * HOUR + 1000))?.ok, false);
    sim.setServerReachable(job.serverId as string, true);
    await sim.catchUp(SEEDED + 4 * 24 * HOUR);
    assert.ok((await count()) > during, 'runs again');
    await store.close();
  });
});
