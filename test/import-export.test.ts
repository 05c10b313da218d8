/**
 * Data in and out: export → import → export is byte-identical in every format and the
 * imported store answers queries as the original; hand-made EM documents (the spec's E4 XML
 * and E5 JSON) import, servers and jobs known only from links included; References documents
 * and malformed files are rejected whole with a positioned message and leave the store as it
 * was; re-import changes nothing; the CLI commands run as child processes.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Clock } from '../src/clock/clock.js';
import { hashPassword } from '../src/auth/password.js';
import { DEMO_DEFAULTS, generateDemo } from '../src/demo/demo.js';
import { exportDocument, exportRows, type ExportFormat } from '../src/io/export.js';
import { BS1, J1, loadFixture, replicaSessions, S1, T1 } from './support/fixture.js';
import { importData, ImportError, type ImportFile, type ImportInput, type ImportResult } from '../src/io/import/index.js';
import { PARENTS_FIRST } from '../src/store/schema.js';
import { buildApp } from '../src/http/app.js';
import { appContext } from '../src/http/context.js';
import { planOrder } from '../src/query/plan.js';
import { BackupServer, ReplicaJobSession, ReplicaTaskSession } from '../src/model/all.js';
import { JOB_TYPES, PLATFORMS } from '../src/model/job.js';
import type { Row, TypeDecl } from '../src/model/index.js';
import { openSqliteStore } from '../src/store/sqlite/sqlite-store.js';
import type { Store } from '../src/store/store.js';
import { inspectSqlite } from './support/sqlite-inspector.js';
import { openTestStore } from './support/store.js';
import { freshPostgresUrl } from './support/postgres.js';
import { openPgStore } from '../src/store/pg/pg-store.js';
import { testSettings } from './support/server.js';

const MAIN = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const NOW = Date.parse('2026-11-30T00:00:00Z');
const FORMATS: readonly ExportFormat[] = ['ndjson', 'xml', 'json'];
const B = 'https://localhost:9398/api';

const root = mkdtempSync(join(tmpdir(), 'emrest-import-'));
let storeNo = 0;
const open: Store[] = [];
function freshStore(): Store {
  const store = openTestStore(join(root, `s${++storeNo}`));
  open.push(store);
  return store;
}
/** A store in a fresh PostgreSQL schema, closed with the others. */
async function freshPostgresStore(): Promise<Store> {
  const store = await openPgStore(await freshPostgresUrl());
  open.push(store);
  return store;
}
after(async () => {
  for (const s of open) await s.close();
  rmSync(root, { recursive: true, force: true });
});

const all = (type: TypeDecl) => ({ type, order: planOrder(type), offset: 0, limit: -1 });

let fileNo = 0;
/**
 * A document as each kind of input hands it over: bytes in memory (read in the importer's
 * thread) and a file by name (read, parsed and converted on the parse thread).
 */
function inputsOf(doc: string): [string, () => ImportInput | ImportFile][] {
  return [
    ['in memory', () => Buffer.from(doc)],
    ['a file, on the parse thread', () => {
      const file = join(root, `input-${++fileNo}`);
      writeFileSync(file, doc);
      return { file };
    }],
  ];
}

/** Every resource row of every type, in default order: the store's whole data. */
async function dump(store: Store): Promise<Record<string, Row[]>> {
  const out: Record<string, Row[]> = {};
  for (const t of PARENTS_FIRST) out[t.name] = (await store.query(all(t))).rows;
  return out;
}

async function text(pieces: AsyncIterable<string>): Promise<string> {
  let s = '';
  for await (const p of pieces) s += p;
  return s;
}

/** NDJSON: one document of every type; xml/json: one document per type, in import order. */
async function exportAll(store: Store, format: ExportFormat): Promise<string[]> {
  if (format === 'ndjson') {
    let s = '';
    for (const t of PARENTS_FIRST) s += await text(exportDocument(store, t, format));
    return [s];
  }
  const docs: string[] = [];
  for (const t of PARENTS_FIRST) docs.push(await text(exportDocument(store, t, format)));
  return docs;
}

const total = (r: ImportResult, which: 'inserted' | 'updated') => Object.values(r[which]).reduce((a, b) => a + b, 0);
const only = (counts: Record<string, number>) => Object.fromEntries(Object.entries(counts).filter(([, n]) => n !== 0));

/** An app over `store` with one administrator, and a logged-on GET. */
async function querier(store: Store) {
  await store.putUser({ name: 'admin', passwordHash: await hashPassword('pw'), role: 'PortalAdministrator' });
  const app = buildApp(appContext(testSettings({ 'public-url': B }), store, { clock: new Clock({ now: NOW, frozen: true }) }));
  const logon = await app.inject({
    method: 'POST', url: '/api/sessionMngr/?v=latest', headers: { authorization: 'Basic ' + Buffer.from('admin:pw').toString('base64') },
  });
  assert.equal(logon.statusCode, 201);
  const token = logon.headers['x-restsvcsessionid'] as string;
  return {
    get: async (url: string, accept = 'application/xml') => {
      const r = await app.inject({ method: 'GET', url, headers: { 'x-restsvcsessionid': token, accept } });
      assert.equal(r.statusCode, 200, r.body);
      return r.body;
    },
    close: () => app.close(),
  };
}

// ---------------------------------------------------------------------------------------------
// Round trip

describe('round trip of demo data', () => {
  let original: Store;
  before(async () => {
    original = freshStore();
    await generateDemo(original, { ...DEMO_DEFAULTS, servers: 2, jobs: 3, backupJobs: 3, days: 6, now: NOW });
  });

  // The copy on either backend: out of SQLite, into SQLite or PostgreSQL, out again, the same
  // bytes. Into SQLite from files (the parse thread), into PostgreSQL from memory.
  for (const [backend, newStore, via] of [['SQLite', async () => freshStore(), 1], ['PostgreSQL', freshPostgresStore, 0]] as const) for (const format of FORMATS) {
    test(`${format}, into ${backend}: export → import into an empty store → export is byte-identical; the copy answers queries the same`, async () => {
      const first = await exportAll(original, format);
      const copy = await newStore();
      for (const [i, doc] of first.entries()) {
        const r = await importData(copy, inputsOf(doc)[via][1](), `doc${i}.${format}`);
        assert.equal(r.format, format === 'xml' ? 'xml' : 'json');
        assert.equal(total(r, 'updated'), 0);
      }
      const second = await exportAll(copy, format);
      assert.equal(second.length, first.length);
      for (let i = 0; i < first.length; i++) assert.ok(second[i] === first[i], `document ${i} differs after the round trip`);
      assert.deepEqual(await dump(copy), await dump(original));

      const a = await querier(original), b = await querier(copy);
      try {
        for (const q of [
          '/api/query?type=ReplicaJobSession&format=Entities&filter=Result==Failed,Result==Warning&sortDesc=EndTime&pageSize=7&page=2',
          '/api/query?type=BackupTaskSession&format=Entities&filter=Result!=Success&sortAsc=VmDisplayName',
          '/api/query?type=Job&format=Entities&filter=JobType==Replica',
          '/api/query?type=BackupServer&format=Entities',
        ]) {
          for (const accept of ['application/xml', 'application/json']) assert.equal(await b.get(q, accept), await a.get(q, accept), q);
        }
      } finally {
        await a.close();
        await b.close();
      }

      // Importing the same documents again changes nothing.
      for (const doc of first) {
        const r = await importData(copy, Buffer.from(doc), 'again');
        assert.deepEqual([total(r, 'inserted'), total(r, 'updated')], [0, 0]);
      }
    });
  }

  test('xml export is exactly the API collection document (plus a final newline)', async () => {
    const q = await querier(original);
    try {
      const api = await q.get('/api/backupServers?format=Entity');
      assert.equal(await text(exportDocument(original, BackupServer, 'xml', { base: B })), api + '\n');
      const json = JSON.parse(await q.get('/api/backupServers?format=Entity', 'application/json'));
      assert.deepEqual(JSON.parse(await text(exportDocument(original, BackupServer, 'json', { base: B }))), json);
    } finally {
      await q.close();
    }
  });

  test('export pages through the store (keyset on the default order) without losing or repeating rows', async () => {
    for (const type of PARENTS_FIRST) {
      const expected = (await original.query(all(type))).rows;
      const pages: Row[][] = [];
      for await (const page of exportRows(original, type, undefined, 7)) pages.push(page);
      assert.ok(pages.every((p) => p.length <= 7));
      assert.deepEqual(pages.flat(), expected, type.name);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Hand-made samples from the spec

const S1_XML = `    <ReplicaJobSession Type="ReplicaJobSession" Href="${B}/replicaSessions/${S1}?format=Entity" Name="Replication Job 1@2021-06-15 22:06:57" UID="urn:veeam:ReplicaJobSession:${S1}">
      <Links>
        <Link Rel="Up" Type="BackupServerReference" Href="${B}/backupServers/${BS1}" Name="enterprise06.tech.local" />
        <Link Rel="Up" Type="JobReference" Href="${B}/jobs/${J1}" Name="Replication Job 1" />
        <Link Rel="Alternate" Type="ReplicaJobSessionReference" Href="${B}/replicaSessions/${S1}" Name="Replication Job 1@2021-06-15 22:06:57" />
        <Link Rel="Down" Type="ReplicaTaskSessionReferenceList" Href="${B}/replicaSessions/${S1}/replicaTaskSessions" />
      </Links>
      <JobUid>urn:veeam:Job:${J1}</JobUid>
      <JobName>Replication Job 1</JobName>
      <JobType>Replica</JobType>
      <CreationTimeUTC>2021-06-15T22:06:57.263Z</CreationTimeUTC>
      <EndTimeUTC>2021-06-15T22:11:06.11Z</EndTimeUTC>
      <State>Stopped</State>
      <Result>Success</Result>
      <Progress>100</Progress>
      <IsRetry>false</IsRetry>
    </ReplicaJobSession>`;

const PAGING_HREF = `${B}/query?type=ReplicaJobSession&amp;format=Entities&amp;filter=BackupServerName%3D%3D%22enterprise06.tech.local%22;Result%3D%3DSuccess&amp;pageSize=100&amp;page=1`;

/** Spec §7 E4, as captured (PagingInfo included). */
const E4_XML = `<?xml version="1.0" encoding="utf-8"?>
<QueryResult xmlns="http://www.veeam.com/ent/v1.0">
  <Entities>
    <ReplicaJobSessions>
${S1_XML}
    </ReplicaJobSessions>
  </Entities>
  <PagingInfo PagesCount="1" PageSize="100" PageNum="1">
    <Links>
      <Link Rel="First" Href="${PAGING_HREF}" />
      <Link Rel="Last" Href="${PAGING_HREF}" />
    </Links>
  </PagingInfo>
</QueryResult>`;

/** Spec §7 E5 (E4 in JSON), the abbreviations filled in. */
const E5_JSON = JSON.stringify({
  Entities: {
    ReplicaJobSessions: {
      ReplicaJobSessions: [{
        IsRetry: false, JobUid: `urn:veeam:Job:${J1}`, JobName: 'Replication Job 1', JobType: 'Replica',
        CreationTimeUTC: '2021-06-15T22:06:57.263Z', EndTimeUTC: '2021-06-15T22:11:06.11Z', State: 'Stopped', Result: 'Success',
        Progress: 100, Name: 'Replication Job 1@2021-06-15 22:06:57', UID: `urn:veeam:ReplicaJobSession:${S1}`,
        Links: [
          { Rel: 'Up', Href: `${B}/backupServers/${BS1}`, Name: 'enterprise06.tech.local', Type: 'BackupServerReference' },
          { Rel: 'Up', Href: `${B}/jobs/${J1}`, Name: 'Replication Job 1', Type: 'JobReference' },
          { Rel: 'Alternate', Href: `${B}/replicaSessions/${S1}`, Name: 'Replication Job 1@2021-06-15 22:06:57', Type: 'ReplicaJobSessionReference' },
          { Rel: 'Down', Href: `${B}/replicaSessions/${S1}/replicaTaskSessions`, Type: 'ReplicaTaskSessionReferenceList' },
        ],
        Href: `${B}/replicaSessions/${S1}?format=Entity`, Type: 'ReplicaJobSession',
      }],
    },
  },
  PagingInfo: {
    Links: [{ Rel: 'First', Href: PAGING_HREF.replace(/&amp;/g, '&') }, { Rel: 'Last', Href: PAGING_HREF.replace(/&amp;/g, '&') }],
    PageNum: 1, PageSize: 100, PagesCount: 1,
  },
});

/** Spec §7 E12: T1 as a `<ReplicaTaskSessions>` collection. */
const T1_XML = (parent = S1) => `<?xml version="1.0" encoding="utf-8"?>
<ReplicaTaskSessions xmlns="http://www.veeam.com/ent/v1.0">
  <ReplicaTaskSession Type="ReplicaTaskSession" Href="${B}/replicaTaskSessions/${T1}?format=Entity" Name="ubuntu88@2021-06-15 22:07:12" UID="urn:veeam:ReplicaTaskSession:${T1}" VmDisplayName="ubuntu88">
    <Links>
      <Link Rel="Up" Type="BackupServerReference" Href="${B}/backupServers/${BS1}" Name="enterprise06.tech.local" />
      <Link Rel="Up" Type="ReplicaJobSessionReference" Href="${B}/replicaSessions/${parent}" Name="Replication Job 1@2021-06-15 22:06:57" />
      <Link Rel="Alternate" Type="ReplicaTaskSessionReference" Href="${B}/replicaTaskSessions/${T1}" Name="ubuntu88@2021-06-15 22:07:12" />
    </Links>
    <JobSessionUid>urn:veeam:ReplicaJobSession:${parent}</JobSessionUid>
    <CreationTimeUTC>2021-06-15T22:07:12.19Z</CreationTimeUTC>
    <EndTimeUTC>2021-06-15T22:11:01.73Z</EndTimeUTC>
    <State>Completed</State>
    <Result>Success</Result>
    <Reason />
    <TotalSize>17179869184</TotalSize>
  </ReplicaTaskSession>
</ReplicaTaskSessions>`;

const SESSION_KEYS = ['id', 'serverId', 'jobId', 'name', 'jobName', 'jobType', 'creationTime', 'endTime', 'state', 'result', 'progress', 'failureMessage', 'isRetry'];
const pick = (row: object, keys: readonly string[]) => Object.fromEntries(keys.map((k) => [k, (row as Record<string, unknown>)[k]]));

describe('documents captured from Enterprise Manager', () => {
  for (const [name, doc] of [['E4.xml', E4_XML], ['E5.json', E5_JSON]] as const) {
    test(`${name}: the session imports; its server and job, known only from links, are created from them`, async () => {
      const store = freshStore();
      const r = await importData(store, Buffer.from(doc), name);
      assert.deepEqual(only(r.inserted), { BackupServer: 1, Job: 1, ReplicaJobSession: 1 });
      assert.deepEqual(only(r.updated), {});
      const data = await dump(store);
      assert.deepEqual(pick(data.ReplicaJobSession[0], SESSION_KEYS), pick(replicaSessions[0], SESSION_KEYS));
      assert.deepEqual(pick(data.BackupServer[0], ['id', 'name', 'description', 'port', 'version']), {
        id: BS1, name: 'enterprise06.tech.local', description: '', port: 9392, version: '',
      });
      assert.deepEqual(pick(data.Job[0], ['id', 'name', 'serverId', 'jobType', 'platform', 'description', 'nextRun']), {
        id: J1, name: 'Replication Job 1', serverId: BS1, jobType: JOB_TYPES.indexOf('Replica'), platform: PLATFORMS.indexOf('VMware'),
        description: '', nextRun: null,
      });

      // The imported store answers E4 exactly as the fixture server does.
      const fixture = freshStore();
      await loadFixture(fixture);
      const e4 = `/api/query?type=ReplicaJobSession&format=Entities&filter=BackupServerName=="enterprise06.tech.local";Result==Success`;
      const [a, b] = [await querier(fixture), await querier(store)];
      try {
        for (const accept of ['application/xml', 'application/json']) assert.equal(await b.get(e4, accept), await a.get(e4, accept));
      } finally {
        await a.close();
        await b.close();
      }

      // Again: nothing changes, and the link-only rows are not rewritten.
      const again = await importData(store, Buffer.from(doc), name);
      assert.deepEqual([total(again, 'inserted'), total(again, 'updated')], [0, 0]);
    });
  }

  test('E4 and E5 give the same store', async () => {
    const [x, j] = [freshStore(), freshStore()];
    await importData(x, Buffer.from(E4_XML), 'E4.xml');
    await importData(j, Buffer.from(E5_JSON), 'E5.json');
    assert.deepEqual(await dump(j), await dump(x));
  });

  test('link-only data never overwrites a fully imported server or job', async () => {
    const store = freshStore();
    await loadFixture(store);
    const before = await dump(store);
    const r = await importData(store, Buffer.from(E4_XML), 'E4.xml');
    assert.deepEqual([total(r, 'inserted'), total(r, 'updated')], [0, 0]);
    assert.deepEqual(await dump(store), before);
  });

  test('a full server later in the same file replaces the row its link created', async () => {
    const server = `{"Description":"Main site","Port":9392,"Version":"13.0.1.1071","Name":"enterprise06.tech.local","UID":"urn:veeam:BackupServer:${BS1}","Links":[],"Type":"BackupServer"}`;
    const session = JSON.stringify(JSON.parse(E5_JSON).Entities.ReplicaJobSessions.ReplicaJobSessions[0]);
    const store = freshStore();
    const r = await importData(store, Buffer.from(`${session}\n${server}\n`), 'mixed.ndjson');
    assert.deepEqual(only(r.inserted), { BackupServer: 1, Job: 1, ReplicaJobSession: 1 });
    assert.deepEqual(only(r.updated), {});
    const [row] = (await dump(store)).BackupServer;
    assert.deepEqual(pick(row, ['description', 'version']), { description: 'Main site', version: '13.0.1.1071' });
  });

  test('task sessions: the parent may be in the store, or anywhere in the same input', async () => {
    const store = freshStore();
    await importData(store, Buffer.from(E4_XML), 'E4.xml');
    const r = await importData(store, Buffer.from(T1_XML()), 'tasks.xml');
    assert.deepEqual(only(r.inserted), { ReplicaTaskSession: 1 });
    const [task] = (await dump(store)).ReplicaTaskSession;
    assert.deepEqual(pick(task, ['id', 'sessionId', 'vmDisplayName', 'reason', 'totalSize', 'jobId', 'serverName']), {
      id: T1, sessionId: S1, vmDisplayName: 'ubuntu88', reason: '', totalSize: 17179869184, jobId: J1, serverName: 'enterprise06.tech.local',
    });

    // Task first, its session after it, in one NDJSON input.
    const other = freshStore();
    const copy = await text(exportDocument(store, ReplicaTaskSession, 'ndjson')) + await text(exportDocument(store, ReplicaJobSession, 'ndjson'));
    const r2 = await importData(other, Buffer.from(copy), 'reversed.ndjson');
    assert.deepEqual(only(r2.inserted), { BackupServer: 1, Job: 1, ReplicaJobSession: 1, ReplicaTaskSession: 1 });
  });

  test('a single entity and an entity list are importable as roots too', async () => {
    const store = freshStore();
    const single = `<?xml version="1.0" encoding="utf-8"?>\n${S1_XML.replace('<ReplicaJobSession ', '<ReplicaJobSession xmlns="http://www.veeam.com/ent/v1.0" ')}`;
    assert.equal((await importData(store, Buffer.from(single), 'one.xml')).inserted.ReplicaJobSession, 1);
    const list = `{"ReplicaJobSessions":[${JSON.stringify(JSON.parse(E5_JSON).Entities.ReplicaJobSessions.ReplicaJobSessions[0])}]}`;
    assert.equal(total(await importData(freshStore(), Buffer.from(list), 'list.json'), 'inserted'), 3);
  });

  for (const [name, doc] of [
    ['refs.xml', `<?xml version="1.0" encoding="utf-8"?>\n<EntityReferences xmlns="http://www.veeam.com/ent/v1.0">\n  <Ref Type="ReplicaJobSessionReference" Href="${B}/replicaSessions/${S1}" Name="x" UID="urn:veeam:ReplicaJobSession:${S1}" />\n</EntityReferences>`],
    ['refs-query.xml', `<?xml version="1.0" encoding="utf-8"?>\n<QueryResult xmlns="http://www.veeam.com/ent/v1.0">\n  <Refs>\n    <Ref Type="ReplicaJobSessionReference" Href="${B}/replicaSessions/${S1}" />\n  </Refs>\n</QueryResult>`],
    ['refs.json', `{"Refs":[{"Links":[],"UID":"urn:veeam:ReplicaJobSession:${S1}","Name":"x","Href":"${B}/replicaSessions/${S1}","Type":"ReplicaJobSessionReference"}]}`],
    ['refs-query.json', `{"Refs":{"Refs":[]},"PagingInfo":{"Links":[],"PageNum":1,"PageSize":100,"PagesCount":1}}`],
    ['ref.json', `{"Links":[],"UID":"urn:veeam:ReplicaJobSession:${S1}","Name":"x","Href":"${B}/replicaSessions/${S1}","Type":"ReplicaJobSessionReference"}`],
  ]) {
    test(`References-format documents are rejected with a clear message: ${name}`, async () => {
      const store = freshStore();
      await assert.rejects(importData(store, Buffer.from(doc), name), (e: unknown) => {
        assert.ok(e instanceof ImportError);
        assert.match(e.message, new RegExp(`^${name.replace('.', '\\.')}:\\d+:\\d+: References-format documents .*format=Entities`));
        return true;
      });
      assert.equal(await store.isEmpty(), true);
    });
  }
});

// ---------------------------------------------------------------------------------------------
// Malformed input

/** 1-based line of the first occurrence of `needle`. */
const lineOf = (doc: string, needle: string) => doc.slice(0, doc.indexOf(needle)).split('\n').length;

describe('malformed input is rejected whole, with a positioned message, and the store is unchanged', () => {
  let store: Store;
  let unchanged: Record<string, Row[]>;
  /** 4500 good sessions (several write batches), for an error at the very end. */
  let big: string;
  const session = JSON.parse(E5_JSON).Entities.ReplicaJobSessions.ReplicaJobSessions[0];
  const ndjson = (...lines: object[]) => lines.map((l) => JSON.stringify(l)).join('\n') + '\n';
  const other = (id: string, extra: object = {}) => ({ ...session, UID: `urn:veeam:ReplicaJobSession:${id}`, ...extra });

  before(async () => {
    store = freshStore();
    await loadFixture(store);
    unchanged = await dump(store);
    const guid = (i: number) => `${String(i).padStart(8, '0')}-0000-4000-8000-000000000000`;
    big = ndjson(...Array.from({ length: 4500 }, (_, i) => other(guid(i), { Progress: i % 101 })));
  });

  const badDate = E4_XML.replace('<EndTimeUTC>2021-06-15T22:11:06.11Z', '<EndTimeUTC>2021-06-15T25:11:06.11Z');
  const cases: [string, () => string, RegExp | (() => RegExp)][] = [
    ['truncated.xml', () => E4_XML.slice(0, E4_XML.indexOf('<State>')), /^truncated\.xml:\d+:\d+: malformed XML: .*(unclosed|unexpected end)/i],
    ['truncated-entity.xml', () => E4_XML.slice(0, E4_XML.indexOf('<Links>', 200) + 4), /^truncated-entity\.xml:\d+:\d+: malformed XML/],
    ['wrong-root.xml', () => '<?xml version="1.0" encoding="utf-8"?>\n<FailoverPlans xmlns="http://www.veeam.com/ent/v1.0" />', /^wrong-root\.xml:2:1: unexpected root element <FailoverPlans>/],
    ['no-namespace.xml', () => E4_XML.replace(' xmlns="http://www.veeam.com/ent/v1.0"', ''), /^no-namespace\.xml:2:1: element <QueryResult> is not in the Enterprise Manager namespace/],
    ['bad-date.xml', () => badDate,
      new RegExp(`^bad-date\\.xml:${lineOf(badDate, '<EndTimeUTC>')}:7: invalid DateTime '2021-06-15T25:11:06.11Z' in EndTimeUTC \\(at /QueryResult/Entities/ReplicaJobSessions/ReplicaJobSession\\[1\\]/EndTimeUTC\\)$`)],
    ['bad-enum.xml', () => E4_XML.replace('<Result>Success', '<Result>Succeeded'),
      /^bad-enum\.xml:\d+:7: unknown member 'Succeeded' \(expected one of None, Success, Warning, Failed\) in Result \(at .*ReplicaJobSession\[1\]\/Result\)$/],
    ['missing-element.xml', () => E4_XML.replace(/\s*<State>Stopped<\/State>/, ''), /^missing-element\.xml:\d+:5: missing required element State \(at \/QueryResult\/Entities\/ReplicaJobSessions\/ReplicaJobSession\[1\]\)$/],
    ['bad-uid.xml', () => E4_XML.replace(`<JobUid>urn:veeam:Job:`, '<JobUid>urn:veeam:Repository:'), /^bad-uid\.xml:\d+:\d+: UID .* is of kind Repository/],
    ['orphan-task.xml', () => T1_XML('00000000-0000-4000-8000-000000000001'), /^orphan-task\.xml:3:3: ReplicaTaskSession c20dae03-.*: its ReplicaJobSession 00000000-0000-4000-8000-000000000001 is neither in this input nor in the store/],
    ['wrong-type-in-list.xml', () => T1_XML().replace(/ReplicaTaskSession Type/, 'BackupServer Type').replace('</ReplicaTaskSession>\n</', '</BackupServer>\n</'), /^wrong-type-in-list\.xml:3:3: unexpected element <BackupServer> in ReplicaTaskSessions/],
    ['bad.json', () => E5_JSON.replace('"State":"Stopped",', '"State":"Stopped" '), /^bad\.json:1:\d+: malformed JSON: expected ',' or '\}' after a property value/],
    ['truncated.json', () => E5_JSON.slice(0, 400), /^truncated\.json:1:\d+: unexpected end of input .*truncated/],
    ['bad-enum.ndjson', () => ndjson(session, other('11111111-1111-4111-8111-111111111111'), other('22222222-2222-4222-8222-222222222222', { State: 'Sleeping' })),
      /^bad-enum\.ndjson:3:\d+: unknown member 'Sleeping' \(expected one of Starting, Stopping, Working, Pausing, Resuming, Stopped\) in State$/],
    ['bad-date.ndjson', () => ndjson(session, other('11111111-1111-4111-8111-111111111111', { CreationTimeUTC: 'yesterday' })), /^bad-date\.ndjson:2:\d+: invalid DateTime 'yesterday' in CreationTimeUTC$/],
    ['bad-json.ndjson', () => ndjson(session) + '{"Type":"ReplicaJobSession",\n', /^bad-json\.ndjson:3:1: unexpected end of input inside the value that starts at line 2, column 1/],
    ['unknown-type.ndjson', () => ndjson({ ...session, Type: 'FailoverPlan' }), /^unknown-type\.ndjson:1:\d+: unknown entity type 'FailoverPlan'/],
    ['not-em.txt', () => 'hello', /^not-em\.txt:1:1: unrecognised input/],
    ['empty.xml', () => '  \n', /^empty\.xml: empty input/],
    // Thousands of good entities (several write batches) before one bad line: still nothing lands.
    ['late-error.ndjson', () => big + JSON.stringify({ ...session, Result: 'Meh' }) + '\n', () => new RegExp(`^late-error\\.ndjson:${big.split('\n').length}:\\d+: unknown member 'Meh'`)],
  ];

  for (const [name, make, message] of cases) {
    test(name, async () => {
      for (const [how, input] of inputsOf(make())) {
        await assert.rejects(importData(store, input(), name), (e: unknown) => {
          assert.ok(e instanceof ImportError, `${how}: ${String(e)}`);
          assert.match(e.message, typeof message === 'function' ? message() : message, how);
          return true;
        });
        assert.deepEqual(await dump(store), unchanged, how);
      }
    });
  }

  // Entities ending their line are cut at the newline, others by the bracket scanner: both
  // must read every entity and put an error at the same line and column.
  describe('JSON layouts: every entity read, errors at the exact line and column', () => {
    const ids = ['1', '2', '3', '4'].map((d) => `${d.repeat(8)}-${d.repeat(4)}-4${d.repeat(3)}-8${d.repeat(3)}-${d.repeat(12)}`);
    const entities = (bad: boolean) => ids.map((id, i) => other(id, bad && i === 2 ? { State: 'Sleeping' } : {}));
    const line = (e: object[]) => e.map((x) => JSON.stringify(x));
    const layouts: [string, (e: object[]) => string][] = [
      ['ndjson', (e) => line(e).join('\n') + '\n'],
      ['crlf.ndjson', (e) => line(e).join('\r\n') + '\r\n'],
      ['no-final-newline.ndjson', (e) => line(e).join('\n')],
      ['two-on-a-line.ndjson', (e) => `${line(e)[0]} ${line(e)[1]}\n${line(e).slice(2).join('\n')}\n`],
      ['export-list.json', (e) => `{"ReplicaJobSessions":[\n${line(e).join(',\n')}\n]}\n`],
      ['compact-list.json', (e) => `{"ReplicaJobSessions":[${line(e).join(',')}]}\n`],
      ['pretty.json', (e) => JSON.stringify({ ReplicaJobSessions: e }, null, 2)],
    ];
    for (const [name, layout] of layouts) {
      test(name, async () => {
        for (const [how, input] of inputsOf(layout(entities(false)))) {
          const good = freshStore();
          await loadFixture(good);
          const r = await importData(good, input(), name);
          assert.equal(r.entities, ids.length, how);
          assert.equal(r.inserted.ReplicaJobSession, ids.length, how);
        }
        const doc = layout(entities(true));
        const key = doc.lastIndexOf('"State"', doc.indexOf('Sleeping'));
        const lineNo = doc.slice(0, key).split('\n').length;
        const column = key - doc.lastIndexOf('\n', key - 1);
        for (const [how, input] of inputsOf(doc)) {
          await assert.rejects(importData(store, input(), name), (e: unknown) => {
            assert.ok(e instanceof ImportError, `${how}: ${String(e)}`);
            assert.ok(e.message.startsWith(`${name}:${lineNo}:${column}: unknown member 'Sleeping'`), `${how}: ${e.message}`);
            return true;
          });
          assert.deepEqual(await dump(store), unchanged, how);
        }
      });
    }
  });

  test('a file that cannot be read fails with the reading error, its code kept, and the store is unchanged', async () => {
    const missing = join(root, 'no-such-file.ndjson');
    await assert.rejects(importData(store, { file: missing }, 'no-such-file.ndjson'), (e: unknown) => {
      assert.ok(!(e instanceof ImportError), String(e));
      assert.equal((e as NodeJS.ErrnoException).code, 'ENOENT');
      assert.match((e as Error).message, /no such file or directory/);
      return true;
    });
    assert.deepEqual(await dump(store), unchanged);
  });

  test('the late-error file has enough entities to span several write batches', () => {
    assert.ok(big.split('\n').length > 4000, `${big.split('\n').length} lines`);
  });

  test('invalid UTF-8 and UTF-16 are refused', async () => {
    await assert.rejects(importData(store, Buffer.from([0x3c, 0x61, 0xff, 0xfe, 0x3e]), 'latin.xml'), /^ImportError: latin\.xml: invalid UTF-8/);
    await assert.rejects(importData(store, Buffer.from('\ufeff<a/>', 'utf16le'), 'wide.xml'), /UTF-16/);
    assert.deepEqual(await dump(store), unchanged);
  });
});

// ---------------------------------------------------------------------------------------------
// CLI

function run(args: string[], input?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env };
    for (const k of Object.keys(env)) if (k.startsWith('EMREST_')) delete env[k];
    const proc = spawn(process.execPath, [MAIN, ...args], { cwd: root, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    proc.stdout.setEncoding('utf8').on('data', (s: string) => void (stdout += s));
    proc.stderr.setEncoding('utf8').on('data', (s: string) => void (stderr += s));
    const timer = setTimeout(() => proc.kill('SIGKILL'), 30_000);
    proc.on('error', reject);
    proc.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    proc.stdin.end(input ?? '');
  });
}

describe('emrest import / export (child processes)', () => {
  const dir = (name: string) => join(root, 'cli', name);

  before(async () => {
    const store = openTestStore(dir('src'));
    await loadFixture(store);
    await store.close();
  });

  for (const command of ['import', 'export']) {
    test(`emrest ${command} --help`, async () => {
      const r = await run([command, '--help']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`^Usage: emrest ${command} `));
      for (const o of command === 'import' ? ['--data-dir', '--help'] : ['--type', '--filter', '--format', '--output', '--base-url', '--data-dir', '--help']) {
        assert.match(r.stdout, new RegExp(`^  (-h, )?${o} `, 'm'), `${o} is documented`);
      }
    });
  }

  test('export | import - : stdin, and the result exports identically', async () => {
    const exported = await run(['export', '--data-dir', dir('src'), '--format', 'xml', '--type', 'ReplicaJobSession', '--filter', 'Result>=Warning']);
    assert.equal(exported.code, 0, exported.stderr);
    assert.match(exported.stdout, /^<\?xml version="1\.0" encoding="utf-8"\?>\n<ReplicaJobSessions xmlns=/);
    assert.equal((exported.stdout.match(/<ReplicaJobSession /g) ?? []).length, 2); // S2 (Failed), S3 (Warning)
    assert.match(exported.stderr, /Exported 2 ReplicaJobSession/);

    const imported = await run(['import', '-', '--data-dir', dir('copy')], exported.stdout);
    assert.equal(imported.code, 0, imported.stderr);
    assert.match(imported.stdout, /^<stdin>: XML, 2 entities: 4 inserted, 0 updated/);
    assert.match(imported.stdout, /^ {2}ReplicaJobSession +2 inserted +0 updated$/m);
    assert.match(imported.stdout, /^ {2}BackupServer +1 inserted +0 updated$/m);

    const again = await run(['export', '--data-dir', dir('copy'), '--format', 'xml', '--type', 'replicajobsession']);
    assert.equal(again.stdout, exported.stdout);
  });

  test('export --output DIR writes one document per type that import DIR reads back', async () => {
    const out = dir('docs');
    const r = await run(['export', '--data-dir', dir('src'), '--format', 'json', '--output', out]);
    assert.equal(r.code, 0, r.stderr);
    const width = String(PARENTS_FIRST.length).length;
    assert.deepEqual(readdirSync(out), PARENTS_FIRST.map((t, i) => `${String(i + 1).padStart(width, '0')}-${t.listElement}.json`));
    const imported = await run(['import', out, '--data-dir', dir('docs-copy')]);
    assert.equal(imported.code, 0, imported.stderr);
    assert.match(imported.stdout, /\d+-Jobs\.json: JSON, 4 entities: 4 inserted, 0 updated/);
    const [a, b] = await Promise.all([
      run(['export', '--data-dir', dir('src')]),
      run(['export', '--data-dir', dir('docs-copy')]),
    ]);
    assert.equal(a.code, 0);
    assert.equal(b.stdout, a.stdout);
    // The §7 fixture's 18 rows, its agent and file share resources (4) and its storage chain (5).
    assert.equal(a.stdout.trimEnd().split('\n').length, 18 + 4 + 5);
  });

  test('import of several files into a new directory: an entity twice is upserted, a later bad file leaves the earlier ones, every deferred index is back', async () => {
    const docs = dir('docs-new');
    assert.equal((await run(['export', '--data-dir', dir('src'), '--format', 'xml', '--output', docs])).code, 0);
    writeFileSync(join(docs, '9-bad.xml'), E4_XML.replace('<Progress>100', '<Progress>lots'));
    // An entity twice in one file, changed in between: upserted, not a repeated id.
    const server = (await run(['export', '--data-dir', dir('src'), '--type', 'BackupServer'])).stdout.split('\n')[0];
    writeFileSync(join(docs, '0-twice.ndjson'), `${server.replace('"Description":"', '"Description":"before ')}\n${server}\n`);
    const r = await run(['import', docs, '--data-dir', dir('new')]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /9-bad\.xml:\d+:7: invalid integer 'lots' in Progress .*\(nothing of it was imported; the files before it were\)/);
    assert.match(r.stdout, /^.*0-twice\.ndjson: JSON, 2 entities: 1 inserted, 1 updated$/m);
    assert.match(r.stdout, /^.*1-BackupServers\.xml: XML, 2 entities: 1 inserted, 0 updated$/m);
    mkdirSync(dir('never-written'));
    const schema = async (d: string) => {
      const store = openSqliteStore(join(d, 'emrest.db'));
      try {
        return inspectSqlite(store.path, (db) => ({
          objects: db.prepare("SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name").all(),
          journal: db.pragma('journal_mode', { simple: true }),
          foreignKeys: db.pragma('foreign_key_check'),
        }));
      } finally {
        await store.close();
      }
    };
    const imported = await schema(dir('new'));
    assert.deepEqual(imported, await schema(dir('never-written')));
    assert.equal(imported.journal, 'wal');
    const [a, src] = await Promise.all([dir('new'), dir('src')].map((d) => run(['export', '--data-dir', d])));
    assert.equal(a.stdout, src.stdout);
  });

  test('one file into a new directory is loaded aside; one that repeats an entity is upserted instead', async () => {
    const all = (await run(['export', '--data-dir', dir('src')])).stdout;
    const file = join(dir('src'), 'all.ndjson');
    writeFileSync(file, all);
    const r = await run(['import', file, '--data-dir', dir('one')]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await run(['export', '--data-dir', dir('one')])).stdout, all);
    const [server] = all.split('\n');
    writeFileSync(file, `${server.replace('"Description":"', '"Description":"before ')}\n${all}`);
    const twice = await run(['import', file, '--data-dir', dir('one-twice')]);
    assert.equal(twice.code, 0, twice.stderr);
    assert.match(twice.stdout, /^ {2}BackupServer +\d+ inserted +1 updated$/m);
    assert.equal((await run(['export', '--data-dir', dir('one-twice')])).stdout, all);
  });

  test('a malformed file: exit 1, positioned message, nothing imported', async () => {
    const file = join(dir('src'), 'bad.xml');
    writeFileSync(file, E4_XML.replace('<Progress>100', '<Progress>lots'));
    const r = await run(['import', file, '--data-dir', dir('bad')]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`^emrest: ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:\\d+:7: invalid integer 'lots' in Progress .*\\(nothing was imported\\)`));
    const empty = await run(['export', '--data-dir', dir('bad')]);
    assert.equal(empty.stdout, '');
  });

  test('usage errors exit 2', async () => {
    for (const args of [['import'], ['import', join(root, 'nope.xml')], ['export', '--format', 'csv'], ['export', '--type', 'Repository'], ['export', '--format', 'xml', '--data-dir', dir('src')], ['export', '--filter', 'Result==', '--data-dir', dir('src')]]) {
      const r = await run(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /^emrest: /);
    }
  });
});
