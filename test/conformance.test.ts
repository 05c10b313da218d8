/**
 * Spec §7 conformance: the examples E1–E14 are golden data files (`test/golden/E*.json`, run
 * by `support/golden.ts` against the §7 fixture over real HTTP); what does not fit that format
 * (store state, following every link a response happens to hold) is asserted here.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DOCUMENTED_QUERY_TYPES, TYPES, UNIMPLEMENTED_QUERY_TYPES } from '../src/model/index.js';
import { J1, S1 } from './support/fixture.js';
import { goldenSuites } from './support/golden.js';
import { get, logon, startFixtureServer, type Server } from './support/server.js';
import { NS, child, children, parseXml } from './support/xml.js';

goldenSuites();

let server: Server;
let token: string;
let B: string;

before(async () => {
  server = await startFixtureServer();
  ({ token } = await logon(server));
  B = `${server.url}/api`;
});
after(() => server.close());

const JSON_ACCEPT = 'application/json';

function root(body: string, localName: string): Element {
  const el = parseXml(body).documentElement!;
  assert.equal(el.namespaceURI, NS);
  assert.equal(el.localName, localName);
  return el;
}

const attr = (el: Element, name: string) => el.getAttribute(name);
const links = (el: Element) => children(child(el, 'Links'), 'Link');
const linkTuple = (l: Element) => [attr(l, 'Rel'), attr(l, 'Type'), attr(l, 'Href'), attr(l, 'Name')];

describe('E13 authentication (store side)', () => {
  test('an idle-expired session is dropped by the next logon', async () => {
    const s = await logon(server);
    server.advance(15 * 60_000 + 1000);
    try {
      assert.equal((await get(server, '/api/logonSessions', { token: s.token })).status, 401);
      ({ token } = await logon(server));
      assert.equal(await server.store.getLogonSession(s.sessionId), undefined, 'the next logon drops expired sessions');
    } finally {
      server.advance(-(15 * 60_000 + 1000));
      ({ token } = await logon(server));
    }
  });
});

describe('serve --session-timeout', () => {
  test('a logon session stays usable while used within the timeout and is refused once idle past it', async () => {
    const short = await startFixtureServer({ flags: { 'session-timeout': '60' } });
    try {
      const s = await logon(short);
      short.advance(59_000);
      assert.equal((await get(short, '/api/logonSessions', { token: s.token })).status, 200, 'used within 60 s');
      short.advance(59_000);
      assert.equal((await get(short, '/api/logonSessions', { token: s.token })).status, 200, 'the use slid the timeout');
      short.advance(61_000);
      assert.equal((await get(short, '/api/logonSessions', { token: s.token })).status, 401, 'idle 61 s');
    } finally {
      await short.close();
    }
  });
});

describe('links resolve', () => {
  test('every href in a session entity and its job/server answers 200', async () => {
    const s = JSON.parse((await get(server, `/api/replicaSessions/${S1}?format=Entity`, { token, accept: JSON_ACCEPT })).body);
    for (const l of s.Links) {
      const res = await get(server, l.Href.slice(server.url.length), { token });
      assert.equal(res.status, 200, l.Href);
    }
    const job = JSON.parse((await get(server, `/api/jobs/${J1}?format=Entity`, { token, accept: JSON_ACCEPT })).body);
    // Profile 12 keeps members with no value: a job with no next run has `"NextRun":null`.
    assert.deepEqual(Object.keys(job), ['JobType', 'Platform', 'Description', 'ScheduleConfigured', 'ScheduleEnabled', 'NextRun', 'Name', 'UID', 'Links', 'Href', 'Type']);
    assert.equal(job.NextRun, null);
    assert.equal(job.Links[0].Type, 'BackupServerReference');
    const sessions = job.Links.find((l: { Type?: string }) => l.Type === 'ReplicaJobSessionReferenceList');
    const list = JSON.parse((await get(server, sessions.Href.slice(server.url.length), { token, accept: JSON_ACCEPT })).body);
    assert.equal(list.Refs.length, 3);
    const bs = JSON.parse((await get(server, `/api/backupServers?format=Entity`, { token, accept: JSON_ACCEPT })).body);
    assert.deepEqual(bs.BackupServers.map((b: { Name: string }) => b.Name), ['enterprise06.tech.local', 'enterprisevbr01.tech.local']);
    assert.deepEqual(Object.keys(bs.BackupServers[0]), ['Description', 'Port', 'Version', 'Name', 'UID', 'Links', 'Href', 'Type']);
    assert.equal(bs.BackupServers[0].Description, '');
  });

  test('querySvc lists every documented query type: the declared ones answer, the others 501', async () => {
    const res = await get(server, '/api/querySvc', { token });
    const svc = root(res.body, 'QuerySvc');
    assert.equal(attr(svc, 'Type'), 'QueryService');
    const all = links(svc);
    assert.deepEqual(linkTuple(all[0]), ['Up', 'LogonSession', `${B}/logonSessions/${sessionIdOf(token)}`, null]);
    const listed = all.slice(1).map((l) => new URL(attr(l, 'Href')!).searchParams.get('type')!);
    assert.deepEqual(listed, [...TYPES.map((t) => t.name), ...UNIMPLEMENTED_QUERY_TYPES]);
    for (const name of DOCUMENTED_QUERY_TYPES) assert.ok(listed.some((n) => n.toLowerCase() === name.toLowerCase()), `${name} is listed`);
    for (const l of all.slice(1)) {
      const name = new URL(attr(l, 'Href')!).searchParams.get('type')!;
      assert.equal(attr(l, 'Type'), `${name}List`);
      const status = (await get(server, attr(l, 'Href')!.slice(server.url.length), { token })).status;
      assert.equal(status, UNIMPLEMENTED_QUERY_TYPES.includes(name) ? 501 : 200, attr(l, 'Href')!);
    }
  });
});

const sessionIdOf = (t: string) => Buffer.from(t, 'base64').toString('ascii');
