/**
 * The XML/JSON writers contract: given a pair of writers (whole documents and streamed parts),
 * the documents of spec §3, §4.6, §6.2 and §7 E4/E5/E6/E11/E12 come out as the spec shows them,
 * byte for byte, and a streamed list's head + items + tail is the whole document.
 *
 * The documents are built with `src/represent/documents.ts` from the §7 fixture rows; only the
 * writers come from the factory, so another implementation (or a rewrite) runs the same suite.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ReplicaJobSession } from '../../src/model/all.js';
import type { Row } from '../../src/model/index.js';
import { collection, errorDocument, item, queryResult, rowNode, type Format, type Paging } from '../../src/represent/documents.js';
import { LOSSLESS } from '../../src/represent/entities.js';
import { STREAMED, type Document, type Node, type StreamParts } from '../../src/represent/model.js';
import { BS1, BS2, J1, J2, S1, S2, S3, S4, replicaSessions, servers } from '../support/fixture.js';

export interface Writers {
  toXml(doc: Document): string;
  toJson(doc: Document): string;
  /** The text around a `STREAMED` list and the text of each item. */
  toXmlParts(doc: Document): StreamParts;
  toJsonParts(doc: Document): StreamParts;
}

/** Spec §7: `{B}`. */
const B = 'https://localhost:9398/api';
const NS = 'http://www.veeam.com/ent/v1.0';
const DECL = '<?xml version="1.0" encoding="utf-8"?>';

/** The fixture's replica sessions as the store hands them to the representation (server name joined). */
const rows: Row[] = replicaSessions.map((s) => ({ ...s, serverName: servers.find((b) => b.id === s.serverId)!.name }) as unknown as Row);
const row = (id: string) => rows.find((r) => r.id === id)!;

// ---------------------------------------------------------------------------------------------
// What the spec shows

/** §7 E4, verbatim (the Last link spelled out: identical to First). */
const E4_FIRST = `${B}/query?type=ReplicaJobSession&format=Entities&filter=BackupServerName%3D%3D%22enterprise06.tech.local%22;Result%3D%3DSuccess&pageSize=100&page=1`;
const E4_XML = [
  DECL,
  `<QueryResult xmlns="${NS}">`,
  '  <Entities>',
  '    <ReplicaJobSessions>',
  '      <ReplicaJobSession Type="ReplicaJobSession" Href="https://localhost:9398/api/replicaSessions/1bffbda3-39a8-41eb-b9a0-200b98f3c5e9?format=Entity" Name="Replication Job 1@2021-06-15 22:06:57" UID="urn:veeam:ReplicaJobSession:1bffbda3-39a8-41eb-b9a0-200b98f3c5e9">',
  '        <Links>',
  '          <Link Rel="Up" Type="BackupServerReference" Href="https://localhost:9398/api/backupServers/7445e6ce-86f5-4171-b909-dac209c66563" Name="enterprise06.tech.local" />',
  '          <Link Rel="Up" Type="JobReference" Href="https://localhost:9398/api/jobs/1aa9734e-60e1-4fb6-87df-bbaa9bf38de8" Name="Replication Job 1" />',
  '          <Link Rel="Alternate" Type="ReplicaJobSessionReference" Href="https://localhost:9398/api/replicaSessions/1bffbda3-39a8-41eb-b9a0-200b98f3c5e9" Name="Replication Job 1@2021-06-15 22:06:57" />',
  '          <Link Rel="Down" Type="ReplicaTaskSessionReferenceList" Href="https://localhost:9398/api/replicaSessions/1bffbda3-39a8-41eb-b9a0-200b98f3c5e9/replicaTaskSessions" />',
  '        </Links>',
  '        <JobUid>urn:veeam:Job:1aa9734e-60e1-4fb6-87df-bbaa9bf38de8</JobUid>',
  '        <JobName>Replication Job 1</JobName>',
  '        <JobType>Replica</JobType>',
  '        <CreationTimeUTC>2021-06-15T22:06:57.263Z</CreationTimeUTC>',
  '        <EndTimeUTC>2021-06-15T22:11:06.11Z</EndTimeUTC>',
  '        <State>Stopped</State>',
  '        <Result>Success</Result>',
  '        <Progress>100</Progress>',
  '        <IsRetry>false</IsRetry>',
  '      </ReplicaJobSession>',
  '    </ReplicaJobSessions>',
  '  </Entities>',
  '  <PagingInfo PagesCount="1" PageSize="100" PageNum="1">',
  '    <Links>',
  '      <Link Rel="First" Href="https://localhost:9398/api/query?type=ReplicaJobSession&amp;format=Entities&amp;filter=BackupServerName%3D%3D%22enterprise06.tech.local%22;Result%3D%3DSuccess&amp;pageSize=100&amp;page=1" />',
  '      <Link Rel="Last" Href="https://localhost:9398/api/query?type=ReplicaJobSession&amp;format=Entities&amp;filter=BackupServerName%3D%3D%22enterprise06.tech.local%22;Result%3D%3DSuccess&amp;pageSize=100&amp;page=1" />',
  '    </Links>',
  '  </PagingInfo>',
  '</QueryResult>',
].join('\n');

/** §7 E11: the entity as a document root "with E4's content" — E4's element, at indent 0, declaring the namespace. */
const S1_ENTITY_XML = [
  DECL,
  ...E4_XML.split('\n')
    .slice(4, 21)
    .map((l, i) => (i === 0 ? l.replace('<ReplicaJobSession ', `<ReplicaJobSession xmlns="${NS}" `) : l).slice(6)),
].join('\n');

/** §7 E5 with its `…` filled in from E4. */
const S1_ENTITY_JSON =
  '{"IsRetry":false,"JobUid":"urn:veeam:Job:1aa9734e-60e1-4fb6-87df-bbaa9bf38de8","JobName":"Replication Job 1","JobType":"Replica",' +
  '"CreationTimeUTC":"2021-06-15T22:06:57.263Z","EndTimeUTC":"2021-06-15T22:11:06.11Z","State":"Stopped","Result":"Success","Progress":100,' +
  '"Name":"Replication Job 1@2021-06-15 22:06:57","UID":"urn:veeam:ReplicaJobSession:1bffbda3-39a8-41eb-b9a0-200b98f3c5e9",' +
  '"Links":[{"Rel":"Up","Href":"https://localhost:9398/api/backupServers/7445e6ce-86f5-4171-b909-dac209c66563","Name":"enterprise06.tech.local","Type":"BackupServerReference"},' +
  '{"Rel":"Up","Href":"https://localhost:9398/api/jobs/1aa9734e-60e1-4fb6-87df-bbaa9bf38de8","Name":"Replication Job 1","Type":"JobReference"},' +
  '{"Rel":"Alternate","Href":"https://localhost:9398/api/replicaSessions/1bffbda3-39a8-41eb-b9a0-200b98f3c5e9","Name":"Replication Job 1@2021-06-15 22:06:57","Type":"ReplicaJobSessionReference"},' +
  '{"Rel":"Down","Href":"https://localhost:9398/api/replicaSessions/1bffbda3-39a8-41eb-b9a0-200b98f3c5e9/replicaTaskSessions","Type":"ReplicaTaskSessionReferenceList"}],' +
  '"Href":"https://localhost:9398/api/replicaSessions/1bffbda3-39a8-41eb-b9a0-200b98f3c5e9?format=Entity","Type":"ReplicaJobSession"}';
const E5_JSON =
  `{"Entities":{"ReplicaJobSessions":{"ReplicaJobSessions":[${S1_ENTITY_JSON}]}},` +
  `"PagingInfo":{"Links":[{"Rel":"First","Href":"${E4_FIRST}"},{"Rel":"Last","Href":"${E4_FIRST}"}],"PageNum":1,"PageSize":100,"PagesCount":1}}`;

interface RefOf {
  id: string;
  name: string;
  server: [string, string];
  job: [string, string];
}
const REFS: Record<string, RefOf> = {
  [S1]: { id: S1, name: 'Replication Job 1@2021-06-15 22:06:57', server: [BS1, 'enterprise06.tech.local'], job: [J1, 'Replication Job 1'] },
  [S2]: { id: S2, name: 'Replication Job 1@2021-06-16 22:00:12', server: [BS1, 'enterprise06.tech.local'], job: [J1, 'Replication Job 1'] },
  [S3]: { id: S3, name: 'Replication Job 1@2021-06-16 22:10:00', server: [BS1, 'enterprise06.tech.local'], job: [J1, 'Replication Job 1'] },
  [S4]: { id: S4, name: 'Replication Job 2@2021-06-17 08:00:00', server: [BS2, 'enterprisevbr01.tech.local'], job: [J2, 'Replication Job 2'] },
};

/** §4.6 / §5.1 reference form: `Ref Type="ReplicaJobSessionReference"`, third link `Alternate ReplicaJobSession …?format=Entity`. */
function refXml(r: RefOf, indent: string): string[] {
  return [
    `<Ref Type="ReplicaJobSessionReference" Href="${B}/replicaSessions/${r.id}" Name="${r.name}" UID="urn:veeam:ReplicaJobSession:${r.id}">`,
    '  <Links>',
    `    <Link Rel="Up" Type="BackupServerReference" Href="${B}/backupServers/${r.server[0]}" Name="${r.server[1]}" />`,
    `    <Link Rel="Up" Type="JobReference" Href="${B}/jobs/${r.job[0]}" Name="${r.job[1]}" />`,
    `    <Link Rel="Alternate" Type="ReplicaJobSession" Href="${B}/replicaSessions/${r.id}?format=Entity" Name="${r.name}" />`,
    `    <Link Rel="Down" Type="ReplicaTaskSessionReferenceList" Href="${B}/replicaSessions/${r.id}/replicaTaskSessions" />`,
    '  </Links>',
    '</Ref>',
  ].map((l) => indent + l);
}

/** §1.4 reference JSON: `Links, UID, Name, Href, Type`; links `Rel, Href, Name, Type`. */
const refJson = (r: RefOf) =>
  `{"Links":[{"Rel":"Up","Href":"${B}/backupServers/${r.server[0]}","Name":"${r.server[1]}","Type":"BackupServerReference"},` +
  `{"Rel":"Up","Href":"${B}/jobs/${r.job[0]}","Name":"${r.job[1]}","Type":"JobReference"},` +
  `{"Rel":"Alternate","Href":"${B}/replicaSessions/${r.id}?format=Entity","Name":"${r.name}","Type":"ReplicaJobSession"},` +
  `{"Rel":"Down","Href":"${B}/replicaSessions/${r.id}/replicaTaskSessions","Type":"ReplicaTaskSessionReferenceList"}],` +
  `"UID":"urn:veeam:ReplicaJobSession:${r.id}","Name":"${r.name}","Href":"${B}/replicaSessions/${r.id}","Type":"ReplicaJobSessionReference"}`;

/** §7 E6 page 2 of 2. */
const E6_PAGING: Paging = {
  pageNum: 2,
  pageSize: 2,
  pagesCount: 2,
  links: [
    ['First', `${B}/query?type=replicajobsession&pageSize=2&page=1`],
    ['Previous', `${B}/query?type=replicajobsession&pageSize=2&page=1`],
    ['Last', `${B}/query?type=replicajobsession&pageSize=2&page=2`],
  ],
};
const E6_XML = [
  DECL,
  `<QueryResult xmlns="${NS}">`,
  '  <Refs>',
  ...refXml(REFS[S3], '    '),
  ...refXml(REFS[S4], '    '),
  '  </Refs>',
  '  <PagingInfo PagesCount="2" PageSize="2" PageNum="2">',
  '    <Links>',
  `      <Link Rel="First" Href="${B}/query?type=replicajobsession&amp;pageSize=2&amp;page=1" />`,
  `      <Link Rel="Previous" Href="${B}/query?type=replicajobsession&amp;pageSize=2&amp;page=1" />`,
  `      <Link Rel="Last" Href="${B}/query?type=replicajobsession&amp;pageSize=2&amp;page=2" />`,
  '    </Links>',
  '  </PagingInfo>',
  '</QueryResult>',
].join('\n');
const E6_PAGING_JSON =
  `"PagingInfo":{"Links":[{"Rel":"First","Href":"${B}/query?type=replicajobsession&pageSize=2&page=1"},` +
  `{"Rel":"Previous","Href":"${B}/query?type=replicajobsession&pageSize=2&page=1"},` +
  `{"Rel":"Last","Href":"${B}/query?type=replicajobsession&pageSize=2&page=2"}],"PageNum":2,"PageSize":2,"PagesCount":2}`;
/** §1.4 DECISION: a References QueryResult is `{"Refs":{"Refs":[…]},"PagingInfo":{…}}`. */
const E6_JSON = `{"Refs":{"Refs":[${refJson(REFS[S3])},${refJson(REFS[S4])}]},${E6_PAGING_JSON}}`;

/** §7 E12 reference collection: `<EntityReferences>` / `{"Refs":[…]}`. */
const ALL = [S1, S2, S3, S4];
const REFS_XML = [DECL, `<EntityReferences xmlns="${NS}">`, ...ALL.flatMap((id) => refXml(REFS[id], '  ')), '</EntityReferences>'].join('\n');
const REFS_JSON = `{"Refs":[${ALL.map((id) => refJson(REFS[id])).join(',')}]}`;

/** §6.2 / §6.5: no hits — a self-closed wrapper, `PagesCount="1" PageNum="1"`; JSON as captured. */
const EMPTY_PAGING: Paging = { pageNum: 1, pageSize: 100, pagesCount: 1, links: [['First', `${B}/query?type=ReplicaJobSession&format=Entities&filter=Result%3D%3DNone;IsRetry%3D%3Dtrue&pageSize=100&page=1`], ['Last', `${B}/query?type=ReplicaJobSession&format=Entities&filter=Result%3D%3DNone;IsRetry%3D%3Dtrue&pageSize=100&page=1`]] };
const EMPTY_PAGING_XML = [
  '  <PagingInfo PagesCount="1" PageSize="100" PageNum="1">',
  '    <Links>',
  `      <Link Rel="First" Href="${B}/query?type=ReplicaJobSession&amp;format=Entities&amp;filter=Result%3D%3DNone;IsRetry%3D%3Dtrue&amp;pageSize=100&amp;page=1" />`,
  `      <Link Rel="Last" Href="${B}/query?type=ReplicaJobSession&amp;format=Entities&amp;filter=Result%3D%3DNone;IsRetry%3D%3Dtrue&amp;pageSize=100&amp;page=1" />`,
  '    </Links>',
  '  </PagingInfo>',
];
const EMPTY_PAGING_JSON =
  `"PagingInfo":{"Links":[{"Rel":"First","Href":"${B}/query?type=ReplicaJobSession&format=Entities&filter=Result%3D%3DNone;IsRetry%3D%3Dtrue&pageSize=100&page=1"},` +
  `{"Rel":"Last","Href":"${B}/query?type=ReplicaJobSession&format=Entities&filter=Result%3D%3DNone;IsRetry%3D%3Dtrue&pageSize=100&page=1"}],"PageNum":1,"PageSize":100,"PagesCount":1}`;

// ---------------------------------------------------------------------------------------------
// The suite

const E4_PAGING: Paging = { pageNum: 1, pageSize: 100, pagesCount: 1, links: [['First', E4_FIRST], ['Last', E4_FIRST]] };

/** A query result holding the fixture sessions `ids`, or a `STREAMED` list. */
const query = (format: Format, ids: readonly string[] | 'streamed', paging: Paging): Document =>
  queryResult(ReplicaJobSession, ids === 'streamed' ? STREAMED : ids.map((id) => rowNode(ReplicaJobSession, format, B, LOSSLESS)(row(id))), format, paging);

interface Streamed {
  readonly label: string;
  /** The document around a `STREAMED` list, and the items that fill it. */
  readonly shell: Document;
  readonly items: readonly Node[];
  readonly whole: Document;
}

function streamedCases(): Streamed[] {
  const node = (format: Format) => rowNode(ReplicaJobSession, format, B, LOSSLESS);
  return [
    { label: 'E4 QueryResult, Entities', shell: query('entities', 'streamed', E4_PAGING), items: [node('entities')(row(S1))], whole: query('entities', [S1], E4_PAGING) },
    { label: 'E6 QueryResult, Refs', shell: query('references', 'streamed', E6_PAGING), items: [S3, S4].map((id) => node('references')(row(id))), whole: query('references', [S3, S4], E6_PAGING) },
    { label: 'E12 collection, EntityReferences', shell: collection(ReplicaJobSession, STREAMED, 'references'), items: ALL.map((id) => node('references')(row(id))), whole: collection(ReplicaJobSession, ALL.map((id) => node('references')(row(id))), 'references') },
    { label: 'E12 collection, entities', shell: collection(ReplicaJobSession, STREAMED, 'entities'), items: ALL.map((id) => node('entities')(row(id))), whole: collection(ReplicaJobSession, ALL.map((id) => node('entities')(row(id))), 'entities') },
  ];
}

const joined = (parts: StreamParts, items: readonly Node[]) => parts.head + items.map((n, i) => parts.item(n, i)).join('') + parts.tail;

/** Registers the contract's tests for one implementation of the writers. */
export function writersContract(name: string, make: () => Writers): void {
  describe(`XML/JSON writers contract: ${name}`, () => {
    const w = make();

    test('entity (§7 E11 / E5): the E4 element as the root; the E5 object', () => {
      const doc = item(ReplicaJobSession, row(S1), 'entities', B, LOSSLESS);
      assert.equal(w.toXml(doc), S1_ENTITY_XML);
      assert.equal(w.toJson(doc), S1_ENTITY_JSON);
    });

    test('the seed query result (§7 E4, E5), byte for byte', () => {
      const doc = query('entities', [S1], E4_PAGING);
      assert.equal(w.toXml(doc), E4_XML);
      assert.equal(w.toJson(doc), E5_JSON);
    });

    test('references: a query result (§7 E6 page 2) and a collection (§7 E12)', () => {
      assert.equal(w.toXml(query('references', [S3, S4], E6_PAGING)), E6_XML);
      assert.equal(w.toJson(query('references', [S3, S4], E6_PAGING)), E6_JSON);
      const refs = collection(ReplicaJobSession, ALL.map((id) => rowNode(ReplicaJobSession, 'references', B, LOSSLESS)(row(id))), 'references');
      assert.equal(w.toXml(refs), REFS_XML);
      assert.equal(w.toJson(refs), REFS_JSON);
      const one = item(ReplicaJobSession, row(S1), 'references', B, LOSSLESS);
      const single = refXml(REFS[S1], '').map((l) => l.replace(/^<Ref /, `<EntityRef xmlns="${NS}" `).replace(/^<\/Ref>$/, '</EntityRef>'));
      assert.equal(w.toXml(one), [DECL, ...single].join('\n'), '§4.6: a single item uses the same element named EntityRef');
      assert.equal(w.toJson(one), refJson(REFS[S1]), '§4.6: single item = the bare object');
    });

    test('empty lists (§1.3, §6.2): self-closed wrappers; empty JSON arrays', () => {
      assert.equal(
        w.toXml(query('entities', [], EMPTY_PAGING)),
        [DECL, `<QueryResult xmlns="${NS}">`, '  <Entities>', '    <ReplicaJobSessions />', '  </Entities>', ...EMPTY_PAGING_XML, '</QueryResult>'].join('\n'),
      );
      assert.equal(w.toJson(query('entities', [], EMPTY_PAGING)), `{"Entities":{"ReplicaJobSessions":{"ReplicaJobSessions":[]}},${EMPTY_PAGING_JSON}}`);
      assert.equal(w.toXml(query('references', [], EMPTY_PAGING)), [DECL, `<QueryResult xmlns="${NS}">`, '  <Refs />', ...EMPTY_PAGING_XML, '</QueryResult>'].join('\n'));
      assert.equal(w.toJson(query('references', [], EMPTY_PAGING)), `{"Refs":{"Refs":[]},${EMPTY_PAGING_JSON}}`);
      assert.equal(w.toXml(collection(ReplicaJobSession, [], 'references')), `${DECL}\n<EntityReferences xmlns="${NS}" />`);
      assert.equal(w.toJson(collection(ReplicaJobSession, [], 'references')), '{"Refs":[]}');
      assert.equal(w.toXml(collection(ReplicaJobSession, [], 'entities')), `${DECL}\n<ReplicaJobSessions xmlns="${NS}" />`);
      assert.equal(w.toJson(collection(ReplicaJobSession, [], 'entities')), '{"ReplicaJobSessions":[]}');
    });

    test('error body (§3), byte for byte; escaping (§1.2)', () => {
      const doc = errorDocument(400, 'Unknown query type: Foo');
      assert.equal(w.toXml(doc), `${DECL}\n<Error xmlns="${NS}" Message="Unknown query type: Foo" StatusCode="400" />`);
      assert.equal(w.toJson(doc), '{"FirstChanceExceptionMessage":null,"Message":"Unknown query type: Foo","StackTrace":null,"Status":null,"StatusCode":400}');
      const odd = errorDocument(404, 'No <such> "thing" & no /path/');
      assert.equal(w.toXml(odd), `${DECL}\n<Error xmlns="${NS}" Message="No &lt;such&gt; &quot;thing&quot; &amp; no /path/" StatusCode="404" />`);
      assert.equal(w.toJson(odd), '{"FirstChanceExceptionMessage":null,"Message":"No <such> \\"thing\\" & no /path/","StackTrace":null,"Status":null,"StatusCode":404}');
    });

    test('an optional value: absent is omitted, "" is self-closed / kept (§1.3, §1.4)', () => {
      const running = item(ReplicaJobSession, row(S4), 'entities', B, LOSSLESS);
      const xml = w.toXml(running);
      assert.ok(!xml.includes('<EndTimeUTC') && !xml.includes('<FailureMessage'), xml);
      assert.ok(xml.includes('\n  <Result>None</Result>\n  <Progress>42</Progress>\n  <IsRetry>false</IsRetry>\n'), xml);
      const json = w.toJson(running);
      assert.ok(!json.includes('"EndTimeUTC"') && !json.includes('"FailureMessage"'), json);
      const blank = item(ReplicaJobSession, { ...row(S2), failureMessage: '' }, 'entities', B, LOSSLESS);
      assert.ok(w.toXml(blank).includes('\n  <Progress>100</Progress>\n  <FailureMessage />\n  <IsRetry>false</IsRetry>\n'));
      assert.ok(w.toJson(blank).includes('"Progress":100,"FailureMessage":"","Name":'));
      const failed = item(ReplicaJobSession, row(S2), 'entities', B, LOSSLESS);
      assert.ok(w.toXml(failed).includes('\n  <Progress>100</Progress>\n  <FailureMessage>Error: Failed to open VDDK disk</FailureMessage>\n  <IsRetry>false</IsRetry>\n'), '§7 E7');
    });

    for (const c of streamedCases()) {
      test(`streamed: head + items + tail is the whole document (${c.label})`, () => {
        const xml = joined(w.toXmlParts(c.shell), c.items);
        assert.equal(xml, w.toXml(c.whole), 'XML');
        const json = joined(w.toJsonParts(c.shell), c.items);
        assert.equal(json, w.toJson(c.whole), 'JSON');
        assert.doesNotThrow(() => JSON.parse(json));
      });
    }

    test('streamed documents are the spec examples', () => {
      const [e4, e6, refs] = streamedCases();
      assert.equal(joined(w.toXmlParts(e4.shell), e4.items), E4_XML);
      assert.equal(joined(w.toJsonParts(e4.shell), e4.items), E5_JSON);
      assert.equal(joined(w.toXmlParts(e6.shell), e6.items), E6_XML);
      assert.equal(joined(w.toJsonParts(e6.shell), e6.items), E6_JSON);
      assert.equal(joined(w.toXmlParts(refs.shell), refs.items), REFS_XML);
      assert.equal(joined(w.toJsonParts(refs.shell), refs.items), REFS_JSON);
    });

    test('streamed JSON with no items is the empty document', () => {
      assert.equal(joined(w.toJsonParts(collection(ReplicaJobSession, STREAMED, 'references')), []), '{"Refs":[]}');
      assert.equal(joined(w.toJsonParts(query('entities', 'streamed', EMPTY_PAGING)), []), `{"Entities":{"ReplicaJobSessions":{"ReplicaJobSessions":[]}},${EMPTY_PAGING_JSON}}`);
    });
  });
}
