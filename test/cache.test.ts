/**
 * The query service caches totals and rendered answers; a cache must never serve stale data
 * after a write — from this process or from another connection to the same database file.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import { BS1, J1, replicaSessions } from './support/fixture.js';
import { ReplicaJobSession } from '../src/model/all.js';
import type { Row } from '../src/model/index.js';
import { hashPassword } from '../src/auth/password.js';
import { get, logon, startFixtureServer, type Server } from './support/server.js';

let server: Server;
let token: string;
before(async () => {
  server = await startFixtureServer();
  ({ token } = await logon(server));
});
after(() => server.close());

const QUERY = '/api/query?type=ReplicaJobSession&format=Entities&filter=Result==Success&pageSize=1';

async function total(): Promise<{ pages: number; first: string }> {
  const res = await get(server, QUERY, { token, accept: 'application/json' });
  assert.equal(res.status, 200, res.body);
  const body = JSON.parse(res.body);
  return { pages: body.PagingInfo.PagesCount, first: body.Entities.ReplicaJobSessions.ReplicaJobSessions[0]?.Name };
}

const newSession = (id: string, start: string): Row =>
  ({ ...replicaSessions[0], id, name: `Replication Job 1@${start}`, creationTime: `${start}.0000000Z`.replace(' ', 'T') }) as unknown as Row;

test('a write through the store invalidates counts and rendered answers', async () => {
  assert.deepEqual(await total(), { pages: 1, first: 'Replication Job 1@2021-06-15 22:06:57' });
  assert.deepEqual(await total(), { pages: 1, first: 'Replication Job 1@2021-06-15 22:06:57' }, 'served again (cached)');
  await server.store.write((w) => w.upsert(ReplicaJobSession, [newSession('11111111-1111-4111-8111-111111111111', '2021-06-01 10:00:00')]));
  assert.deepEqual(await total(), { pages: 2, first: 'Replication Job 1@2021-06-01 10:00:00' });
});

test('a write by another connection (another process) invalidates them too', async () => {
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
    other.exec('UPDATE data_generation SET generation = generation + 1');
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
