/**
 * Backup-side types in the query service and their resources (issue 3): BackupJobSession,
 * BackupTaskSession, BackupServer and Job, over real HTTP against the fixture.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { B0, B1, B2, B3, B4, BS1, BS2, BT1, BT2, J1, J2, J3, J4 } from './support/fixture.js';
import { filterField, TYPES } from '../src/model/index.js';
import { VIEWER_BASIC, get, logon, startFixtureServer, type Server } from './support/server.js';
import { child, children, parseXml, text } from './support/xml.js';

let server: Server;
let token: string;
let B: string;
const JSON_ACCEPT = 'application/json';

before(async () => {
  server = await startFixtureServer();
  ({ token } = await logon(server));
  B = `${server.url}/api`;
});
after(() => server.close());

const attr = (el: Element, name: string) => el.getAttribute(name);
const guid = (uid: string) => uid.split(':').pop();
const linkTuples = (el: Element) =>
  children(child(el, 'Links'), 'Link').map((l) => [attr(l, 'Rel'), attr(l, 'Type'), attr(l, 'Href'), attr(l, 'Name')]);

async function json(path: string, t = token) {
  const res = await get(server, path, { token: t, accept: JSON_ACCEPT });
  assert.equal(res.status, 200, `${path}: ${res.body}`);
  return JSON.parse(res.body);
}

async function xml(path: string) {
  const res = await get(server, path, { token });
  assert.equal(res.status, 200, `${path}: ${res.body}`);
  return parseXml(res.body).documentElement!;
}

const queryUids = async (type: string, query: string) => {
  const body = await json(`/api/query?type=${type}&format=Entities&${query}`);
  return (body.Entities[`${type}s`][`${type}s`] as { UID: string }[]).map((e) => guid(e.UID));
};

describe('BackupJobSession', () => {
  test('entity XML: links incl. Stop, element order, JobType enum', async () => {
    const qr = await xml(`/api/query?type=BackupJobSession&format=Entities&filter=UID==${B2}`);
    const [s] = children(child(child(qr, 'Entities'), 'BackupJobSessions'), 'BackupJobSession');
    assert.equal(attr(s, 'Href'), `${B}/backupSessions/${B2}?format=Entity`);
    assert.deepEqual(linkTuples(s), [
      ['Up', 'BackupServerReference', `${B}/backupServers/${BS1}`, 'enterprise06.tech.local'],
      ['Up', 'JobReference', `${B}/jobs/${J3}`, 'Backup Job 1'],
      ['Alternate', 'BackupJobSessionReference', `${B}/backupSessions/${B2}`, 'Backup Job 1@2021-06-17 20:00:00'],
      ['Down', 'BackupTaskSessionReferenceList', `${B}/backupSessions/${B2}/taskSessions`, null],
      ['Stop', null, `${B}/backupSessions/${B2}?action=stop`, null],
    ]);
    assert.deepEqual(children(s).map((e) => e.localName), [
      'Links', 'JobUid', 'JobName', 'JobType', 'CreationTimeUTC', 'EndTimeUTC', 'State', 'Result', 'Progress', 'IsRetry',
    ]);
    assert.equal(text(s, 'JobType'), 'Backup');
    // Stored, but a backup session renders no FailureMessage in any profile (issue 16 item 6).
  });

  test('reference form and JSON paths clients read', async () => {
    const refs = await json('/api/query?type=BackupJobSession&pageSize=2');
    assert.deepEqual(refs.Refs.Refs.map((r: { UID: string }) => guid(r.UID)), [B0, B1]);
    assert.equal(refs.Refs.Refs[0].Type, 'BackupJobSessionReference');
    assert.deepEqual(refs.Refs.Refs[0].Links.map((l: { Rel: string; Type?: string }) => `${l.Rel} ${l.Type}`), [
      'Up BackupServerReference', 'Up JobReference', 'Alternate BackupJobSession', 'Down BackupTaskSessionReferenceList',
    ]);
    const ents = await json('/api/query?type=BackupJobSession&format=Entities&sortDesc=CreationTime');
    const list = ents.Entities.BackupJobSessions.BackupJobSessions;
    assert.deepEqual(list.map((e: { UID: string }) => guid(e.UID)), [B4, B3, B2, B1, B0]);
    assert.deepEqual(Object.keys(list[1]), [
      'IsRetry', 'JobUid', 'JobName', 'JobType', 'CreationTimeUTC', 'EndTimeUTC', 'State', 'Result', 'Progress', 'FailureMessage',
      'Name', 'UID', 'Links', 'Href', 'Type',
    ]);
    assert.equal(list[1].FailureMessage, null, 'profile 12 writes the absent member as null');
    assert.equal(list[0].JobType, 'BackupCopy');
    assert.equal(list[0].Links[4].Rel, 'Stop');
    assert.equal(list[3].CreationTimeUTC, '2021-06-16T20:00:00.123Z', 'profile 12: SQL Server datetime');
  });

  test('filters: enum ordinals, retries, job type, server', async () => {
    assert.deepEqual(await queryUids('BackupJobSession', 'filter=JobType>=BackupCopy'), [B4]);
    assert.deepEqual(await queryUids('BackupJobSession', 'filter=Result>Success'), [B2, B3]);
    assert.deepEqual(await queryUids('BackupJobSession', 'filter=IsRetry==true'), [B3]);
    assert.deepEqual(await queryUids('BackupJobSession', 'filter=State==Working'), [B4]);
    assert.deepEqual(await queryUids('BackupJobSession', `filter=BackupServerName=="enterprisevbr01.tech.local"`), [B4]);
    assert.deepEqual(await queryUids('BackupJobSession', `filter=JobUid==urn:veeam:Job:${J3};EndTime>=2021-06-17`), [B2, B3]);
  });

  test('collections: 30-day window, nested tasks, job sessions, root JSON array', async () => {
    const root = await json('/api/backupSessions?format=Entity');
    assert.deepEqual(root.BackupJobSessions.map((e: { UID: string }) => guid(e.UID)), [B1, B2, B3, B4]);
    const refs = await xml('/api/backupSessions');
    assert.equal(refs.localName, 'EntityReferences');
    assert.equal(children(refs, 'Ref').length, 4);
    assert.equal((await get(server, `/api/backupSessions/${B0}?format=Entity`, { token })).status, 200, 'items are always reachable');
    const jobSessions = await json(`/api/jobs/${J3}/backupSessions`);
    assert.deepEqual(jobSessions.Refs.map((r: { UID: string }) => guid(r.UID)), [B1, B2, B3]);
    const tasks = await xml(`/api/backupSessions/${B1}/taskSessions?format=Entity`);
    assert.equal(tasks.localName, 'BackupTaskSessions');
    assert.deepEqual(children(tasks, 'BackupTaskSession').map((t) => guid(attr(t, 'UID')!)), [BT1]);
  });
});

describe('BackupTaskSession', () => {
  test('entity with VmUid after TotalSize; JSON order; links', async () => {
    const t = await xml(`/api/backupTaskSessions/${BT2}?format=Entity`);
    assert.equal(t.localName, 'BackupTaskSession');
    assert.equal(attr(t, 'VmDisplayName'), 'dc01');
    assert.deepEqual(children(t).map((e) => e.localName), [
      'Links', 'JobSessionUid', 'CreationTimeUTC', 'EndTimeUTC', 'State', 'Result', 'Reason', 'TotalSize', 'VmUid',
    ]);
    assert.equal(text(t, 'VmUid'), 'urn:VMware:Vm:7f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d.vm-21');
    assert.equal(text(t, 'Reason'), 'Cannot connect to host esx01.tech.local');
    assert.deepEqual(linkTuples(t), [
      ['Up', 'BackupServerReference', `${B}/backupServers/${BS1}`, 'enterprise06.tech.local'],
      ['Up', 'BackupJobSessionReference', `${B}/backupSessions/${B2}`, 'Backup Job 1@2021-06-17 20:00:00'],
      ['Alternate', 'BackupTaskSessionReference', `${B}/backupTaskSessions/${BT2}`, 'dc01@2021-06-17 20:00:40'],
    ]);
    const j = await json(`/api/backupTaskSessions/${BT2}?format=Entity`);
    assert.deepEqual(Object.keys(j), [
      'JobSessionUid', 'CreationTimeUTC', 'EndTimeUTC', 'State', 'Result', 'Reason', 'TotalSize', 'VmUid', 'VmDisplayName',
      'Name', 'UID', 'Links', 'Href', 'Type',
    ]);
    const ref = await xml(`/api/backupTaskSessions/${BT2}`);
    assert.equal(attr(ref, 'Type'), 'BackupTaskSessionReference');
  });

  test('query by derived job fields and result', async () => {
    assert.deepEqual(await queryUids('BackupTaskSession', 'filter=JobName=="backup job 1";Result==Failed'), [BT2]);
    assert.deepEqual(await queryUids('BackupTaskSession', `filter=JobSessionUid==${B1}`), [BT1]);
    assert.deepEqual(await queryUids('BackupTaskSession', 'sortDesc=TotalSize&filter=VmDisplayName==DC01'), [BT2, BT1]);
  });
});

describe('BackupServer', () => {
  test('query, entity links and the JSON paths clients read', async () => {
    assert.deepEqual(await queryUids('BackupServer', 'sortDesc=Name'), [BS2, BS1]);
    assert.deepEqual(await queryUids('BackupServer', 'filter=Version>="13"'), [BS1]);
    assert.deepEqual(await queryUids('BackupServer', 'filter=Description=="branch office"'), [BS2]);
    assert.deepEqual(await queryUids('BackupServer', 'filter=IpOrDnsName==enterprise06.tech.local;Port==9392'), [BS1]);
    const all = await json('/api/backupServers?format=Entity');
    assert.equal(all.BackupServers[0].Links[0].Name, 'enterprise06.tech.local');
    assert.equal(all.BackupServers[0].Links[0].Rel, 'Alternate');
    const ent = await xml(`/api/query?type=BackupServer&format=Entities&filter=UID==${BS2}`);
    const [bs] = children(child(child(ent, 'Entities'), 'BackupServers'), 'BackupServer');
    assert.deepEqual(children(bs).map((e) => e.localName), ['Links', 'Description', 'Port', 'Version']);
    assert.equal(linkTuples(bs).length, 13);
    const ref = await json(`/api/backupServers/${BS1}`);
    assert.deepEqual(ref.Links.map((l: { Rel: string; Type?: string }) => `${l.Rel} ${l.Type}`), [
      'Down JobReferenceList', 'Down RepositoryReferenceList', 'Down CredentialsList', 'Down PasswordKeyList',
      'Alternate BackupServer', 'Down ManagedServerReferenceList',
    ]);
  });
});

describe('Job', () => {
  test('JobType filter, the docs example with a stray &, sorting and paging', async () => {
    assert.deepEqual(await queryUids('Job', 'filter=JobType==Replica'), [J1, J2]);
    assert.deepEqual(await queryUids('Job', 'filter=Platform==vCloud&JobType==Backup'), []);
    assert.deepEqual(await queryUids('Job', 'filter=Platform==hyperv'), [J4, J2]);
    assert.deepEqual(await queryUids('Job', 'filter=JobType<Replica&sortDesc=Name'), [J3, J4]);
    const page = await json('/api/query?type=Job&format=Entities&sortAsc=name&pageSize=3&page=2');
    assert.deepEqual(page.Entities.Jobs.Jobs.map((j: { Name: string }) => j.Name), ['Replication Job 2']);
    assert.deepEqual([page.PagingInfo.PageNum, page.PagingInfo.PagesCount], [2, 2]);
  });

  test('entity links depend on the job type', async () => {
    const [backup] = (await json(`/api/query?type=Job&format=Entities&filter=UID==${J3}`)).Entities.Jobs.Jobs;
    assert.ok(backup.Links.some((l: { Type?: string; Href: string }) => l.Type === 'BackupJobSessionReferenceList' && l.Href === `${B}/jobs/${J3}/backupSessions`));
    assert.ok(!backup.Links.some((l: { Type?: string }) => l.Type === 'ReplicaJobSessionReferenceList'));
    const [replica] = (await json(`/api/query?type=Job&format=Entities&filter=UID==${J1}`)).Entities.Jobs.Jobs;
    assert.ok(replica.Links.some((l: { Type?: string }) => l.Type === 'ReplicaJobSessionReferenceList'));
  });

  test('jobs are for Portal Administrators only', async () => {
    const viewer = await logon(server, VIEWER_BASIC);
    for (const path of ['/api/query?type=Job', `/api/jobs/${J3}/backupSessions`, '/api/jobs?format=Entity']) {
      const res = await get(server, path, { token: viewer.token, accept: JSON_ACCEPT });
      assert.equal(res.status, 403, path);
      assert.equal(JSON.parse(res.body).StatusCode, 403);
    }
    assert.equal((await get(server, '/api/query?type=BackupJobSession', { token: viewer.token })).status, 200);
  });
});

describe('every declared filter name of every query type is accepted', () => {
  const sample: Record<string, string> = {
    string: '"x"', int: '1', long: '1', bool: 'true', datetime: '2021-06-16', uid: '00000000-0000-0000-0000-000000000000',
  };
  for (const type of TYPES) {
    test(type.name, async () => {
      for (const field of type.fields) {
        for (const name of field.filter ?? []) {
          assert.equal(filterField(type, name.toUpperCase()), field);
          const value = field.kind === 'enum' ? field.members![0] : sample[field.kind];
          for (const q of [`filter=${name}==${value}`, `sortDesc=${name}`]) {
            const res = await get(server, `/api/query?type=${type.name}&${q}`, { token });
            assert.equal(res.status, 200, `${type.name} ${q}: ${res.body}`);
          }
        }
      }
    });
  }
});
