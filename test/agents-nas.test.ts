/**
 * Agents and NAS (issue 15, docs/em-surface/agents-nas.md) over real HTTP against the fixture:
 * AgentBackupJob, NasJob, AgentProtectionGroup and DiscoveredComputer as EM's docs show them
 * (XML element and attribute order, JSON member order, links both forms), their filters and
 * errors; and their import and export round trip from documents written in the docs' shapes.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { exportDocument } from '../src/io/export.js';
import { importData } from '../src/io/import/index.js';
import { AgentBackupJob, AgentProtectionGroup, BackupJobSession, DiscoveredComputer, Job, NasJob } from '../src/model/all.js';
import { planOrder } from '../src/query/plan.js';
import type { TypeDecl } from '../src/model/index.js';
import type { Store } from '../src/store/store.js';
import { AJ1, DC1, NJ1, PG1 } from './support/agents-nas-fixture.js';
import { B1, BS1 } from './support/fixture.js';
import { VIEWER_BASIC, get, logon, startFixtureServer, type Server } from './support/server.js';
import { openTestStore } from './support/store.js';
import { child, children, parseXml } from './support/xml.js';

let server: Server;
let token: string;
let B: string;
const SERVER_LINK = (b: string) => ['Up', 'BackupServerReference', `${b}/backupServers/${BS1}`, 'enterprise06.tech.local'];

before(async () => {
  server = await startFixtureServer();
  ({ token } = await logon(server));
  B = `${server.url}/api`;
});
after(() => server.close());

const attr = (el: Element, name: string) => el.getAttribute(name);
const links = (el: Element) => children(child(el, 'Links'), 'Link').map((l) => [attr(l, 'Rel'), attr(l, 'Type'), attr(l, 'Href'), attr(l, 'Name')]);
const attrNames = (el: Element) => Array.from(el.attributes).map((a) => a.name).filter((n) => n !== 'xmlns');

async function fetchOk(path: string, accept?: string, t = token) {
  const res = await get(server, path, { token: t, accept });
  assert.equal(res.status, 200, `${path}: ${res.body}`);
  return res.body;
}
const xml = async (path: string) => parseXml(await fetchOk(path)).documentElement!;
const json = async (path: string) => JSON.parse(await fetchOk(path, 'application/json'));

/** Per type: its item path, the entity's element children after Links, its entity and reference links, its JSON member order. */
const CASES = () => [
  {
    type: 'AgentBackupJob', element: 'AgentBackupJob', path: `/api/agents/jobs/${AJ1}`, name: 'Server Backup', uid: `urn:veeam:AgentBackupJob:${AJ1}`,
    elements: ['JobType', 'Platform', 'Description', 'ScheduleConfigured', 'ScheduleEnabled', 'NextRun'],
    values: { JobType: 'AgentBackup', Platform: 'AgentForWindows', ScheduleEnabled: 'true', NextRun: '2021-06-18T15:00:00Z' },
    entity: [
      SERVER_LINK(B), ['Alternate', 'JobReference', `${B}/agents/jobs/${AJ1}`, 'Server Backup'],
      ['Down', 'ObjectInJobList', `${B}/agents/jobs/${AJ1}/includes`, null],
      ['ToggleScheduleEnabled', null, `${B}/agents/jobs/${AJ1}?action=toggleScheduleEnabled`, null],
      ['Down', 'BackupJobSessionReferenceList', `${B}/agents/jobs/${AJ1}/backupSessions`, null],
      ['Start', null, `${B}/agents/jobs/${AJ1}?action=start`, null], ['Stop', null, `${B}/agents/jobs/${AJ1}?action=stop`, null],
      ['Retry', null, `${B}/agents/jobs/${AJ1}?action=retry`, null],
    ],
    reference: [
      SERVER_LINK(B), ['Alternate', 'Job', `${B}/agents/jobs/${AJ1}?format=Entity`, 'Server Backup'],
      ['Down', 'BackupJobSessionReferenceList', `${B}/agents/jobs/${AJ1}/backupSessions`, null],
    ],
    jsonOrder: ['JobType', 'Platform', 'Description', 'ScheduleConfigured', 'ScheduleEnabled', 'NextRun', 'Name', 'UID', 'Links', 'Href', 'Type'],
  },
  {
    type: 'NasJob', element: 'NASJob', path: `/api/nas/jobs/${NJ1}`, name: 'Shared Files Backup', uid: `urn:veeam:NasJob:${NJ1}`,
    elements: ['Description', 'ScheduleConfigured', 'ScheduleEnabled', 'NextRun'],
    values: { Description: 'Backup of file share', ScheduleConfigured: 'true' },
    entity: [
      SERVER_LINK(B), ['Alternate', 'JobReference', `${B}/nas/jobs/${NJ1}`, 'Shared Files Backup'],
      ['Down', 'NasObjectList', `${B}/nas/jobs/${NJ1}/includes`, null],
      ['ToggleScheduleEnabled', null, `${B}/nas/jobs/${NJ1}/toggleScheduleEnabled`, null],
      ['Down', 'BackupJobSessionReferenceList', `${B}/nas/jobs/${NJ1}/backupSessions`, null],
      ['Start', null, `${B}/nas/jobs/${NJ1}/start`, null], ['Stop', null, `${B}/nas/jobs/${NJ1}/stop`, null], ['Retry', null, `${B}/nas/jobs/${NJ1}/retry`, null],
    ],
    reference: [
      SERVER_LINK(B), ['Alternate', 'Job', `${B}/nas/jobs/${NJ1}?format=Entity`, 'Shared Files Backup'],
      ['Down', 'BackupJobSessionReferenceList', `${B}/nas/jobs/${NJ1}/backupSessions`, null],
    ],
    jsonOrder: ['Description', 'ScheduleConfigured', 'ScheduleEnabled', 'NextRun', 'Name', 'UID', 'Links', 'Href', 'Type'],
  },
  {
    type: 'AgentProtectionGroup', element: 'AgentProtectionGroup', path: `/api/agents/protectionGroups/${PG1}`, name: 'Protection Group 1',
    uid: `urn:veeam:AgentProtectionGroup:${PG1}`, elements: ['RescanScheduleEnabled', 'HierarchyObjRef'], values: { RescanScheduleEnabled: 'true' },
    entity: [
      SERVER_LINK(B), ['Alternate', 'AgentProtectionGroupReference', `${B}/agents/protectionGroups/${PG1}`, 'Protection Group 1'],
      ['Down', 'DiscoveredComputerList', `${B}/agents/protectionGroups/${PG1}/discoveredComputers?format=Entity`, null],
    ],
    reference: [
      SERVER_LINK(B), ['Alternate', 'AgentProtectionGroup', `${B}/agents/protectionGroups/${PG1}?format=Entity`, 'Protection Group 1'],
      ['Down', 'DiscoveredComputerReferenceList', `${B}/agents/protectionGroups/${PG1}/discoveredComputers`, null],
    ],
    jsonOrder: ['RescanScheduleEnabled', 'HierarchyObjRef', 'Name', 'UID', 'Links', 'Href', 'Type'],
  },
  {
    type: 'DiscoveredComputer', element: 'DiscoveredComputer', path: `/api/agents/discoveredComputers/${DC1}`, name: 'enterprise02.tech.local',
    uid: `urn:veeam:DiscoveredComputer:${DC1}`, elements: ['HostStatus', 'AgentVersion', 'AgentStatus', 'OsVersion', 'IpAddress', 'HierarchyObjRef'],
    values: { HostStatus: 'Offline', AgentVersion: '5.0.0.4301', AgentStatus: 'Installed', IpAddress: '172.17.53.55' },
    entity: [
      SERVER_LINK(B), ['Alternate', 'DiscoveredComputerReference', `${B}/agents/discoveredComputers/${DC1}`, 'enterprise02.tech.local'],
      ['Up', 'AgentProtectionGroupReference', `${B}/agents/protectionGroups/${PG1}`, 'Protection Group 1'],
    ],
    reference: [SERVER_LINK(B), ['Alternate', 'DiscoveredComputer', `${B}/agents/discoveredComputers/${DC1}?format=Entity`, 'enterprise02.tech.local']],
    jsonOrder: ['HostStatus', 'AgentVersion', 'AgentStatus', 'OsVersion', 'IpAddress', 'HierarchyObjRef', 'Name', 'UID', 'Links', 'Href', 'Type'],
  },
];

describe('shapes, as EM documents them', () => {
  test('entity XML: root element, attributes, links, element order and values', async () => {
    for (const c of CASES()) {
      const e = await xml(`${c.path}?format=Entity`);
      assert.equal(e.localName, c.element, c.type);
      // EM's serializer order, then the root's namespace declarations (profile xmlStyle).
      assert.deepEqual(attrNames(e), ['Href', 'Type', 'Name', 'UID', 'xmlns:xsd', 'xmlns:xsi'], c.type);
      assert.deepEqual([attr(e, 'Type'), attr(e, 'Href'), attr(e, 'Name'), attr(e, 'UID')], [c.type, `${B}${c.path.slice(4)}?format=Entity`, c.name, c.uid]);
      assert.deepEqual(links(e), c.entity, c.type);
      assert.deepEqual(children(e).map((x) => x.localName), ['Links', ...c.elements], c.type);
      for (const [k, v] of Object.entries(c.values)) assert.equal(child(e, k).textContent, v, `${c.type}.${k}`);
    }
  });

  test('reference XML (item and collection) and JSON member order', async () => {
    for (const c of CASES()) {
      const ref = await xml(c.path);
      assert.equal(ref.localName, 'EntityRef');
      assert.deepEqual([attr(ref, 'Type'), attr(ref, 'Href'), attr(ref, 'UID')], [`${c.type}Reference`, `${B}${c.path.slice(4)}`, c.uid]);
      assert.deepEqual(links(ref), c.reference, c.type);
      const list = await xml(c.path.slice(0, c.path.lastIndexOf('/')));
      assert.equal(list.localName, 'EntityReferences');
      assert.ok(children(list, 'Ref').some((r) => attr(r, 'UID') === c.uid), `${c.type} in its collection`);
      const entity = await json(`${c.path}?format=Entity`);
      assert.deepEqual(Object.keys(entity), c.jsonOrder, c.type);
      assert.deepEqual(Object.keys(await json(c.path)), ['Links', 'UID', 'Name', 'Href', 'Type']);
    }
  });

  test('entity lists: XML wrapper and items by element name, JSON plural; the query service alike', async () => {
    const nas = await xml('/api/nas/jobs?format=Entity');
    assert.equal(nas.localName, 'NASJobs');
    assert.deepEqual(children(nas).map((e) => [e.localName, attr(e, 'Type')]), [['NASJob', 'NasJob']]);
    assert.deepEqual(Object.keys(await json('/api/nas/jobs?format=Entity')), ['NASJobs']);
    const q = await json('/api/query?type=NasJob&format=Entities&filter=BackupServerName=="enterprise06.tech.local"');
    assert.equal(q.Entities.NASJobs.NASJobs[0].UID, `urn:veeam:NasJob:${NJ1}`);
    const qx = await xml('/api/query?type=AgentProtectionGroup&format=Entities');
    assert.deepEqual(children(child(child(qx, 'Entities'), 'AgentProtectionGroups')).map((e) => attr(e, 'Name')), ['Protection Group 1']);
  });

  test("a protection group's computers, and the views of agent and file share sessions", async () => {
    const pc = await xml(`/api/agents/protectionGroups/${PG1}/discoveredComputers?format=Entity`);
    assert.deepEqual(children(pc).map((e) => attr(e, 'UID')), [`urn:veeam:DiscoveredComputer:${DC1}`]);
    // The fixture's backup sessions are VM backups: no agent or file share session among them.
    for (const view of ['agents/backupSessions', 'nas/backupSessions']) {
      assert.equal(children(await xml(`/api/${view}`)).length, 0, view);
      assert.equal((await get(server, `/api/${view}/${B1}`, { token })).status, 404, `a VM backup session is not in ${view}`);
    }
    assert.equal((await get(server, `/api/backupSessions/${B1}`, { token })).status, 200);
  });
});

describe('filters and errors', () => {
  const uids = async (type: string, filter: string) => {
    const body = await json(`/api/query?type=${type}&format=Entities&filter=${encodeURIComponent(filter)}`);
    // Profile 12 writes every Entities member, null but the filled one.
    return Object.values(body.Entities as Record<string, Record<string, { UID: string }[]> | null>).find((v) => v !== null)!;
  };
  test("the docs' examples and every declared filter name", async () => {
    assert.equal((await uids('DiscoveredComputer', 'IpAddress=="172.17.53.55"')).DiscoveredComputers.length, 1);
    assert.equal((await uids('DiscoveredComputer', `ProtectionGroupUid==${PG1};AgentStatus==installed`)).DiscoveredComputers.length, 1);
    assert.equal((await uids('DiscoveredComputer', 'ProtectionGroupName=="Protection Group 1";OsVersion!=x')).DiscoveredComputers.length, 1);
    assert.equal((await uids('AgentBackupJob', 'Platform==AgentForWindows;JobType==AgentBackup')).AgentBackupJobs.length, 1);
    assert.equal((await uids('AgentBackupJob', 'Platform==AgentForLinux')).AgentBackupJobs.length, 0);
    assert.equal((await uids('NasJob', 'NextRun>="2021-06-18T00:00:00Z";ScheduleEnabled==true')).NASJobs.length, 1);
    assert.equal((await uids('AgentProtectionGroup', `BackupServerUid==${BS1}`)).AgentProtectionGroups.length, 1);
  });

  test('4xx, never 5xx: unknown members, undocumented filter names, malformed or unknown IDs, non-administrators', async () => {
    for (const [type, filter] of [['DiscoveredComputer', 'AgentStatus==Bogus'], ['DiscoveredComputer', 'HostStatus==Online'], ['AgentBackupJob', 'NextRun>2021-01-01'], ['NasJob', 'Platform==VMware']]) {
      const res = await get(server, `/api/query?type=${type}&filter=${encodeURIComponent(filter)}`, { token });
      assert.equal(res.status, 400, `${type} ${filter}`);
      assert.match(res.body, /<Error /);
    }
    for (const path of [`/api/nas/jobs/${AJ1}`, '/api/agents/discoveredComputers/00000000-0000-0000-0000-000000000000']) {
      assert.equal((await get(server, path, { token })).status, 404, path);
    }
    // An ID that is no GUID is the client's mistake (issue 16 item 3).
    for (const path of ['/api/agents/jobs/nope', '/api/agents/backupSessions/x']) {
      assert.equal((await get(server, path, { token })).status, 400, path);
    }
    const viewer = (await logon(server, VIEWER_BASIC)).token;
    assert.equal((await get(server, '/api/agents/jobs', { token: viewer })).status, 403, 'jobs are for administrators, as /jobs');
    assert.equal((await get(server, '/api/agents/discoveredComputers', { token: viewer })).status, 200);
  });
});

describe('import and export', () => {
  const root = mkdtempSync(join(tmpdir(), 'emrest-agents-nas-'));
  let n = 0;
  const fresh = () => openTestStore(join(root, `s${++n}`));
  after(() => rmSync(root, { recursive: true, force: true }));
  const text = async (g: AsyncIterable<string>) => { let s = ''; for await (const p of g) s += p; return s; };
  const rowsOf = async (store: Store, type: TypeDecl) => (await store.query({ type, order: planOrder(type), offset: 0, limit: -1 })).rows;

  const base = 'https://srv12.tech.local:9398/api';
  const srv = 'd1444f74-27e6-4399-81a9-d28ba98913f0';
  const nasJob = '93dfbb3e-f420-45cf-addc-4ee9297113f2';
  const agentJob = '95f84a48-6e05-459a-8f26-f2330c9efdf5';
  const session = '8293f9f3-7cc8-4023-85c4-022438415420';
  const serverLink = `<Link Rel="Up" Type="BackupServerReference" Href="${base}/backupServers/${srv}" Name="srv12.tech.local" />`;
  /** A file share job as EM's get_nas_jobs_id example shows one (its Includes and options left out: emrest does not keep them). */
  const NAS_XML = `<?xml version="1.0" encoding="utf-8"?>
<NASJobs xmlns="http://www.veeam.com/ent/v1.0"><NASJob Type="NasJob" Href="${base}/nas/jobs/${nasJob}?format=Entity" Name="Shared Files Backup" UID="urn:veeam:NasJob:${nasJob}">
  <Links>${serverLink}<Link Rel="Alternate" Type="JobReference" Href="${base}/nas/jobs/${nasJob}" Name="Shared Files Backup" /></Links>
  <Description>Backup of file share</Description><ScheduleConfigured>true</ScheduleConfigured><ScheduleEnabled>true</ScheduleEnabled><NextRun>2025-01-31T15:00:00Z</NextRun>
</NASJob></NASJobs>`;
  /** An agent job's session as get_agents_backupsessions shows its links; its job known only from them. */
  const SESSION_JSON = JSON.stringify({
    IsRetry: false, JobUid: `urn:veeam:Job:${agentJob}`, JobName: 'Agent Backup Job SQL', JobType: 'AgentBackup',
    CreationTimeUTC: '2025-12-16T03:00:03Z', EndTimeUTC: '2025-12-16T03:20:41.5Z', State: 'Stopped', Result: 'Success', Progress: 100,
    Name: 'Agent Backup Job SQL@2025-12-16 03:00:03', UID: `urn:veeam:BackupJobSession:${session}`,
    Links: [
      { Rel: 'Up', Href: `${base}/backupServers/${srv}`, Name: 'local.host', Type: 'BackupServerReference' },
      { Rel: 'Up', Href: `${base}/agents/jobs/${agentJob}`, Name: 'Agent Backup Job SQL', Type: 'JobReference' },
    ],
    Href: `${base}/backupSessions/${session}?format=Entity`, Type: 'BackupJobSession',
  });
  const PG_JSON = JSON.stringify({ AgentProtectionGroups: [{
    RescanScheduleEnabled: true, HierarchyObjRef: 'urn:AgentForWindows:AgentProtectionGroup:00000000-0000-0000-0000-000000000000.730dc485-84c2-4a9d-86e7-2e35d1d5a0be',
    Name: 'Manually Added', UID: 'urn:veeam:AgentProtectionGroup:032acd33-2896-43c2-b1b9-7bd39ac77543', Links: [JSON.parse(`{"Rel":"Up","Href":"${base}/backupServers/${srv}","Name":"srv12.tech.local","Type":"BackupServerReference"}`)],
    Href: `${base}/agents/protectionGroups/032acd33-2896-43c2-b1b9-7bd39ac77543?format=Entity`, Type: 'AgentProtectionGroup',
  }] });

  test("documents in the docs' shapes import; an agent session's job is made an AgentBackupJob from its link, not a Job", async () => {
    const store = fresh();
    try {
      await importData(store, Buffer.from(NAS_XML), 'nas.xml');
      await importData(store, Buffer.from(PG_JSON), 'groups.json');
      const r = await importData(store, Buffer.from(SESSION_JSON), 'session.json');
      assert.equal(r.inserted.BackupJobSession, 1);
      assert.equal(r.inserted.AgentBackupJob, 1);
      assert.equal(r.inserted.Job, 0);
      const [job] = await rowsOf(store, AgentBackupJob);
      assert.deepEqual([job.id, job.name, job.serverId], [agentJob, 'Agent Backup Job SQL', srv]);
      assert.equal((await rowsOf(store, NasJob))[0].description, 'Backup of file share');
      assert.equal((await rowsOf(store, AgentProtectionGroup))[0].name, 'Manually Added');
    } finally {
      await store.close();
    }
  });

  test('export → import → export is byte-identical, in every format, for every agent and NAS type', async () => {
    const types = [AgentBackupJob, NasJob, AgentProtectionGroup, DiscoveredComputer, BackupJobSession];
    const original = fresh();
    try {
      await importData(original, Buffer.from(NAS_XML), 'nas.xml');
      await importData(original, Buffer.from(PG_JSON), 'groups.json');
      await importData(original, Buffer.from(SESSION_JSON), 'session.json');
      await importData(original, Buffer.from(JSON.stringify({ DiscoveredComputers: [{
        HostStatus: 'Online', AgentVersion: '', AgentStatus: 'NotInstalled', OsVersion: 'CentOS 6.10 (64-bit)', IpAddress: '10.0.0.9', HierarchyObjRef: 'urn:x',
        Name: 'old.tech.local', UID: 'urn:veeam:DiscoveredComputer:b0ad8ec4-5f17-45e6-be9b-1334ea320af0',
        Links: [JSON.parse(`{"Rel":"Up","Href":"${base}/backupServers/${srv}","Type":"BackupServerReference"}`),
          { Rel: 'Up', Href: `${base}/agents/protectionGroups/032acd33-2896-43c2-b1b9-7bd39ac77543`, Type: 'AgentProtectionGroupReference' }],
        Href: 'x', Type: 'DiscoveredComputer',
      }] })), 'computers.json');
      for (const format of ['xml', 'json', 'ndjson'] as const) {
        const docs = await Promise.all(types.map((t) => text(exportDocument(original, t, format))));
        const copy = fresh();
        try {
          for (const [i, d] of docs.entries()) await importData(copy, Buffer.from(d), `${types[i].name}.${format}`);
          for (const [i, t] of types.entries()) assert.equal(await text(exportDocument(copy, t, format)), docs[i], `${format} ${t.name}`);
          assert.equal((await rowsOf(copy, Job)).length, 0, 'no Job was made up');
        } finally {
          await copy.close();
        }
      }
    } finally {
      await original.close();
    }
  });
});
