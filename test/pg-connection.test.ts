/**
 * A server on PostgreSQL whose connections are cut while it serves (the database restarted,
 * a proxy dropped them): each request answers 200, or 503 with Retry-After and an EM Error,
 * never another status and never a crash; the pool reconnects and the next requests answer.
 * A database that cannot be reached at all gets 503 for every request until it is back.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createServer, connect, type Server as NetServer, type Socket } from 'node:net';
import pg from 'pg';
import { get, logon, startServer, type Server } from './support/server.js';
import { freshPostgresUrl, POSTGRES_ADMIN_URL } from './support/postgres.js';
import { parseXml } from './support/xml.js';

let server: Server;
let token: string;
let url: string;

before(async () => {
  url = await freshPostgresUrl();
  server = await startServer({ database: url });
  ({ token } = await logon(server));
});
after(() => server.close());

/** Ends every connection emrest holds to the test database, as a restart would. */
async function cutConnections(): Promise<number> {
  const c = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await c.connect();
  try {
    const database = new URL(url).pathname.slice(1);
    const r = await c.query(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid() AND application_name LIKE 'emrest%'",
      [database],
    );
    return r.rowCount ?? 0;
  } finally {
    await c.end();
  }
}

test('connections cut under a running server: 200 or 503 with Retry-After, then 200 again', async (t) => {
  const path = '/api/query?type=ReplicaJobSession&format=Entities&pageSize=5';
  assert.equal((await get(server, path, { token })).status, 200);
  assert.ok((await cutConnections()) > 0, 'the server held connections to cut');
  const statuses: number[] = [];
  for (let i = 0; i < 20; i++) {
    const r = await get(server, path, { token });
    statuses.push(r.status);
    if (r.status === 503) {
      assert.equal(r.headers.get('retry-after'), '1');
      assert.equal(parseXml(r.body).documentElement!.localName, 'Error');
    } else assert.equal(r.status, 200, r.body);
  }
  t.diagnostic(`statuses after the cut: ${statuses.join(' ')}`);
  assert.equal(statuses.at(-1), 200, `recovered: ${statuses.join(' ')}`);
  // Logons live in the database too: the token still works, and a new logon does.
  assert.equal((await logon(server)).token.length > 0, true);
});

/** A TCP proxy to the database that a test can take down (its sockets cut, new ones refused) and bring back. */
class Proxy {
  private server: NetServer | undefined;
  private readonly sockets = new Set<Socket>();
  port = 0;

  async up(): Promise<void> {
    const target = new URL(POSTGRES_ADMIN_URL);
    this.server = createServer((client) => {
      const upstream = connect(Number(target.port || 5432), target.hostname);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => s.destroy());
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
    this.port = (this.server.address() as { port: number }).port;
  }

  async down(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}

test('the database unreachable while serving: 503 with Retry-After for every request, then 200 once it is back', async (t) => {
  const proxy = new Proxy();
  await proxy.up();
  const direct = new URL(await freshPostgresUrl());
  direct.port = String(proxy.port);
  const s = await startServer({ database: direct.toString() });
  try {
    const { token: tok } = await logon(s);
    const path = '/api/query?type=BackupServer&format=Entities';
    assert.equal((await get(s, path, { token: tok })).status, 200);
    await proxy.down();
    for (let i = 0; i < 3; i++) {
      const r = await get(s, path, { token: tok });
      assert.equal(r.status, 503, r.body);
      assert.equal(r.headers.get('retry-after'), '1');
      assert.match(parseXml(r.body).documentElement!.getAttribute('Message') ?? r.body, /database cannot be reached/);
    }
    assert.equal((await get(s, '/api/logonSessions', { token: tok })).status, 503, 'a logon check needs the database too');
    await proxy.up();
    const statuses: number[] = [];
    for (let i = 0; i < 20 && statuses.at(-1) !== 200; i++) {
      statuses.push((await get(s, path, { token: tok })).status);
      if (statuses.at(-1) !== 200) await new Promise((r) => setTimeout(r, 100));
    }
    t.diagnostic(`statuses once the database is back: ${statuses.join(' ')}`);
    assert.equal(statuses.at(-1), 200);
  } finally {
    await s.close();
    await proxy.down();
  }
});
