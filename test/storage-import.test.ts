/**
 * Import and export of the storage chain's types (issue 15): EM documents of each type, written
 * here in the shape EM's docs show them (XML entity lists and JSON), import with their servers
 * and jobs known only from links; the store then answers as the documents say, an export
 * imports into a new store unchanged, and importing again changes nothing.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { exportDocument, type ExportFormat } from '../src/io/export.js';
import { importData } from '../src/io/import/index.js';
import { Backup, BackupFile, BackupJobSession, BackupServer, Job, Repository, RestorePoint, VmRestorePoint } from '../src/model/all.js';
import type { Row, TypeDecl } from '../src/model/index.js';
import { PARENTS_FIRST } from '../src/store/schema.js';
import type { Store } from '../src/store/store.js';
import { allRows } from './support/plans.js';
import { storesOfTestFile } from './support/store.js';

const freshStore = storesOfTestFile('emrest-storage-import-');

const B = 'https://em01.example.local:9398/api';
const NS = 'http://www.veeam.com/ent/v1.0';
const SERVER = '99f01406-ecdc-428f-ae09-a13de244140a';
const JOB = 'da736815-4fea-4c8e-b0e1-5ecdbca1c512';
const REPO = 'b609c947-dd30-4295-8b57-cc880329dbd6';
const BACKUP = '80672bda-76a8-408b-947f-afd0ff67fba6';
const POINT = 'dc216c04-2e34-478e-8b9b-49a3397ef6f8';
const FILE = 'e86f61f9-4220-4f55-820b-e41a38abce90';
const VM_POINT = '5acac742-ee17-4080-8e89-a6ea67adfcf3';
/** A session the captures name but do not hold. */
const SESSION = '4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f';

const serverLink = `<Link Rel="Up" Type="BackupServerReference" Href="${B}/backupServers/${SERVER}" Name="vbr01.example.local" />`;

const REPOSITORIES_XML = `<?xml version="1.0" encoding="utf-8"?>
<Repositories xmlns="${NS}">
  <Repository Type="Repository" Href="${B}/repositories/${REPO}?format=Entity" Name="Backup Volume 01" UID="urn:veeam:Repository:${REPO}">
    <Links>
      ${serverLink}
      <Link Rel="Alternate" Type="RepositoryReference" Href="${B}/repositories/${REPO}" Name="Backup Volume 01" />
    </Links>
    <Capacity>1079639011328</Capacity>
    <FreeSpace>881812750336</FreeSpace>
    <Kind>WindowsLocal</Kind>
  </Repository>
</Repositories>`;

const BACKUPS_JSON = JSON.stringify({
  Backups: [{
    Platform: 'VMware', Name: 'Oracle Backup', UID: `urn:veeam:Backup:${BACKUP}`,
    Links: [
      { Rel: 'Up', Href: `${B}/backupServers/${SERVER}`, Name: 'vbr01.example.local', Type: 'BackupServerReference' },
      { Rel: 'Up', Href: `${B}/repositories/${REPO}`, Name: 'Backup Volume 01', Type: 'RepositoryReference' },
      { Rel: 'Up', Href: `${B}/jobs/${JOB}`, Name: 'Oracle Backup', Type: 'JobReference' },
      { Rel: 'Alternate', Href: `${B}/backups/${BACKUP}`, Name: 'Oracle Backup', Type: 'BackupReference' },
      { Rel: 'Down', Href: `${B}/backups/${BACKUP}/restorePoints`, Type: 'RestorePointReferenceList' },
    ],
    Href: `${B}/backups/${BACKUP}?format=Entity`, Type: 'Backup',
  }],
});

const RESTORE_POINTS_XML = `<?xml version="1.0" encoding="utf-8"?>
<RestorePoints xmlns="${NS}">
  <RestorePoint Type="RestorePoint" Href="${B}/restorePoints/${POINT}?format=Entity" Name="Oct  6 2016  1:59PM" UID="urn:veeam:RestorePoint:${POINT}">
    <Links>
      ${serverLink}
      <Link Rel="Up" Type="BackupReference" Href="${B}/backups/${BACKUP}" Name="Oracle Backup" />
      <Link Rel="Alternate" Type="RestorePointReference" Href="${B}/restorePoints/${POINT}" Name="Oct  6 2016  1:59PM" />
      <Link Rel="Down" Type="VmRestorePointReferenceList" Href="${B}/restorePoints/${POINT}/vmRestorePoints" />
      <Link Rel="Related" Type="BackupJobSessionReference" Href="${B}/backupSessions/${SESSION}" Name="Oracle Backup@2016-10-06 13:59:18" />
    </Links>
    <BackupDateUTC>2016-10-06T13:59:18.313Z</BackupDateUTC>
  </RestorePoint>
</RestorePoints>`;

const BACKUP_FILES_XML = `<?xml version="1.0" encoding="utf-8"?>
<BackupFiles xmlns="${NS}">
  <BackupFile Type="BackupFile" Href="${B}/backupFiles/${FILE}?format=Entity" Name="Oracle BackupD2016-10-06T165918.vib" UID="urn:veeam:BackupFile:${FILE}">
    <Links>
      ${serverLink}
      <Link Rel="Up" Type="BackupReference" Href="${B}/backups/${BACKUP}" Name="Oracle Backup" />
      <Link Rel="Alternate" Type="BackupFileReference" Href="${B}/backupFiles/${FILE}" Name="Oracle BackupD2016-10-06T165918.vib" />
      <Link Rel="Related" Type="BackupFileReferenceList" Href="${B}/backups/${BACKUP}/backupFiles" />
    </Links>
    <FilePath>E:\\Backups\\Oracle Backup\\Oracle BackupD2016-10-06T165918.vib</FilePath>
    <BackupSize>182452224</BackupSize>
    <DataSize>4353687552</DataSize>
    <CreationTimeUtc>2016-10-06T13:59:18.313Z</CreationTimeUtc>
    <FileType>vib</FileType>
  </BackupFile>
</BackupFiles>`;

const VM_RESTORE_POINTS_JSON = JSON.stringify({
  VmRestorePoints: [{
    CreationTimeUTC: '2016-10-06T13:59:50Z', VmName: 'oracle03', Algorithm: 'Incremental', PointType: 'Increment',
    HierarchyObjRef: 'urn:VMware:Vm:7f7fd1e2-7dd4-4a33-bd7e-ea1d0e2bd1ad.vm-24', VmDisplayName: 'oracle03',
    Name: 'oracle03@2016-10-06 13:59:50', UID: `urn:veeam:VmRestorePoint:${VM_POINT}`,
    Links: [
      { Rel: 'Up', Href: `${B}/backupServers/${SERVER}`, Name: 'vbr01.example.local', Type: 'BackupServerReference' },
      { Rel: 'Up', Href: `${B}/restorePoints/${POINT}`, Name: 'Oct  6 2016  1:59PM', Type: 'RestorePointReference' },
      { Rel: 'Up', Href: `${B}/backupFiles/${FILE}`, Name: 'Oracle BackupD2016-10-06T165918.vib', Type: 'BackupFileReference' },
      { Rel: 'Alternate', Href: `${B}/vmRestorePoints/${VM_POINT}?format=Entity`, Name: 'oracle03@2016-10-06 13:59:50', Type: 'VmRestorePoint' },
    ],
    Href: `${B}/vmRestorePoints/${VM_POINT}?format=Entity`, Type: 'VmRestorePoint',
  }],
});

const SESSION_NAME = 'Oracle Backup@2016-10-06 13:59:18';
const SESSIONS_XML = `<?xml version="1.0" encoding="utf-8"?>
<BackupJobSessions xmlns="${NS}">
  <BackupJobSession Type="BackupJobSession" Href="${B}/backupSessions/${SESSION}?format=Entity" Name="${SESSION_NAME}" UID="urn:veeam:BackupJobSession:${SESSION}">
    <Links>
      ${serverLink}
      <Link Rel="Up" Type="JobReference" Href="${B}/jobs/${JOB}" Name="Oracle Backup" />
      <Link Rel="Alternate" Type="BackupJobSessionReference" Href="${B}/backupSessions/${SESSION}" Name="${SESSION_NAME}" />
    </Links>
    <JobUid>urn:veeam:Job:${JOB}</JobUid>
    <JobName>Oracle Backup</JobName>
    <JobType>Backup</JobType>
    <CreationTimeUTC>2016-10-06T13:59:18.313Z</CreationTimeUTC>
    <EndTimeUTC>2016-10-06T14:05:02.5Z</EndTimeUTC>
    <State>Stopped</State>
    <Result>Success</Result>
    <Progress>100</Progress>
    <IsRetry>false</IsRetry>
  </BackupJobSession>
</BackupJobSessions>`;

/** Parents first, as a user would import them. */
const CAPTURES: readonly [string, string][] = [
  ['repositories.xml', REPOSITORIES_XML],
  ['backups.json', BACKUPS_JSON],
  ['restorePoints.xml', RESTORE_POINTS_XML],
  ['backupFiles.xml', BACKUP_FILES_XML],
  ['vmRestorePoints.json', VM_RESTORE_POINTS_JSON],
];

const rowsOf = (store: Store, type: TypeDecl): Promise<Row[]> => allRows(store, type);

async function dump(store: Store): Promise<Record<string, Row[]>> {
  const out: Record<string, Row[]> = {};
  for (const t of PARENTS_FIRST) out[t.name] = await rowsOf(store, t);
  return out;
}

async function text(pieces: AsyncIterable<string>): Promise<string> {
  let s = '';
  for await (const p of pieces) s += p;
  return s;
}

describe('storage chain import and export', () => {
  test('captured documents of each type import, with their server and job from links alone', async () => {
    const store = freshStore();
    for (const [name, doc] of CAPTURES) {
      const r = await importData(store, Buffer.from(doc), name);
      assert.equal(r.entities, 1, name);
    }
    const [repo] = await rowsOf(store, Repository);
    assert.deepEqual([repo.id, repo.name, repo.capacity, repo.freeSpace, repo.serverId], [REPO, 'Backup Volume 01', 1079639011328, 881812750336, SERVER]);
    const [backup] = await rowsOf(store, Backup);
    assert.deepEqual([backup.repositoryId, backup.jobId, backup.jobName, backup.repositoryName], [REPO, JOB, 'Oracle Backup', 'Backup Volume 01']);
    const [point] = await rowsOf(store, RestorePoint);
    assert.deepEqual([point.name, point.backupId, point.sessionId, point.sessionName], ['Oct  6 2016  1:59PM', BACKUP, SESSION, null]);
    const [file] = await rowsOf(store, BackupFile);
    assert.deepEqual([file.backupSize, file.dataSize, file.backupId, file.repositoryId], [182452224, 4353687552, BACKUP, REPO]);
    const [vm] = await rowsOf(store, VmRestorePoint);
    assert.deepEqual([vm.restorePointId, vm.backupFileId, vm.vmDisplayName, vm.serverId], [POINT, FILE, 'oracle03', SERVER]);
    // The server and the job were made from links.
    assert.deepEqual((await rowsOf(store, BackupServer)).map((s) => [s.id, s.name]), [[SERVER, 'vbr01.example.local']]);
    assert.deepEqual((await rowsOf(store, Job)).map((j) => [j.id, j.name, j.serverId]), [[JOB, 'Oracle Backup', SERVER]]);
    // Again: nothing changes.
    for (const [name, doc] of CAPTURES) {
      const r = await importData(store, Buffer.from(doc), name);
      assert.equal(Object.values(r.inserted).reduce((a, b) => a + b, 0) + Object.values(r.updated).reduce((a, b) => a + b, 0), 0, name);
    }
    // The point's session is not in the store: its link is left out, not broken; once the
    // session is imported, the point and the session link to each other.
    const pointDoc = async () => text(exportDocument(store, RestorePoint, 'xml', { base: B }));
    assert.ok(!(await pointDoc()).includes('BackupJobSessionReference'), 'no link to a missing session');
    await importData(store, Buffer.from(SESSIONS_XML), 'sessions.xml');
    assert.ok((await pointDoc()).includes(`<Link Href="${B}/backupSessions/${SESSION}" Name="${SESSION_NAME}" Type="BackupJobSessionReference" Rel="Related" />`));
    const sessionDoc = await text(exportDocument(store, BackupJobSession, 'xml', { base: B }));
    assert.ok(sessionDoc.includes(`<Link Href="${B}/restorePoints/${POINT}" Name="Oct  6 2016  1:59PM" Type="RestorePointReference" Rel="Related" />`));
  });

  for (const format of ['xml', 'json', 'ndjson'] as ExportFormat[]) {
    test(`export (${format}) → import into a new store → the same rows, and the same export`, async () => {
      const a = freshStore();
      for (const [name, doc] of [...CAPTURES, ['sessions.xml', SESSIONS_XML]]) await importData(a, Buffer.from(doc), name);
      const docs: string[] = [];
      for (const t of PARENTS_FIRST) docs.push(await text(exportDocument(a, t, format, { base: B })));
      const b = freshStore();
      for (const [i, doc] of docs.entries()) if (doc.trim() !== '' && !/^\{"\w+":\[\]\}$|<\w+ xmlns="[^"]+" \/>\s*$/.test(doc.trim())) await importData(b, Buffer.from(doc), `doc${i}.${format}`);
      assert.deepEqual(await dump(b), await dump(a));
      const again: string[] = [];
      for (const t of PARENTS_FIRST) again.push(await text(exportDocument(b, t, format, { base: B })));
      assert.deepEqual(again, docs);
      assert.equal((await rowsOf(b, VmRestorePoint)).length, 1);
    });
  }
});
