/**
 * The query service caches totals and rendered answers; a cache must never serve stale data
 * after a write — from this process or from another connection to the same database file —
 * and a write to one table must not throw away answers that do not read it.
 *
 * "Served from the cache" is shown without timing: a change made behind the cache's back (a
 * raw commit that does not move any data generation) is invisible in an answer that came from
 * the cache and visible in one that was computed.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { B0, B1, B4, BS1, backupSessions, backupTasks, J1, J3, replicaSessions, S1, S4, servers } from './support/fixture.js';
import { BackupJobSession, BackupServer, ReplicaJobSession } from '../src/model/all.js';
import type { Row } from '../src/model/index.js';
import { hashPassword } from '../src/auth/password.js';
import { openSqliteStore } from '../src/store/sqlite/sqlite-store.js';
import type { Store } from '../src/store/store.js';
import { run, workDir } from './support/cli-process.js';
import { get, logon, startFixtureServer, type Server, startLoggedOn, testSettings } from './support/server.js';

const rowOf = (o: object) => o as unknown as Row;

/** A JSON answer of `path` (status 200 asserted). */
async function json(server: Server, token: string, path: string) {
  const res = await get(server, path, { token, accept: 'application/json' });
  assert.equal(res.status, 200, res.body);
  return { body: res.body, doc: JSON.parse(res.body) };
}

/** Commits `sql` on a connection of its own without moving any data generation: the cache is not told. */
function behindTheCachesBack(server: Server, sql: string, ...params: unknown[]): void {
  const db = new Database(server.path);
  try {
    db.pragma('busy_timeout = 5000');
    db.prepare(sql).run(...params);
  } finally {
    db.close();
  }
}

/** A second store on the server's database file: another connection, as another process has. */
async function withOtherStore<T>(server: Server, fn: (store: Store) => Promise<T>): Promise<T> {
  const other = openSqliteStore(server.path);
  try {
    return await fn(other);
  } finally {
    await other.close();
  }
}

describe('one server, writes one after another', () => {
  let server: Server;
  let token: string;
  before(async () => ({ server, token } = await startLoggedOn()));
  after(() => server.close());

  const QUERY = '/api/query?type=ReplicaJobSession&format=Entities&filter=Result==Success&pageSize=1';

  async function total(): Promise<{ pages: number; first: string }> {
    const { doc } = await json(server, token, QUERY);
    return { pages: doc.PagingInfo.PagesCount, first: doc.Entities.ReplicaJobSessions.ReplicaJobSessions[0]?.Name };
  }

  const newSession = (id: string, start: string): Row =>
    rowOf({ ...replicaSessions[0], id, name: `Replication Job 1@${start}`, creationTime: `${start}.0000000Z`.replace(' ', 'T') });

  test('a write through the store invalidates counts and rendered answers', async () => {
    assert.deepEqual(await total(), { pages: 1, first: 'Replication Job 1@2021-06-15 22:06:57' });
    assert.deepEqual(await total(), { pages: 1, first: 'Replication Job 1@2021-06-15 22:06:57' }, 'served again (cached)');
    await server.store.write((w) => w.upsert(ReplicaJobSession, [newSession('11111111-1111-4111-8111-111111111111', '2021-06-01 10:00:00')]));
    assert.deepEqual(await total(), { pages: 2, first: 'Replication Job 1@2021-06-01 10:00:00' });
  });

  test('a raw write by another connection that moves its table\'s generation invalidates them too', async () => {
    const before = await total();
    const other = new Database(server.path);
    try {
      other.exec('BEGIN');
      other
        .prepare(
          `INSERT INTO replica_job_sessions (id, server_id, job_id, name, job_name, job_type, creation_time, end_time, state, result, progress, failure_message, is_retry)
           VALUES (?, ?, ?, ?, 'Replication Job 1', 0, ?, NULL, 5, 1, 100, NULL, 0)`,
        )
        .run('22222222-2222-4222-8222-222222222222', BS1, J1, 'Replication Job 1@2021-05-31 09:00:00', '2021-05-31T09:00:00.0000000Z');
      other.exec("UPDATE data_generation SET generation = generation + 1 WHERE resource_table = 'replica_job_sessions'");
      other.exec('COMMIT');
    } finally {
      other.close();
    }
    const afterWrite = await total();
    assert.equal(afterWrite.pages, before.pages + 1);
    assert.equal(afterWrite.first, 'Replication Job 1@2021-05-31 09:00:00');
  });

  test('XML and JSON answers are cached apart', async () => {
    const xml = await get(server, QUERY, { token });
    const json = await get(server, QUERY, { token, accept: 'application/json' });
    assert.ok(xml.body.startsWith('<?xml'));
    assert.ok(json.body.startsWith('{'));
    assert.equal((await get(server, QUERY, { token })).body, xml.body);
  });

  test('a remembered password stops counting when the password changes', async () => {
    const basic = (pw: string) => 'Basic ' + Buffer.from(`tech\\viewer:${pw}`).toString('base64');
    const post = (pw: string) => fetch(`${server.url}/api/sessionMngr/`, { method: 'POST', headers: { Authorization: basic(pw) } });
    assert.equal((await post('Passw0rd')).status, 201);
    assert.equal((await post('Passw0rd')).status, 201, 'remembered');
    assert.equal((await post('passw0rd')).status, 401, 'a different password is checked, not remembered');
    await server.store.putUser({ name: 'tech\\viewer', passwordHash: await hashPassword('N3w!'), role: 'PortalUser' });
    assert.equal((await post('Passw0rd')).status, 401, 'the old password is dead at once');
    assert.equal((await post('N3w!')).status, 201);
  });
});

describe('invalidation per table', () => {
  let server: Server;
  let token: string;
  before(async () => ({ server, token } = await startLoggedOn()));
  after(() => server.close());

  const REPLICA = '/api/query?type=ReplicaJobSession&format=Entities&sortAsc=CreationTime&pageSize=1';
  const REPLICA_TASKS = '/api/query?type=ReplicaTaskSession&format=Entities';
  const BACKUP = '/api/query?type=BackupJobSession&format=Entities&sortAsc=CreationTime&pageSize=1';
  const first = (doc: { Entities: Record<string, Record<string, { Name: string }[]>> }, list: string) => Object.values(doc.Entities[list])[0][0]?.Name;

  test('a write to backup sessions keeps cached replica answers and totals; backup answers are computed again', async () => {
    const replica = await json(server, token, REPLICA);
    const replicaTasks = await json(server, token, REPLICA_TASKS);
    const backup = await json(server, token, BACKUP);
    assert.equal(replica.doc.PagingInfo.PagesCount, 4);
    assert.equal(first(backup.doc, 'BackupJobSessions'), backupSessions[0].name);

    // Behind the cache's back: S1 renamed (its task's JobSession link shows that name), with a new
    // revision as every write of the store gives a row it changes; S4 gone.
    behindTheCachesBack(server, 'UPDATE replica_job_sessions SET name = ?, rev = random() WHERE id = ?', 'renamed behind the cache', S1);
    behindTheCachesBack(server, 'DELETE FROM replica_job_sessions WHERE id = ?', S4);
    await server.store.write((w) => w.upsert(BackupJobSession, [rowOf({ ...backupSessions[0], name: 'Backup Job 1@written' })]));

    assert.equal((await json(server, token, REPLICA)).body, replica.body, 'the replica answer came from the cache');
    assert.equal((await json(server, token, REPLICA_TASKS)).body, replicaTasks.body, 'so did the replica task answer');
    const page2 = await json(server, token, `${REPLICA}&page=2`);
    assert.equal(page2.doc.PagingInfo.PagesCount, 4, 'a new page of the same query: its total came from the count cache');
    assert.equal(first((await json(server, token, BACKUP)).doc, 'BackupJobSessions'), 'Backup Job 1@written', 'the backup answer was computed again');

    // A committed write to replica sessions: their answers, and the task answers that join them, are computed again.
    await server.store.write((w) => w.upsert(ReplicaJobSession, [rowOf({ ...replicaSessions[1], progress: 99 })]));
    const fresh = await json(server, token, REPLICA);
    assert.equal(first(fresh.doc, 'ReplicaJobSessions'), 'renamed behind the cache');
    assert.equal(fresh.doc.PagingInfo.PagesCount, 3);
    assert.match((await json(server, token, REPLICA_TASKS)).body, /renamed behind the cache/);
  });

  test('a write that changes no row moves no generation: the cached answer stays', async () => {
    const backup = await json(server, token, BACKUP);
    assert.equal(first(backup.doc, 'BackupJobSessions'), 'Backup Job 1@written');
    behindTheCachesBack(server, 'UPDATE backup_job_sessions SET name = ? WHERE id = ?', 'unseen', B0);
    const unseen = rowOf({ ...backupSessions[0], name: 'unseen' });
    assert.deepEqual(await server.store.write((w) => w.upsert(BackupJobSession, [unseen])), { inserted: 0, updated: 0 });
    assert.equal((await json(server, token, BACKUP)).body, backup.body, 'still the cached answer');
    const seen = rowOf({ ...backupSessions[0], name: 'seen' });
    assert.deepEqual(await server.store.write((w) => w.upsert(BackupJobSession, [seen])), { inserted: 0, updated: 1 });
    assert.equal(first((await json(server, token, BACKUP)).doc, 'BackupJobSessions'), 'seen');
  });
});

describe('kept row texts', () => {
  let server: Server;
  let token: string;
  before(async () => ({ server, token } = await startLoggedOn()));
  after(() => server.close());

  /** Rows reused and rendered so far (the server's counters). */
  async function rowTexts(): Promise<{ reused: number; rendered: number }> {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    const counter = (name: string) => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(text)?.[1] ?? NaN);
    return { reused: counter('emrest_row_texts_reused_total'), rendered: counter('emrest_row_texts_rendered_total') };
  }
  const since = (before: { reused: number; rendered: number }, after: { reused: number; rendered: number }) =>
    ({ reused: after.reused - before.reused, rendered: after.rendered - before.rendered });

  const PAGE = '/api/query?type=ReplicaJobSession&format=Entities&sortAsc=CreationTime';
  /** The same rows read through the streaming cursor (a page over one chunk), which keeps no texts. */
  const STREAMED = `${PAGE}&pageSize=600`;
  const sessionsOf = (doc: { Entities: { ReplicaJobSessions: { ReplicaJobSessions: Record<string, unknown>[] } } }) => doc.Entities.ReplicaJobSessions.ReplicaJobSessions;

  async function page(): Promise<Record<string, unknown>[]> {
    const kept = sessionsOf((await json(server, token, PAGE)).doc);
    assert.deepEqual(kept, sessionsOf((await json(server, token, STREAMED)).doc), 'as rendered anew');
    return kept;
  }

  test('an answer computed again reuses the texts of the rows unchanged and renders only the others, as they are now', async () => {
    const n = replicaSessions.length;
    let counted = await rowTexts();
    const first = await page();
    assert.equal(first.length, n);
    assert.deepEqual(since(counted, (counted = await rowTexts())), { reused: 0, rendered: n });

    // One session changed: the answer is computed again, from n - 1 kept texts.
    await server.store.write((w) => w.upsert(ReplicaJobSession, [rowOf({ ...replicaSessions[1], progress: 7 })]));
    const second = await page();
    assert.deepEqual(since(counted, (counted = await rowTexts())), { reused: n - 1, rendered: 1 });
    assert.deepEqual(second.map((s) => s.Progress), first.map((s) => (s.UID === `urn:veeam:ReplicaJobSession:${replicaSessions[1].id}` ? 7 : s.Progress)));

    // The server its sessions join renamed: theirs are rendered again, with the new name.
    const onBs1 = replicaSessions.filter((s) => s.serverId === BS1).length;
    const bs1 = servers.find((s) => s.id === BS1)!;
    await server.store.write((w) => w.upsert(BackupServer, [rowOf({ ...bs1, name: 'renamed.tech.local' })]));
    const third = await page();
    assert.deepEqual(since(counted, (counted = await rowTexts())), { reused: n - onBs1, rendered: onBs1 });
    const names = third.flatMap((s) => (s.Links as { Type: string; Name?: string }[]).filter((l) => l.Type === 'BackupServerReference').map((l) => l.Name));
    assert.equal(names.filter((name) => name === 'renamed.tech.local').length, onBs1);

    // XML is written by writers of its own: its texts are kept apart.
    assert.equal((await get(server, PAGE, { token })).status, 200);
    assert.deepEqual(since(counted, await rowTexts()), { reused: 0, rendered: n });
  });

  test('--row-texts-mb 0 keeps none: every page is read and rendered whole', async () => {
    assert.equal(testSettings({ 'row-texts-mb': '0' }).rowTextChars, 0);
    assert.equal(testSettings().rowTextChars, 32 * 1024 * 1024);
    assert.throws(() => testSettings({ 'row-texts-mb': '-1' }), /row-texts-mb/);
    const { server: off, token: offToken } = await startLoggedOn({ flags: { 'row-texts-mb': '0' } });
    try {
      const whole = sessionsOf((await json(off, offToken, PAGE)).doc);
      assert.equal(whole.length, replicaSessions.length);
      assert.deepEqual(whole, sessionsOf((await json(off, offToken, STREAMED)).doc));
      const text = await (await fetch(`${off.url}/metrics`)).text();
      assert.match(text, /^emrest_row_texts_rendered_total 0$/m);
    } finally {
      await off.close();
    }
  });
});

describe('writes by another process', () => {
  let server: Server;
  let token: string;
  before(async () => ({ server, token } = await startLoggedOn()));
  after(() => server.close());

  const TASKS = '/api/query?type=BackupTaskSession&format=Entities&sortAsc=CreationTime';
  const taskLinks = async () => {
    const { doc } = await json(server, token, TASKS);
    const task = doc.Entities.BackupTaskSessions.BackupTaskSessions.find((t: { UID: string }) => t.UID.endsWith(backupTasks[0].id));
    const link = (type: string) => task.Links.find((l: { Type: string }) => l.Type === type)?.Name;
    return { server: link('BackupServerReference'), session: link('BackupJobSessionReference') };
  };

  test('a second store on the same file: renaming a server changes the cached task answers that join it', async () => {
    assert.deepEqual(await taskLinks(), { server: servers[0].name, session: backupSessions[1].name });
    await taskLinks();
    const replicaTasks = await json(server, token, '/api/query?type=ReplicaTaskSession&format=Entities');
    assert.match(replicaTasks.body, new RegExp(servers[0].name.replaceAll('.', '\\.')));

    await withOtherStore(server, (other) => other.write((w) => w.upsert(BackupServer, [rowOf({ ...servers[0], name: 'vbr-renamed.tech.local' })])));
    assert.deepEqual(await taskLinks(), { server: 'vbr-renamed.tech.local', session: backupSessions[1].name });
    const renamed = await json(server, token, '/api/query?type=ReplicaTaskSession&format=Entities');
    assert.match(renamed.body, /vbr-renamed\.tech\.local/);
    assert.doesNotMatch(renamed.body, /enterprise06/);

    await withOtherStore(server, (other) => other.write((w) => w.upsert(BackupJobSession, [rowOf({ ...backupSessions[1], name: 'Backup Job 1@renamed' })])));
    assert.deepEqual(await taskLinks(), { server: 'vbr-renamed.tech.local', session: 'Backup Job 1@renamed' }, 'a task answer reads its job session too');
  });

  test('the CLI (a real other process) importing a server changes the answers that read it', async () => {
    const before = await taskLinks();
    const { doc } = await json(server, token, '/api/query?type=BackupServer&format=Entities');
    for (const s of doc.Entities.BackupServers.BackupServers) if (s.UID.endsWith(BS1)) s.Name = 'vbr-imported.tech.local';
    const file = join(workDir, 'servers.json');
    writeFileSync(file, JSON.stringify(doc));
    const imported = await run(['import', file, '--data-dir', dirname(server.path)]);
    assert.equal(imported.code, 0, imported.stderr);
    assert.deepEqual(await taskLinks(), { ...before, server: 'vbr-imported.tech.local' });
  });
});

describe('the admin API\'s writer thread', () => {
  const ADMIN = 'test-admin-token-0123456789';
  let server: Server;
  let token: string;
  before(async () => ({ server, token } = await startLoggedOn({ adminToken: ADMIN })));
  after(() => server.close());

  const admin = (method: string, path: string, body?: string) =>
    fetch(server.url + path, { method, headers: { Authorization: `Bearer ${ADMIN}` }, body });

  test('an import and a delete through the admin API invalidate the answers that read what they wrote', async () => {
    const TASKS = '/api/query?type=BackupTaskSession&format=Entities';
    assert.match((await json(server, token, TASKS)).body, /enterprise06\.tech\.local/);
    const { doc } = await json(server, token, '/api/query?type=BackupServer&format=Entities');
    for (const s of doc.Entities.BackupServers.BackupServers) if (s.UID.endsWith(BS1)) s.Name = 'vbr-admin.tech.local';
    const imported = await admin('POST', '/admin/v1/import', JSON.stringify(doc));
    assert.equal(imported.status, 200, await imported.text());
    assert.match((await json(server, token, TASKS)).body, /vbr-admin\.tech\.local/);

    const replica = '/api/query?type=ReplicaJobSession&format=Entities';
    assert.equal((await json(server, token, replica)).doc.PagingInfo.PagesCount, 1);
    assert.equal((await admin('DELETE', '/admin/v1/data')).status, 204);
    for (const path of [TASKS, replica]) {
      const { doc: after } = await json(server, token, path);
      assert.deepEqual(Object.values(after.Entities).flatMap((l) => (l === null ? [] : Object.values(l as object)[0] ?? [])), [], `${path} is empty now`);
    }
  });
});

describe('answers that depend on the clock', () => {
  let server: Server;
  let token: string;
  before(async () => ({ server, token } = await startLoggedOn()));
  after(() => server.close());

  test('a session collection (30-day window) follows the clock with the data unchanged; a query answer (no window) stays', async () => {
    const QUERY = '/api/query?type=BackupJobSession&format=Entities';
    const query = await json(server, token, QUERY);
    const listed = async () => (await json(server, token, '/api/backupSessions')).body;
    const before = await listed();
    assert.ok(before.includes(B1) && before.includes(B4) && !before.includes(B0));
    assert.equal(await listed(), before);
    server.advance(29 * 86_400_000); // the window now starts at 2021-06-17
    ({ token } = await logon(server)); // the old logon went idle meanwhile
    const later = await listed();
    assert.ok(!later.includes(B1) && later.includes(B4), 'B1 left the window');
    const tasks = async () => (await json(server, token, `/api/backupSessions/${B1}/taskSessions`)).body;
    assert.ok(!(await tasks()).includes(backupTasks[0].id), 'so did its task');
    assert.equal((await json(server, token, QUERY)).body, query.body, 'the query service has no window');
  });
});

describe('queries while sessions are written', () => {
  let server: Server;
  let token: string;
  before(async () => ({ server, token } = await startLoggedOn()));
  after(() => server.close());

  /** A new backup session of version `v`: created one second after the one before. */
  const added = (v: number): Row =>
    rowOf({
      ...backupSessions[2], id: `00000000-0000-4000-8000-${String(v).padStart(12, '0')}`, jobId: J3, name: `Loop@v${v}`,
      creationTime: new Date(Date.parse('2021-06-17T23:00:00Z') + v * 1000).toISOString().replace('Z', '0000Z'),
    });

  test('every answer is at least as new as the last write committed before it was asked for', async (t) => {
    const replica = await json(server, token, '/api/query?type=ReplicaJobSession&format=Entities');
    const other = openSqliteStore(server.path);
    let committed = 0;
    let writing = true;
    const checked = { answers: 0, stale: [] as string[] };
    const writer = (async () => {
      const deadline = Date.now() + 2500;
      try {
        for (let v = 1; v <= 400 && Date.now() < deadline; v++) {
          // Half the writes by the server's own store, half by another connection to the file.
          const store = v % 2 === 0 ? server.store : other;
          await store.write(async (w) => {
            await w.upsert(BackupJobSession, [rowOf({ ...backupSessions[1], name: `Backup Job 1@v${v}`, progress: v % 100 })]);
            await w.upsert(BackupJobSession, [added(v)]);
          });
          committed = v;
          await new Promise((resolve) => setTimeout(resolve, v % 3));
        }
      } finally {
        writing = false;
      }
    })();

    // What each query's answer says about the version it shows.
    const queries: [string, 'json' | 'xml', (body: string) => number][] = [
      // The task of B1, whose JobSession link carries B1's name (a join).
      ['/api/query?type=BackupTaskSession&format=Entities&filter=VmDisplayName==dc01&sortAsc=CreationTime', 'json', (b) => version(/"Name":"Backup Job 1@v(\d+)"/, b)],
      ['/api/query?type=BackupTaskSession&format=Entities&filter=VmDisplayName==dc01&sortAsc=CreationTime', 'xml', (b) => version(/Name="Backup Job 1@v(\d+)"/, b)],
      // The newest session, and the total (5 fixture sessions, then one more per write).
      ['/api/query?type=BackupJobSession&sortDesc=CreationTime&pageSize=1', 'json', (b) => version(/"Name":"Loop@v(\d+)"/, b)],
      ['/api/query?type=BackupJobSession&sortDesc=CreationTime&pageSize=1', 'xml', (b) => Number(/PagesCount="(\d+)"/.exec(b)?.[1] ?? 5) - 5],
      ['/api/query?type=BackupJobSession&format=Entities&filter=Result==Success&sortAsc=CreationTime&pageSize=2', 'json', (b) => version(/"Name":"Backup Job 1@v(\d+)"/, b)],
    ];
    const version = (pattern: RegExp, body: string) => Number(pattern.exec(body)?.[1] ?? 0);
    const reader = async (n: number) => {
      for (let i = n; writing; i++) {
        const [path, format, read] = queries[i % queries.length];
        const floor = committed;
        const res = await get(server, path, { token, accept: format === 'json' ? 'application/json' : undefined });
        assert.equal(res.status, 200, res.body);
        const seen = read(res.body);
        checked.answers++;
        if (seen < floor) checked.stale.push(`${path} (${format}) showed v${seen} after v${floor} was committed`);
        if (i % 7 === 0) assert.equal((await get(server, '/api/query?type=ReplicaJobSession&format=Entities', { token, accept: 'application/json' })).body, replica.body);
      }
    };
    try {
      await Promise.all([writer, ...Array.from({ length: 16 }, (_, n) => reader(n))]);
    } finally {
      await other.close();
    }
    t.diagnostic(`${committed} writes, ${checked.answers} answers checked`);
    assert.deepEqual(checked.stale, []);
    assert.ok(committed >= 20 && checked.answers >= 200, `${committed} writes, ${checked.answers} answers checked`);
    for (const [path, format, read] of queries) {
      const res = await get(server, path, { token, accept: format === 'json' ? 'application/json' : undefined });
      assert.equal(read(res.body), committed, `${path} (${format}) after the last write`);
    }
    // The replica answer was cached all along: a change behind the cache's back does not show.
    behindTheCachesBack(server, 'UPDATE replica_job_sessions SET name = ? WHERE id = ?', 'unseen', S1);
    assert.equal((await get(server, '/api/query?type=ReplicaJobSession&format=Entities', { token, accept: 'application/json' })).body, replica.body);
  });
});
