/**
 * Spec §7 conformance examples E1–E14 against the §7 fixture, over real HTTP to a real
 * listening server on a real SQLite file; XML parsed namespace-aware, JSON by value.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { BS1, BS2, J1, S1, S2, S3, S4, T1 } from './support/fixture.js';
import { ADMIN_BASIC, NS, VIEWER_BASIC, child, children, get, logon, parseXml, startFixtureServer, text, type Server } from './helpers.js';

let server: Server;
let token: string;
let sessionId: string;
let B: string;

before(async () => {
  server = await startFixtureServer();
  ({ token, sessionId } = await logon(server));
  B = `${server.url}/api`;
});
after(() => server.close());

const JSON_ACCEPT = 'application/json';
const SEED = '/api/query?type=ReplicaJobSession&format=Entities&filter=BackupServerName=="enterprise06.tech.local";Result==Success';

function root(body: string, localName: string): Element {
  const el = parseXml(body).documentElement!;
  assert.equal(el.namespaceURI, NS);
  assert.equal(el.localName, localName);
  return el;
}

const attr = (el: Element, name: string) => el.getAttribute(name);
const uidsOf = (els: Element[]) => els.map((e) => attr(e, 'UID')!.split(':').pop());
const links = (el: Element) => children(child(el, 'Links'), 'Link');
const linkTuple = (l: Element) => [attr(l, 'Rel'), attr(l, 'Type'), attr(l, 'Href'), attr(l, 'Name')];

async function entities(query: string) {
  const res = await get(server, `/api/query?type=ReplicaJobSession&format=entities&${query}`, { token });
  assert.equal(res.status, 200, res.body);
  return children(child(child(root(res.body, 'QueryResult'), 'Entities'), 'ReplicaJobSessions'), 'ReplicaJobSession');
}

describe('E1 entry point', () => {
  test('anonymous GET /api/ lists versions with one logon link each', async () => {
    const res = await get(server, '/api/');
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/xml; charset=utf-8');
    assert.equal(Number(res.headers.get('content-length')), Buffer.byteLength(res.body));
    assert.ok(res.body.startsWith('<?xml version="1.0" encoding="utf-8"?>\n<EnterpriseManager xmlns="http://www.veeam.com/ent/v1.0">'));
    const em = root(res.body, 'EnterpriseManager');
    assert.equal(attr(em, 'Type'), null);
    assert.deepEqual(links(em).map(linkTuple), [
      ['Down', 'LogonSessionList', `${B}/logonSessions`, null],
      ['Create', 'LogonSession', `${B}/sessionMngr/?v=latest`, null],
    ]);
    const versions = children(child(em, 'SupportedVersions'), 'SupportedVersion');
    assert.deepEqual(versions.map((v) => attr(v, 'Name')), ['v1_5', 'v1_6', 'v1_7']);
    for (const v of versions) {
      assert.deepEqual(links(v).map(linkTuple), [['Create', 'LogonSession', `${B}/sessionMngr/?v=${attr(v, 'Name')}`, null]]);
    }
    const json = JSON.parse((await get(server, '/api', { accept: JSON_ACCEPT })).body);
    assert.equal(json.SupportedVersions.SupportedVersions[2].Links[0].Href, `${B}/sessionMngr/?v=v1_7`);
    assert.equal(json.Links[1].Rel, 'Create');
  });
});

describe('E2 logon', () => {
  test('201 with token = base64(SessionId), cookie, Location and 54 links', async () => {
    const res = await fetch(`${B}/sessionMngr/?v=latest`, { method: 'POST', headers: { Authorization: ADMIN_BASIC, 'Content-Length': '0' } });
    assert.equal(res.status, 201);
    const body = await res.text();
    const ls = root(body, 'LogonSession');
    const id = text(ls, 'SessionId');
    assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const t = res.headers.get('x-restsvcsessionid')!;
    assert.equal(t, Buffer.from(id).toString('base64'));
    assert.equal(t.length, 48);
    assert.equal(res.headers.get('set-cookie'), `X-RestSvcSessionId=${t}; Path=/api`);
    assert.equal(res.headers.get('location'), `${B}/logonSessions/${id}`);
    assert.equal(text(ls, 'UserName'), 'TECH\\admin');
    assert.equal(attr(ls, 'Href'), `${B}/logonSessions/${id}`);
    const all = links(ls);
    assert.equal(all.length, 54);
    assert.deepEqual(linkTuple(all[0]), ['Up', 'EnterpriseManager', `${B}/`, null]);
    assert.deepEqual(linkTuple(all[16]), ['Down', 'ReplicaJobSessionReferenceList', `${B}/replicaSessions`, null]);
    assert.deepEqual(linkTuple(all[26]), ['Down', 'Report', `${B}/reports/summary`, 'Summary']);
    assert.deepEqual(linkTuple(all[29]), ['Create', null, `${B}/backupServers?action=create`, null]);
    assert.deepEqual(linkTuple(all[43]), ['Down', 'ReplicaJobSessionList', `${B}/replicaSessions?format=Entity`, null]);
    assert.deepEqual(linkTuple(all[53]), ['Delete', null, `${B}/logonSessions/${id}`, null]);
  });

  test('JSON body starts with UserName, SessionId', async () => {
    const res = await fetch(`${B}/sessionMngr/?v=v1_7`, { method: 'POST', headers: { Authorization: ADMIN_BASIC, Accept: JSON_ACCEPT } });
    assert.equal(res.status, 201);
    const json = await res.json();
    assert.deepEqual(Object.keys(json), ['UserName', 'SessionId', 'Links', 'Href', 'Type']);
    assert.equal(json.Type, 'LogonSession');
    assert.equal(Buffer.from(json.SessionId).toString('base64'), res.headers.get('x-restsvcsessionid'));
    assert.deepEqual(json.Links[53], { Rel: 'Delete', Href: `${B}/logonSessions/${json.SessionId}` });
  });

  test('no v → 201; unsupported v → 400; case-insensitive v', async () => {
    const post = (path: string) => fetch(B + path, { method: 'POST', headers: { Authorization: ADMIN_BASIC } });
    assert.equal((await post('/sessionMngr/')).status, 201);
    assert.equal((await post('/sessionMngr')).status, 201);
    assert.equal((await post('/sessionMngr/?v=V1_5')).status, 201);
    const bad = await post('/sessionMngr/?v=v1_4');
    assert.equal(bad.status, 400);
    assert.equal(attr(root(await bad.text(), 'Error'), 'StatusCode'), '400');
  });
});

describe('E3 failed logon', () => {
  for (const [label, auth] of [
    ['wrong password', 'Basic dGVjaFxhZG1pbjp3cm9uZw=='],
    ['user without a role', 'Basic ' + Buffer.from('tech\\nobody:Passw0rd').toString('base64')],
    ['unknown user', 'Basic ' + Buffer.from('ghost:Passw0rd').toString('base64')],
    ['no credentials', undefined],
    ['not Basic', 'Bearer abc'],
  ] as const) {
    test(label, async () => {
      const headers: Record<string, string> = auth ? { Authorization: auth } : {};
      const res = await fetch(`${B}/sessionMngr/?v=latest`, { method: 'POST', headers });
      assert.equal(res.status, 401);
      assert.equal(res.headers.get('www-authenticate'), 'Basic Realm=RestSvc');
      assert.equal(attr(root(await res.text(), 'Error'), 'StatusCode'), '401');
    });
  }

  test('user names compare case-insensitively', async () => {
    const upper = 'Basic ' + Buffer.from('TECH\\ADMIN:Passw0rd').toString('base64');
    assert.equal((await fetch(`${B}/sessionMngr/`, { method: 'POST', headers: { Authorization: upper } })).status, 201);
  });
});

describe('E4/E5 the seed query', () => {
  test('E4 XML matches the seed document', async () => {
    const res = await get(server, SEED, { token });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/xml; charset=utf-8');
    const qr = root(res.body, 'QueryResult');
    const list = children(child(child(qr, 'Entities'), 'ReplicaJobSessions'));
    assert.equal(list.length, 1);
    const s = list[0];
    assert.equal(s.localName, 'ReplicaJobSession');
    assert.equal(attr(s, 'Type'), 'ReplicaJobSession');
    assert.equal(attr(s, 'Href'), `${B}/replicaSessions/${S1}?format=Entity`);
    assert.equal(attr(s, 'Name'), 'Replication Job 1@2021-06-15 22:06:57');
    assert.equal(attr(s, 'UID'), `urn:veeam:ReplicaJobSession:${S1}`);
    assert.deepEqual(links(s).map(linkTuple), [
      ['Up', 'BackupServerReference', `${B}/backupServers/${BS1}`, 'enterprise06.tech.local'],
      ['Up', 'JobReference', `${B}/jobs/${J1}`, 'Replication Job 1'],
      ['Alternate', 'ReplicaJobSessionReference', `${B}/replicaSessions/${S1}`, 'Replication Job 1@2021-06-15 22:06:57'],
      ['Down', 'ReplicaTaskSessionReferenceList', `${B}/replicaSessions/${S1}/replicaTaskSessions`, null],
    ]);
    assert.deepEqual(
      children(s).map((e) => [e.localName, e.localName === 'Links' ? '' : e.textContent]),
      [
        ['Links', ''],
        ['JobUid', `urn:veeam:Job:${J1}`],
        ['JobName', 'Replication Job 1'],
        ['JobType', 'Replica'],
        ['CreationTimeUTC', '2021-06-15T22:06:57.263Z'],
        ['EndTimeUTC', '2021-06-15T22:11:06.11Z'],
        ['State', 'Stopped'],
        ['Result', 'Success'],
        ['Progress', '100'],
        ['IsRetry', 'false'],
      ],
    );
    const paging = child(qr, 'PagingInfo');
    assert.deepEqual([attr(paging, 'PagesCount'), attr(paging, 'PageSize'), attr(paging, 'PageNum')], ['1', '100', '1']);
    const first = `${B}/query?type=ReplicaJobSession&format=Entities&filter=BackupServerName%3D%3D%22enterprise06.tech.local%22;Result%3D%3DSuccess&pageSize=100&page=1`;
    assert.deepEqual(links(paging).map(linkTuple), [
      ['First', null, first, null],
      ['Last', null, first, null],
    ]);
    assert.ok(res.body.includes('&amp;format=Entities&amp;filter='), 'hrefs escape & as &amp;');
  });

  test('E5 JSON: exact keys, order and the paths clients read', async () => {
    const res = await get(server, SEED, { token, accept: JSON_ACCEPT });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/json; charset=utf-8');
    assert.notEqual(res.body.charCodeAt(0), 0xfeff, 'no BOM');
    const json = JSON.parse(res.body);
    assert.deepEqual(Object.keys(json), ['Entities', 'PagingInfo']);
    const s = json.Entities.ReplicaJobSessions.ReplicaJobSessions[0];
    assert.deepEqual(Object.keys(s), [
      'IsRetry', 'JobUid', 'JobName', 'JobType', 'CreationTimeUTC', 'EndTimeUTC', 'State', 'Result', 'Progress',
      'Name', 'UID', 'Links', 'Href', 'Type',
    ]);
    assert.equal(json.Entities.ReplicaJobSessions.ReplicaJobSessions[0].CreationTimeUTC, '2021-06-15T22:06:57.263Z');
    assert.equal(s.IsRetry, false);
    assert.equal(s.Progress, 100);
    assert.equal(s.Links[0].Name, 'enterprise06.tech.local');
    assert.deepEqual(s.Links[0], { Rel: 'Up', Href: `${B}/backupServers/${BS1}`, Name: 'enterprise06.tech.local', Type: 'BackupServerReference' });
    assert.deepEqual(s.Links[3], { Rel: 'Down', Href: `${B}/replicaSessions/${S1}/replicaTaskSessions`, Type: 'ReplicaTaskSessionReferenceList' });
    const first = `${B}/query?type=ReplicaJobSession&format=Entities&filter=BackupServerName%3D%3D%22enterprise06.tech.local%22;Result%3D%3DSuccess&pageSize=100&page=1`;
    assert.deepEqual(json.PagingInfo, {
      Links: [{ Rel: 'First', Href: first }, { Rel: 'Last', Href: first }],
      PageNum: 1,
      PageSize: 100,
      PagesCount: 1,
    });
    assert.deepEqual(Object.keys(json.PagingInfo), ['Links', 'PageNum', 'PageSize', 'PagesCount']);
  });

  test('the server accepts its own paging links', async () => {
    const json = JSON.parse((await get(server, SEED, { token, accept: JSON_ACCEPT })).body);
    const next = await get(server, json.PagingInfo.Links[0].Href.slice(server.url.length), { token, accept: JSON_ACCEPT });
    assert.deepEqual(JSON.parse(next.body), json);
  });
});

describe('E6 references and paging', () => {
  test('page 2 of 2', async () => {
    const res = await get(server, '/api/query?type=replicajobsession&pageSize=2&page=2', { token });
    assert.equal(res.status, 200);
    const qr = root(res.body, 'QueryResult');
    const refs = children(child(qr, 'Refs'), 'Ref');
    assert.deepEqual(uidsOf(refs), [S3, S4]);
    assert.equal(attr(refs[0], 'Type'), 'ReplicaJobSessionReference');
    assert.equal(attr(refs[0], 'Href'), `${B}/replicaSessions/${S3}`);
    assert.deepEqual(linkTuple(links(refs[0])[2]), ['Alternate', 'ReplicaJobSession', `${B}/replicaSessions/${S3}?format=Entity`, attr(refs[0], 'Name')]);
    const paging = child(qr, 'PagingInfo');
    assert.deepEqual([attr(paging, 'PagesCount'), attr(paging, 'PageSize'), attr(paging, 'PageNum')], ['2', '2', '2']);
    assert.deepEqual(links(paging).map((l) => [attr(l, 'Rel'), attr(l, 'Href')]), [
      ['First', `${B}/query?type=replicajobsession&pageSize=2&page=1`],
      ['Previous', `${B}/query?type=replicajobsession&pageSize=2&page=1`],
      ['Last', `${B}/query?type=replicajobsession&pageSize=2&page=2`],
    ]);
  });

  test('page 1 has Next; page 3 is empty', async () => {
    const one = root((await get(server, '/api/query?type=replicajobsession&pageSize=2&page=1', { token })).body, 'QueryResult');
    assert.deepEqual(uidsOf(children(child(one, 'Refs'), 'Ref')), [S1, S2]);
    assert.deepEqual(links(child(one, 'PagingInfo')).map((l) => [attr(l, 'Rel'), attr(l, 'Href')!.split('?')[1]]), [
      ['First', 'type=replicajobsession&pageSize=2&page=1'],
      ['Next', 'type=replicajobsession&pageSize=2&page=2'],
      ['Last', 'type=replicajobsession&pageSize=2&page=2'],
    ]);
    const res3 = await get(server, '/api/query?type=replicajobsession&pageSize=2&page=3', { token });
    assert.ok(res3.body.includes('<Refs />'));
    const three = root(res3.body, 'QueryResult');
    assert.equal(children(child(three, 'Refs')).length, 0);
    assert.equal(attr(child(three, 'PagingInfo'), 'PageNum'), '3');
    const json = JSON.parse((await get(server, '/api/query?type=replicajobsession&pageSize=2&page=3', { token, accept: JSON_ACCEPT })).body);
    assert.deepEqual(json.Refs, { Refs: [] });
    const refsJson = JSON.parse((await get(server, '/api/query?type=replicajobsession&pageSize=2', { token, accept: JSON_ACCEPT })).body);
    assert.deepEqual(Object.keys(refsJson.Refs.Refs[0]), ['Links', 'UID', 'Name', 'Href', 'Type']);
  });
});

describe('E7–E9 filters', () => {
  test('E7 OR in parentheses AND a quoted name', async () => {
    const list = await entities('filter=(Result==Failed,Result==Warning);JobName=="Replication Job 1"');
    assert.deepEqual(uidsOf(list), [S2, S3]);
    assert.deepEqual(children(list[0]).map((e) => e.localName).slice(-3), ['Progress', 'FailureMessage', 'IsRetry']);
    assert.equal(text(list[0], 'FailureMessage'), 'Error: Failed to open VDDK disk');
    assert.equal(text(list[1], 'IsRetry'), 'true');
    assert.equal(children(list[1], 'FailureMessage').length, 0);
  });

  test('E8 enum ordinals and Result None', async () => {
    assert.deepEqual(uidsOf(await entities('filter=Result>=warning')), [S2, S3]);
    const none = await entities('filter=result==none');
    assert.deepEqual(uidsOf(none), [S4]);
    assert.equal(children(none[0], 'EndTimeUTC').length, 0);
    assert.equal(text(none[0], 'Result'), 'None');
    assert.equal(text(none[0], 'Progress'), '42');
    assert.equal(text(none[0], 'State'), 'Working');
    const json = JSON.parse((await get(server, '/api/query?type=ReplicaJobSession&format=Entities&filter=result==none', { token, accept: JSON_ACCEPT })).body);
    assert.ok(!('EndTimeUTC' in json.Entities.ReplicaJobSessions.ReplicaJobSessions[0]));
    assert.ok(!('FailureMessage' in json.Entities.ReplicaJobSessions.ReplicaJobSessions[0]));
  });

  test('E9 DateTimes, absent values, spaces and UIDs', async () => {
    assert.deepEqual(uidsOf(await entities('filter=CreationTime>=2021-06-16T00:00:00&sortDesc=CreationTime')), [S4, S3, S2]);
    assert.deepEqual(uidsOf(await entities('filter=EndTime<2021-06-16T00:00:00Z')), [S1]);
    assert.deepEqual(uidsOf(await entities('filter=EndTime!=2021-06-15T22:11:06.11Z')), [S2, S3, S4]);
    assert.deepEqual(uidsOf(await entities('filter=JobName==Replication+Job+1')), []);
    assert.deepEqual(uidsOf(await entities(`filter=BackupServerUid==${BS2}`)), [S4]);
    assert.deepEqual(uidsOf(await entities(`filter=BackupServerUid=="urn:veeam:BackupServer:${BS2.toUpperCase()}"`)), [S4]);
    assert.deepEqual(uidsOf(await entities('filter=CreationTimeUTC<"2021-06-16"')), [S1]);
    assert.deepEqual(uidsOf(await entities('filter=Result == Success')), [S1]);
    assert.deepEqual(uidsOf(await entities('filter=result=="Failed"')), [S2]);
    assert.deepEqual(uidsOf(await entities('filter=IsRetry==TRUE')), [S3]);
    assert.deepEqual(uidsOf(await entities('filter=jobtype==replica&sortDesc=EndTime&pageSize=1')), [S3]);
  });
});

describe('E10 bad queries', () => {
  for (const [query, status] of [
    ['type=Foo', 400],
    ['type=Repository', 501],
    ['', 400],
    ['type=ReplicaJobSession&filter=Result==Succeeded', 400],
    ['type=ReplicaJobSession&filter=Colour==red', 400],
    ['type=ReplicaJobSession&filter=(Result==Failed', 400],
    ['type=ReplicaJobSession&pageSize=0', 400],
    ['type=ReplicaJobSession&page=-1', 400],
    ['type=ReplicaJobSession&page=abc', 400],
    ['type=ReplicaJobSession&sortAsc=Name&sortDesc=Name', 400],
    ['type=ReplicaJobSession&sortAsc=Progress', 400],
    ['type=ReplicaJobSession&format=Everything', 400],
    ['type=ReplicaJobSession&filter=CreationTime>2021-13-01', 400],
    ['type=ReplicaJobSession&filter=JobUid==not-a-guid', 400],
    ['type=ReplicaJobSession&filter=IsRetry==yes', 400],
  ] as const) {
    test(`${query || '(no type)'} → ${status}`, async () => {
      for (const accept of [undefined, JSON_ACCEPT]) {
        const res = await get(server, `/api/query?${query}`, { token, accept });
        assert.equal(res.status, status, res.body);
        if (accept) {
          const json = JSON.parse(res.body);
          assert.deepEqual(Object.keys(json), ['FirstChanceExceptionMessage', 'Message', 'StackTrace', 'Status', 'StatusCode']);
          assert.equal(json.StatusCode, status);
          assert.equal(json.StackTrace, null);
        } else {
          assert.equal(attr(root(res.body, 'Error'), 'StatusCode'), String(status));
        }
      }
    });
  }

  test('filter errors give a 1-based position', async () => {
    const res = await get(server, '/api/query?type=ReplicaJobSession&filter=Result==Failed;Colour==red', { token, accept: JSON_ACCEPT });
    assert.match(JSON.parse(res.body).Message, /position 16/);
  });
});

describe('E11 single session', () => {
  test('entity, reference and 404s', async () => {
    const ent = root((await get(server, `/api/replicaSessions/${S1}?format=Entity`, { token })).body, 'ReplicaJobSession');
    assert.equal(attr(ent, 'Type'), 'ReplicaJobSession');
    assert.equal(text(ent, 'CreationTimeUTC'), '2021-06-15T22:06:57.263Z');
    assert.equal(attr(links(ent)[0], 'Type'), 'BackupServerReference');
    const ref = root((await get(server, `/api/replicaSessions/${S1.toUpperCase()}`, { token })).body, 'EntityRef');
    assert.equal(attr(ref, 'Type'), 'ReplicaJobSessionReference');
    assert.equal(attr(ref, 'Href'), `${B}/replicaSessions/${S1}`);
    for (const id of ['00000000-0000-0000-0000-000000000000', 'xyz']) {
      const res = await get(server, `/api/replicaSessions/${id}`, { token });
      assert.equal(res.status, 404);
      assert.equal(attr(root(res.body, 'Error'), 'StatusCode'), '404');
    }
  });
});

describe('E12 collections', () => {
  test('entity and reference lists in JSON; task sessions', async () => {
    const ents = JSON.parse((await get(server, '/api/replicaSessions?format=Entity', { token, accept: JSON_ACCEPT })).body);
    assert.deepEqual(Object.keys(ents), ['ReplicaJobSessions']);
    assert.deepEqual(ents.ReplicaJobSessions.map((s: { UID: string }) => s.UID.split(':').pop()), [S1, S2, S3, S4]);
    assert.equal(ents.ReplicaJobSessions[0].Links[0].Name, 'enterprise06.tech.local');
    const refs = JSON.parse((await get(server, '/api/replicaSessions', { token, accept: JSON_ACCEPT })).body);
    assert.deepEqual(Object.keys(refs), ['Refs']);
    assert.equal(refs.Refs.length, 4);
    const xmlRefs = root((await get(server, '/api/replicaSessions', { token })).body, 'EntityReferences');
    assert.equal(children(xmlRefs, 'Ref').length, 4);

    const tasks = root((await get(server, `/api/replicaSessions/${S1}/replicaTaskSessions?format=Entity`, { token })).body, 'ReplicaTaskSessions');
    const [t] = children(tasks, 'ReplicaTaskSession');
    assert.equal(attr(t, 'UID'), `urn:veeam:ReplicaTaskSession:${T1}`);
    assert.equal(attr(t, 'VmDisplayName'), 'ubuntu88');
    assert.equal(text(t, 'Reason'), '');
    assert.equal(text(t, 'TotalSize'), '17179869184');
    assert.equal(text(t, 'JobSessionUid'), `urn:veeam:ReplicaJobSession:${S1}`);
    const tjson = JSON.parse((await get(server, `/api/replicaTaskSessions/${T1}?format=Entity`, { token, accept: JSON_ACCEPT })).body);
    assert.deepEqual(Object.keys(tjson), [
      'JobSessionUid', 'CreationTimeUTC', 'EndTimeUTC', 'State', 'Result', 'Reason', 'TotalSize', 'VmDisplayName',
      'Name', 'UID', 'Links', 'Href', 'Type',
    ]);
    assert.equal(tjson.Reason, '');
    assert.equal(tjson.TotalSize, 17179869184);
    const empty = await get(server, `/api/replicaSessions/${S4}/replicaTaskSessions`, { token });
    assert.ok(empty.body.includes('<EntityReferences xmlns="http://www.veeam.com/ent/v1.0" />'));
  });

  test('the 30-day window hides old sessions from collections, not from the query service or items', async () => {
    server.advance(40 * 86_400_000);
    try {
      const fresh = await logon(server);
      const refs = JSON.parse((await get(server, '/api/replicaSessions', { token: fresh.token, accept: JSON_ACCEPT })).body);
      assert.deepEqual(refs.Refs, []);
      assert.equal((await get(server, `/api/replicaSessions/${S1}`, { token: fresh.token })).status, 200);
      assert.equal(JSON.parse((await get(server, '/api/query?type=ReplicaJobSession', { token: fresh.token, accept: JSON_ACCEPT })).body).Refs.Refs.length, 4);
    } finally {
      server.advance(-40 * 86_400_000);
      // Logging on 40 days later expired (and dropped) the suite's session: take a new one.
      ({ token, sessionId } = await logon(server));
    }
  });
});

describe('E13 authentication', () => {
  test('no token → 401, also for unknown paths', async () => {
    for (const path of ['/api/query?type=ReplicaJobSession', '/api/nope']) {
      const res = await get(server, path);
      assert.equal(res.status, 401);
      assert.equal(res.headers.get('www-authenticate'), null);
      assert.equal(attr(root(res.body, 'Error'), 'StatusCode'), '401');
    }
  });

  test('cookie alone works; the cookie wins over the header', async () => {
    const cookie = await get(server, '/api/query?type=ReplicaJobSession', { headers: { Cookie: `X-RestSvcSessionId=${token}` } });
    assert.equal(cookie.status, 200);
    const bogus = await get(server, '/api/query?type=ReplicaJobSession', { token, headers: { Cookie: 'X-RestSvcSessionId=Ym9ndXM=' } });
    assert.equal(bogus.status, 401);
  });

  test('idle timeout is 15 minutes, sliding', async () => {
    const s = await logon(server);
    server.advance(14 * 60_000);
    assert.equal((await get(server, '/api/logonSessions', { token: s.token })).status, 200);
    server.advance(14 * 60_000);
    assert.equal((await get(server, '/api/logonSessions', { token: s.token })).status, 200, 'the request at 14 min slid the timeout');
    server.advance(15 * 60_000 + 1000);
    assert.equal((await get(server, '/api/logonSessions', { token: s.token })).status, 401);
    ({ token } = await logon(server));
    assert.equal(await server.store.getLogonSession(s.sessionId), undefined, 'the next logon drops expired sessions');
  });
});

describe('E14 logon sessions, methods and roles', () => {
  test('logonSessions lists only the caller', async () => {
    const me = await logon(server);
    const list = root((await get(server, '/api/logonSessions', { token: me.token })).body, 'LogonSessions');
    const sessions = children(list, 'LogonSession');
    assert.equal(sessions.length, 1);
    assert.equal(text(sessions[0], 'SessionId'), me.sessionId);
    const json = JSON.parse((await get(server, '/api/LogonSessions?format=Entity', { token: me.token, accept: JSON_ACCEPT })).body);
    assert.equal(json.LogonSessions.length, 1);
    assert.equal((await get(server, `/api/logonSessions/${me.sessionId}`, { token: me.token })).status, 200);
    assert.equal((await get(server, `/api/logonSessions/${sessionId}`, { token: me.token })).status, 404);
  });

  test('wrong method → 405 with Allow', async () => {
    const res = await get(server, '/api/replicaSessions', { token, method: 'POST' });
    assert.equal(res.status, 405);
    assert.equal(res.headers.get('allow'), 'GET');
    assert.equal(attr(root(res.body, 'Error'), 'StatusCode'), '405');
    const put = await get(server, '/api/logonSessions/' + sessionId, { token, method: 'PUT' });
    assert.equal(put.status, 405);
    assert.equal(put.headers.get('allow'), 'GET, DELETE');
  });

  test('jobs are for Portal Administrators', async () => {
    const viewer = await logon(server, VIEWER_BASIC);
    for (const path of ['/api/jobs', `/api/jobs/${J1}?format=Entity`, `/api/jobs/${J1}/replicaSessions`]) {
      const res = await get(server, path, { token: viewer.token });
      assert.equal(res.status, 403, path);
      assert.equal(attr(root(res.body, 'Error'), 'StatusCode'), '403');
      assert.equal((await get(server, path, { token })).status, 200, path);
    }
    assert.equal((await get(server, '/api/replicaSessions', { token: viewer.token })).status, 200);
  });

  test('logout → 204, then the token is dead', async () => {
    const me = await logon(server);
    const res = await get(server, `/api/logonSessions/${me.sessionId}`, { token: me.token, method: 'DELETE' });
    assert.equal(res.status, 204);
    assert.equal(res.body, '');
    assert.equal((await get(server, '/api/logonSessions', { token: me.token })).status, 401);
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
    assert.deepEqual(Object.keys(job), ['JobType', 'Platform', 'Description', 'ScheduleConfigured', 'ScheduleEnabled', 'Name', 'UID', 'Links', 'Href', 'Type']);
    assert.equal(job.Links[0].Type, 'BackupServerReference');
    const sessions = job.Links.find((l: { Type?: string }) => l.Type === 'ReplicaJobSessionReferenceList');
    const list = JSON.parse((await get(server, sessions.Href.slice(server.url.length), { token, accept: JSON_ACCEPT })).body);
    assert.equal(list.Refs.length, 3);
    const bs = JSON.parse((await get(server, `/api/backupServers?format=Entity`, { token, accept: JSON_ACCEPT })).body);
    assert.deepEqual(bs.BackupServers.map((b: { Name: string }) => b.Name), ['enterprise06.tech.local', 'enterprisevbr01.tech.local']);
    assert.deepEqual(Object.keys(bs.BackupServers[0]), ['Description', 'Port', 'Version', 'Name', 'UID', 'Links', 'Href', 'Type']);
    assert.equal(bs.BackupServers[0].Description, '');
  });

  test('querySvc lists the implemented query types; its links work', async () => {
    const res = await get(server, '/api/querySvc', { token });
    const svc = root(res.body, 'QuerySvc');
    assert.equal(attr(svc, 'Type'), 'QueryService');
    const all = links(svc);
    assert.deepEqual(linkTuple(all[0]), ['Up', 'LogonSession', `${B}/logonSessions/${sessionIdOf(token)}`, null]);
    for (const l of all.slice(1)) {
      assert.equal((await get(server, attr(l, 'Href')!.slice(server.url.length), { token })).status, 200, attr(l, 'Href')!);
    }
  });
});

const sessionIdOf = (t: string) => Buffer.from(t, 'base64').toString('ascii');
