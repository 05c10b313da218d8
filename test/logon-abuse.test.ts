/**
 * Logon abuse is contained: failures per (user name, client address) lock the pair out with a
 * doubling back-off (answered like a wrong password, without checking it), and a user's logon
 * sessions are capped, the least recently used dropped.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { LogonLockout, parseLockoutPolicy } from '../src/auth/logon-lockout.js';
import { DEFAULTS } from '../src/config.js';
import { ADMIN_BASIC, startFixtureServer, VIEWER_BASIC } from './support/server.js';
import { openTestStore } from './support/store.js';
import { parseXml } from './support/xml.js';

const basic = (user: string, password: string) => 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64');
const WRONG = basic('tech\\admin', 'wrong');

describe('logon lockout', () => {
  test('after N failures in the window the pair gets 401 at once, even with the right password; the lock doubles', async () => {
    const server = await startFixtureServer({ logonLockout: { failures: 3, windowMs: 60_000 } });
    try {
      const attempt = async (authorization: string) => {
        const r = await fetch(`${server.url}/api/sessionMngr/?v=latest`, { method: 'POST', headers: { Authorization: authorization } });
        if (r.status === 401) {
          assert.equal(r.headers.get('www-authenticate'), 'Basic Realm=RestSvc');
          assert.equal(parseXml(await r.text()).documentElement.getAttribute('StatusCode'), '401');
        }
        return r.status;
      };
      for (let i = 0; i < 2; i++) assert.equal(await attempt(WRONG), 401);
      assert.equal(await attempt(ADMIN_BASIC), 201, 'two failures do not lock');
      for (let i = 0; i < 3; i++) assert.equal(await attempt(WRONG), 401, 'the success started the count again');
      assert.equal(await attempt(ADMIN_BASIC), 401, 'locked: the right password is refused');
      assert.equal(await attempt(VIEWER_BASIC), 201, 'another user is not locked');
      server.advance(60_000);
      assert.equal(await attempt(ADMIN_BASIC), 201, 'the first lock lasts one window');
      for (let i = 0; i < 3; i++) await attempt(WRONG);
      server.advance(60_000);
      assert.equal(await attempt(ADMIN_BASIC), 201, 'a success forgets the back-off');
      for (let i = 0; i < 3; i++) await attempt(WRONG);
      server.advance(61_000);
      // Once the lock is over, more failures without a success lock it again, for twice as long.
      for (let i = 0; i < 3; i++) await attempt(WRONG);
      server.advance(61_000);
      assert.equal(await attempt(ADMIN_BASIC), 401, 'the second lock in a row lasts two windows');
      server.advance(60_000);
      assert.equal(await attempt(ADMIN_BASIC), 201);
    } finally {
      await server.close();
    }
  });

  test('without a policy, failures never lock', async () => {
    const server = await startFixtureServer();
    try {
      for (let i = 0; i < 25; i++) {
        const r = await fetch(`${server.url}/api/sessionMngr/?v=latest`, { method: 'POST', headers: { Authorization: WRONG } });
        assert.equal(r.status, 401);
      }
      const r = await fetch(`${server.url}/api/sessionMngr/?v=latest`, { method: 'POST', headers: { Authorization: ADMIN_BASIC } });
      assert.equal(r.status, 201);
    } finally {
      await server.close();
    }
  });

  test('the back-off doubles up to 15 minutes; pairs are per address and case-insensitive user', () => {
    const lockout = new LogonLockout({ failures: 2, windowMs: 60_000 });
    let now = 0;
    const lockLength = () => {
      lockout.failed('Ops', '10.0.0.1', now);
      lockout.failed('ops', '10.0.0.1', now);
      assert.ok(lockout.locked('OPS', '10.0.0.1', now));
      assert.ok(!lockout.locked('ops', '10.0.0.2', now));
      const start = now;
      while (lockout.locked('ops', '10.0.0.1', now)) now += 1000;
      return now - start;
    };
    assert.deepEqual([1, 2, 3, 4, 5, 6].map(lockLength), [60_000, 120_000, 240_000, 480_000, 900_000, 900_000]);
    lockout.succeeded('ops', '10.0.0.1');
    assert.equal(lockLength(), 60_000);
  });

  test('N/WINDOW policies', () => {
    assert.deepEqual(parseLockoutPolicy('10/60s'), { failures: 10, windowMs: 60_000 });
    assert.deepEqual(parseLockoutPolicy('5/2m'), { failures: 5, windowMs: 120_000 });
    assert.deepEqual(parseLockoutPolicy('3/90'), { failures: 3, windowMs: 90_000 });
    assert.equal(parseLockoutPolicy('0'), undefined);
    for (const bad of ['', '10', '0/60s', '10/0s', 'ten/60s', '10/60x', '-1/60s']) assert.throws(() => parseLockoutPolicy(bad), /N\/WINDOW/);
  });
});

describe('logon sessions per user', () => {
  test('a storm of logons by one user drops the sessions it abandoned, not the one in use', async () => {
    const server = await startFixtureServer();
    try {
      const logonToken = async () => {
        const r = await fetch(`${server.url}/api/sessionMngr/?v=latest`, { method: 'POST', headers: { Authorization: ADMIN_BASIC } });
        assert.equal(r.status, 201);
        return r.headers.get('x-restsvcsessionid')!;
      };
      const status = async (token: string) => (await fetch(`${server.url}/api/logonSessions`, { headers: { 'X-RestSvcSessionId': token } })).status;
      const inUse = await logonToken();
      server.advance(1000);
      const abandoned = await logonToken();
      server.advance(1000);
      assert.equal(await status(inUse), 200); // used after `abandoned` was opened: more recent
      for (let i = 0; i < DEFAULTS.maxLogonSessionsPerUser - 1; i++) await logonToken();
      assert.equal(await status(abandoned), 401, 'the least recently used session is gone');
      assert.equal(await status(inUse), 200, 'the session in use stays');
    } finally {
      await server.close();
    }
  });

  test('a new logon beyond the cap drops the user’s least recently used; sessions past the idle timeout go too', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'emrest-logons-'));
    const store = openTestStore(dir);
    try {
      const open = (id: string, user: string, at: number) =>
        store.createLogonSession({ id, userName: user, createdAt: at, lastSeen: at }, { expiredBefore: at - 1000, maxPerUser: 3 });
      for (let i = 1; i <= 3; i++) await open(`a${i}`, 'ops', i * 10);
      await store.touchLogonSessions(new Map([['a1', 33]]));
      await open('b1', 'viewer', 35);
      await open('a4', 'OPS', 40);
      assert.equal(await store.getLogonSession('a2'), undefined, 'the least recently used of the user is dropped');
      for (const id of ['a1', 'a3', 'a4', 'b1']) assert.ok(await store.getLogonSession(id), id);
      await store.touchLogonSessions(new Map([['a3', 2000]]));
      await open('b2', 'viewer', 2040);
      assert.deepEqual(
        (await Promise.all(['a1', 'a3', 'a4', 'b1', 'b2'].map((id) => store.getLogonSession(id)))).map((s) => s?.id),
        [undefined, 'a3', undefined, undefined, 'b2'],
        'idle past the timeout: dropped',
      );
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
