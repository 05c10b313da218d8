/**
 * What every Store implementation must do, whatever its backend: run it with a factory of
 * fresh, empty stores (`storeContract('SQLite', …)`). Each test opens a store of its own.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BackupJobSession, BackupServer, BackupTaskSession, Job, ReplicaJobSession, ReplicaTaskSession } from '../../src/model/all.js';
import { TYPES, type Row, type TypeDecl } from '../../src/model/index.js';
import { evaluate } from '../../src/query/evaluate.js';
import type { QueryPlan } from '../../src/query/plan.js';
import { plan } from '../support/plans.js';
import { generationOf, type Store, type StoreWriter } from '../../src/store/store.js';
import { BS1, BS2, jobs, loadFixture, replicaSessions, replicaTasks, S1, servers } from '../support/fixture.js';

export interface StoreUnderTest {
  /** A fresh store with no rows and no users. */
  readonly store: Store;
  /** Holds the lock a write of resource rows needs, as another process's write would, until released. */
  holdDataLock(): Promise<() => Promise<void>>;
  /** Likewise the lock a logon-session write needs. */
  holdLogonLock(): Promise<() => Promise<void>>;
  /** Closes the store and removes what it left behind. */
  dispose(): Promise<void>;
}

const rowsOf = (list: readonly object[]) => list as unknown as Row[];

/** Opens a store, runs `fn` on it, disposes of it whatever happens. */
function using(open: () => Promise<StoreUnderTest>) {
  return async (fn: (s: StoreUnderTest) => Promise<void>) => {
    const s = await open();
    try {
      await fn(s);
    } finally {
      await s.dispose();
    }
  };
}

const everything = (store: Store, type: TypeDecl) => store.query(plan(type)).then((p) => p.rows);

async function readCursor(store: Store, p: QueryPlan, chunkRows: number): Promise<{ rows: Row[]; total?: number; chunks: number }> {
  const cursor = await store.cursor(p, { count: true, chunkRows });
  const rows: Row[] = [];
  let chunks = 0;
  try {
    for (let chunk = await cursor.next(); chunk.length > 0; chunk = await cursor.next()) {
      assert.ok(chunk.length <= chunkRows);
      rows.push(...chunk);
      chunks++;
    }
  } finally {
    cursor.close();
  }
  return { rows, total: cursor.total, chunks };
}

/** Writes rows of several types, in the map's order (parents first). */
async function upsertAll(w: StoreWriter, rows: Map<TypeDecl, Row[]>): Promise<void> {
  for (const [type, r] of rows) await w.upsert(type, r);
}

export function storeContract(name: string, open: () => Promise<StoreUnderTest>): void {
  const withStore = using(open);

  describe(`Store contract: ${name}`, () => {
    test('a new store is empty; the fixture fills it', () => withStore(async ({ store }) => {
      assert.equal(await store.isEmpty(), true);
      for (const t of TYPES) assert.deepEqual(await everything(store, t), [], t.name);
      await loadFixture(store);
      assert.equal(await store.isEmpty(), false);
      assert.deepEqual((await everything(store, BackupServer)).map((r) => r.id), [BS1, BS2]);
    }));

    test('query, cursor and count agree: pages are slices of the whole answer, totals its length', () => withStore(async ({ store }) => {
      await loadFixture(store);
      const cases: [TypeDecl, Parameters<typeof plan>[1]][] = [
        [ReplicaJobSession, {}],
        [ReplicaJobSession, { filter: 'Result==Failed,Result==Warning' }],
        [ReplicaJobSession, { filter: 'State!=Working', sort: { name: 'Name', desc: true } }],
        [BackupJobSession, { filter: 'IsRetry==False;Result!=Success', sort: { name: 'CreationTime', desc: true } }],
        [BackupTaskSession, { filter: 'JobName=="backup job 1"' }],
        [Job, { filter: 'BackupServerName==ENTERPRISE06.tech.local', sort: { name: 'JobType', desc: false } }],
        [BackupServer, { filter: 'Port>=9392', sort: { name: 'Version', desc: true } }],
      ];
      for (const [type, o] of cases) {
        const label = `${type.name} ${JSON.stringify(o)}`;
        const whole = await store.query(plan(type, o), { count: true });
        assert.equal(whole.total, whole.rows.length, label);
        const p = plan(type, o);
        if (p.where) for (const r of whole.rows) assert.ok(evaluate(p.where, r), `${label}: ${r.id} matches`);
        const all = await everything(store, type);
        assert.equal(whole.rows.length, p.where ? all.filter((r) => evaluate(p.where!, r)).length : all.length, `${label}: every match`);
        for (const [offset, limit] of [[0, 1], [1, 2], [2, 1000], [1, 5000], [99, 3]]) {
          const page = await store.query(plan(type, { ...o, offset, limit }), { count: true });
          assert.deepEqual(page.rows, whole.rows.slice(offset, offset + limit), `${label} page ${offset}+${limit}`);
          assert.equal(page.total, whole.total, `${label} page total`);
          const uncounted = await store.query(plan(type, { ...o, offset, limit }));
          assert.equal(uncounted.total, undefined);
          assert.deepEqual(uncounted.rows, page.rows);
        }
        for (const chunkRows of [1, 2, 500]) {
          const read = await readCursor(store, p, chunkRows);
          assert.deepEqual(read.rows, whole.rows, `${label} cursor of ${chunkRows}`);
          assert.equal(read.total, whole.total);
        }
      }
    }));

    test('a page by revision: the rows query pages, in order; full rows only of the ids picked; the same total', () => withStore(async ({ store }) => {
      await loadFixture(store);
      const cases: [TypeDecl, Parameters<typeof plan>[1]][] = [
        [ReplicaJobSession, { filter: 'Result==Failed,Result==Warning', sort: { name: 'Name', desc: true } }],
        [BackupTaskSession, { filter: 'JobName=="backup job 1"' }],
        [Job, { sort: { name: 'JobType', desc: false } }],
        [BackupServer, {}],
      ];
      const byId = (rows: readonly Row[]) => [...rows].sort((a, b) => String(a.id).localeCompare(String(b.id)));
      for (const [type, o] of cases) {
        for (const [offset, limit] of [[0, 1], [1, 2], [0, 1000], [99, 3]]) {
          const label = `${type.name} ${JSON.stringify(o)} ${offset}+${limit}`;
          const p = plan(type, { ...o, offset, limit });
          const expected = await store.query(p, { count: true });
          let seenTotal: number | undefined;
          const all = await store.revisedPage(p, { count: true }, (revisions, total) => {
            seenTotal = total;
            return revisions.map((r) => r.id);
          });
          assert.deepEqual(all.revisions.map((r) => r.id), expected.rows.map((r) => r.id), label);
          assert.deepEqual(byId(all.rows), byId(expected.rows), label);
          assert.equal(all.total, expected.total, label);
          assert.equal(seenTotal, expected.total, label);
          const some = await store.revisedPage(p, {}, (revisions) => revisions.slice(1).map((r) => r.id));
          assert.equal(some.total, undefined);
          assert.deepEqual(some.revisions, all.revisions, `${label}: same revisions when nothing was written`);
          assert.deepEqual(byId(some.rows), byId(expected.rows.slice(1)), label);
        }
      }
    }));

    test('a row\'s revision changes when a write changes it or a row it joins, and only then', () => withStore(async ({ store }) => {
      await loadFixture(store);
      const revisionsOf = async () => {
        const page = await store.revisedPage(plan(ReplicaJobSession, { limit: 100 }), {}, () => []);
        return new Map(page.revisions.map((r) => [r.id, r.revision]));
      };
      const changed = (before: Map<string, string>, after: Map<string, string>) =>
        [...after].filter(([id, revision]) => before.get(id) !== revision).map(([id]) => id).sort();
      const start = await revisionsOf();
      assert.equal(start.size, replicaSessions.length);
      const sessions = rowsOf(replicaSessions);
      const s1 = sessions.find((r) => r.id === S1)!;

      await store.write((w) => w.upsert(ReplicaJobSession, sessions));
      assert.deepEqual(changed(start, await revisionsOf()), [], 'rows written again unchanged');

      await store.write((w) => w.upsert(ReplicaJobSession, [{ ...s1, progress: 99 }]));
      const afterOwn = await revisionsOf();
      assert.deepEqual(changed(start, afterOwn), [S1], 'a value of the row');

      const bs1 = rowsOf(servers).find((r) => r.id === BS1)!;
      await store.write((w) => w.upsert(BackupServer, [{ ...bs1, name: 'renamed' }]));
      const afterJoined = await revisionsOf();
      const onBs1 = sessions.filter((r) => r.serverId === BS1).map((r) => String(r.id)).sort();
      assert.ok(onBs1.length > 0 && onBs1.length < sessions.length);
      assert.deepEqual(changed(afterOwn, afterJoined), onBs1, 'a value of the joined server');

      await store.write(async (w) => {
        await w.delete(ReplicaTaskSession, rowsOf(replicaTasks).filter((t) => t.sessionId === S1).map((t) => String(t.id)));
        await w.delete(ReplicaJobSession, [S1]);
        await w.upsert(ReplicaJobSession, [{ ...s1, progress: 99 }]);
      });
      assert.deepEqual(changed(afterJoined, await revisionsOf()), [S1], 'deleted and written again with the same values');

      await store.write(async (w) => {
        await w.clear();
        await upsertAll(w, new Map([[BackupServer, rowsOf(servers)], [Job, rowsOf(jobs)], [ReplicaJobSession, sessions]]));
      }, { replace: true });
      const reloaded = await revisionsOf();
      assert.deepEqual(changed(start, reloaded), [...start.keys()].sort(), 'every row of a replacing load is new');
    }));

    test('a cursor reads one snapshot: a write committed while it is open is not in it', () => withStore(async ({ store }) => {
      await loadFixture(store);
      const cursor = await store.cursor(plan(ReplicaJobSession), { count: true, chunkRows: 1 });
      try {
        const first = await cursor.next();
        await store.write((w) => w.clear());
        const rest: Row[] = [];
        for (let chunk = await cursor.next(); chunk.length > 0; chunk = await cursor.next()) rest.push(...chunk);
        assert.equal(first.length + rest.length, replicaSessions.length);
        assert.equal(cursor.total, replicaSessions.length);
      } finally {
        cursor.close();
      }
      cursor.close(); // again: harmless
      assert.deepEqual(await cursor.next(), []);
      assert.deepEqual(await everything(store, ReplicaJobSession), []);
    }));

    test('a write lands whole or not at all; only a committed one moves the data generation', () => withStore(async ({ store }) => {
      const start = await store.dataGeneration();
      await assert.rejects(store.write(async (w) => {
        await w.upsert(BackupServer, rowsOf(servers));
        await w.upsert(Job, rowsOf(jobs));
        throw new Error('the source went away');
      }), /the source went away/);
      assert.equal(await store.isEmpty(), true);
      assert.deepEqual(await everything(store, Job), []);
      assert.equal(await store.dataGeneration(), start);
      assert.equal(await store.write(async (w) => (await w.upsert(BackupServer, rowsOf(servers))).inserted), 2);
      const afterWrite = await store.dataGeneration();
      assert.notEqual(afterWrite, start);
      await loadFixture(store);
      assert.notEqual(await store.dataGeneration(), afterWrite);
    }));

    for (const options of [{}, { bulk: true }, { replace: true }]) {
      test(`a row referring to a missing row fails the write ${JSON.stringify(options)}, and none of it lands`, () => withStore(async ({ store }) => {
        await loadFixture(store);
        const before = await everything(store, ReplicaJobSession);
        const orphan = { ...rowsOf(replicaTasks)[0], id: '5f4e3d2c-1b0a-4f9e-8d7c-6b5a4f3e2d1c', sessionId: '0b5e2c4a-1d3f-4a6b-8c7d-9e0f1a2b3c4d' };
        await assert.rejects(store.write(async (w) => {
          await w.upsert(ReplicaJobSession, [{ ...rowsOf(replicaSessions)[0], name: 'changed' }]);
          await w.upsert(BackupServer, rowsOf(servers));
          await w.upsert(Job, rowsOf(jobs));
          await w.upsert(ReplicaJobSession, rowsOf(replicaSessions).slice(1));
          await w.upsert(ReplicaTaskSession, [orphan]);
        }, options));
        assert.deepEqual(await everything(store, ReplicaJobSession), before);
      }));
    }

    for (const options of [{}, { bulk: true }]) {
      test(`upsert counts rows inserted and rows whose values changed ${JSON.stringify(options)}`, () => withStore(async ({ store }) => {
        const [a, b] = rowsOf(servers);
        const counts = await store.write(async (w) => [
          await w.upsert(BackupServer, [a]),
          await w.upsert(BackupServer, [a, b]),
          await w.upsert(BackupServer, [{ ...a, description: 'changed' }, b]),
          await w.upsert(BackupServer, [{ ...a, description: 'twice' }, { ...a, description: 'twice' }]),
        ], options);
        assert.deepEqual(counts, [{ inserted: 1, updated: 0 }, { inserted: 1, updated: 0 }, { inserted: 0, updated: 1 }, { inserted: 0, updated: 1 }]);
        const again = await store.write(async (w) => [
          await w.upsert(BackupServer, [{ ...a, description: 'twice' }, b]),
          await w.upsert(BackupServer, [{ ...b, version: '1.0' }]),
        ], options);
        assert.deepEqual(again, [{ inserted: 0, updated: 0 }, { inserted: 0, updated: 1 }]);
        assert.deepEqual((await everything(store, BackupServer)).map((r) => [r.description, r.version]), [['twice', a.version], [b.description, '1.0']]);
        // An absent value is a value: setting it and clearing it are changes.
        const s = rowsOf(replicaSessions)[0];
        const optional = await store.write(async (w) => {
          await upsertAll(w, new Map([[BackupServer, rowsOf(servers)], [Job, rowsOf(jobs)]]));
          return [
            await w.upsert(ReplicaJobSession, [s]),
            await w.upsert(ReplicaJobSession, [{ ...s, failureMessage: 'now failed' }]),
            await w.upsert(ReplicaJobSession, [{ ...s, failureMessage: null }]),
            await w.upsert(ReplicaJobSession, [{ ...s, failureMessage: null }]),
          ];
        }, options);
        assert.deepEqual(optional, [{ inserted: 1, updated: 0 }, { inserted: 0, updated: 1 }, { inserted: 0, updated: 1 }, { inserted: 0, updated: 0 }]);
      }));
    }

    test('clear deletes every resource row in the write; a replacing write loads anew; users and logons stay', () => withStore(async ({ store }) => {
      await loadFixture(store);
      await store.putUser({ name: 'ops', passwordHash: 'h', role: 'PortalUser' });
      await store.createLogonSession({ id: 'l1', userName: 'ops', createdAt: 1, lastSeen: 1 }, { expiredBefore: 0, maxPerUser: 5 });
      await store.write(async (w) => {
        await w.clear();
        await w.upsert(BackupServer, rowsOf(servers).slice(0, 1));
      });
      for (const t of TYPES) assert.deepEqual((await everything(store, t)).map((r) => r.id), t === BackupServer ? [BS1] : [], t.name);
      await loadFixture(store);
      await store.write((w) => w.upsert(BackupServer, rowsOf(servers).slice(1)), { replace: true });
      for (const t of TYPES) assert.deepEqual((await everything(store, t)).map((r) => r.id), t === BackupServer ? [BS2] : [], t.name);
      assert.equal((await store.getUser('ops'))?.role, 'PortalUser');
      assert.equal((await store.getLogonSession('l1'))?.userName, 'ops');
    }));

    test('delete removes rows by id, children first: unknown ids change nothing, a row still referred to fails the write whole', () => withStore(async ({ store }) => {
      await loadFixture(store);
      const tasks = rowsOf(replicaTasks).filter((t) => t.sessionId === S1).map((t) => t.id as string);
      const before = await store.dataGenerations();
      // The session's tasks still refer to it: nothing of the write lands.
      await assert.rejects(store.write(async (w) => {
        await w.delete(ReplicaTaskSession, tasks.slice(1));
        await w.delete(ReplicaJobSession, [S1]);
      }));
      assert.equal((await everything(store, ReplicaTaskSession)).length, replicaTasks.length);
      assert.deepEqual(await store.dataGenerations(), before, 'a failed write moves no generation');
      const deleted = await store.write(async (w) =>
        (await w.delete(ReplicaTaskSession, [...tasks, '00000000-0000-0000-0000-000000000000'])) + (await w.delete(ReplicaJobSession, [S1])) + (await w.delete(BackupServer, [])));
      assert.equal(deleted, tasks.length + 1);
      assert.deepEqual((await everything(store, ReplicaJobSession)).map((r) => r.id).sort(), rowsOf(replicaSessions).map((r) => r.id as string).filter((id) => id !== S1).sort());
      const after = await store.dataGenerations();
      for (const t of [ReplicaTaskSession, ReplicaJobSession]) assert.ok(generationOf(after, t.table) > generationOf(before, t.table), `${t.table} moved`);
      assert.equal(generationOf(after, BackupServer.table), generationOf(before, BackupServer.table), 'an empty delete changes nothing');
      assert.equal(await store.write((w) => w.delete(ReplicaJobSession, [S1])), 0, 'deleting again deletes nothing');
    }));

    test('a replacing write takes every id once: a repeat fails it and leaves the data as it was', () => withStore(async ({ store }) => {
      await loadFixture(store);
      const before = await everything(store, ReplicaJobSession);
      const [s] = rowsOf(replicaSessions);
      await assert.rejects(store.write(async (w) => {
        await upsertAll(w, new Map([[BackupServer, rowsOf(servers)], [Job, rowsOf(jobs)]]));
        await w.upsert(ReplicaJobSession, [s]);
        await w.upsert(ReplicaJobSession, [{ ...s, name: 'again' }]);
      }, { replace: true }));
      assert.deepEqual(await everything(store, ReplicaJobSession), before);
      assert.equal((await everything(store, BackupServer)).length, servers.length);
    }));

    test('users: looked up case-insensitively, updated in place, listed by name, removed with their logon sessions', () => withStore(async ({ store }) => {
      assert.deepEqual(await store.listUsers(), []);
      await store.putUser({ name: 'TECH\\admin', passwordHash: 'h1', role: 'PortalAdministrator' });
      await store.putUser({ name: 'tech\\viewer', passwordHash: 'h2', role: 'PortalUser' });
      await store.putUser({ name: 'ops', passwordHash: 'h3', role: 'None' });
      assert.deepEqual(await store.getUser('tech\\ADMIN'), { name: 'TECH\\admin', passwordHash: 'h1', role: 'PortalAdministrator' });
      assert.equal(await store.getUser('nobody'), undefined);
      await store.putUser({ name: 'tech\\admin', passwordHash: 'h4', role: 'RestoreOperator' });
      assert.deepEqual(await store.getUser('TECH\\admin'), { name: 'TECH\\admin', passwordHash: 'h4', role: 'RestoreOperator' });
      assert.deepEqual((await store.listUsers()).map((u) => u.name), ['ops', 'TECH\\admin', 'tech\\viewer']);
      await store.createLogonSession({ id: 'v1', userName: 'tech\\viewer', createdAt: 1, lastSeen: 1 }, { expiredBefore: 0, maxPerUser: 5 });
      await store.createLogonSession({ id: 'o1', userName: 'ops', createdAt: 1, lastSeen: 1 }, { expiredBefore: 0, maxPerUser: 5 });
      assert.equal(await store.removeUser('TECH\\VIEWER'), true);
      assert.equal(await store.removeUser('tech\\viewer'), false);
      assert.equal(await store.getLogonSession('v1'), undefined);
      assert.ok(await store.getLogonSession('o1'));
      await store.createLogonSession({ id: 'a1', userName: 'tech\\ADMIN', createdAt: 1, lastSeen: 1 }, { expiredBefore: 0, maxPerUser: 5 });
      assert.deepEqual((await store.getLogonSession('a1'))?.user, { name: 'TECH\\admin', passwordHash: 'h4', role: 'RestoreOperator' }, 'the session comes with its user, found case-insensitively');
      assert.deepEqual((await store.listUsers()).map((u) => u.name), ['ops', 'TECH\\admin']);
      assert.equal(await store.isEmpty(), true, 'users are not resource rows');
    }));

    test('logon sessions: created with a per-user cap (least recently used go first) and expiry; touched forward only; deleted', () => withStore(async ({ store }) => {
      const limits = { expiredBefore: 0, maxPerUser: 3 };
      const logon = (id: string, userName: string, at: number, l = limits) => store.createLogonSession({ id, userName, createdAt: at, lastSeen: at }, l);
      for (const [i, id] of ['a1', 'a2', 'a3'].entries()) await logon(id, 'alice', 10 + i);
      await logon('b1', 'bob', 5);
      assert.equal(await store.touchLogonSessions(new Map([['a1', 50]])), true);
      await logon('a4', 'ALICE', 40);
      assert.equal(await store.getLogonSession('a2'), undefined, 'alice\'s least recently used');
      for (const id of ['a1', 'a3', 'a4', 'b1']) assert.ok(await store.getLogonSession(id), id);
      assert.deepEqual(await store.getLogonSession('a1'), { id: 'a1', userName: 'alice', createdAt: 10, lastSeen: 50, user: undefined }, 'no such user');

      assert.equal(await store.touchLogonSessions(new Map([['a1', 20], ['a3', 60], ['gone', 70]])), true);
      assert.equal((await store.getLogonSession('a1'))?.lastSeen, 50, 'never back');
      assert.equal((await store.getLogonSession('a3'))?.lastSeen, 60);

      // Every session idle since before 45 goes, whoever's it is.
      await logon('c1', 'carol', 100, { expiredBefore: 45, maxPerUser: 3 });
      assert.deepEqual(
        (await Promise.all(['a1', 'a3', 'a4', 'b1', 'c1'].map((id) => store.getLogonSession(id)))).map((s) => s?.id),
        ['a1', 'a3', undefined, undefined, 'c1'],
      );
      assert.equal(await store.deleteLogonSession('a1'), true);
      assert.equal(await store.deleteLogonSession('a1'), false);
      assert.equal(await store.getLogonSession('a1'), undefined);
      await assert.rejects(logon('c1', 'carol', 101), 'an id is used once');
    }));

    test('another writer holding the data lock: reads and logons go on; a write waits and lands once it is free', () => withStore(async ({ store, holdDataLock }) => {
      await loadFixture(store);
      await store.putUser({ name: 'ops', passwordHash: 'h', role: 'PortalUser' });
      const release = await holdDataLock();
      let released = false;
      let writing: Promise<unknown> | undefined;
      try {
        writing = store.write((w) => w.clear()).then(() => assert.ok(released, 'the write waited for the lock'));
        const t0 = performance.now();
        assert.equal((await store.query(plan(ReplicaJobSession), { count: true })).total, replicaSessions.length);
        assert.equal((await readCursor(store, plan(ReplicaJobSession), 2)).rows.length, replicaSessions.length);
        assert.equal(await store.isEmpty(), false);
        await store.dataGeneration();
        assert.ok(await store.getUser('ops'));
        await store.createLogonSession({ id: 'l1', userName: 'ops', createdAt: 1, lastSeen: 1 }, { expiredBefore: 0, maxPerUser: 5 });
        assert.equal(await store.touchLogonSessions(new Map([['l1', 2]])), true);
        assert.ok(performance.now() - t0 < 1000, 'nothing waited');
        await new Promise((resolve) => setTimeout(resolve, 100));
      } finally {
        released = true;
        await release();
      }
      await writing;
      assert.equal(await store.isEmpty(), true);
    }));

    test('another writer holding the logon lock: idle timers are not written (false) rather than waited for; reads go on', () => withStore(async ({ store, holdLogonLock }) => {
      await store.putUser({ name: 'ops', passwordHash: 'h', role: 'PortalUser' });
      await store.createLogonSession({ id: 'l1', userName: 'ops', createdAt: 1, lastSeen: 1 }, { expiredBefore: 0, maxPerUser: 5 });
      const release = await holdLogonLock();
      try {
        assert.equal(await store.touchLogonSessions(new Map([['l1', 5]])), false);
        assert.equal((await store.getLogonSession('l1'))?.lastSeen, 1);
        await loadFixture(store);
      } finally {
        await release();
      }
      assert.equal(await store.touchLogonSessions(new Map([['l1', 5]])), true);
      assert.equal((await store.getLogonSession('l1'))?.lastSeen, 5);
    }));
  });
}
