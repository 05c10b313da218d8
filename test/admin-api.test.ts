/**
 * The ingest API (POST /admin/v1/import, DELETE /admin/v1/data) over real HTTP: off unless an
 * admin token is configured (404, like any unknown path), Bearer-token protected when on,
 * fixtures loaded through it are queryable at once (no stale counts or cached answers), and
 * a reset empties the data but keeps users.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Clock } from '../src/clock/clock.js';
import { hashPassword } from '../src/auth/password.js';
import { DEMO_DEFAULTS, generateDemo } from '../src/demo/demo.js';
import { exportDocument } from '../src/io/export.js';
import { PARENTS_FIRST } from '../src/store/schema.js';
import { BS1, FIXTURE_NOW, J1, S1, S2, S3 } from './support/fixture.js';
import { WriterThread } from '../src/io/writer-thread.js';
import { buildApp } from '../src/http/app.js';
import { appContext } from '../src/http/context.js';
import type { Store } from '../src/store/store.js';
import { openTestStore } from './support/store.js';
import { ADMIN_BASIC, testSettings } from './support/server.js';
import { child, children, NS, parseXml } from './support/xml.js';

const TOKEN = 'test-admin-token-0123456789';
const B = 'https://localhost:9398/api';

interface Running {
  readonly url: string;
  readonly store: Store;
  close(): Promise<void>;
}

const root = mkdtempSync(join(tmpdir(), 'emrest-admin-'));
let n = 0;
after(() => rmSync(root, { recursive: true, force: true }));

/** A real server over an empty store with the §7 administrator, admin API on or off. */
async function start(adminToken?: string): Promise<Running> {
  const settings = testSettings({ 'admin-token': adminToken, 'data-dir': join(root, `d${++n}`) });
  const store = openTestStore(settings.store.dataDir!);
  await store.putUser({ name: 'TECH\\admin', passwordHash: await hashPassword('Passw0rd'), role: 'PortalAdministrator' });
  const clock = new Clock({ now: Date.parse(FIXTURE_NOW), frozen: true });
  const dataWriter = new WriterThread(settings.store);
  const app = buildApp(appContext(settings, store, { clock, dataWriter }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    store,
    close: async () => {
      await app.close();
      await dataWriter.close();
      await store.close();
    },
  };
}

const bearer = (token = TOKEN) => ({ Authorization: `Bearer ${token}` });

function session(id: string, result: string, start: string) {
  return {
    IsRetry: false, JobUid: `urn:veeam:Job:${J1}`, JobName: 'Replication Job 1', JobType: 'Replica', CreationTimeUTC: start,
    EndTimeUTC: start.replace('T22:', 'T23:'), State: 'Stopped', Result: result, Progress: 100,
    Name: `Replication Job 1@${start.slice(0, 10)} ${start.slice(11, 19)}`, UID: `urn:veeam:ReplicaJobSession:${id}`,
    Links: [
      { Rel: 'Up', Href: `${B}/backupServers/${BS1}`, Name: 'enterprise06.tech.local', Type: 'BackupServerReference' },
      { Rel: 'Up', Href: `${B}/jobs/${J1}`, Name: 'Replication Job 1', Type: 'JobReference' },
    ],
    Href: `${B}/replicaSessions/${id}?format=Entity`, Type: 'ReplicaJobSession',
  };
}
const ndjson = (...objects: object[]) => objects.map((o) => JSON.stringify(o)).join('\n') + '\n';

async function logon(s: Running): Promise<string> {
  const r = await fetch(`${s.url}/api/sessionMngr/?v=latest`, { method: 'POST', headers: { Authorization: ADMIN_BASIC } });
  assert.equal(r.status, 201);
  return r.headers.get('x-restsvcsessionid')!;
}

/** Total hits of a query (PagesCount with pageSize=1) and the UIDs on its first page. */
async function query(s: Running, token: string, q: string): Promise<{ total: number; status: number }> {
  const r = await fetch(`${s.url}/api/query?${q}&pageSize=1`, { headers: { 'X-RestSvcSessionId': token } });
  const doc = parseXml(await r.text()).documentElement;
  const paging = child(doc, 'PagingInfo');
  const refs = children(child(doc, 'Refs'), 'Ref');
  return { status: r.status, total: refs.length === 0 ? 0 : Number(paging.getAttribute('PagesCount')) };
}

function assertEmError(status: number, body: string, expected: number): void {
  assert.equal(status, expected, body);
  const el = parseXml(body).documentElement;
  assert.equal(el.localName, 'Error');
  assert.equal(el.namespaceURI, NS);
  assert.equal(el.getAttribute('StatusCode'), String(expected));
}

describe('admin API disabled (no token configured)', () => {
  let s: Running;
  before(async () => (s = await start()));
  after(() => s.close());

  for (const [method, path] of [['POST', '/admin/v1/import'], ['DELETE', '/admin/v1/data'], ['GET', '/admin/v1/import'], ['POST', '/admin/v1/nope']]) {
    test(`${method} ${path} → 404 with an EM Error body, with or without a token`, async () => {
      for (const headers of [{}, bearer(), bearer('')]) {
        const r = await fetch(s.url + path, { method, headers, body: method === 'POST' ? ndjson(session(S1, 'Success', '2021-06-15T22:06:57Z')) : undefined });
        assertEmError(r.status, await r.text(), 404);
      }
      assert.equal(await s.store.isEmpty(), true);
    });
  }
});

describe('admin API enabled', () => {
  let s: Running;
  let token: string;
  before(async () => {
    s = await start(TOKEN);
    token = await logon(s);
  });
  after(() => s.close());

  for (const [name, headers] of [
    ['no Authorization', {}],
    ['a wrong token', bearer('test-admin-token-0123456788')],
    ['a token prefix', bearer(TOKEN.slice(0, -1))],
    ['the token with Basic', { Authorization: `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}` }],
    ['an EM logon token', { 'X-RestSvcSessionId': 'dummy' }],
  ] as const) {
    test(`${name} → 401, nothing imported`, async () => {
      for (const [method, path] of [['POST', '/admin/v1/import'], ['DELETE', '/admin/v1/data'], ['GET', '/admin/v1/import']]) {
        const r = await fetch(s.url + path, { method, headers, body: method === 'POST' ? ndjson(session(S1, 'Success', '2021-06-15T22:06:57Z')) : undefined });
        assertEmError(r.status, await r.text(), 401);
        assert.equal(r.headers.get('www-authenticate'), 'Bearer realm="emrest-admin"');
      }
      assert.equal(await s.store.isEmpty(), true);
    });
  }

  test('the wrong method with the token → 405 + Allow; an unknown admin path → 404', async () => {
    const r = await fetch(`${s.url}/admin/v1/import`, { headers: bearer() });
    assertEmError(r.status, await r.text(), 405);
    assert.equal(r.headers.get('allow'), 'POST');
    const u = await fetch(`${s.url}/admin/v2/import`, { method: 'POST', headers: bearer() });
    assertEmError(u.status, await u.text(), 404);
  });

  test('fixtures loaded over HTTP are queryable at once, and counts are never stale', async () => {
    const q = 'type=ReplicaJobSession&filter=JobName=="Replication Job 1"';
    assert.deepEqual(await query(s, token, q), { status: 200, total: 0 });

    const first = await fetch(`${s.url}/admin/v1/import`, {
      method: 'POST', headers: { ...bearer(), 'Content-Type': 'application/x-ndjson' }, body: ndjson(session(S1, 'Success', '2021-06-15T22:06:57Z')),
    });
    assert.equal(first.status, 200);
    assert.match(first.headers.get('content-type')!, /^application\/json/);
    assert.deepEqual(await first.json(), {
      inserted: { ...Object.fromEntries(PARENTS_FIRST.map((t) => [t.name, 0])), BackupServer: 1, Job: 1, ReplicaJobSession: 1 },
      updated: Object.fromEntries(PARENTS_FIRST.map((t) => [t.name, 0])),
    });
    assert.deepEqual(await query(s, token, q), { status: 200, total: 1 });
    assert.deepEqual(await query(s, token, q), { status: 200, total: 1 });

    // More data, no Content-Type at all (and XML this time): the very same query sees it.
    const xml = `<?xml version="1.0" encoding="utf-8"?>
<ReplicaJobSessions xmlns="http://www.veeam.com/ent/v1.0">
${[S2, S3].map((id, i) => `  <ReplicaJobSession Type="ReplicaJobSession" Name="Replication Job 1@2021-06-16 22:0${i}:00" UID="urn:veeam:ReplicaJobSession:${id}">
    <Links>
      <Link Rel="Up" Type="BackupServerReference" Href="${B}/backupServers/${BS1}" Name="enterprise06.tech.local" />
      <Link Rel="Up" Type="JobReference" Href="${B}/jobs/${J1}" Name="Replication Job 1" />
    </Links>
    <JobUid>urn:veeam:Job:${J1}</JobUid>
    <JobName>Replication Job 1</JobName>
    <JobType>Replica</JobType>
    <CreationTimeUTC>2021-06-16T22:0${i}:00Z</CreationTimeUTC>
    <State>Working</State>
    <Result>None</Result>
    <Progress>${10 * i}</Progress>
    <IsRetry>false</IsRetry>
  </ReplicaJobSession>`).join('\n')}
</ReplicaJobSessions>`;
    const second = await fetch(`${s.url}/admin/v1/import`, { method: 'POST', headers: bearer(), body: Buffer.from(xml) });
    assert.equal(second.status, 200, await second.clone().text());
    assert.deepEqual((await second.json()).inserted.ReplicaJobSession, 2);
    assert.deepEqual(await query(s, token, q), { status: 200, total: 3 });
    assert.deepEqual(await query(s, token, `${q};Result==None`), { status: 200, total: 2 });

    // The same documents again: nothing changes.
    const again = await fetch(`${s.url}/admin/v1/import`, { method: 'POST', headers: bearer(), body: xml });
    const counts = await again.json();
    assert.deepEqual([...Object.values(counts.inserted), ...Object.values(counts.updated)].filter((v) => v !== 0), []);
  });

  test('a malformed body → 400 with the positioned message; nothing of it lands', async () => {
    const before = await query(s, token, 'type=ReplicaJobSession');
    const body = ndjson(session('11111111-1111-4111-8111-111111111111', 'Success', '2021-06-17T22:00:00Z'), session('22222222-2222-4222-8222-222222222222', 'Great', '2021-06-17T22:30:00Z'));
    for (const accept of ['application/xml', 'application/json']) {
      const r = await fetch(`${s.url}/admin/v1/import`, { method: 'POST', headers: { ...bearer(), Accept: accept }, body });
      const text = await r.text();
      assert.equal(r.status, 400, text);
      const message = accept === 'application/json' ? JSON.parse(text).Message : parseXml(text).documentElement.getAttribute('Message');
      assert.match(message, /^request body:2:\d+: unknown member 'Great' \(expected one of None, Success, Warning, Failed\) in Result$/);
    }
    const empty = await fetch(`${s.url}/admin/v1/import`, { method: 'POST', headers: bearer() });
    assert.equal(empty.status, 400);
    assert.match(await empty.text(), /empty input/);
    assert.deepEqual(await query(s, token, 'type=ReplicaJobSession'), before);
  });

  test('bodies well over the EM API limit (1 MiB) are accepted', async () => {
    const demo = openTestStore(join(root, 'demo'));
    await generateDemo(demo, { ...DEMO_DEFAULTS, servers: 2, jobs: 6, backupJobs: 6, days: 20, now: Date.parse(FIXTURE_NOW) });
    let body = '';
    for (const t of PARENTS_FIRST) for await (const piece of exportDocument(demo, t, 'ndjson')) body += piece;
    await demo.close();
    assert.ok(body.length > 2 * 1024 * 1024, `${body.length} bytes`);
    const r = await fetch(`${s.url}/admin/v1/import`, { method: 'POST', headers: bearer(), body });
    assert.equal(r.status, 200, await r.clone().text());
    const { inserted } = await r.json();
    const lines = body.trimEnd().split('\n').length;
    assert.equal(Object.values(inserted as Record<string, number>).reduce((a, b) => a + b, 0), lines);
    assert.ok((await query(s, token, 'type=BackupTaskSession')).total > 0);
  });

  test('DELETE /admin/v1/data empties the data; users and logons stay', async () => {
    assert.ok((await query(s, token, 'type=ReplicaJobSession')).total > 0);
    const r = await fetch(`${s.url}/admin/v1/data`, { method: 'DELETE', headers: bearer() });
    assert.equal(r.status, 204);
    assert.equal(await r.text(), '');
    for (const type of PARENTS_FIRST) assert.deepEqual(await query(s, token, `type=${type.name}`), { status: 200, total: 0 }, type.name);
    assert.equal(await s.store.isEmpty(), true);
    await logon(s); // users stay
    // And it can be filled again.
    const again = await fetch(`${s.url}/admin/v1/import`, { method: 'POST', headers: bearer(), body: ndjson(session(S1, 'Success', '2021-06-15T22:06:57Z')) });
    assert.equal(again.status, 200);
    assert.equal((await query(s, token, 'type=ReplicaJobSession')).total, 1);
  });
});
