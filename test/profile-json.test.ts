/**
 * The JSON wire settings of the EM version profiles (issue 16 items 1, 2 and 9;
 * docs/em-surface/profile-pjson.md): null members, Accept negotiation, the JSON Content-Type,
 * and the readers (importer, client) that must take a 12/13 EM's nulls.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EmClient } from '../src/client/index.js';
import { wantsJson } from '../src/http/negotiate.js';
import { readJson } from '../src/io/import/json-reader.js';
import { TYPES } from '../src/model/index.js';
import { EM_VERSIONS, PROFILES } from '../src/profile/profiles.js';
import { errorDocument } from '../src/represent/documents.js';
import { ENTITY_COLLECTIONS, entityCollections } from '../src/represent/entity-collections.js';
import { toJson, toJsonParts } from '../src/represent/json.js';
import { link } from '../src/represent/links.js';
import { list, node, STREAMED } from '../src/represent/model.js';
import { toXml } from '../src/represent/xml.js';

describe('profile rows', () => {
  test('each version has its JSON settings', () => {
    assert.deepEqual(
      EM_VERSIONS.map((v) => [v, PROFILES[v].jsonNulls, PROFILES[v].acceptJson, PROFILES[v].jsonContentType]),
      [
        ['9.5', 'omit', 'anywhere', 'application/json'],
        ['12', 'keep', 'first', 'application/json; charset=utf-8'],
        ['13', 'keep', 'first', 'application/json; charset=utf-8'],
      ],
    );
  });
});

describe('Accept negotiation', () => {
  const cases: [string | undefined, boolean, boolean][] = [
    // accept, first, anywhere
    [undefined, false, false],
    ['application/json', true, true],
    ['application/xml, text/xml, application/json', false, true],
    ['text/xml;q=0.9, application/json;q=0.1', false, true],
    ['application/json;q=0.1, application/xml', true, true],
    ['text/html, application/json', true, true],
    ['*/*', false, false],
    ['text/xml, */*', false, false],
    ['APPLICATION/JSON', true, true],
  ];
  for (const [accept, first, anywhere] of cases) {
    test(`${JSON.stringify(accept)}: first → ${first ? 'JSON' : 'XML'}, anywhere → ${anywhere ? 'JSON' : 'XML'}`, () => {
      assert.equal(wantsJson(accept, 'first'), first);
      assert.equal(wantsJson(accept, 'anywhere'), anywhere);
    });
  }
  test('repeated Accept headers count as one list', () => {
    assert.equal(wantsJson(['application/xml', 'application/json'], 'anywhere'), true);
    assert.equal(wantsJson(['application/xml', 'application/json'], 'first'), false);
  });
});

describe('JSON nulls', () => {
  const doc = node('Thing', [
    { name: 'Done', value: undefined, x: 0 },
    { name: 'Note', value: 'n', x: 1 },
    { name: 'Links', value: list([link('Down', 'http://h/api/x', 'XList'), link('First', 'http://h/api/q')]), x: 2 },
  ]);

  test('omit leaves members with no value out; keep writes them as null', () => {
    assert.equal(toJson(doc, 'omit'), '{"Note":"n","Links":[{"Rel":"Down","Href":"http://h/api/x","Type":"XList"},{"Rel":"First","Href":"http://h/api/q"}]}');
    assert.equal(
      toJson(doc, 'keep'),
      '{"Done":null,"Note":"n","Links":[{"Rel":"Down","Href":"http://h/api/x","Name":null,"Type":"XList"},{"Rel":"First","Href":"http://h/api/q","Name":null,"Type":null}]}',
    );
  });

  test('XML is the same whatever the JSON setting: no element or attribute for a member with no value', () => {
    const xml = toXml(doc);
    assert.ok(!xml.includes('Done') && !xml.includes('Name='), xml);
  });

  test('the Error body keeps its nulls under both settings', () => {
    const expected = '{"FirstChanceExceptionMessage":null,"Message":"m","StackTrace":null,"Status":null,"StatusCode":400}';
    assert.equal(toJson(errorDocument(400, 'm'), 'omit'), expected);
    assert.equal(toJson(errorDocument(400, 'm'), 'keep'), expected);
  });

  test('streamed items follow the setting too', () => {
    const parts = toJsonParts(node('R', [{ name: 'Items', value: list(STREAMED, 'Items'), x: 0 }]), 'keep');
    assert.equal(parts.head + parts.item(node('I', [{ name: 'A', value: undefined, x: 0 }]), 0) + parts.tail, '{"Items":{"Items":[{"A":null}]}}');
  });
});

describe('QueryResult Entities members', () => {
  test('the filled collection takes its own place among the 50 of the capture', () => {
    const order = entityCollections('ReplicaJobSessions');
    assert.equal(order.length, 50);
    assert.equal(order.indexOf('ReplicaJobSessions'), ENTITY_COLLECTIONS.indexOf('ReplicaJobSessions'));
    assert.deepEqual(order.slice(0, 3), ['Jobs', 'FailoverPlans', 'Backups']);
    assert.equal(order.at(-1), 'SystemSessions');
  });

  test('every list element we serve has its member (AgentBackupJobs in the capture’s AgentBackupJob place)', () => {
    for (const type of TYPES) assert.equal(entityCollections(type.listElement).length, ENTITY_COLLECTIONS.length, type.listElement);
    const agents = entityCollections('AgentBackupJobs');
    assert.equal(agents.indexOf('AgentBackupJobs'), ENTITY_COLLECTIONS.indexOf('AgentBackupJob'));
    assert.ok(!agents.includes('AgentBackupJob'));
  });
});

async function* chunks(text: string): AsyncGenerator<string> {
  // Small pieces, so nulls and keys straddle chunk ends.
  for (let i = 0; i < text.length; i += 7) yield text.slice(i, i + 7);
}

describe('readers take a 12/13 EM’s nulls', () => {
  const entity = {
    IsRetry: false,
    JobName: 'J',
    EndTimeUTC: null,
    FailureMessage: null,
    Name: 'J@2025-02-19 03:33:17',
    UID: 'urn:veeam:BackupJobSession:ec7d1272-10d2-40fc-a756-0fe34fac4a22',
    Links: [{ Rel: 'Stop', Href: 'https://h/api/backupSessions/x?action=stop', Name: null, Type: null }],
    Href: 'https://h/api/backupSessions/ec7d1272-10d2-40fc-a756-0fe34fac4a22?format=Entity',
    Type: 'BackupJobSession',
  };
  const entities: Record<string, unknown> = Object.fromEntries(ENTITY_COLLECTIONS.map((n) => [n, null]));
  entities.BackupJobSessions = { BackupJobSessions: [entity] };
  const capture = JSON.stringify({ Refs: null, Entities: entities, Resources: null, Links: null, PagingInfo: { Links: [], PageNum: 1, PageSize: 100, PagesCount: 1 } }, null, 1);

  test('the importer reads a QueryResult with null members (the centreon capture’s shape)', async () => {
    const got = [];
    for await (const e of readJson(chunks(capture), 'capture.json')) got.push(e);
    assert.equal(got.length, 1);
    assert.equal(got[0].typeName, 'BackupJobSession');
    assert.equal(got[0].value('FailureMessage', 'element'), null);
    const links = got[0].links;
    assert.ok(Array.isArray(links));
    assert.deepEqual(links[0], { rel: 'Stop', type: undefined, href: entity.Links[0].Href, name: undefined });
  });

  test('the importer still refuses a filled Refs', async () => {
    const refs = JSON.stringify({ Refs: { Refs: [] }, Entities: null, PagingInfo: {} });
    await assert.rejects(async () => {
      for await (const _ of readJson(chunks(refs), 'refs.json'));
    });
  });

  test('the client drops nulls, so 9.5 and 12 answers look alike', async () => {
    const fetch = (async () => new Response(capture, { status: 200, headers: { 'Content-Type': 'application/json; charset=utf-8' } })) as typeof globalThis.fetch;
    const client = new EmClient({ baseUrl: 'http://em.test:9399', fetch });
    const doc = await client.get<Record<string, unknown>>('/api/query?type=BackupJobSession&format=Entities');
    assert.deepEqual(Object.keys(doc), ['Entities', 'PagingInfo']);
    const e = (doc.Entities as { BackupJobSessions: { BackupJobSessions: Record<string, unknown>[] } }).BackupJobSessions.BackupJobSessions[0];
    assert.ok(!('FailureMessage' in e) && !('EndTimeUTC' in e));
    assert.deepEqual(e.Links, [{ Rel: 'Stop', Href: entity.Links[0].Href }]);
  });
});
