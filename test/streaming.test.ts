/**
 * Answers larger than two chunks are streamed (chunked, rendered as read): the same bytes as
 * the pages a client would fetch one by one, whatever their size, and a client that walks
 * away mid-answer costs nothing lasting.
 */
import { EM_VERSIONS, PROFILES } from '../src/profile/profiles.js';
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import { DEMO_DEFAULTS, generateDemo } from '../src/demo/demo.js';
import { FIXTURE_NOW } from './support/fixture.js';
import { planOrder } from '../src/query/plan.js';
import { BackupTaskSession, ReplicaJobSession } from '../src/model/all.js';
import { queryResult, rowNode } from '../src/represent/documents.js';
import { STREAMED } from '../src/represent/model.js';
import { renderBody, renderParts, type Rendering } from '../src/http/send.js';
import { get, logon, startServer, type Server } from './support/server.js';
import { parseXml } from './support/xml.js';

const NOW = Date.parse(FIXTURE_NOW);
let server: Server;
let token: string;

before(async () => {
  server = await startServer({ load: (store) => generateDemo(store, { ...DEMO_DEFAULTS, now: NOW }) });
  ({ token } = await logon(server));
});
after(() => server.close());

/** Each `<Tag …>…</Tag>` item at its own indent, as text. */
const xmlItems = (body: string, tag: string) => body.match(new RegExp(`^( *)<${tag} [\\s\\S]*?^\\1</${tag}>$`, 'gm')) ?? [];

describe('streamed answers', () => {
  for (const rendering of EM_VERSIONS.flatMap((v) => [
    { json: false, jsonBom: false, profile: PROFILES[v] },
    { json: true, jsonBom: false, profile: PROFILES[v] },
    { json: true, jsonBom: true, profile: PROFILES[v] },
  ]) satisfies Rendering[]) {
    test(`head + items + tail is the whole document (EM ${rendering.profile.emVersion} ${rendering.json ? 'JSON' : 'XML'}${rendering.jsonBom ? ' with BOM' : ''})`, async () => {
      const { rows } = await server.store.query({ type: ReplicaJobSession, order: planOrder(ReplicaJobSession), offset: 0, limit: 7 });
      for (const format of ['entities', 'references'] as const) {
        const paging = { pageNum: 1, pageSize: 7, pagesCount: 3, links: [['First', 'http://h/api/query?page=1']] as const };
        const node = rowNode(ReplicaJobSession, format, 'http://h/api', rendering.profile);
        const whole = renderBody(queryResult(ReplicaJobSession, rows.map(node), format, paging), rendering).body;
        const { parts, head } = renderParts(queryResult(ReplicaJobSession, STREAMED, format, paging), rendering);
        const streamed = Buffer.concat([head, Buffer.from(rows.map((r, i) => parts.item(node(r), i)).join('') + parts.tail, 'utf8')]);
        assert.equal(streamed.toString('latin1'), whole.toString('latin1'));
      }
    });
  }

  test('a page over two chunks is streamed: the same items, byte for byte, as the smaller pages that cover it', async () => {
    const big = await get(server, '/api/query?type=BackupTaskSession&format=Entities&pageSize=1200&page=2', { token });
    assert.equal(big.status, 200);
    assert.equal(big.headers.get('content-length'), null);
    assert.equal(big.headers.get('transfer-encoding'), 'chunked');
    const pages: string[] = [];
    for (const page of [4, 5, 6]) {
      const small = await get(server, `/api/query?type=BackupTaskSession&format=Entities&pageSize=400&page=${page}`, { token });
      assert.equal(small.status, 200);
      assert.ok(Number(small.headers.get('content-length')) > 0, 'a small answer has its length');
      pages.push(...xmlItems(small.body, 'BackupTaskSession'));
    }
    const streamed = xmlItems(big.body, 'BackupTaskSession');
    assert.equal(streamed.length, 1200);
    assert.deepEqual(streamed, pages);
    const paging = parseXml(big.body).documentElement.getElementsByTagNameNS('*', 'PagingInfo')[0];
    const total = (await server.store.query({ type: BackupTaskSession, order: planOrder(BackupTaskSession), offset: 0, limit: 0 }, { count: true })).total!;
    assert.equal(paging.getAttribute('PagesCount'), String(Math.ceil(total / 1200)));
    assert.equal(paging.getAttribute('PageNum'), '2');
  });

  test('JSON: a streamed page parses to the same entities as the smaller pages', async () => {
    const json = { token, accept: 'application/json' };
    const big = await get(server, '/api/query?type=ReplicaTaskSession&format=Entities&pageSize=1100', json);
    assert.equal(big.headers.get('transfer-encoding'), 'chunked');
    const items = JSON.parse(big.body).Entities.ReplicaTaskSessions.ReplicaTaskSessions;
    const pages = [];
    for (const page of [1, 2, 3, 4]) {
      const r = await get(server, `/api/query?type=ReplicaTaskSession&format=Entities&pageSize=275&page=${page}`, json);
      pages.push(...JSON.parse(r.body).Entities.ReplicaTaskSessions.ReplicaTaskSessions);
    }
    assert.equal(items.length, 1100);
    assert.deepEqual(items, pages);
  });

  test('an unpaged collection streams every session of the window', async () => {
    const r = await get(server, '/api/backupTaskSessions?format=Entity', { token });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('transfer-encoding'), 'chunked');
    const since = new Date(NOW - 30 * 86_400_000).toISOString();
    const counted = await get(server, `/api/query?type=BackupTaskSession&filter=CreationTime>=${encodeURIComponent(`"${since}"`)}&pageSize=1`, { token });
    const pagesCount = parseXml(counted.body).documentElement.getElementsByTagNameNS('*', 'PagingInfo')[0].getAttribute('PagesCount');
    const root = parseXml(r.body).documentElement;
    assert.equal(root.localName, 'BackupTaskSessions');
    assert.equal(root.getElementsByTagNameNS('*', 'BackupTaskSession').length, Number(pagesCount));
    assert.ok(Number(pagesCount) > 1000);
  });

  test('clients that hang up mid-answer give back their turn and their connection', async () => {
    const { port } = new URL(server.url);
    // More than the streams that may run at once: a turn not given back would leave the last one waiting.
    for (let i = 0; i < 12; i++) {
      await new Promise<void>((resolve, reject) => {
        const req = http.get({ host: '127.0.0.1', port, path: '/api/backupTaskSessions?format=Entity', headers: { 'X-RestSvcSessionId': token } }, (res) => {
          res.once('data', () => {
            req.destroy();
            resolve();
          });
        });
        req.on('error', (e) => ((e as NodeJS.ErrnoException).code === 'ECONNRESET' ? resolve() : reject(e)));
      });
    }
    const r = await get(server, '/api/query?type=BackupTaskSession&pageSize=100000', { token });
    assert.equal(r.status, 200);
    assert.match(r.body, /<\/QueryResult>$/);
  });
});
