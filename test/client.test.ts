/**
 * `emrest/client` (control plane §7): the filter builder's printing (every value the parser
 * reads back as written), the XML reader, and both clients round-tripping against real
 * servers — the spec §7 fixture (EM API in XML and JSON, links, errors, import) and a live demo
 * estate (clock, simulation, job scripts seen through queries, fault rules, the journal, reset).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import {
  EmApiError,
  EmClient,
  EmrestAdmin,
  EmrestAdminError,
  f,
  Filter,
  FilterBuildError,
  filterFor,
  findLink,
  guidOf,
  LIST_ELEMENTS,
  parseXml,
  QUERY_FIELDS,
  XmlParseError,
  xmlToJson,
  type BackupJobSession,
  type FilterFields,
  type Job,
  type QueryType,
  type Reference,
  type ReplicaJobSession,
} from '../src/client/index.js';
import { agentJobCount } from '../src/demo/agents.js';
import { generateDemo, type DemoOptions } from '../src/demo/demo.js';
import { nasJobCount } from '../src/demo/nas.js';
import type { FilterNode } from '../src/filter/ast.js';
import { parseFilter } from '../src/filter/parse.js';
import { TYPES } from '../src/model/index.js';
import { BS1, FIXTURE_NOW, J1, S1, S2, S3, S4, T1 } from './support/fixture.js';
import { startFixtureServer, startServer, type Server } from './support/server.js';

const TOKEN = 'client-admin-token-0123456789';
const T0 = Date.parse(FIXTURE_NOW);
const DEMO: DemoOptions = { seed: 5, servers: 2, jobs: 3, backupJobs: 4, days: 2, now: T0 };
const USER = 'tech\\admin';
const PASSWORD = 'Passw0rd';

/** Asserts that `promise` rejects with an error of `type` and returns it. */
async function rejection<E extends Error>(promise: Promise<unknown>, type: new (...args: never[]) => E): Promise<E> {
  try {
    await promise;
  } catch (e) {
    assert.ok(e instanceof type, `expected a ${type.name}, got ${(e as Error)?.stack ?? e}`);
    return e;
  }
  assert.fail(`expected a ${type.name}, got success`);
}

// ---------------------------------------------------------------------------------------------

describe('filter builder', () => {
  test('prints EM filter syntax: AND with ";", OR with ",", plain values unquoted', () => {
    const since = new Date('2026-12-01T10:00:00Z');
    assert.equal(String(f.eq('Result', 'Failed').and(f.gt('CreationTime', since))), 'Result==Failed;CreationTime>2026-12-01T10:00:00.000Z');
    assert.equal(String(f.ne('EndTime', '2021-06-15T22:11:06.11Z')), 'EndTime!=2021-06-15T22:11:06.11Z');
    assert.equal(String(f.ge('Result', 'Warning').or(f.le('Port', 9392), f.lt('TotalSize', 10n))), 'Result>=Warning,Port<=9392,TotalSize<10');
    assert.equal(String(f.eq('IsRetry', true)), 'IsRetry==true');
    assert.equal(String(f.eq('BackupServerUid', `urn:veeam:BackupServer:${BS1}`)), `BackupServerUid==urn:veeam:BackupServer:${BS1}`);
    assert.equal(String(f.cmp('Progress', '>=', -5)), 'Progress>=-5');
    assert.equal(String(f.oneOf('Result', ['Failed', 'Warning'])), 'Result==Failed,Result==Warning');
    assert.equal(JSON.stringify({ filter: f.eq('Result', 'Failed') }), '{"filter":"Result==Failed"}');
  });

  test('groups an OR inside an AND, never an AND inside an OR; flattens the same operator', () => {
    const failedOrWarning = f.or(f.eq('Result', 'Failed'), f.eq('Result', 'Warning'));
    assert.equal(String(failedOrWarning.and(f.eq('JobName', 'Replication Job 1'))), '(Result==Failed,Result==Warning);JobName=="Replication Job 1"');
    assert.equal(String(f.or(f.eq('A', 1).and(f.eq('B', 2)), f.eq('C', 3))), 'A==1;B==2,C==3');
    assert.equal(String(f.eq('A', 1).and(f.eq('B', 2)).and(f.eq('C', 3))), 'A==1;B==2;C==3');
    assert.equal(String(f.and(f.eq('A', 1), f.and(f.eq('B', 2), f.eq('C', 3)))), 'A==1;B==2;C==3');
    assert.equal(String(f.and(f.raw('A==1,B==2'), f.eq('C', 3))), '(A==1,B==2);C==3');
    assert.equal(String(f.and(f.eq('A', 1))), 'A==1');
  });

  test('quotes values EM would otherwise cut or drop, with "" for a literal quote', () => {
    const cases: [string, string][] = [
      ['Replication Job 1', '"Replication Job 1"'],
      ['a;b', '"a;b"'],
      ['a,b', '"a,b"'],
      ['(x)', '"(x)"'],
      ['My "x" job', '"My ""x"" job"'],
      ['"Backup"', '"""Backup"""'],
      ['"x', '"""x"'],
      ['x"', '"x"""'],
      ['', '""'],
      ['""', '""""'],
      ['"""', '""""""'],
      ['a==b', '"a==b"'],
      ['  padded ', '"  padded "'],
      ['tab\there', '"tab\there"'],
      ['naïve', '"naïve"'],
      ['enterprise06.tech.local', 'enterprise06.tech.local'],
      ['2026-12-01T10:00:00+01:00', '2026-12-01T10:00:00+01:00'],
      ['DOMAIN\\user', 'DOMAIN\\user'],
    ];
    for (const [value, printed] of cases) assert.equal(String(f.eq('Name', value)), `Name==${printed}`, JSON.stringify(value));
  });

  test('every value but a lone quote reads back as written (the server parser is the judge)', () => {
    const valueOf = (text: string) => {
      const node = parseFilter(text)!;
      assert.equal(node.kind, 'cmp', text);
      return (node as Extract<FilterNode, { kind: 'cmp' }>).value;
    };
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: fc.constantFrom('"', ' ', ';', ',', '(', ')', 'a', '=', '\t', '\n') })), (value) => {
        fc.pre(value !== '"');
        assert.equal(valueOf(String(f.eq('Name', value))), value);
      }),
      { numRuns: 2000 },
    );
    assert.throws(() => f.eq('Name', '"'), FilterBuildError);
  });

  test('trees print to text that parses to the same tree', () => {
    type Shape = [string, string, string] | { and: Shape[] } | { or: Shape[] };
    const shape = (n: FilterNode): Shape => (n.kind === 'cmp' ? [n.field, n.op, n.value] : n.kind === 'and' ? { and: n.items.map(shape) } : { or: n.items.map(shape) });
    // The tree the builder means: the same operator nested is one list, as the builder flattens it.
    const join = (kind: 'and' | 'or', items: Shape[]): Shape => {
      const flat = items.flatMap((i) => (!Array.isArray(i) && kind in i ? (i as Record<string, Shape[]>)[kind] : [i]));
      return (kind === 'and' ? { and: flat } : { or: flat }) as Shape;
    };
    const leaf = fc
      .record({ field: fc.constantFrom('Name', 'Result', 'JobName'), op: fc.constantFrom('==', '!=', '>', '>=', '<', '<=' as const), value: fc.string().filter((s) => s !== '"') })
      .map((l): [Filter, Shape] => [f.cmp(l.field, l.op as '==', l.value), [l.field, l.op, l.value]]);
    const tree = fc.letrec<{ t: [Filter, Shape] }>((tie) => ({
      t: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        leaf,
        fc.array(tie('t'), { minLength: 2, maxLength: 3 }).map((xs): [Filter, Shape] => [f.and(...xs.map((x) => x[0])), join('and', xs.map((x) => x[1]))]),
        fc.array(tie('t'), { minLength: 2, maxLength: 3 }).map((xs): [Filter, Shape] => [f.or(...xs.map((x) => x[0])), join('or', xs.map((x) => x[1]))]),
      ),
    })).t;
    fc.assert(
      fc.property(tree, ([filter, expected]) => {
        assert.deepEqual(shape(parseFilter(String(filter))!), expected);
      }),
      { numRuns: 500 },
    );
  });

  test('refuses what EM cannot read: bad field names, non-finite numbers, invalid dates, empty groups', () => {
    assert.throws(() => f.eq('1abc', 'x'), FilterBuildError);
    assert.throws(() => f.eq('Job Name', 'x'), FilterBuildError);
    assert.throws(() => f.eq('Progress', Number.NaN), FilterBuildError);
    assert.throws(() => f.eq('Progress', Infinity), FilterBuildError);
    assert.throws(() => f.eq('CreationTime', new Date('nope')), FilterBuildError);
    assert.throws(() => f.and(), FilterBuildError);
    assert.throws(() => f.raw('  '), FilterBuildError);
    assert.throws(() => f.cmp('Result', '=' as '==', 'Failed'), FilterBuildError);
    assert.throws(() => filterFor('FailoverPlan' as QueryType), FilterBuildError);
  });

  test('filterFor types fields and values per query type (compile-time checks)', () => {
    const q = filterFor('BackupJobSession');
    assert.equal(String(q.eq('Result', 'Failed').and(q.eq('JobType', 'BackupCopy'), q.eq('IsRetry', false))), 'Result==Failed;JobType==BackupCopy;IsRetry==false');
    // @ts-expect-error: not a member of Result
    q.eq('Result', 'Succeeded');
    // @ts-expect-error: not a BackupJobSession filter field
    q.eq('VmDisplayName', 'x');
    // @ts-expect-error: a boolean field
    q.eq('IsRetry', 'yes');
    const j = filterFor('Job');
    // @ts-expect-error: replica job sessions have JobType Replica only; jobs have no NasBackup
    j.eq('JobType', 'NasBackup');
    const fields: FilterFields<'ReplicaTaskSession'>['TotalSize'] = 5n;
    assert.equal(String(filterFor('ReplicaTaskSession').gt('TotalSize', fields)), 'TotalSize>5');
  });

  test("QUERY_FIELDS are the server's declared filter fields, kinds and enum members", () => {
    assert.deepEqual(Object.keys(QUERY_FIELDS).sort(), TYPES.map((t) => t.name).sort());
    for (const type of TYPES) {
      const declared: Record<string, unknown> = {};
      for (const field of type.fields) {
        for (const name of field.filter ?? []) declared[name] = field.kind === 'enum' ? [...field.members] : field.kind;
      }
      const client = Object.fromEntries(Object.entries(QUERY_FIELDS[type.name as QueryType]).map(([k, v]) => [k, typeof v === 'string' ? v : [...v]]));
      assert.deepEqual(client, declared, type.name);
      assert.equal(LIST_ELEMENTS[type.name as QueryType], type.listElement);
    }
  });
});

describe('XML reader', () => {
  test('elements, attributes, entities, character references, CDATA, comments, prefixes', () => {
    const el = parseXml(
      '\uFEFF<?xml version="1.0" encoding="utf-8"?>\n<!-- c --><!DOCTYPE x><a:Root xmlns:a="urn:x" xmlns="urn:y" a:At=\'1 &amp; 2\'><B>x &lt; y &#65;&#x42;<![CDATA[<raw>&amp;]]></B><C/></a:Root>',
    );
    assert.equal(el.name, 'Root');
    assert.deepEqual(el.attributes, { At: '1 & 2' });
    assert.equal(el.children[0].text, 'x < y AB<raw>&amp;');
    assert.equal(el.children[1].name, 'C');
  });

  test('malformed documents are XmlParseErrors with an offset', () => {
    for (const bad of ['', '<a>', '<a></b>', '<a x=1/>', '<a>&bogus;</a>', '<a/><b/>', 'text', '<a>&</a>', '<a b="1"c="2"/>']) {
      assert.throws(() => parseXml(bad), XmlParseError, JSON.stringify(bad));
    }
  });

  test("maps EM's list wrappers, Links and typed members as EM's JSON does", () => {
    const doc = xmlToJson(
      '<QueryResult xmlns="http://www.veeam.com/ent/v1.0"><Entities><Jobs><Job Type="Job" Name="J" UID="u"><Links><Link Rel="Up" Href="h?a=1&amp;b=2" /></Links>' +
        '<Description /><ScheduleEnabled>true</ScheduleEnabled></Job></Jobs></Entities>' +
        '<PagingInfo PagesCount="1" PageSize="100" PageNum="1"><Links /></PagingInfo></QueryResult>',
    );
    assert.deepEqual(doc, {
      Entities: { Jobs: { Jobs: [{ Type: 'Job', Name: 'J', UID: 'u', Links: [{ Rel: 'Up', Href: 'h?a=1&b=2' }], Description: '', ScheduleEnabled: true }] } },
      PagingInfo: { PagesCount: 1, PageSize: 100, PageNum: 1, Links: [] },
    });
    assert.deepEqual(xmlToJson('<EntityReferences xmlns="x" />'), { Refs: [] });
    assert.deepEqual(xmlToJson('<Error xmlns="x" Message="Nope" StatusCode="400" />'), { Message: 'Nope', StatusCode: 400 });
  });
});

describe('EmrestAdmin and EmClient: construction and off servers', () => {
  test('options are checked; base URLs may carry /api or /admin/v1', () => {
    assert.throws(() => new EmrestAdmin({ baseUrl: 'http://x', token: '' }), TypeError);
    assert.throws(() => new EmrestAdmin({ baseUrl: 'ftp://x', token: 't' }), TypeError);
    assert.throws(() => new EmClient({ baseUrl: 'http://x', format: 'yaml' as 'xml' }), TypeError);
    assert.equal(new EmrestAdmin({ baseUrl: 'http://h:1/admin/v1/', token: 't' }).baseUrl, 'http://h:1');
    assert.equal(new EmClient({ baseUrl: 'https://h:9398/api/' }).baseUrl, 'https://h:9398');
    assert.equal(new EmClient({ baseUrl: 'http://h/prefix' }).url('query?type=Job'), 'http://h/prefix/api/query?type=Job');
    assert.equal(new EmClient({ baseUrl: 'http://h' }).format, 'json');
    assert.equal(guidOf(`urn:veeam:Job:${J1}`), J1);
    assert.equal(guidOf(J1), J1);
    assert.equal(
      EmClient.queryString('ReplicaJobSession', { filter: (q) => q.eq('JobName', 'Replication Job 1;x'), sortDesc: 'CreationTime', pageSize: 5, page: 2 }),
      'type=ReplicaJobSession&format=Entities&filter=JobName%3D%3D%22Replication+Job+1%3Bx%22&sortDesc=CreationTime&pageSize=5&page=2',
    );
    assert.throws(() => EmClient.queryString('Job', { sortAsc: 'Name', sortDesc: 'Name' }), TypeError);
  });

  test('a server without an admin token: every admin call is a 404 EmrestAdminError', async () => {
    const server = await startFixtureServer();
    try {
      const admin = new EmrestAdmin({ baseUrl: server.url, token: TOKEN });
      const e = await rejection(admin.clock.get(), EmrestAdminError);
      assert.equal(e.status, 404);
      assert.equal(e.method, 'GET');
      assert.equal(e.path, '/admin/v1/clock');
    } finally {
      await server.close();
    }
  });
});

// ---------------------------------------------------------------------------------------------

describe('against the spec §7 fixture', () => {
  let server: Server;
  let admin: EmrestAdmin;
  let json: EmClient;
  let xml: EmClient;
  before(async () => {
    server = await startFixtureServer({ adminToken: TOKEN });
    admin = new EmrestAdmin({ baseUrl: server.url, token: TOKEN });
    json = new EmClient({ baseUrl: server.url, format: 'json' });
    xml = new EmClient({ baseUrl: `${server.url}/api`, format: 'xml' });
    await json.logon(USER, PASSWORD);
    await xml.logon(USER, PASSWORD, { version: 'v1_7' });
  });
  after(() => server.close());

  test('logon keeps the token (base64 of the SessionId) in both formats', async () => {
    const c = new EmClient({ baseUrl: server.url, format: 'xml' });
    const s = await c.logon(USER, PASSWORD);
    assert.equal(s.UserName, 'TECH\\admin');
    assert.equal(s.Type, 'LogonSession');
    assert.equal(s.token, Buffer.from(s.SessionId, 'ascii').toString('base64'));
    assert.equal(c.token, s.token);
    assert.equal(c.sessionId, s.SessionId);
    assert.equal(s.Links.length, 54);
    const j = await new EmClient({ baseUrl: server.url }).logon(USER, PASSWORD);
    assert.deepEqual(Object.keys(j).slice(0, 2), ['UserName', 'SessionId']);
    assert.deepEqual({ ...s, token: '', SessionId: '', Href: '', Links: s.Links.slice(1, -1) }, { ...j, token: '', SessionId: '', Href: '', Links: j.Links.slice(1, -1) });
  });

  test('the seed query (E4) through the filter builder, XML and JSON alike', async () => {
    for (const c of [json, xml]) {
      const page = await c.query('ReplicaJobSession', { filter: (q) => q.eq('BackupServerName', 'enterprise06.tech.local').and(q.eq('Result', 'Success')) });
      assert.equal(page.items.length, 1);
      const s: ReplicaJobSession = page.items[0];
      assert.equal(s.UID, `urn:veeam:ReplicaJobSession:${S1}`);
      assert.equal(s.JobName, 'Replication Job 1');
      assert.equal(s.CreationTimeUTC, '2021-06-15T22:06:57.263Z');
      assert.equal(s.EndTimeUTC, '2021-06-15T22:11:06.11Z');
      assert.equal(s.Progress, 100);
      assert.equal(s.IsRetry, false);
      assert.equal(s.FailureMessage, undefined);
      assert.deepEqual(page.paging.PagesCount, 1);
      assert.equal(page.hasNext, false);
      assert.equal(await page.next(), undefined);
      assert.match(page.response.headers.get('content-type')!, c.format === 'xml' ? /^application\/xml/ : /^application\/json/);
    }
  });

  test('XML and JSON give the same objects, for every type, entities and references', async () => {
    for (const type of Object.keys(QUERY_FIELDS) as QueryType[]) {
      for (const format of ['Entities', 'References'] as const) {
        const a = await json.query(type, { format: format as 'Entities', pageSize: 3 });
        const b = await xml.query(type, { format: format as 'Entities', pageSize: 3 });
        assert.ok(a.items.length > 0, `${type} ${format}`);
        assert.deepEqual(b.items, a.items, `${type} ${format}`);
        assert.deepEqual(b.paging, a.paging, `${type} ${format}`);
      }
    }
    // Absent (running) and empty values too: S4 has no EndTimeUTC, T1 an empty Reason.
    const running = await xml.query('ReplicaJobSession', { filter: f.eq('Result', 'None') });
    assert.equal(running.items[0].UID, `urn:veeam:ReplicaJobSession:${S4}`);
    assert.equal('EndTimeUTC' in running.items[0], false);
    const task = await xml.query('ReplicaTaskSession', { filter: f.eq('UID', T1) });
    assert.equal(task.items[0].Reason, '');
    assert.equal(task.items[0].TotalSize, 17179869184);
  });

  test('filters with quoting, OR groups and sorting reach EM as meant (E7, E9)', async () => {
    const q = filterFor('ReplicaJobSession');
    const e7 = await json.query('ReplicaJobSession', { filter: q.or(q.eq('Result', 'Failed'), q.eq('Result', 'Warning')).and(q.eq('JobName', 'Replication Job 1')) });
    assert.deepEqual(e7.items.map((s) => s.UID.split(':').pop()), [S2, S3]);
    assert.equal(e7.items[0].FailureMessage, 'Error: Failed to open VDDK disk');
    const e9 = await xml.query('ReplicaJobSession', { filter: q.ge('CreationTime', new Date('2021-06-16T00:00:00Z')), sortDesc: 'CreationTime' });
    assert.deepEqual(e9.items.map((s) => s.UID.split(':').pop()), [S4, S3, S2]);
    const quoted = await json.query('ReplicaJobSession', { filter: f.eq('Name', 'a "quoted"; (odd), name') });
    assert.equal(quoted.items.length, 0, 'a strange value is a value, not a syntax error');
    const text = await json.query('ReplicaJobSession', { filter: 'result==none' });
    assert.equal(text.items.length, 1);
  });

  test('paging: next() follows Next links; queryAll reads every page; References', async () => {
    const first = await json.query('ReplicaJobSession', { pageSize: 2 });
    assert.equal(first.hasNext, true);
    assert.equal(first.paging.PagesCount, 2);
    const second = await first.next();
    assert.ok(second);
    assert.equal(second.paging.PageNum, 2);
    assert.deepEqual(second.items.map((s) => s.UID.split(':').pop()), [S3, S4]);
    assert.equal(await second.next(), undefined);
    const all = await xml.queryAll('ReplicaJobSession', { pageSize: 1 });
    assert.deepEqual(all.map((s) => s.UID.split(':').pop()), [S1, S2, S3, S4]);
    const refs = await xml.queryAll('ReplicaJobSession', { format: 'References', pageSize: 3 });
    const ref: Reference = refs[0];
    assert.equal(ref.Type, 'ReplicaJobSessionReference');
    assert.equal(refs.length, 4);
  });

  test('follow links and get hrefs: entity → server, session → task sessions, XML and JSON alike', async () => {
    for (const c of [json, xml]) {
      const [s1] = (await c.query('ReplicaJobSession', { filter: f.eq('UID', S1) })).items;
      const server1 = await c.follow<Reference>(s1, 'Up', 'BackupServerReference');
      assert.equal(server1.Type, 'BackupServerReference');
      assert.equal(server1.Name, 'enterprise06.tech.local');
      const entity = await c.follow<{ Port: number; Name: string }>(server1, 'Alternate', 'BackupServer');
      assert.equal(entity.Port, 9392);
      const tasks = await c.follow<{ Refs: Reference[] }>(s1, 'Down');
      assert.deepEqual(tasks.Refs.map((r) => r.UID), [`urn:veeam:ReplicaTaskSession:${T1}`]);
      const list = await c.get<{ ReplicaJobSessions: ReplicaJobSession[] }>('/api/replicaSessions?format=Entity');
      assert.equal(list.ReplicaJobSessions.length, 4);
      assert.equal(findLink(s1, 'Nope'), undefined);
      await assert.rejects(c.follow(s1, 'Nope'), /no Nope link/);
    }
    const a = await json.get(`/api/replicaSessions/${S2}?format=Entity`);
    const b = await xml.get(`/api/replicaSessions/${S2}?format=Entity`);
    assert.deepEqual(b, a);
  });

  test('EM errors are EmApiErrors with status, headers, EM message and document', async () => {
    for (const c of [json, xml]) {
      const bad = await rejection(c.query('ReplicaJobSession', { filter: 'Result==Succeeded' }), EmApiError);
      assert.equal(bad.status, 400);
      assert.equal(bad.document?.StatusCode, 400);
      assert.ok(bad.emMessage.length > 0);
      assert.match(bad.message, /^GET http:\/\/127\.0\.0\.1:\d+\/api\/query\?.* 400 /);
      const missing = await rejection(c.get(`/api/replicaSessions/00000000-0000-0000-0000-000000000000`), EmApiError);
      assert.equal(missing.status, 404);
    }
    const wrong = await rejection(new EmClient({ baseUrl: server.url, format: 'xml' }).logon(USER, 'wrong'), EmApiError);
    assert.equal(wrong.status, 401);
    assert.equal(wrong.headers.get('www-authenticate'), 'Basic Realm=RestSvc');
    assert.equal(wrong.document?.StatusCode, 401);
    const viewer = new EmClient({ baseUrl: server.url });
    await viewer.logon('tech\\viewer', PASSWORD);
    assert.equal((await rejection(viewer.query('Job'), EmApiError)).status, 403);
    const anonymous = new EmClient({ baseUrl: server.url });
    assert.equal((await rejection(anonymous.query('Job'), EmApiError)).status, 401);
    const raw = await anonymous.request('GET', '/api/query?type=Job');
    assert.equal(raw.status, 401, 'request() answers whatever the status');
  });

  test('logoff ends the session: the old token is refused', async () => {
    const c = new EmClient({ baseUrl: server.url });
    const { token } = await c.logon(USER, PASSWORD);
    await c.logoff();
    assert.equal(c.token, undefined);
    await assert.rejects(c.logoff(), /not logged on/);
    c.token = token;
    assert.equal((await rejection(c.query('BackupServer'), EmApiError)).status, 401);
  });

  test('importData loads a document that is queryable at once; a bad one is a 400 naming the body', async () => {
    const id = '0d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6';
    const doc = {
      IsRetry: false, JobUid: `urn:veeam:Job:${J1}`, JobName: 'Replication Job 1', JobType: 'Replica', CreationTimeUTC: '2021-06-17T22:00:00Z',
      EndTimeUTC: '2021-06-17T22:05:00Z', State: 'Stopped', Result: 'Failed', Progress: 100, FailureMessage: 'Imported "failure"; really',
      Name: 'Replication Job 1@2021-06-17 22:00:00', UID: `urn:veeam:ReplicaJobSession:${id}`,
      Links: [
        { Rel: 'Up', Href: `https://localhost:9398/api/backupServers/${BS1}`, Name: 'enterprise06.tech.local', Type: 'BackupServerReference' },
        { Rel: 'Up', Href: `https://localhost:9398/api/jobs/${J1}`, Name: 'Replication Job 1', Type: 'JobReference' },
      ],
      Href: `https://localhost:9398/api/replicaSessions/${id}?format=Entity`, Type: 'ReplicaJobSession',
    };
    const r = await admin.importData(JSON.stringify({ ReplicaJobSessions: [doc] }));
    assert.equal(r.inserted.ReplicaJobSession, 1);
    const again = await admin.importData(new TextEncoder().encode(JSON.stringify(doc) + '\n'));
    assert.equal(again.inserted.ReplicaJobSession, 0);
    const page = await xml.query('ReplicaJobSession', { filter: (q) => q.eq('UID', id) });
    assert.equal(page.items[0].FailureMessage, 'Imported "failure"; really');
    const bad = await rejection(admin.importData('{"ReplicaJobSessions":[{"UID":'), EmrestAdminError);
    assert.equal(bad.status, 400);
    assert.match(bad.error, /request body/);
  });

  test('health: status, versions and the stored job sessions, as the query service counts them', async () => {
    const h = await admin.health();
    const sessions = (await json.queryAll('BackupJobSession')).length + (await json.queryAll('ReplicaJobSession')).length;
    assert.ok(sessions > 0);
    assert.deepEqual(h, { status: 'ok', version: h.version, emVersion: '12', sessions, now: FIXTURE_NOW.replace('Z', '.000Z'), simulation: 'off' });
    assert.match(h.version, /^\d+\.\d+\.\d+/);
    const post = await fetch(`${server.url}/admin/v1/health`, { method: 'POST', headers: { Authorization: `Bearer ${TOKEN}` } });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get('allow'), 'GET');
    const anonymous = await fetch(`${server.url}/admin/v1/health`);
    assert.equal(anonymous.status, 401);
    assert.equal((await anonymous.json()).status, 401);
  });

  test('control-plane errors: 401 for a wrong token, 409 on a snapshot, 400 naming the field', async () => {
    const wrong = await rejection(new EmrestAdmin({ baseUrl: server.url, token: 'wrong' }).clock.get(), EmrestAdminError);
    assert.equal(wrong.status, 401);
    const off = await rejection(admin.simulation.pause(), EmrestAdminError);
    assert.equal(off.status, 409);
    assert.deepEqual(await admin.simulation.get(), { enabled: false, jobs: 0, running: 0 });
    const speed = await rejection(admin.clock.speed(0), EmrestAdminError);
    assert.equal(speed.status, 400);
    assert.match(speed.error, /speed/);
    assert.equal(JSON.parse(speed.body).status, 400);
    const report = await admin.reset();
    assert.deepEqual(report, { faultsCleared: true, journalCleared: true, scriptsCleared: 0, serversRestored: 0, simulation: 'off' });
  });

  test('deleteData empties the estate; users stay', async () => {
    await admin.deleteData();
    const c = new EmClient({ baseUrl: server.url });
    await c.logon(USER, PASSWORD);
    assert.deepEqual((await c.query('BackupServer')).items, []);
  });
});

// ---------------------------------------------------------------------------------------------

describe('against a live demo estate', () => {
  let server: Server;
  let admin: EmrestAdmin;
  let em: EmClient;
  let jobs: Job[];
  before(async () => {
    server = await startServer({ adminToken: TOKEN, load: (store) => generateDemo(store, DEMO), simulate: true });
    admin = new EmrestAdmin({ baseUrl: server.url, token: TOKEN });
    em = new EmClient({ baseUrl: server.url, format: 'json' });
    await em.logon(USER, PASSWORD);
    jobs = await em.queryAll('Job', { filter: (q) => q.eq('ScheduleEnabled', true), sortAsc: 'Name' });
  });
  after(() => server.close());

  test('clock: get, freeze/unfreeze, speed, advance (duration or seconds), set (back only with force)', async () => {
    const c = await admin.clock.get();
    assert.deepEqual(c, { now: '2021-06-18T00:00:00.000Z', speed: 1, frozen: true });
    assert.equal((await admin.clock.unfreeze()).frozen, false);
    assert.equal((await admin.clock.speed(60)).speed, 60);
    assert.equal((await admin.clock.speed(1)).speed, 1);
    assert.equal((await admin.clock.freeze()).frozen, true);
    const pinned = await admin.clock.update({ now: new Date(T0 + 60_000), frozen: true, force: true });
    assert.equal(pinned.now, '2021-06-18T00:01:00.000Z');
    const moved = await admin.clock.advance('PT1H');
    assert.equal(moved.now, '2021-06-18T01:01:00.000Z');
    assert.equal(typeof moved.ran.sessionsStarted, 'number');
    assert.equal(typeof moved.ran.sessionsFinished, 'number');
    assert.equal((await admin.clock.advance(1800)).now, '2021-06-18T01:31:00.000Z');
    const back = await rejection(admin.clock.set('2021-06-18T00:00:00Z'), EmrestAdminError);
    assert.equal(back.status, 400);
    assert.match(back.error, /force/);
    const forced = await admin.clock.set(new Date(T0 + 3_600_000), { force: true });
    assert.equal(forced.now, '2021-06-18T01:00:00.000Z');
    assert.deepEqual(forced.ran, { sessionsStarted: 0, sessionsFinished: 0 });
    const forward = await admin.clock.set('2021-06-18T02:00:00Z');
    assert.equal(forward.now, '2021-06-18T02:00:00.000Z');
    const bad = await rejection(admin.clock.advance('P1M'), EmrestAdminError);
    assert.equal(bad.status, 400);
    assert.match(bad.error, /advance/);
  });

  test('simulation: pause (time passes, nothing runs), resume (catches up)', async () => {
    const s = await admin.simulation.get();
    assert.equal(s.enabled, true);
    // VM jobs, and the agent and file share jobs the backup jobs bring along.
    assert.equal(s.jobs, DEMO.jobs! + DEMO.backupJobs! + agentJobCount(DEMO.backupJobs!) + nasJobCount(DEMO.backupJobs!));
    assert.equal((await admin.simulation.pause()).enabled, false);
    const idle = await admin.clock.advance('PT12H');
    assert.deepEqual(idle.ran, { sessionsStarted: 0, sessionsFinished: 0 });
    assert.equal((await admin.simulation.resume()).enabled, true);
    assert.equal(server.estate!.state.until, Date.parse(idle.now), 'resumed, it ran the time that passed');
  });

  test('a job script, then time: the scripted failures show through EmClient.query and the filter builder', async () => {
    const job = jobs[0];
    const type = job.JobType === 'Replica' ? 'ReplicaJobSession' : 'BackupJobSession';
    const scripted = await admin.jobs.script(job.UID, { outcomes: ['Failed', 'Failed'], failureMessage: 'Repository is out of space; "disk" full', duration: 'PT10M' });
    assert.equal(scripted.jobId, guidOf(job.UID));
    assert.deepEqual(scripted.runs.map((r) => r.result), ['Failed', 'Failed']);
    assert.equal(scripted.runs[0].duration, 600_000);
    const from = new Date((await admin.clock.get()).now);
    const moved = await admin.clock.advance('P2D');
    assert.ok(moved.ran.sessionsStarted > 0);
    // Two days later the logon session has long been idle (15 minutes): log on again, as a poller would.
    assert.equal((await rejection(em.query('BackupServer'), EmApiError)).status, 401);
    await em.logon(USER, PASSWORD);
    const q = filterFor(type);
    const runs = await em.query(type, { filter: q.eq('JobUid', job.UID).and(q.gt('CreationTime', from)), sortAsc: 'CreationTime', pageSize: 2 });
    assert.equal(runs.items.length, 2);
    for (const run of runs.items as (ReplicaJobSession | BackupJobSession)[]) {
      assert.equal(run.Result, 'Failed');
      // The script's message is stored either way; only replica sessions render it (issue 16 item 6).
      if (type === 'ReplicaJobSession') assert.equal(run.FailureMessage, 'Repository is out of space; "disk" full');
      else assert.ok(run.FailureMessage == null, 'a backup session renders no FailureMessage');
      assert.equal(run.State, 'Stopped');
      assert.equal(Date.parse(run.EndTimeUTC!) - Date.parse(run.CreationTimeUTC), 600_000);
    }
    const unknownField = await rejection(em.query(type, { filter: `${f.eq('JobUid', job.UID)};FailureMessage==x` }), EmApiError);
    assert.equal(unknownField.status, 400, "FailureMessage is not a filter field: EM's 400");
    const byMessage = await em.queryAll(type, { filter: (b) => b.eq('JobUid', job.UID).and(b.eq('Result', 'Failed'), b.gt('CreationTime', from)) });
    assert.ok(byMessage.length >= 2);
    await admin.jobs.clearScript(job.UID);
    const unknown = await rejection(admin.jobs.clearScript('00000000-0000-0000-0000-000000000000'), EmrestAdminError);
    assert.equal(unknown.status, 404);
    const bad = await rejection(admin.jobs.script(job.UID, { outcomes: ['Succeeded' as 'Success'] }), EmrestAdminError);
    assert.equal(bad.status, 400);
    assert.match(bad.error, /outcomes\[0\]/);
  });

  test('a hung run stays Working until a job action stops it', async () => {
    const job = jobs[1];
    const type = job.JobType === 'Replica' ? 'ReplicaJobSession' : 'BackupJobSession';
    await admin.jobs.script(job.UID, { hang: true });
    const from = new Date((await admin.clock.get()).now);
    await admin.clock.advance('P2D');
    await em.logon(USER, PASSWORD);
    const q = filterFor(type);
    const working = await em.query(type, { filter: q.eq('JobUid', job.UID).and(q.gt('CreationTime', from), q.eq('State', 'Working')) });
    assert.equal(working.items.length, 1);
    assert.equal('EndTimeUTC' in working.items[0], false);
    const task = await em.jobAction(job.UID, 'stop');
    assert.equal(task.Operation, 'StopJob');
  });

  test('servers.setReachable switches a server off and on', async () => {
    await em.logon(USER, PASSWORD);
    const [server1] = (await em.query('BackupServer', { sortAsc: 'Name', pageSize: 1 })).items;
    assert.deepEqual(await admin.servers.setReachable(server1.UID, false), { id: guidOf(server1.UID), reachable: false });
    assert.deepEqual(await admin.servers.setReachable(server1.UID, true), { id: guidOf(server1.UID), reachable: true });
    assert.equal((await rejection(admin.servers.setReachable('00000000-0000-0000-0000-000000000000', false), EmrestAdminError)).status, 404);
  });

  test('faults: a 503 rule met once, seen by EmClient as an EmApiError, counted in hits and the journal', async () => {
    await em.logon(USER, PASSWORD);
    await admin.requests.clear();
    await admin.faults.clear();
    const rule = await admin.faults.add({ match: { method: 'GET', path: '/api/query', query: { type: 'BackupServer' } }, fault: { status: 503, message: 'Service unavailable' }, count: 1 });
    assert.match(rule.id, /\S/);
    assert.equal(rule.hits, 0);
    assert.deepEqual(rule.fault, { status: 503, message: 'Service unavailable' });
    const xml = new EmClient({ baseUrl: server.url, format: 'xml' });
    xml.token = em.token;
    const e = await rejection(xml.query('BackupServer'), EmApiError);
    assert.equal(e.status, 503);
    assert.equal(e.emMessage, 'Service unavailable');
    assert.equal(e.document?.StatusCode, 503);
    assert.equal((await em.query('BackupServer')).items.length, DEMO.servers);
    assert.equal((await em.query('Job', { pageSize: 1 })).items.length, 1, 'other types are not matched');
    const [listed] = await admin.faults.list();
    assert.equal(listed.id, rule.id);
    assert.equal(listed.hits, 1);
    assert.deepEqual(await admin.faults.get(rule.id), listed);

    const page = await admin.requests.list({ path: '/api/query', limit: 1 });
    assert.equal(page.total, 3);
    assert.equal(page.requests.length, 1);
    assert.equal(page.requests[0].query.type, 'Job', 'most recent first');
    assert.equal(page.requests[0].status, 200);
    assert.equal(page.requests[0].method, 'GET');
    assert.equal(page.requests[0].user?.toLowerCase(), 'tech\\admin');
    assert.equal(await admin.requests.count({ path: '/api/query' }), 3);
    assert.equal(await admin.requests.count({ fault: rule.id }), 1);
    assert.equal(await admin.requests.count({ status: 503 }), 1);
    assert.equal(await admin.requests.count({ status: '5xx', method: 'GET', user: 'TECH\\admin' }), 1);
    assert.equal(await admin.requests.count({ since: new Date(Date.parse((await admin.clock.get()).now) + 1) }), 0);

    await admin.faults.remove(rule.id);
    assert.deepEqual(await admin.faults.list(), []);
    assert.equal((await rejection(admin.faults.remove(rule.id), EmrestAdminError)).status, 404);
    const bad = await rejection(admin.faults.add({ fault: { status: 503 }, probability: 2 }), EmrestAdminError);
    assert.equal(bad.status, 400);
    assert.match(bad.error, /probability/);
    const two = await admin.faults.addAll([{ fault: { reset: true }, match: { path: '/api/nothing' } }, { delay: 'PT0.01S', match: { path: '/api/nothing' } }]);
    assert.equal(two.length, 2);
    await admin.faults.clear();
    assert.deepEqual(await admin.faults.list(), []);
    await admin.requests.clear();
    assert.equal(await admin.requests.count(), 0);
  });

  test('an expired-session fault: the query is a 401, a new logon works', async () => {
    const c = new EmClient({ baseUrl: server.url });
    await c.logon(USER, PASSWORD);
    await admin.faults.add({ match: { path: '/api/query' }, fault: { expireSession: true }, count: 1 });
    assert.equal((await rejection(c.query('BackupServer'), EmApiError)).status, 401);
    assert.equal((await rejection(c.query('BackupServer'), EmApiError)).status, 401, 'the session is gone');
    await c.logon(USER, PASSWORD);
    assert.equal((await c.query('BackupServer')).items.length, DEMO.servers);
    await admin.faults.clear();
  });

  test('reset: faults and journal cleared, this client\'s scripts and servers undone, simulation resumed', async () => {
    await em.logon(USER, PASSWORD);
    const [server1] = (await em.query('BackupServer', { pageSize: 1 })).items;
    await admin.jobs.script(jobs[2].UID, { outcomes: ['Failed'] });
    await admin.servers.setReachable(server1.UID, false);
    await admin.faults.add({ match: { path: '/api/nothing' }, fault: { status: 500 } });
    await em.query('BackupServer');
    await admin.simulation.pause();
    const report = await admin.reset();
    // Two scripts: this one, and the hang script set on jobs[1] above.
    assert.deepEqual(report, { faultsCleared: true, journalCleared: true, scriptsCleared: 2, serversRestored: 1, simulation: 'resumed' });
    assert.deepEqual(await admin.faults.list(), []);
    assert.equal(await admin.requests.count(), 0);
    assert.equal((await admin.simulation.get()).enabled, true);
    assert.deepEqual(await admin.reset(), { faultsCleared: true, journalCleared: true, scriptsCleared: 0, serversRestored: 0, simulation: 'resumed' });
  });
});
