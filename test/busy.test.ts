/**
 * Another process's write (a CLI import, `seed --replace`) holds SQLite's write lock: reads,
 * logons and idle timers go on; a write that truly needs the lock waits without stopping the
 * server and then answers 503 with Retry-After, never 500.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { logonsPath } from '../src/store/sqlite/sqlite-store.js';
import { holdWriteLock } from './support/sqlite-inspector.js';
import { ADMIN_BASIC, get, logon, startFixtureServer, type Server } from './support/server.js';
import { parseXml } from './support/xml.js';

const ADMIN_TOKEN = 'busy-test-token';
let server: Server;

before(async () => {
  server = await startFixtureServer({ adminToken: ADMIN_TOKEN });
});
after(() => server.close());

const logonRequest = () => fetch(`${server.url}/api/sessionMngr/?v=latest`, { method: 'POST', headers: { Authorization: ADMIN_BASIC } });

/** Statuses of requests made one after another for `ms`, and the slowest one. */
async function keepAsking(ms: number, ask: () => Promise<Response>) {
  const statuses = new Set<number>();
  let slowest = 0;
  for (const until = performance.now() + ms; performance.now() < until; ) {
    const t0 = performance.now();
    const r = await ask();
    await r.arrayBuffer();
    statuses.add(r.status);
    slowest = Math.max(slowest, performance.now() - t0);
  }
  return { statuses: [...statuses], slowest };
}

async function expectBusy(r: Response) {
  assert.equal(r.status, 503);
  assert.equal(r.headers.get('retry-after'), '1');
  const error = parseXml(await r.text()).documentElement;
  assert.equal(error.localName, 'Error');
  assert.equal(error.getAttribute('StatusCode'), '503');
  assert.match(error.getAttribute('Message')!, /busy/);
}

describe('a write lock held elsewhere', () => {
  test('on the data: reads and logons are served at once; the admin import waits, then answers 503', async () => {
    const { token } = await logon(server);
    const release = holdWriteLock(server.path);
    try {
      const importing = fetch(`${server.url}/admin/v1/import`, {
        method: 'POST', headers: { Authorization: `Bearer ${ADMIN_TOKEN}` }, body: '[]',
      });
      const reads = await keepAsking(1500, () => fetch(`${server.url}/api/query?type=ReplicaJobSession&pageSize=2`, { headers: { 'X-RestSvcSessionId': token } }));
      assert.deepEqual(reads.statuses, [200]);
      assert.ok(reads.slowest < 2000, `slowest read ${reads.slowest} ms`);
      const logons = await keepAsking(500, logonRequest);
      assert.deepEqual(logons.statuses, [201]);
      await expectBusy(await importing);
    } finally {
      release();
    }
    const r = await fetch(`${server.url}/admin/v1/import`, { method: 'POST', headers: { Authorization: `Bearer ${ADMIN_TOKEN}` }, body: '[]' });
    assert.equal(r.status, 200);
  });

  test('on the logon sessions: queries go on (idle timers written later); a logon waits, then answers 503', async () => {
    const { token, sessionId } = await logon(server);
    server.advance(60_000);
    const release = holdWriteLock(logonsPath(server.path));
    try {
      const loggingOn = logonRequest();
      const reads = await keepAsking(1000, () => fetch(`${server.url}/api/query?type=BackupServer`, { headers: { 'X-RestSvcSessionId': token } }));
      assert.deepEqual(reads.statuses, [200]);
      await expectBusy(await loggingOn);
    } finally {
      release();
    }
    assert.equal((await logonRequest()).status, 201);
    // Past the idle timeout counted from the logon, but not from the last use: the touch held in memory counts.
    server.advance(15 * 60_000 - 30_000);
    assert.equal((await get(server, '/api/logonSessions', { token })).status, 200);
    // Written to the store once the lock is free (at the latest when the app closes).
    await server.app.close();
    assert.equal((await server.store.getLogonSession(sessionId))!.lastSeen, Date.parse('2021-06-18T00:00:00Z') + 15 * 60_000 + 30_000);
  });
});
