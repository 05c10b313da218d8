/**
 * The PostgreSQL store: the store contract (test/contract/store.contract.ts) against the
 * machine's PostgreSQL, each store in a fresh schema of this file's own database; and what
 * only a server database has: a newer schema refused, a second store on the same database
 * sharing everything, case folding exactly as SQLite's NOCASE.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import pg from 'pg';
import { BackupServer } from '../src/model/all.js';
import type { Row } from '../src/model/index.js';
import { importData, ImportError } from '../src/io/import/index.js';
import { planPredicate } from '../src/query/plan.js';
import { parseFilter } from '../src/filter/parse.js';
import { openPgStore } from '../src/store/pg/pg-store.js';
import { storeContract } from './contract/store.contract.js';
import { servers } from './support/fixture.js';
import { plan } from './support/plans.js';
import { freshPostgresUrl, holdPostgresLock } from './support/postgres.js';

storeContract('PostgreSQL', async () => {
  const url = await freshPostgresUrl();
  const store = await openPgStore(url);
  return {
    store,
    holdDataLock: () => holdPostgresLock(url, 'data'),
    holdLogonLock: () => holdPostgresLock(url, 'logons'),
    dispose: () => store.close(),
  };
});

const rowsOf = (list: readonly object[]) => list as unknown as Row[];

describe('PostgreSQL store', () => {
  test('a database of a newer emrest is refused with a message; an unreachable one fails to open', async () => {
    const url = await freshPostgresUrl();
    await (await openPgStore(url)).close();
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    await c.query('UPDATE emrest_schema SET version = version + 1');
    await c.end();
    await assert.rejects(openPgStore(url), /made by a newer emrest \(schema version 2; this emrest knows 1\)/);
    await assert.rejects(openPgStore('postgres://postgres@127.0.0.1:1/none'), /cannot be reached/);
  });

  test('two stores on one database share rows, generations, users and logon sessions', async () => {
    const url = await freshPostgresUrl();
    const [a, b] = [await openPgStore(url), await openPgStore(url)];
    try {
      await a.write((w) => w.upsert(BackupServer, rowsOf(servers)));
      assert.equal((await b.query(plan(BackupServer))).rows.length, servers.length);
      assert.deepEqual(await b.dataGenerations(), await a.dataGenerations());
      await a.putUser({ name: 'TECH\\Ops', passwordHash: 'h', role: 'PortalUser' });
      assert.equal((await b.getUser('tech\\ops'))?.name, 'TECH\\Ops');
      await b.createLogonSession({ id: 'x', userName: 'TECH\\Ops', createdAt: 1, lastSeen: 1 }, { expiredBefore: 0, maxPerUser: 5 });
      assert.equal((await a.getLogonSession('x'))?.userName, 'TECH\\Ops');
      assert.equal(await a.deleteLogonSession('x'), true);
      assert.equal(await b.getLogonSession('x'), undefined);
    } finally {
      await a.close();
      await b.close();
    }
  });

  test('names compare and sort as SQLite NOCASE: ASCII letters fold, other letters do not, bytes order the rest', async () => {
    const url = await freshPostgresUrl();
    const store = await openPgStore(url);
    try {
      const names = ['b', 'A', 'É', 'é', '_x', 'a', 'Z', '~'];
      await store.write((w) => w.upsert(BackupServer, names.map((name, i) => ({ ...rowsOf(servers)[0], id: `00000000-0000-4000-8000-00000000000${i}`, name }))));
      const sorted = (await store.query(plan(BackupServer))).rows.map((r) => r.name);
      // NOCASE folds A–Z to a–z and compares UTF-8 bytes (ties by id): '_' 0x5F < 'a' < 'z' < '~' 0x7E < 'É' C3 89 < 'é' C3 A9.
      assert.deepEqual(sorted, ['_x', 'A', 'a', 'b', 'Z', '~', 'É', 'é']);
    } finally {
      await store.close();
    }
  });

  test('U+0000: an imported string holding it is refused whole; a filter value holding it compares as SQLite does', async () => {
    const store = await openPgStore(await freshPostgresUrl());
    try {
      await store.write((w) => w.upsert(BackupServer, ['a', 'b', 'alpha'].map((name, i) => ({ ...rowsOf(servers)[0], id: `00000000-0000-4000-8000-00000000000${i}`, name }))));
      const server = JSON.stringify({ BackupServers: [{ Name: 'x\u0000y', UID: 'urn:veeam:BackupServer:11111111-2222-4333-8444-555555555555', Port: 9392, Version: '12', Description: '' }] });
      await assert.rejects(importData(store, Buffer.from(server), 'nul.json'), (e: unknown) => e instanceof ImportError && /U\+0000/.test(e.message));
      const names = async (filter: string) =>
        (await store.query({ ...plan(BackupServer), where: planPredicate(BackupServer, parseFilter(filter)!) })).rows.map((r) => r.name).sort();
      // 'a\0' sorts just after 'a': above it only what is above 'a'; equal to nothing.
      assert.deepEqual(await names('Name=="a\u0000"'), []);
      assert.deepEqual(await names('Name!="a\u0000"'), ['a', 'alpha', 'b']);
      assert.deepEqual(await names('Name<"a\u0000"'), ['a']);
      assert.deepEqual(await names('Name>"A\u0000x"'), ['alpha', 'b']);
    } finally {
      await store.close();
    }
  });
});
