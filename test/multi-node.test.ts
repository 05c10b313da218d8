/**
 * Several nodes on one PostgreSQL database, as users run them: two `emrest serve --database`
 * processes. A logon at one is valid at the other and a logoff at either ends it for both;
 * data imported through one is answered by the other at once (its response cache follows the
 * database's data generations); exactly one runs the live estate, and when it is killed the
 * other takes it over within seconds.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { start, stop, waitFor, type Child } from './support/cli-process.js';
import { freshPostgresUrl } from './support/postgres.js';

const TOKEN = 'multi-node-token';

interface Node {
  readonly child: Child;
  /** `http://127.0.0.1:PORT` */
  readonly origin: string;
}

async function node(url: string): Promise<Node> {
  const child = start(['serve', '--database', url, '--http-port', '0', '--no-https', '--admin-token', TOKEN], { EMREST_NOW: '2026-11-30T12:00:00Z' });
  await waitFor(child, /listening http:\/\/\S+/, 60_000);
  const origin = /listening (http:\/\/\S+)\/api\//.exec(child.out())![1];
  return { child, origin };
}

const basic = (user: string, password: string) => 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64');
const admin = { Authorization: `Bearer ${TOKEN}` };

async function health(n: Node): Promise<{ simulation: string; sessions: number }> {
  return (await fetch(`${n.origin}/admin/v1/health`, { headers: admin })).json() as Promise<{ simulation: string; sessions: number }>;
}

test('two nodes on one database share logons and data; the estate runs on one and moves when it dies', { timeout: 180_000 }, async () => {
  const url = await freshPostgresUrl();
  const a = await node(url);
  const password = /with password: (\S+)/.exec(a.child.out())?.[1];
  assert.ok(password, `node A prepared the new database:\n${a.child.out()}`);
  assert.match(a.child.out(), /Simulating \d+ jobs/);
  const b = await node(url);
  assert.doesNotMatch(b.child.out(), /Created (user|demo)/, 'the second node prepares nothing');
  assert.match(b.child.out(), /runs on another node/);
  assert.equal((await health(a)).simulation, 'running');
  assert.equal((await health(b)).simulation, 'on another node');

  // Log on at A, use the token at B.
  const logon = await fetch(`${a.origin}/api/sessionMngr/?v=latest`, { method: 'POST', headers: { Authorization: basic('administrator', password!) } });
  assert.equal(logon.status, 201);
  const token = logon.headers.get('x-restsvcsessionid')!;
  const sessionUrl = logon.headers.get('location')!.replace(a.origin, b.origin);
  const query = (n: Node, filter: string) =>
    fetch(`${n.origin}/api/query?type=BackupServer&format=Entities&filter=${encodeURIComponent(filter)}`, { headers: { 'X-RestSvcSessionId': token, Accept: 'application/json' } });
  type Servers = { Entities: { BackupServers: { BackupServers: Record<string, unknown>[] } } };
  const names = async (r: Response) => ((await r.json()) as Servers).Entities.BackupServers.BackupServers.map((s) => s.Name);
  assert.deepEqual(await names(await query(b, 'Name==added.example.com')), []);

  // Import at A: B answers with it at once (its cached answer above is stale now).
  const first = ((await (await query(a, 'Name!=none')).json()) as Servers).Entities.BackupServers.BackupServers[0];
  const added = { ...first, Name: 'added.example.com', UID: 'urn:veeam:BackupServer:0b0b0b0b-1111-4222-8333-444444444444', Links: [] };
  const imported = await fetch(`${a.origin}/admin/v1/import`, {
    method: 'POST', headers: { ...admin, 'Content-Type': 'application/json' }, body: JSON.stringify({ BackupServers: [added] }),
  });
  assert.equal(imported.status, 200, await imported.clone().text());
  assert.deepEqual(await names(await query(b, 'Name==added.example.com')), ['added.example.com']);

  // Log off at B: A refuses the token.
  assert.equal((await fetch(sessionUrl, { method: 'DELETE', headers: { 'X-RestSvcSessionId': token } })).status, 204);
  assert.equal((await query(a, 'Name!=none')).status, 401);

  // One clock: moved at B (which does not simulate), A takes it over and runs the estate on;
  // B answers once the time that passed is committed, so what is asked next shows it.
  const clockOf = async (n: Node) => ((await (await fetch(`${n.origin}/admin/v1/clock`, { headers: admin })).json()) as { now: string }).now;
  const sessionsBefore = (await health(b)).sessions;
  const moved = await fetch(`${b.origin}/admin/v1/clock`, { method: 'POST', headers: { ...admin, 'Content-Type': 'application/json' }, body: JSON.stringify({ advance: 'PT6H' }) });
  assert.equal(moved.status, 200);
  const movedTo = ((await moved.json()) as { now: string }).now;
  assert.equal(movedTo, '2026-11-30T18:00:00.000Z');
  assert.equal(await clockOf(a), movedTo, 'A runs the shared clock');
  assert.ok((await health(b)).sessions > sessionsBefore, 'six hours of sessions, visible at B as soon as its clock call returned');

  // Kill the simulating node: B takes the estate over.
  const killed = Date.now();
  await stop(a.child.proc, 'SIGKILL');
  let took = -1;
  while (Date.now() - killed < 30_000) {
    if ((await health(b)).simulation === 'running') {
      took = Date.now() - killed;
      break;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(took >= 0, `B took the estate over within 30 s:\n${b.child.out()}\n${b.child.err()}`);
  console.log(`estate taken over ${took} ms after the simulating node was killed`);
  assert.match(b.child.out(), /Simulating \d+ jobs/);
  await stop(b.child.proc);
});
