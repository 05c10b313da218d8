/**
 * The storage chain over HTTP (issue 15), on a small seeded demo served by a real server:
 * each type's XML and JSON shapes as docs/em-surface/storage.md gives them, every link of every
 * row resolving and the relations holding both ways, query filters and sorts through the
 * query service, and bad input answered with EM errors.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { generateDemo, type DemoOptions } from '../src/demo/demo.js';
import { get, logon, startLoggedOn, VIEWER_BASIC, type Server } from './support/server.js';
import { children, child, parseXml } from './support/xml.js';

const NOW = Date.parse('2026-11-02T06:00:00Z');
const DEMO: DemoOptions = { seed: 11, servers: 2, jobs: 2, backupJobs: 6, days: 4, now: NOW };
const JSON_ACCEPT = 'application/json';

let server: Server;
let token: string;
before(async () => ({ server, token } = await startLoggedOn({ load: (store) => generateDemo(store, DEMO), now: NOW })));
after(() => server.close());

interface JsonLink { Rel: string; Href: string; Name?: string; Type?: string }
interface JsonEntity { Name: string; UID: string; Href: string; Type: string; Links: JsonLink[]; [k: string]: unknown }

const path = (href: string) => new URL(href).pathname + new URL(href).search;
const guidOf = (uid: string) => uid.slice(uid.lastIndexOf(':') + 1);

async function okXml(p: string): Promise<Element> {
  const res = await get(server, p, { token });
  assert.equal(res.status, 200, `${p}: ${res.body}`);
  return parseXml(res.body).documentElement;
}
async function okJson<T = Record<string, unknown>>(p: string): Promise<T> {
  const res = await get(server, p, { token, accept: JSON_ACCEPT });
  assert.equal(res.status, 200, `${p}: ${res.body}`);
  return JSON.parse(res.body) as T;
}
/** Every entity of a type through its collection (`?format=Entity`). */
const entities = async (type: string, collection: string) => (await okJson<Record<string, JsonEntity[]>>(`/api/${collection}?format=Entity`))[LISTS[type]];

/** Per type: collection, list element, XML elements after Links, and the entity's links (Rel Type). */
const LISTS: Record<string, string> = {
  Repository: 'Repositories', Backup: 'Backups', RestorePoint: 'RestorePoints', VmRestorePoint: 'VmRestorePoints', BackupFile: 'BackupFiles',
};
const SHAPES = [
  {
    type: 'Repository', collection: 'repositories', elements: ['Capacity', 'FreeSpace', 'Kind'], attributes: [],
    links: ['Up BackupServerReference', 'Alternate RepositoryReference'],
  },
  {
    type: 'Backup', collection: 'backups', elements: ['Platform'], attributes: [],
    links: [
      'Up BackupServerReference', 'Up RepositoryReference', 'Up JobReference', 'Alternate BackupReference',
      'Down RestorePointReferenceList', 'Down BackupFileReferenceList',
    ],
  },
  {
    type: 'RestorePoint', collection: 'restorePoints', elements: ['BackupDateUTC'], attributes: [],
    links: ['Up BackupServerReference', 'Up BackupReference', 'Alternate RestorePointReference', 'Down VmRestorePointReferenceList', 'Related BackupJobSessionReference'],
  },
  {
    type: 'VmRestorePoint', collection: 'vmRestorePoints', elements: ['CreationTimeUTC', 'VmName', 'Algorithm', 'PointType', 'HierarchyObjRef'],
    attributes: ['VmDisplayName'], links: ['Up BackupServerReference', 'Up RestorePointReference', 'Up BackupFileReference', 'Alternate VmRestorePointReference'],
  },
  {
    type: 'BackupFile', collection: 'backupFiles', elements: ['FilePath', 'BackupSize', 'DataSize', 'CreationTimeUtc', 'FileType'], attributes: [],
    links: ['Up BackupServerReference', 'Up BackupReference', 'Alternate BackupFileReference', 'Related BackupFileReferenceList'],
  },
] as const;

const NAMES: Record<string, RegExp> = {
  RestorePoint: /^[A-Z][a-z]{2} [ \d]\d \d{4} [ \d]\d:\d\d[AP]M$/,
  VmRestorePoint: /^[\w-]+@\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/,
  BackupFile: /D\d{4}-\d\d-\d\dT\d{6}\.(vbk|vib)$/,
};

describe('storage chain shapes (docs/em-surface/storage.md)', () => {
  for (const shape of SHAPES) {
    test(`${shape.type}: entity and reference in XML and JSON`, async () => {
      const qr = await okXml(`/api/query?type=${shape.type}&format=Entities&pageSize=3`);
      const list = child(child(qr, 'Entities'), LISTS[shape.type]);
      const items = children(list, shape.type);
      assert.ok(items.length > 0, `${shape.type}: the demo has some`);
      for (const e of items) {
        assert.deepEqual(children(e).map((c) => c.localName), ['Links', ...shape.elements]);
        assert.equal(e.getAttribute('Type'), shape.type);
        const id = guidOf(e.getAttribute('UID')!);
        assert.equal(e.getAttribute('UID'), `urn:veeam:${shape.type}:${id}`);
        assert.equal(path(e.getAttribute('Href')!), `/api/${shape.collection}/${id}?format=Entity`);
        for (const a of shape.attributes) assert.ok(e.getAttribute(a), `${a} attribute`);
        const links = children(child(e, 'Links'), 'Link').map((l) => `${l.getAttribute('Rel')} ${l.getAttribute('Type')}`);
        assert.deepEqual(links, shape.links);
        if (NAMES[shape.type]) assert.match(e.getAttribute('Name')!, NAMES[shape.type]);
      }
      // JSON: the type's own elements, its own attributes, then Name, UID, Links, Href, Type.
      const json = await okJson<{ Entities: Record<string, Record<string, JsonEntity[]>> }>(`/api/query?type=${shape.type}&format=Entities&pageSize=1`);
      const [first] = json.Entities[LISTS[shape.type]][LISTS[shape.type]];
      assert.deepEqual(Object.keys(first), [...shape.elements, ...shape.attributes, 'Name', 'UID', 'Links', 'Href', 'Type']);
      // The reference form links to the entity.
      const ref = await okXml(path(first.Href).replace('?format=Entity', ''));
      assert.equal(ref.localName, 'EntityRef');
      assert.equal(ref.getAttribute('Type'), `${shape.type}Reference`);
      const alternate = children(child(ref, 'Links'), 'Link').find((l) => l.getAttribute('Rel') === 'Alternate')!;
      assert.equal(alternate.getAttribute('Type'), shape.type);
      assert.equal(alternate.getAttribute('Href'), first.Href);
    });
  }

  test('values: kinds, sizes, point types and files agree', async () => {
    for (const r of await entities('Repository', 'repositories')) {
      assert.ok((r.FreeSpace as number) >= 0 && (r.FreeSpace as number) <= (r.Capacity as number), `${r.Name}: 0 <= FreeSpace <= Capacity`);
    }
    const files = new Map((await entities('BackupFile', 'backupFiles')).map((f) => [f.Href.replace('?format=Entity', ''), f]));
    for (const v of await entities('VmRestorePoint', 'vmRestorePoints')) {
      const file = files.get(v.Links.find((l) => l.Type === 'BackupFileReference')!.Href)!;
      assert.equal(v.PointType === 'Full', file.FileType === 'vbk', `${v.Name}: a full point is in a .vbk`);
      assert.equal(v.Algorithm, v.PointType === 'Full' ? 'Full' : 'Incremental');
      assert.match(v.HierarchyObjRef as string, /^urn:(VMware|HyperV):Vm:/);
      assert.ok((file.FilePath as string).endsWith(file.Name), 'the path ends in the name');
    }
  });
});

describe('storage chain links', () => {
  test('every link of every row resolves (no 404, no 5xx), and BackupServer repositories resolves', async () => {
    const hrefs = new Set<string>();
    for (const { type, collection } of SHAPES) {
      for (const e of await entities(type, collection)) for (const l of e.Links) hrefs.add(path(l.Href));
      const refs = await okJson<{ Refs: JsonEntity[] }>(`/api/${collection}`);
      for (const r of refs.Refs) for (const l of r.Links) hrefs.add(path(l.Href));
    }
    for (const s of await okJson<{ BackupServers: JsonEntity[] }>('/api/backupServers?format=Entity').then((d) => d.BackupServers)) {
      for (const l of s.Links.filter((x) => x.Type === 'RepositoryReferenceList')) hrefs.add(path(l.Href));
    }
    let followed = 0;
    for (const href of hrefs) {
      const res = await get(server, href, { token });
      assert.equal(res.status, 200, `${href}: ${res.status}`);
      followed++;
    }
    assert.ok(followed > 100, `links followed: ${followed}`);
  });

  test('relations hold both ways', async () => {
    const refsOf = async (p: string) => new Set((await okJson<{ Refs: JsonEntity[] }>(p)).Refs.map((r) => r.UID));
    // Repository <-> BackupServer.
    for (const r of await entities('Repository', 'repositories')) {
      const up = r.Links.find((l) => l.Type === 'BackupServerReference')!;
      assert.ok((await refsOf(`${path(up.Href)}/repositories`)).has(r.UID), `${r.Name} is listed under its server`);
    }
    // RestorePoint <-> Backup, RestorePoint <-> BackupJobSession.
    const points = await entities('RestorePoint', 'restorePoints');
    for (const p of points) {
      const backup = p.Links.find((l) => l.Type === 'BackupReference')!;
      assert.ok((await refsOf(`${path(backup.Href)}/restorePoints`)).has(p.UID), `${p.Name} is listed under its backup`);
      const session = await okJson<JsonEntity>(`${path(p.Links.find((l) => l.Type === 'BackupJobSessionReference')!.Href)}?format=Entity`);
      const back = session.Links.filter((l) => l.Rel === 'Related' && l.Type === 'RestorePointReference');
      assert.deepEqual(back.map((l) => l.Href), [p.Href.replace('?format=Entity', '')], `${session.Name} links back to its point`);
      assert.equal(back[0].Name, p.Name);
    }
    // A session that made no point (or lost it to retention) has no such link.
    const sessions = (await okJson<{ BackupJobSessions: JsonEntity[] }>('/api/backupSessions?format=Entity')).BackupJobSessions;
    const related = sessions.filter((s) => s.Links.some((l) => l.Type === 'RestorePointReference'));
    assert.equal(related.length, points.length, 'one session per point links to it');
    assert.ok(related.length < sessions.length);
    // VmRestorePoint <-> RestorePoint, BackupFile <-> Backup.
    for (const v of await entities('VmRestorePoint', 'vmRestorePoints')) {
      const up = v.Links.find((l) => l.Type === 'RestorePointReference')!;
      assert.ok((await refsOf(`${path(up.Href)}/vmRestorePoints`)).has(v.UID), `${v.Name} is listed under its restore point`);
    }
    for (const f of await entities('BackupFile', 'backupFiles')) {
      const related = f.Links.find((l) => l.Rel === 'Related')!;
      assert.ok((await refsOf(path(related.Href))).has(f.UID), `${f.Name} is among its backup's files`);
    }
  });
});

describe('storage chain queries', () => {
  const uids = async (q: string) => (await okJson<{ Refs: { Refs: JsonEntity[] } }>(`/api/query?${q}&pageSize=1000`)).Refs.Refs.map((r) => r.UID);
  const ents = async (type: string, q: string) =>
    (await okJson<{ Entities: Record<string, Record<string, JsonEntity[]>> }>(`/api/query?type=${type}&format=Entities&pageSize=1000&${q}`)).Entities[LISTS[type]][LISTS[type]];

  test('filters and sorts through the query service agree with the collections', async () => {
    const backups = await entities('Backup', 'backups');
    const b = backups[0];
    const under = new Set((await okJson<{ Refs: JsonEntity[] }>(`${path(b.Href).replace('?format=Entity', '')}/restorePoints`)).Refs.map((r) => r.UID));
    assert.deepEqual(new Set(await uids(`type=RestorePoint&filter=BackupUid==${b.UID}`)), under);
    assert.deepEqual(new Set(await uids(`type=RestorePoint&filter=BackupName=="${b.Name}"`)), under);
    const bySize = await ents('Repository', 'sortDesc=FreeSpace');
    assert.deepEqual(bySize.map((r) => r.FreeSpace), [...bySize.map((r) => r.FreeSpace as number)].sort((x, y) => y - x));
    const fulls = await ents('VmRestorePoint', 'filter=PointType==Full');
    assert.ok(fulls.length > 0 && fulls.every((v) => v.PointType === 'Full'));
    assert.deepEqual(new Set(await uids('type=VmRestorePoint&filter=Type==full')), new Set(fulls.map((v) => v.UID)));
    const big = await ents('BackupFile', 'filter=FileType==vib;BackupSize>1000&sortAsc=BackupSize');
    assert.ok(big.every((f) => f.FileType === 'vib' && (f.BackupSize as number) > 1000));
    assert.deepEqual(big.map((f) => f.BackupSize), [...big.map((f) => f.BackupSize as number)].sort((x, y) => x - y));
    const defaults = await ents('Repository', 'filter=Name=="Default Backup Repository"');
    assert.equal(defaults.length, 2);
    const server = defaults[0].Links[0];
    assert.deepEqual(await uids(`type=Repository&filter=BackupServerName=="${server.Name}";Kind==WindowsLocal;Name=="Default Backup Repository"`), [defaults[0].UID]);
  });

  test('bad input: 400 for filters and malformed ids, 404 for unknown ids; readable by every role', async () => {
    for (const q of ['type=Repository&filter=Kind==Tape', 'type=BackupFile&filter=BackupSize==big', 'type=RestorePoint&filter=Colour==red', 'type=VmRestorePoint&sortAsc=Nope']) {
      const res = await get(server, `/api/query?${q}`, { token });
      assert.equal(res.status, 400, q);
      assert.match(res.body, /StatusCode="400"/);
    }
    for (const p of ['/api/backups/00000000-0000-0000-0000-000000000000', '/api/backupFiles/00000000-0000-0000-0000-000000000000?format=Entity']) {
      assert.equal((await get(server, p, { token })).status, 404, p);
    }
    // An ID that is no GUID is the client's mistake (issue 16 item 3).
    for (const p of ['/api/repositories/xyz', '/api/restorePoints/12/vmRestorePoints']) {
      assert.equal((await get(server, p, { token })).status, 400, p);
    }
    const viewer = await logon(server, VIEWER_BASIC);
    for (const p of ['/api/repositories', '/api/query?type=Repository', '/api/vmRestorePoints?format=Entity']) {
      assert.equal((await get(server, p, { token: viewer.token })).status, 200, p);
    }
  });
});
