/**
 * The storage chain over a real SQLite store (issue 15): a small demo seeded and run on by the
 * engine. At every step the restore points are those of the newest successful backup sessions,
 * at most the job's retention, each with a VM point per processed VM and one file; a
 * repository's FreeSpace is its Capacity less its files; nothing refers to a deleted row. The
 * chain does not depend on how time moved (one jump, steps, a restart) and retention both
 * deletes points and gives the space back.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { DemoOptions } from '../src/demo/demo.js';
import { plan as planDemo } from '../src/demo/plan.js';
import { policyOf } from '../src/demo/repositories.js';
import { Simulation } from '../src/estate/simulation.js';
import { Backup, BackupFile, BackupJobSession, BackupTaskSession, Repository, RestorePoint, VmRestorePoint } from '../src/model/all.js';
import { BACKUP_FILE_TYPES } from '../src/model/backup-file.js';
import { JOB_SESSION_STATES, RESULT_MEMBERS } from '../src/model/fields.js';
import type { Row, TypeDecl } from '../src/model/index.js';
import type { Store } from '../src/store/store.js';
import { allRows } from './support/plans.js';
import { seededSimulation } from './support/store.js';

const root = mkdtempSync(join(tmpdir(), 'emrest-storage-'));
after(() => rmSync(root, { recursive: true, force: true }));

const SEEDED = Date.parse('2026-11-02T06:00:00Z');
const HOUR = 3_600_000;
const MIN = 60_000;
/** Four days of history: longer than the shortest retention of the 4-hourly jobs. */
const DEMO: DemoOptions = { seed: 11, servers: 2, jobs: 2, backupJobs: 6, days: 4, now: SEEDED };
const STORAGE: readonly TypeDecl[] = [Repository, Backup, RestorePoint, BackupFile, VmRestorePoint];

let dirs = 0;
const seeded = (demo: DemoOptions = DEMO) => seededSimulation(join(root, `d${++dirs}`), demo);

const all = allRows;
const groupBy = (rows: Row[], key: string) => {
  const out = new Map<string, Row[]>();
  for (const r of rows) out.set(r[key] as string, [...(out.get(r[key] as string) ?? []), r]);
  return out;
};

/** The chain's rows, for comparing two runs. */
async function snapshot(store: Store): Promise<Record<string, Row[]>> {
  const out: Record<string, Row[]> = {};
  for (const t of STORAGE) out[t.name] = await all(store, t);
  return out;
}

const retentionOf = (() => {
  const { fleet, shape } = planDemo(DEMO);
  const byId = new Map(fleet.backups.map((j) => [j.row.id, policyOf(shape.seed, j).retention]));
  return (jobId: string) => byId.get(jobId)!;
})();

/**
 * Every invariant of the chain at one instant; returns how many restore points there are.
 * A session "keeps" a point when it stopped with Success or Warning and some task did not fail.
 */
async function checkChain(store: Store): Promise<number> {
  const sessions = await all(store, BackupJobSession, 'State==Stopped;Result!=Failed');
  const tasksOf = groupBy(await all(store, BackupTaskSession), 'sessionId');
  const backups = await all(store, Backup);
  const points = await all(store, RestorePoint);
  const files = await all(store, BackupFile);
  const vms = await all(store, VmRestorePoint);
  const repositories = await all(store, Repository);
  const pointsOf = groupBy(points, 'backupId');
  const filesOf = groupBy(files, 'backupId');
  const vmsOf = groupBy(vms, 'restorePointId');
  const fileById = new Map(files.map((f) => [f.id as string, f]));
  const pointById = new Map(points.map((p) => [p.id as string, p]));

  assert.equal(new Set(backups.map((b) => b.jobId)).size, backups.length, 'one backup per job');
  for (const b of backups) {
    const kept = (pointsOf.get(b.id as string) ?? []).sort((x, y) => String(x.backupDate).localeCompare(String(y.backupDate)));
    const retention = retentionOf(b.jobId as string);
    const making = sessions
      .filter((s) => s.jobId === b.jobId && (tasksOf.get(s.id as string) ?? []).some((t) => RESULT_MEMBERS[t.result as number] !== 'Failed'))
      .sort((x, y) => String(x.creationTime).localeCompare(String(y.creationTime)));
    // The newest sessions that made a point, as many as the retention keeps.
    assert.deepEqual(kept.map((p) => p.sessionId), making.slice(-retention).map((s) => s.id), `${b.name}: its points are its newest successful sessions`);
    assert.ok(kept.length <= retention, `${b.name}: at most ${retention} points`);
    assert.equal((filesOf.get(b.id as string) ?? []).length, kept.length, `${b.name}: one file per point`);
    for (const p of kept) {
      const session = making.find((s) => s.id === p.sessionId)!;
      assert.equal(p.backupDate, session.creationTime, 'a point is taken when its session starts');
      const okTasks = (tasksOf.get(session.id as string) ?? []).filter((t) => RESULT_MEMBERS[t.result as number] !== 'Failed');
      const mine = vmsOf.get(p.id as string) ?? [];
      assert.deepEqual(mine.map((v) => v.vmName).sort(), okTasks.map((t) => t.vmDisplayName).sort(), `${p.name}: a VM point per processed VM`);
      for (const v of mine) {
        const task = okTasks.find((t) => t.vmDisplayName === v.vmName)!;
        assert.equal(v.hierarchyObjRef, task.vmUid, 'HierarchyObjRef is the VM id the task saw');
        const file = fileById.get(v.backupFileId as string);
        assert.ok(file, `${v.name}: its file exists`);
        assert.equal(file.backupId, b.id, 'in the same backup');
      }
    }
    const first = kept[0];
    if (first && first.sessionId === making[0]?.id) {
      const file = files.find((f) => f.creationTime === first.backupDate && f.backupId === b.id)!;
      assert.equal(BACKUP_FILE_TYPES[file.fileType as number], 'vbk', `${b.name}: the first point is a full`);
    }
  }
  for (const f of files) {
    assert.ok((f.backupSize as number) > 0 && (f.backupSize as number) <= (f.dataSize as number), `${f.name}: 0 < BackupSize <= DataSize`);
    assert.match(f.name as string, /D\d{4}-\d\d-\d\dT\d{6}\.(vbk|vib)$/);
  }
  // Nothing dangles: every VM point's restore point, every point's session.
  for (const v of vms) assert.ok(pointById.has(v.restorePointId as string), `${v.name}: its restore point exists`);
  const sessionIds = new Set(sessions.map((s) => s.id));
  for (const p of points) assert.ok(sessionIds.has(p.sessionId), `${p.name}: its session exists and succeeded`);
  // A session's restore point link goes to a point that is there.
  for (const s of await all(store, BackupJobSession)) {
    if (s.restorePointId !== null) assert.ok(pointById.has(s.restorePointId as string), `${s.name}: its restore point exists`);
  }
  assert.equal((await all(store, BackupJobSession)).filter((s) => s.restorePointId !== null).length, points.length, 'every point is linked from its session');
  // Free space is what the files leave.
  const repoOfBackup = new Map(backups.map((b) => [b.id as string, b.repositoryId as string]));
  for (const r of repositories) {
    const used = files.filter((f) => repoOfBackup.get(f.backupId as string) === r.id).reduce((sum, f) => sum + (f.backupSize as number), 0);
    assert.equal(r.freeSpace, (r.capacity as number) - used, `${r.name}: FreeSpace = Capacity - files`);
    assert.ok((r.freeSpace as number) >= 0, `${r.name}: FreeSpace never negative`);
  }
  return points.length;
}

describe('the storage chain', () => {
  test('seeded: repositories per server, a backup per job with points, files and VM points that agree', async () => {
    const { store } = await seeded();
    const points = await checkChain(store);
    assert.ok(points > 10, `restore points were made (${points})`);
    const repositories = await all(store, Repository);
    const servers = new Set(repositories.map((r) => r.serverId));
    assert.equal(servers.size, 2, 'every server has repositories');
    assert.equal(repositories.filter((r) => r.name === 'Default Backup Repository').length, 2, 'each its default one');
    // Every backup and backup copy job that had a successful run has its backup (agent and file share jobs have none here).
    const jobsWithPoints = new Set((await all(store, BackupJobSession, 'Result==Success;(JobType==Backup,JobType==BackupCopy)')).map((s) => s.jobId));
    assert.deepEqual(new Set((await all(store, Backup)).map((b) => b.jobId)), jobsWithPoints);
    // Retention already trimmed the frequent jobs.
    const kept = groupBy(await all(store, RestorePoint), 'backupId');
    assert.ok((await all(store, Backup)).some((b) => kept.get(b.id as string)?.length === retentionOf(b.jobId as string)), 'some job is at its retention');
    await store.close();
  });

  test('a task links the VM point of its own session where two points share its name, and stays one row', async () => {
    const { store } = await seeded();
    const tasks = await all(store, BackupTaskSession);
    const task = tasks.find((t) => t.vmRestorePointId !== null)!;
    const vms = await all(store, VmRestorePoint);
    const mine = vms.find((v) => v.id === task.vmRestorePointId)!;
    const other = vms.find((v) => v.restorePointId !== mine.restorePointId)!;
    // The same VM in another job started in the same second: a point of that job's session, named alike.
    const twin = { ...mine, id: '00000000-0000-4000-8000-00000000beef', restorePointId: other.restorePointId, backupFileId: other.backupFileId };
    // Written both before and after (by id) the task's own point, so neither the order of ids nor of rows decides.
    for (const id of ['00000000-0000-4000-8000-00000000beef', 'ffffffff-ffff-4fff-bfff-ffffffffbeef']) {
      await store.write((w) => w.upsert(VmRestorePoint, [{ ...twin, id }]));
      const after = await all(store, BackupTaskSession);
      assert.equal(after.length, tasks.length, 'no task is listed twice');
      assert.equal(new Set(after.map((t) => t.id)).size, after.length);
      assert.equal(after.find((t) => t.id === task.id)!.vmRestorePointId, mine.id, "the task's own session's point");
    }
    await store.close();
  });

  test('as the clock moves: points appear after successful sessions, retention deletes the oldest and gives the space back', async () => {
    const { store, sim } = await seeded();
    const seen = new Set((await all(store, RestorePoint)).map((p) => p.id as string));
    const free = new Map((await all(store, Repository)).map((r) => [r.id as string, [r.freeSpace as number]]));
    let deleted = 0;
    let made = 0;
    for (let now = SEEDED + 37 * MIN; now <= SEEDED + 36 * HOUR; now += 37 * MIN) {
      await sim.catchUp(now);
      const ids = new Set((await all(store, RestorePoint)).map((p) => p.id as string));
      for (const id of seen) if (!ids.has(id)) deleted++;
      for (const id of ids) if (!seen.has(id)) made++;
      seen.clear();
      for (const id of ids) seen.add(id);
      for (const r of await all(store, Repository)) free.get(r.id as string)!.push(r.freeSpace as number);
      if ((now - SEEDED) % (6 * 37 * MIN) === 0) await checkChain(store);
    }
    await checkChain(store);
    assert.ok(made > 5, `points were made (${made})`);
    assert.ok(deleted > 3, `retention deleted points (${deleted})`);
    const grew = [...free.values()].some((series) => series.some((v, i) => i > 0 && v > series[i - 1]));
    const shrank = [...free.values()].some((series) => series.some((v, i) => i > 0 && v < series[i - 1]));
    assert.ok(shrank && grew, 'free space shrank as backups landed and grew back at retention');
    await store.close();
  });

  test('one jump equals many steps, and a restart replays without writing', async () => {
    const a = await seeded();
    const b = await seeded();
    const target = SEEDED + 30 * HOUR + 7 * MIN;
    await a.sim.catchUp(target);
    for (let now = SEEDED + 11 * MIN; now < target; now += 11 * MIN) await b.sim.catchUp(now);
    await b.sim.catchUp(target);
    const snapA = await snapshot(a.store);
    assert.deepEqual(await snapshot(b.store), snapA);
    // A restart half way: the store holds the chain, the replay writes nothing, and goes on the same.
    const c = await seeded();
    await c.sim.catchUp(SEEDED + 13 * HOUR);
    const before = await c.store.dataGeneration();
    const resumed = await Simulation.load(c.store, { now: SEEDED + 13 * HOUR });
    assert.equal(await c.store.dataGeneration(), before, 'resuming writes nothing');
    await resumed!.catchUp(target);
    assert.deepEqual(await snapshot(c.store), snapA);
    await checkChain(c.store);
    for (const s of [a, b, c]) await s.store.close();
  });
});
