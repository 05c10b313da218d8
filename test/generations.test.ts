/**
 * Data generations per resource table: which tables a type's queries read (derived from its
 * declaration), which generations each kind of write moves (exactly the tables whose rows it
 * changed), that other connections see them move, that the migration from the single
 * generation keeps every table's value, and that the store's cached totals follow them.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { BackupJobSession, BackupServer, BackupTaskSession, Job, ReplicaJobSession, ReplicaTaskSession } from '../src/model/all.js';
import { TYPES, type Row, type TypeDecl } from '../src/model/index.js';
import { ResponseCache } from '../src/http/response-cache.js';
import { RESOURCE_TABLES, tablesRead } from '../src/store/schema.js';
import { MIGRATIONS } from '../src/store/sqlite/migrations.js';
import { openSqliteStore, type SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import type { Generations, Store } from '../src/store/store.js';
import { backupSessions, backupTasks, jobs, loadFixture, replicaSessions, servers } from './support/fixture.js';
import { plan } from './support/plans.js';

const root = mkdtempSync(join(tmpdir(), 'emrest-generations-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const newPath = () => join(root, `g${++n}.db`);
const rowOf = (o: object) => o as unknown as Row;
const rowsOf = (list: readonly object[]) => list as unknown as Row[];

async function withStore(fn: (store: SqliteStore, path: string) => Promise<void>, path = newPath()): Promise<void> {
  const store = openSqliteStore(path);
  try {
    await fn(store, path);
  } finally {
    await store.close();
  }
}

/** The tables whose generation differs between two readings. */
const moved = (before: Generations, after: Generations): string[] =>
  RESOURCE_TABLES.filter((t) => (before.get(t) ?? 0) !== (after.get(t) ?? 0));

/** The tables `write` moved, as `observer` (maybe another connection) sees it. */
async function movedBy(store: Store, write: () => Promise<unknown>, observer: Store = store): Promise<string[]> {
  const before = await observer.dataGenerations();
  await write();
  return moved(before, await observer.dataGenerations());
}

describe('the tables a type reads', () => {
  test('are its table and the tables its FROM clause joins, derived from the declaration', () => {
    assert.deepEqual(tablesRead(BackupServer), ['backup_servers']);
    assert.deepEqual(tablesRead(Job), ['jobs', 'backup_servers']);
    assert.deepEqual(tablesRead(ReplicaJobSession), ['replica_job_sessions', 'backup_servers']);
    assert.deepEqual(tablesRead(BackupJobSession), ['backup_job_sessions', 'backup_servers', 'restore_points']);
    assert.deepEqual(tablesRead(ReplicaTaskSession), ['replica_task_sessions', 'replica_job_sessions', 'backup_servers']);
    assert.deepEqual(tablesRead(BackupTaskSession), ['backup_task_sessions', 'backup_job_sessions', 'backup_servers', 'vm_restore_points', 'restore_points']);
  });

  test('every one of them is a resource table, whose writes move its generation', () => {
    for (const type of TYPES) for (const table of tablesRead(type)) assert.ok(RESOURCE_TABLES.includes(table), `${type.name} reads ${table}`);
  });

  test('a FROM clause or joined field it cannot read is an error, not a guess', () => {
    const odd = (o: Partial<TypeDecl>): TypeDecl => ({ ...Job, ...o });
    assert.throws(() => tablesRead(odd({ from: 'jobs t LEFT JOIN (SELECT * FROM backup_servers) bs ON bs.id = t.server_id' })), /cannot tell/);
    assert.throws(() => tablesRead(odd({ from: 'backup_servers t' })), /does not start with its table/);
    const subquery = { key: 'sessions', kind: 'int', joined: '(SELECT COUNT(*) FROM backup_job_sessions x WHERE x.job_id = t.id)' } as const;
    assert.deepEqual(tablesRead(odd({ fields: [...Job.fields, subquery] })), ['jobs', 'backup_servers', 'backup_job_sessions']);
  });
});

describe('which generations a write moves', () => {
  test('exactly the tables whose rows it changed, whatever the kind of write', () => withStore(async (store) => {
    assert.deepEqual(moved(new Map(), await store.dataGenerations()), [], 'a new database: every table at 0');
    assert.deepEqual(await movedBy(store, () => loadFixture(store)), [...RESOURCE_TABLES]);
    const changedSession = rowOf({ ...backupSessions[1], progress: 7 });
    assert.deepEqual(await movedBy(store, () => store.write((w) => w.upsert(BackupJobSession, [changedSession]))), ['backup_job_sessions']);
    assert.deepEqual(await movedBy(store, () => store.write((w) => w.upsert(BackupJobSession, [changedSession]))), [], 'an upsert that changes nothing');
    assert.deepEqual(await movedBy(store, () => store.write(async () => undefined)), [], 'an empty write');
    assert.deepEqual(
      await movedBy(store, () => store.write(async (w) => {
        await w.upsert(ReplicaJobSession, [rowOf({ ...replicaSessions[0], progress: 1 })]);
        await w.upsert(BackupServer, rowsOf(servers));
      })),
      ['replica_job_sessions'],
    );
    await assert.rejects(store.write(async (w) => {
      const before = await store.dataGenerations();
      await w.upsert(BackupServer, [rowOf({ ...servers[0], name: 'never' })]);
      assert.deepEqual(moved(before, await store.dataGenerations()), [], 'nothing moves before the commit');
      throw new Error('rolled back');
    }), /rolled back/);
    assert.deepEqual(await movedBy(store, async () => undefined), [], 'a rolled-back write moves nothing');
    const newTask = rowOf({ ...backupTasks[0], id: '11111111-2222-4333-8444-555555555555' });
    assert.deepEqual(await movedBy(store, () => store.write((w) => w.upsert(BackupTaskSession, [newTask]), { bulk: true })), ['backup_task_sessions'], 'a bulk write');
    assert.deepEqual(await movedBy(store, () => store.write((w) => w.clear())), [...RESOURCE_TABLES], 'clear: every table that held rows');
    assert.deepEqual(await movedBy(store, () => store.write((w) => w.clear())), [], 'clearing empty tables changes nothing');
    await store.write((w) => w.upsert(BackupServer, rowsOf(servers)));
    assert.deepEqual(
      await movedBy(store, () => store.write((w) => w.upsert(BackupServer, rowsOf(servers)), { replace: true })),
      ['backup_servers'],
      'a replacing load of the same rows: emptied and filled again (the only table that held rows)',
    );
  }));

  test('a row change no write method reported (a method that forgot to) moves every table: never stale', () => withStore(async (store) => {
    await loadFixture(store);
    // The writer connection, as a write method would use it (a private of the SQLite store).
    const writer = (store as unknown as { writes: { db: Database.Database } }).writes.db;
    assert.deepEqual(
      await movedBy(store, () => store.write(async () => writer.exec("UPDATE jobs SET description = 'unreported'"))),
      [...RESOURCE_TABLES],
    );
  }));

  test('a replacing load moves the tables it emptied and the tables it filled', () => withStore(async (store) => {
    await store.write((w) => w.upsert(BackupServer, rowsOf(servers)));
    const before = await store.dataGenerations();
    await loadFixture(store);
    const afterLoad = await store.dataGenerations();
    assert.deepEqual(moved(before, afterLoad), RESOURCE_TABLES.filter((t) => t !== 'backup_servers'));
    await store.write((w) => w.upsert(BackupServer, [rowOf({ ...servers[0], name: 'replaced' })]), { replace: true });
    assert.deepEqual(moved(afterLoad, await store.dataGenerations()), [...RESOURCE_TABLES], 'all emptied, servers filled');
  }));

  test('another connection to the file (as another process has) sees the moves; the sum moves with any', () => withStore(async (store, path) => {
    await loadFixture(store);
    const other = openSqliteStore(path);
    try {
      const sum = await store.dataGeneration();
      assert.deepEqual(await movedBy(other, () => other.write((w) => w.upsert(Job, [rowOf({ ...jobs[0], name: 'renamed' })])), store), ['jobs']);
      assert.equal(await store.dataGeneration(), sum + 1);
      assert.deepEqual(await movedBy(store, () => store.write((w) => w.upsert(ReplicaTaskSession, []))), []);
      assert.deepEqual(await movedBy(store, () => store.write((w) => w.clear()), other), [...RESOURCE_TABLES]);
    } finally {
      await other.close();
    }
  }));

  test('generations read between writes come back as the same object (one pragma), and as a new one after a commit', () => withStore(async (store) => {
    await loadFixture(store);
    const a = await store.dataGenerations();
    assert.equal(await store.dataGenerations(), a);
    await store.write((w) => w.upsert(BackupServer, [rowOf({ ...servers[0], name: 'x' })]));
    const b = await store.dataGenerations();
    assert.notEqual(b, a);
    assert.deepEqual(moved(a, b), ['backup_servers']);
  }));
});

describe('the migration to generations per table', () => {
  test('every table that existed starts from the single generation it had; later writes move their own', async () => {
    const path = newPath();
    const old = new Database(path);
    old.pragma('journal_mode = WAL');
    for (const [v, m] of MIGRATIONS.slice(0, 2).entries()) {
      old.exec(m);
      old.pragma(`user_version = ${v + 1}`);
    }
    old.exec('UPDATE data_generation SET generation = 41');
    const existed = RESOURCE_TABLES.filter((t) => old.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(t) !== undefined);
    old.close();
    assert.ok(existed.includes('backup_servers') && existed.length < RESOURCE_TABLES.length, 'later migrations add tables');
    await withStore(async (store) => {
      const generations = await store.dataGenerations();
      for (const table of existed) assert.equal(generations.get(table), 41, table);
      // Tables later migrations create have no row (at 0 until their first write).
      assert.deepEqual([...generations.keys()].sort(), [...existed].sort());
      await store.write((w) => w.upsert(BackupServer, rowsOf(servers)));
      assert.equal((await store.dataGenerations()).get('backup_servers'), 42);
      assert.equal((await store.dataGenerations()).get('jobs'), 41);
    }, path);
  });

  test('a table the declarations add later has no row: at 0 until its first write', () => withStore(async (store, path) => {
    const db = new Database(path);
    try {
      db.exec("DELETE FROM data_generation WHERE resource_table = 'jobs'");
    } finally {
      db.close();
    }
    assert.equal((await store.dataGenerations()).get('jobs'), undefined);
    await loadFixture(store);
    assert.equal((await store.dataGenerations()).get('jobs'), 1);
  }));
});

describe('the cached totals', () => {
  /** Commits `sql` without moving a generation: a change the count cache is not told about. */
  const behindTheBack = (path: string, sql: string) => {
    const db = new Database(path);
    try {
      db.exec(sql);
    } finally {
      db.close();
    }
  };

  test('a total stays cached across writes to tables its type does not read, and is counted again after a write to one it reads, joined ones too', () => withStore(async (store, path) => {
    await loadFixture(store);
    const byJob = plan(BackupTaskSession, { filter: 'JobName=="Backup Job 1"', limit: 1 });
    const total = async () => (await store.query(byJob, { count: true })).total;
    assert.equal(await total(), 2);
    behindTheBack(path, "UPDATE backup_job_sessions SET job_name = 'hidden' WHERE job_name = 'Backup Job 1'");
    await store.write((w) => w.upsert(ReplicaJobSession, [rowOf({ ...replicaSessions[0], progress: 3 })]));
    assert.equal(await total(), 2, 'cached: replica sessions are not read');
    const cursor = await store.cursor(byJob, { count: true, chunkRows: 10 });
    cursor.close();
    assert.equal(cursor.total, 2, 'a cursor gets the cached total too');
    await store.write((w) => w.upsert(BackupJobSession, [rowOf({ ...backupSessions[0], progress: 5 })]));
    assert.equal(await total(), 0, 'counted again: the task type joins its job sessions');
  }));
});

describe('the response cache', () => {
  const answer = (text: string) => ({ body: Buffer.from(text), contentType: 'text/plain' });
  const at = (o: Record<string, number>): Generations => new Map(Object.entries(o));
  const REPLICA = ['replica_job_sessions', 'backup_servers'];
  const BACKUP = ['backup_job_sessions', 'backup_servers'];

  test('an answer lives while the tables it read stand still, whatever other tables do', () => {
    const cache = new ResponseCache(1 << 20);
    const g1 = at({ replica_job_sessions: 1, backup_job_sessions: 1, backup_servers: 1 });
    cache.set('r', REPLICA, g1, answer('replica'));
    cache.set('b', BACKUP, g1, answer('backup'));
    const g2 = at({ replica_job_sessions: 1, backup_job_sessions: 2, backup_servers: 1 });
    assert.equal(cache.get('r', REPLICA, g2)?.body.toString(), 'replica');
    assert.equal(cache.get('b', BACKUP, g2), undefined);
    const g3 = at({ replica_job_sessions: 1, backup_job_sessions: 2, backup_servers: 2 });
    assert.equal(cache.get('r', REPLICA, g3), undefined, 'a joined table moved');
  });

  test('a reading older than one already seen neither serves nor keeps what it was not computed at', () => {
    const cache = new ResponseCache(1 << 20);
    const old = at({ backup_job_sessions: 1 });
    const now = at({ backup_job_sessions: 2 });
    cache.set('b', BACKUP, old, answer('old'));
    assert.equal(cache.get('b', BACKUP, now), undefined, 'the old answer died when the newer generation was seen');
    cache.set('b', BACKUP, now, answer('new'));
    assert.equal(cache.get('b', BACKUP, old), undefined, 'a request that read the generations earlier recomputes');
    cache.set('b', BACKUP, old, answer('late'));
    assert.equal(cache.get('b', BACKUP, now)?.body.toString(), 'new', 'and what it computed did not replace the newer answer');
  });

  test('the least recently used answers go first once the bytes run out', () => {
    const cache = new ResponseCache(40);
    const g = at({});
    for (const k of ['a', 'b', 'c', 'd']) cache.set(k, BACKUP, g, answer(k.repeat(10)));
    assert.ok(cache.get('a', BACKUP, g));
    cache.set('e', BACKUP, g, answer('e'.repeat(10)));
    assert.deepEqual(['a', 'b', 'c', 'd', 'e'].filter((k) => cache.get(k, BACKUP, g) !== undefined), ['a', 'c', 'd', 'e']);
  });
});
