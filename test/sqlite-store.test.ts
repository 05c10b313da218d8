/**
 * The SQLite store: the store contract (test/contract/store.contract.ts), opened through
 * `openStore`; and its bulk paths: a load into a new file (`buildSqliteFile`) ends with the same
 * rows and schema as the transactional path, appears whole or not at all, never replaces a
 * file, and rejects repeated ids and dangling references; a replacing write loads the same way
 * inside a transaction; a bulk write keeps upsert semantics (exact counts) for ids repeated
 * within it or already stored, also once it defers the indexes of a table that held rows.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { DEMO_DEFAULTS, generateDemo } from '../src/demo/demo.js';
import { replicaSessions, replicaTasks, servers, jobs } from './support/fixture.js';
import { BackupServer, Job, ReplicaJobSession, ReplicaTaskSession } from '../src/model/all.js';
import type { Row } from '../src/model/index.js';
import { openStore, storeLocation } from '../src/store/open.js';
import { RESOURCE_TABLES } from '../src/store/schema.js';
import { buildSqliteFile } from '../src/store/sqlite/build.js';
import { logonsPath, openSqliteStore, type SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import type { Store, WriteOptions } from '../src/store/store.js';
import { storeContract } from './contract/store.contract.js';
import { holdWriteLock, inspectSqlite, storedRows } from './support/sqlite-inspector.js';

const NOW = Date.parse('2026-11-30T00:00:00Z');
const OPTIONS = { ...DEMO_DEFAULTS, jobs: 5, backupJobs: 5, days: 12, now: NOW };

const root = mkdtempSync(join(tmpdir(), 'emrest-store-'));
after(() => rmSync(root, { recursive: true, force: true }));
let dirNo = 0;
const newDir = () => {
  const d = join(root, `d${++dirNo}`);
  return (rmSync(d, { recursive: true, force: true }), mkdtempSync(d));
};

const held = (release: () => void) => async () => release();

storeContract('SQLite', async () => {
  const settings = { dataDir: newDir() };
  const store = await openStore(settings);
  const path = storeLocation(settings);
  return {
    store,
    holdDataLock: async () => held(holdWriteLock(path)),
    holdLogonLock: async () => held(holdWriteLock(logonsPath(path))),
    dispose: () => store.close(),
  };
});

const inspect = (path: string) => inspectSqlite(path, (db) => ({
  rows: Object.fromEntries(RESOURCE_TABLES.map((t) => [t, storedRows(db, t)])),
  schema: db.prepare("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_stat%' ORDER BY name").all(),
  journal: db.pragma('journal_mode', { simple: true }),
  version: db.pragma('user_version', { simple: true }),
}));

const rowsOf = (list: readonly object[]) => list as unknown as Row[];

/** Writes the fixture's replica side (servers, jobs, sessions, tasks) in one bulk write. */
async function writeFixture(store: SqliteStore, change: (tasks: Row[]) => Row[] = (t) => t, options: WriteOptions = { bulk: true }) {
  await store.write(async (w) => {
    await w.upsert(BackupServer, rowsOf(servers));
    await w.upsert(Job, rowsOf(jobs));
    await w.upsert(ReplicaJobSession, rowsOf(replicaSessions));
    await w.upsert(ReplicaTaskSession, change(rowsOf(replicaTasks)));
  }, options);
}

/** The load fails with `message` and leaves its directory empty. */
async function assertLoadFails(fill: (store: SqliteStore) => Promise<unknown>, message: RegExp) {
  const dir = newDir();
  await assert.rejects(buildSqliteFile(join(dir, 'emrest.db'), fill), message);
  assert.deepEqual(readdirSync(dir), []);
}

describe('buildSqliteFile', () => {
  test('ends with the rows and the schema the transactional path writes, in WAL mode', async () => {
    const a = join(newDir(), 'emrest.db');
    const store = openSqliteStore(a);
    const viaWrite = await generateDemo(store, OPTIONS);
    await store.close();
    const dir = newDir();
    const b = join(dir, 'emrest.db');
    const viaFile = await buildSqliteFile(b, (s) => generateDemo(s, OPTIONS));
    assert.deepEqual(viaFile, viaWrite);
    assert.ok(viaWrite.tasks > 100 && viaWrite.backupTasks > 100, 'enough rows for several multi-row inserts');
    const [x, y] = [inspect(a), inspect(b)];
    assert.deepEqual(y.rows, x.rows);
    assert.deepEqual(y.schema, x.schema, 'every index is back');
    assert.equal(y.journal, 'wal');
    assert.equal(y.version, x.version);
    assert.deepEqual(readdirSync(dir).filter((f) => !f.startsWith('emrest.db-')), ['emrest.db'], 'nothing else is left');
    // The built file is an ordinary store: seeding it again changes nothing.
    const again = openSqliteStore(b);
    await generateDemo(again, OPTIONS);
    await again.close();
    assert.deepEqual(inspect(b).rows, y.rows);
  });

  test('a failing load leaves nothing behind', async () => {
    await assertLoadFails(async (s) => {
      await writeFixture(s);
      throw new Error('the source went away');
    }, /the source went away/);
  });

  test('never replaces a database that appeared meanwhile', async () => {
    const dir = newDir();
    const path = join(dir, 'emrest.db');
    await assert.rejects(
      buildSqliteFile(path, async (s) => {
        await writeFixture(s);
        writeFileSync(path, 'someone else');
      }),
      { code: 'EEXIST', message: /appeared while it was being built/ },
    );
    assert.equal(readFileSync(path, 'utf8'), 'someone else');
    assert.deepEqual(readdirSync(dir), ['emrest.db']);
  });

  test('removes what builds of processes that are gone left behind, not those of live ones', async () => {
    const dir = newDir();
    const path = join(dir, 'emrest.db');
    const gone = spawnSync(process.execPath, ['-e', '']).pid;
    const left = [`emrest.db.building-${gone}`, `emrest.db.building-${gone}-wal`];
    const live = `emrest.db.building-${process.ppid}`;
    for (const f of [...left, live, 'other.db.building-1']) writeFileSync(join(dir, f), 'partial');
    await buildSqliteFile(path, (s) => writeFixture(s));
    assert.deepEqual(readdirSync(dir).sort(), ['emrest.db', live, 'other.db.building-1'].sort());
  });

  test('a repeated id fails the load', async () => {
    await assertLoadFails(
      (s) => writeFixture(s, (tasks) => [...tasks, { ...tasks[0], name: 'again' }]),
      /the same id was written twice into replica_task_sessions/,
    );
  });

  test('a reference to a missing row fails the load', async () => {
    await assertLoadFails((s) => writeFixture(s, withOrphan), ORPHAN_MESSAGE);
  });
});

const ORPHAN = '0b5e2c4a-1d3f-4a6b-8c7d-9e0f1a2b3c4d';
const ORPHAN_MESSAGE = new RegExp(`replica_task_sessions.session_id refers to replica_job_sessions ${ORPHAN}`);
const withOrphan = (tasks: Row[]) => [...tasks, { ...tasks[0], id: '5f4e3d2c-1b0a-4f9e-8d7c-6b5a4f3e2d1c', sessionId: ORPHAN }];
/** A task row whose session is not there: the foreign key refuses it. */
const writeOrphan = (store: Store) => store.write((w) => w.upsert(ReplicaTaskSession, withOrphan(rowsOf(replicaTasks)).slice(-1)));

describe('replacing write', () => {
  test('ends with the rows and schema of a new database; users and logons stay; readers see the old data until it commits', async () => {
    const path = join(newDir(), 'emrest.db');
    const store = openSqliteStore(path);
    try {
      await writeFixture(store);
      await store.putUser({ name: 'ops', passwordHash: 'x', role: 'PortalAdministrator' });
      await store.createLogonSession({ id: 'logon-1', userName: 'ops', createdAt: 1, lastSeen: 2 }, { expiredBefore: 0, maxPerUser: 10 });
      const before = inspect(path).rows;
      const seenByReaders: unknown[] = [];
      const made = await generateDemo(store, {
        ...OPTIONS,
        replace: true,
        onProgress: (e) => {
          // While rows are written and the indexes are about to be built (the last steps,
          // statistics, come after the commit).
          if (e.phase === 'sessions' || (e.phase === 'indexing' && (e.step?.done ?? 0) === 0)) seenByReaders.push(inspectSqlite(path, (db) => db.prepare('SELECT id FROM backup_servers ORDER BY id').all()));
        },
      });
      assert.ok(seenByReaders.length >= 2);
      for (const seen of seenByReaders) assert.deepEqual(seen, before.backup_servers.map((s) => ({ id: (s as Row).id })));

      const fresh = join(newDir(), 'emrest.db');
      assert.deepEqual(await buildSqliteFile(fresh, (s) => generateDemo(s, OPTIONS)), made);
      const [x, y] = [inspect(fresh), inspect(path)];
      assert.deepEqual(y.rows, x.rows);
      assert.deepEqual(y.schema, x.schema, 'every index is back');
      assert.equal((await store.getUser('ops'))?.role, 'PortalAdministrator');
      assert.equal((await store.getLogonSession('logon-1'))?.userName, 'ops');
      // Foreign keys are enforced again for the writes that follow.
      await assert.rejects(writeOrphan(store), /FOREIGN KEY/);
    } finally {
      await store.close();
    }
  });

  for (const [what, change, message] of [
    ['a repeated id', (tasks: Row[]) => [...tasks, { ...tasks[0], name: 'again' }], /the same id was written twice into replica_task_sessions/],
    ['a reference to a missing row', withOrphan, ORPHAN_MESSAGE],
  ] as const) {
    test(`${what} fails it and leaves the data as it was`, async () => {
      const path = join(newDir(), 'emrest.db');
      const store = openSqliteStore(path);
      try {
        await generateDemo(store, OPTIONS);
        const before = inspect(path);
        await assert.rejects(writeFixture(store, change, { replace: true }), message);
        assert.deepEqual(inspect(path), before);
        await assert.rejects(writeOrphan(store), /FOREIGN KEY/);
      } finally {
        await store.close();
      }
    });
  }
});

describe('bulk write', () => {
  // Replica sessions of one job, numbered: session i has a GUID made of i.
  const server = rowsOf(servers)[0];
  const job = rowsOf(jobs).find((j) => j.serverId === server.id)!;
  const base = rowsOf(replicaSessions)[0];
  const make = (i: number, name = `s${i}`): Row =>
    ({ ...base, id: `00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`, serverId: server.id, jobId: job.id, name });
  const namesById = (store: SqliteStore) => new Map(
    inspectSqlite(store.path, (db) => db.prepare('SELECT id, name FROM replica_job_sessions').all() as { id: string; name: string }[]).map((r) => [r.id, r.name]),
  );

  test('an id repeated within the write is an update: the last row wins, counts stay exact', async () => {
    const store = openSqliteStore(join(newDir(), 'emrest.db'));
    try {
      // 150 rows: two full 64-row statements and 22 single ones. Then, still in the same write,
      // a batch repeating ids: 5 changed (one of them twice, the later value wins), 2 identical.
      const first = Array.from({ length: 150 }, (_, i) => make(i));
      const second = [
        ...[3, 70, 149].map((i) => make(i, `changed ${i}`)),
        make(10), make(100),
        make(64, 'changed 64'), make(64, 'changed 64 again'), make(65, 'changed 65'),
        ...Array.from({ length: 60 }, (_, i) => make(1000 + i)),
      ];
      const counts = await store.write(async (w) => {
        await w.upsert(BackupServer, [server]);
        await w.upsert(Job, [job]);
        return [await w.upsert(ReplicaJobSession, first), await w.upsert(ReplicaJobSession, second)];
      }, { bulk: true });
      assert.deepEqual(counts, [{ inserted: 150, updated: 0 }, { inserted: 60, updated: 6 }]);
      const names = namesById(store);
      assert.equal(names.size, 210);
      for (const [i, name] of [[3, 'changed 3'], [70, 'changed 70'], [149, 'changed 149'], [64, 'changed 64 again'], [65, 'changed 65'], [10, 's10'], [1059, 's1059']] as const) {
        assert.equal(names.get(make(i).id as string), name);
      }
      const unique = inspectSqlite(store.path, (db) => db.prepare("SELECT sql FROM sqlite_master WHERE name = 'rjs_id'").get() as { sql: string });
      assert.match(unique.sql, /CREATE UNIQUE INDEX/);
    } finally {
      await store.close();
    }
  });

  test('into a table holding rows: row by row at first, then its indexes deferred; counts exact, every index back', async () => {
    const store = openSqliteStore(join(newDir(), 'emrest.db'));
    try {
      const range = (from: number, to: number, name?: (i: number) => string) =>
        Array.from({ length: to - from }, (_, k) => make(from + k, name?.(from + k)));
      await store.write(async (w) => {
        await w.upsert(BackupServer, [server]);
        await w.upsert(Job, [job]);
        await w.upsert(ReplicaJobSession, range(0, 100));
      });
      const sql = <T>(fn: (db: Database.Database) => T) => inspectSqlite(store.path, fn);
      const indexes = () => sql((db) => db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' ORDER BY name").all());
      const before = indexes();
      const secondary = (tables: string[]) => sql((db) =>
        (db.prepare(`SELECT count(*) AS n FROM sqlite_master WHERE type = 'index' AND sql NOT LIKE 'CREATE UNIQUE %'
          AND tbl_name IN (${tables.map(() => '?').join(', ')})`).get(...tables) as { n: number }).n);
      let steps = -1;
      // The table holds 100 rows, so its indexes are deferred once 10,000 are written: within
      // the second batch. Batches 1 and 3 repeat ids: unchanged rows, changed ones.
      const counts = await store.write(async (w) => [
        await w.upsert(ReplicaJobSession, [...range(0, 50), ...range(50, 100, (i) => `changed ${i}`), ...range(100, 5000)]),
        await w.upsert(ReplicaJobSession, [...range(5000, 10_000), ...range(95, 97, (i) => `two ${i}`)]),
        await w.upsert(ReplicaJobSession, [...range(10_000, 11_980), ...range(60, 70, (i) => `again ${i}`), ...range(0, 10)]),
      ], { bulk: true, onDeferred: (_, total) => void (steps = total) });
      assert.deepEqual(counts, [{ inserted: 4900, updated: 50 }, { inserted: 5000, updated: 2 }, { inserted: 1980, updated: 10 }]);
      // Every table but the three holding rows is empty: its indexes are deferred from the start.
      const empty = RESOURCE_TABLES.filter((t) => !['backup_servers', 'jobs', 'replica_job_sessions'].includes(t));
      assert.equal(steps, secondary([...empty, 'replica_job_sessions']) + empty.length + 1, 'the held table\'s indexes were deferred too');
      assert.deepEqual(indexes(), before, 'every index is back');
      const names = namesById(store);
      assert.equal(names.size, 11_980);
      for (const [i, name] of [[0, 's0'], [49, 's49'], [50, 'changed 50'], [65, 'again 65'], [95, 'two 95'], [99, 'changed 99'], [7000, 's7000'], [11_979, 's11979']] as const) {
        assert.equal(names.get(make(i).id as string), name);
      }
      // The deferred indexes answer queries: the name index finds a row inserted after the switch.
      const plan = sql((db) => db.prepare("EXPLAIN QUERY PLAN SELECT id FROM replica_job_sessions WHERE name = 's7000' COLLATE NOCASE").all() as { detail: string }[]);
      assert.match(plan.map((p) => p.detail).join(' '), /USING (COVERING )?INDEX rjs_name/);
      assert.equal(sql((db) => db.prepare("SELECT count(*) AS n FROM replica_job_sessions WHERE name = 's7000' COLLATE NOCASE").get() as { n: number }).n, 1);
    } finally {
      await store.close();
    }
  });
});

describe('logon lookups', () => {
  test('see at once what this store and another process committed: a new role, touches, a logoff', async () => {
    const path = join(newDir(), 'emrest.db');
    const here = openSqliteStore(path);
    // Another connection pair on the same files, as another worker process or the CLI has.
    const there = openSqliteStore(path);
    const limits = { expiredBefore: 0, maxPerUser: 10 };
    try {
      await here.putUser({ name: 'ops', passwordHash: 'h1', role: 'PortalAdministrator' });
      await here.createLogonSession({ id: 's1', userName: 'ops', createdAt: 1, lastSeen: 1 }, limits);
      await here.createLogonSession({ id: 's2', userName: 'ops', createdAt: 1, lastSeen: 1 }, limits);
      // Asked twice: the second answer is the remembered one, the same as read.
      assert.deepEqual(await here.getLogonSession('s1'), await here.getLogonSession('s1'));
      assert.equal((await here.getLogonSession('s1'))?.user?.role, 'PortalAdministrator');

      await there.putUser({ name: 'ops', passwordHash: 'h2', role: 'RestoreOperator' });
      assert.deepEqual((await here.getLogonSession('s1'))?.user, { name: 'ops', passwordHash: 'h2', role: 'RestoreOperator' });
      await there.touchLogonSessions(new Map([['s1', 50]]));
      assert.equal((await here.getLogonSession('s1'))?.lastSeen, 50);
      await here.touchLogonSessions(new Map([['s1', 60]]));
      assert.equal((await here.getLogonSession('s1'))?.lastSeen, 60);

      await there.deleteLogonSession('s1');
      assert.equal(await here.getLogonSession('s1'), undefined, 'a logoff elsewhere ends the session here');
      assert.ok(await here.getLogonSession('s2'));
      await here.deleteLogonSession('s2');
      assert.equal(await here.getLogonSession('s2'), undefined, 'a logoff here ends it at once');
      await here.createLogonSession({ id: 's3', userName: 'ops', createdAt: 1, lastSeen: 1 }, limits);
      assert.ok(await here.getLogonSession('s3'));
      await there.removeUser('ops');
      assert.equal(await here.getLogonSession('s3'), undefined, 'a removed user takes its sessions along');
    } finally {
      await here.close();
      await there.close();
    }
  });
});
