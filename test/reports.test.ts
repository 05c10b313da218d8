/**
 * The summary reports over real HTTP (docs/em-surface/reports.md): each document's shape in
 * XML and JSON (element names and order, types, the entry's links), read the way real clients
 * read them (the official Zabbix template follows the entry's links and keys the answers by the
 * link's Name; PowerShell scripts read the XML's elements), and the refusals: no logon → 401,
 * a bad `period` → 400 EM Error in the negotiated format, another method → 405, an unknown
 * report → 404.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { generateDemo } from '../src/demo/demo.js';
import { ADMIN_BASIC, get, logon, startLoggedOn, VIEWER_BASIC, type Server } from './support/server.js';
import { children, NS, parseXml } from './support/xml.js';

const NOW = Date.parse('2026-12-01T10:00:00Z');
const REPORTS = ['overview', 'vms_overview', 'job_statistics', 'processed_vms', 'repository'];

/** The documented members of each frame, in order, and their JSON types. */
const FRAMES: Record<string, { root: string; members: [string, 'number' | 'string'][] }> = {
  overview: {
    root: 'OverviewReportFrame',
    members: [
      ['BackupServers', 'number'], ['ProxyServers', 'number'], ['RepositoryServers', 'number'], ['RunningJobs', 'number'],
      ['ScheduledJobs', 'number'], ['SuccessfulVmLastestStates', 'number'], ['WarningVmLastestStates', 'number'], ['FailedVmLastestStates', 'number'],
    ],
  },
  vms_overview: {
    root: 'VmsOverviewReportFrame',
    members: [
      ['ProtectedVms', 'number'], ['BackedUpVms', 'number'], ['ReplicatedVms', 'number'], ['RestorePoints', 'number'],
      ['FullBackupPointsSize', 'number'], ['IncrementalBackupPointsSize', 'number'], ['ReplicaRestorePointsSize', 'number'],
      ['SourceVmsSize', 'number'], ['SuccessBackupPercents', 'number'], ['ProtectedVmsReportLink', 'string'],
    ],
  },
  job_statistics: {
    root: 'JobStatisticsReportFrame',
    members: [
      ['RunningJobs', 'number'], ['ScheduledJobs', 'number'], ['ScheduledBackupJobs', 'number'], ['ScheduledReplicaJobs', 'number'],
      ['TotalJobRuns', 'number'], ['SuccessfulJobRuns', 'number'], ['WarningsJobRuns', 'number'], ['FailedJobRuns', 'number'],
      ['MaxJobDuration', 'number'], ['MaxBackupJobDuration', 'number'], ['MaxReplicaJobDuration', 'number'],
      ['MaxDurationBackupJobName', 'string'], ['MaxDurationReplicaJobName', 'string'], ['BackupJobStatusReportLink', 'string'],
    ],
  },
};

let server: Server;
let token: string;
const xml = async (path: string) => {
  const r = await get(server, path, { token });
  assert.equal(r.status, 200, r.body);
  assert.equal(r.headers.get('content-type'), 'application/xml; charset=utf-8');
  return parseXml(r.body).documentElement;
};
const json = async (path: string) => {
  const r = await get(server, path, { token, accept: 'application/json' });
  assert.equal(r.status, 200, r.body);
  assert.equal(r.headers.get('content-type'), 'application/json; charset=utf-8');
  return JSON.parse(r.body);
};

describe('GET /api/reports/summary and its reports', () => {
  before(async () => {
    ({ server, token } = await startLoggedOn({ now: NOW, load: (store) => generateDemo(store, { seed: 2, servers: 2, jobs: 3, backupJobs: 3, days: 8, now: NOW }) }));
  });
  after(() => server.close());

  test('the entry: one Down link of Type ReportFrame per report, named as documented', async () => {
    const names = ['Overview', 'VmsOverview', 'JobStatistics', 'ProcessedVms', 'Repositories'];
    const root = await xml('/api/reports/summary');
    assert.equal(root.localName, 'SummaryReport');
    assert.equal(root.namespaceURI, NS);
    assert.deepEqual(Array.from(root.attributes, (a) => a.name), ['xmlns', 'xmlns:xsd', 'xmlns:xsi'], 'only the namespace declarations: no Href or Type, as documented');
    const links = children(children(root, 'Links')[0], 'Link');
    assert.deepEqual(
      links.map((l) => [l.getAttribute('Rel'), l.getAttribute('Type'), l.getAttribute('Href'), l.getAttribute('Name')]),
      REPORTS.map((p, i) => ['Down', 'ReportFrame', `${server.url}/api/reports/summary/${p}`, names[i]]),
    );
    const j = await json('/api/reports/summary');
    assert.deepEqual(Object.keys(j), ['Links']);
    assert.deepEqual(j.Links.map((l: Record<string, string>) => Object.keys(l)), REPORTS.map(() => ['Rel', 'Href', 'Name', 'Type']));
    assert.deepEqual(j.Links.map((l: Record<string, string>) => l.Name), names);
  });

  for (const [path, frame] of Object.entries(FRAMES)) {
    test(`${path}: ${frame.root}, its members in the documented order, in both formats`, async () => {
      const root = await xml(`/api/reports/summary/${path}`);
      assert.equal(root.localName, frame.root);
      assert.deepEqual(children(root).map((e) => e.localName), frame.members.map(([m]) => m));
      const j = await json(`/api/reports/summary/${path}`);
      assert.deepEqual(Object.keys(j), frame.members.map(([m]) => m));
      for (const [m, type] of frame.members) {
        assert.equal(typeof j[m], type, m);
        const text = children(root, m)[0].textContent ?? '';
        assert.equal(type === 'number' ? Number(text) : text, j[m], `${m}: XML and JSON say the same`);
        if (type === 'number') assert.ok(Number.isInteger(j[m]), `${m} is an integer`);
      }
      const [last, type] = frame.members[frame.members.length - 1];
      if (type === 'string') assert.match(j[last], /^Workspace\/ViewReport\.aspx\?definition=[0-9a-f-]{36}&ShowParams=1$/, 'the frame\'s EM web report');
    });
  }

  test('processed_vms: seven Day elements straight under the root, newest first, at UTC midnights; JSON {"Days":[…]}', async () => {
    const root = await xml('/api/reports/summary/processed_vms');
    assert.equal(root.localName, 'ProcessedVmsReportFrame');
    const days = children(root);
    assert.deepEqual(days.map((d) => d.localName), Array(7).fill('Day'));
    const stamps = ['2026-12-01', '2026-11-30', '2026-11-29', '2026-11-28', '2026-11-27', '2026-11-26', '2026-11-25'].map((d) => `${d}T00:00:00Z`);
    assert.deepEqual(days.map((d) => d.getAttribute('Timestamp')), stamps);
    for (const d of days) assert.match(`${d.getAttribute('BackupedVms')} ${d.getAttribute('ReplicatedVms')}`, /^\d+ \d+$/);
    const j = await json('/api/reports/summary/processed_vms');
    assert.deepEqual(Object.keys(j), ['Days']);
    assert.deepEqual(j.Days.map((d: Record<string, unknown>) => Object.keys(d)), stamps.map(() => ['Timestamp', 'ReplicatedVms', 'BackupedVms']));
    assert.deepEqual(
      j.Days.map((d: Record<string, unknown>) => [d.Timestamp, d.BackupedVms, d.ReplicatedVms]),
      days.map((d) => [d.getAttribute('Timestamp'), Number(d.getAttribute('BackupedVms')), Number(d.getAttribute('ReplicatedVms'))]),
    );
    assert.ok(j.Days.some((d: Record<string, number>) => d.BackupedVms > 0), 'the demo backed VMs up');
  });

  test('repository: Period elements (Name, Capacity, FreeSpace, BackupSize) under the root, the planning link an attribute', async () => {
    const root = await xml('/api/reports/summary/repository');
    assert.equal(root.localName, 'RepositoryReportFrame');
    assert.match(root.getAttribute('CapacityPlanningReportLink') ?? '', /^Workspace\/ViewReport\.aspx\?definition=[0-9a-f-]{36}&ShowParams=1$/);
    const periods = children(root);
    for (const p of periods) {
      assert.equal(p.localName, 'Period');
      assert.deepEqual(children(p).map((e) => e.localName), ['Name', 'Capacity', 'FreeSpace', 'BackupSize']);
    }
    const j = await json('/api/reports/summary/repository');
    assert.deepEqual(Object.keys(j), ['Periods', 'CapacityPlanningReportLink']);
    assert.equal(j.Periods.length, periods.length);
    for (const p of j.Periods) {
      assert.deepEqual(Object.keys(p), ['Name', 'Capacity', 'FreeSpace', 'BackupSize']);
      assert.equal(p.BackupSize, p.Capacity < 0 ? 0 : p.Capacity - p.FreeSpace);
    }
  });

  test('read as the official Zabbix template reads them: cookie logon, follow the entry, key each answer by its link Name', async () => {
    // The template posts to `{api}/` + `/sessionMngr` (a doubled slash), then GETs with the
    // cookie its HTTP object kept, still sending Basic; it follows each link's Href as given.
    const loggedOn = await fetch(`${server.url}/api//sessionMngr`, { method: 'POST', headers: { Authorization: ADMIN_BASIC, Accept: 'application/json' } });
    assert.equal(loggedOn.status, 201);
    const cookie = loggedOn.headers.get('set-cookie')!.split(';')[0];
    const zabbix = async (url: string) => {
      const r = await fetch(url, { headers: { Accept: 'application/json', Authorization: ADMIN_BASIC, Cookie: cookie } });
      assert.equal(r.status, 200, url);
      return JSON.parse(await r.text());
    };
    const data: Record<string, Record<string, unknown>> = {};
    for (const l of (await zabbix(`${server.url}/api/reports/summary`)).Links) data[l.Name] = await zabbix(l.Href);
    for (const m of ['FailedJobRuns', 'RunningJobs', 'ScheduledBackupJobs', 'ScheduledJobs', 'ScheduledReplicaJobs', 'TotalJobRuns', 'WarningsJobRuns']) {
      assert.equal(typeof data.JobStatistics[m], 'number', `$.JobStatistics.${m}`);
    }
    assert.ok(Array.isArray(data.ProcessedVms.Days) && Array.isArray(data.Repositories.Periods));
  });

  test('every role reads them (a Portal User too, though jobs themselves are for administrators)', async () => {
    const viewer = (await logon(server, VIEWER_BASIC)).token;
    for (const path of ['', ...REPORTS.map((p) => `/${p}`)]) assert.equal((await get(server, `/api/reports/summary${path}`, { token: viewer })).status, 200, path);
    assert.equal((await get(server, '/api/jobs', { token: viewer })).status, 403);
  });

  test('no logon: 401 on every report', async () => {
    for (const path of ['', ...REPORTS.map((p) => `/${p}`)]) {
      const r = await get(server, `/api/reports/summary${path}`);
      assert.equal(r.status, 401, path);
      assert.equal(parseXml(r.body).documentElement.getAttribute('StatusCode'), '401');
    }
  });

  test('a period the report cannot use: 400 EM Error, in XML or JSON as negotiated', async () => {
    const bad = [
      ['job_statistics', 'yesterday'], ['job_statistics', 'P0D'], ['job_statistics', 'PT0.5S'], ['job_statistics', 'P400D'],
      ['job_statistics', 'P1M'], ['job_statistics', '-P1D'], ['job_statistics', ''], ['processed_vms', 'PT36H'], ['processed_vms', 'P1W1D1H'],
    ];
    for (const [report, period] of bad) {
      const path = `/api/reports/summary/${report}?period=${encodeURIComponent(period)}`;
      const x = await get(server, path, { token });
      assert.equal(x.status, 400, `${path}: ${x.body}`);
      const error = parseXml(x.body).documentElement;
      assert.equal(error.localName, 'Error');
      assert.equal(error.getAttribute('StatusCode'), '400');
      assert.match(error.getAttribute('Message') ?? '', /period/);
      const j = await get(server, path, { token, accept: 'application/json' });
      assert.equal(j.status, 400);
      assert.deepEqual(Object.keys(JSON.parse(j.body)), ['FirstChanceExceptionMessage', 'Message', 'StackTrace', 'Status', 'StatusCode']);
    }
    const days = await json('/api/reports/summary/processed_vms?period=P2D');
    assert.equal(days.Days.length, 2, 'a good period is used');
  });

  test('other parameters are ignored, as everywhere in EM; another method is 405; an unknown report 404', async () => {
    assert.deepEqual(await json('/api/reports/summary/overview?format=Entity&foo=bar'), await json('/api/reports/summary/overview'));
    const post = await get(server, '/api/reports/summary/job_statistics', { token, method: 'POST' });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get('allow'), 'GET');
    assert.equal((await get(server, '/api/reports/summary/statistics', { token })).status, 404);
    assert.equal((await get(server, '/api/REPORTS/Summary/Job_Statistics/', { token })).status, 200, 'paths match case-insensitively, trailing slash optional');
  });
});
