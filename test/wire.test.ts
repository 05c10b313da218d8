/**
 * Bytes on the wire: raw node:net / node:tls sockets (no fetch; `support/raw-http.ts`) against
 * real listeners started with `listen()` (HTTP and HTTPS on port 0, self-signed TLS from
 * `tlsMaterial()`), so header case, framing, keep-alive, Host-derived hrefs and malformed
 * requests are seen as clients see them.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { S1, replicaSessions, servers } from './support/fixture.js';
import { tlsMaterial, type TlsMaterial } from '../src/http/listen.js';
import { ADMIN_BASIC, startFixtureServer, startServer, type Server } from './support/server.js';
import { NS, child, children, parseXml } from './support/xml.js';
import { RawConn, exchange, rawRequest as req, type RawFinalResponse as RawResponse } from './support/raw-http.js';

// ---------------------------------------------------------------------------------------------
// Servers: one app on HTTP + HTTPS via listen(), one with a public URL, the helper's jsonBom one.

interface Listening {
  readonly httpPort: number;
  readonly httpsPort: number;
  close(): Promise<void>;
}

async function startListening(tls: TlsMaterial, publicUrl?: string): Promise<Listening> {
  const server = await startServer({ tls, publicUrl });
  return {
    httpPort: Number(new URL(server.url).port),
    httpsPort: Number(new URL(server.httpsUrl!).port),
    close: () => server.close(),
  };
}

let tlsDir: string;
let main: Listening;
let publicServer: Listening;
let bomServer: Server;
let token: string;
let sessionId: string;

const SEED_RAW =
  '/api/query?type=ReplicaJobSession&format=Entities&filter=BackupServerName=="enterprise06.tech.local";Result==Success';
const ERROR_KEYS = ['FirstChanceExceptionMessage', 'Message', 'StackTrace', 'Status', 'StatusCode'];

async function rawLogon(port: number, o: { secure?: boolean } = {}): Promise<{ token: string; sessionId: string }> {
  const res = await exchange(port, req('POST', '/api/sessionMngr/?v=latest', { Authorization: ADMIN_BASIC, 'Content-Length': '0' }), o);
  assert.equal(res.status, 201, res.body.toString());
  const t = res.header('X-RestSvcSessionId')!;
  return { token: t, sessionId: Buffer.from(t, 'base64').toString('ascii') };
}

before(async () => {
  tlsDir = mkdtempSync(join(tmpdir(), 'emrest-wire-tls-'));
  const tlsMat = await tlsMaterial(tlsDir);
  main = await startListening(tlsMat);
  publicServer = await startListening(tlsMat, 'https://public.example/api');
  bomServer = await startFixtureServer({ jsonBom: true });
  ({ token, sessionId } = await rawLogon(main.httpPort));
});

after(async () => {
  await main?.close();
  await publicServer?.close();
  await bomServer?.close();
  rmSync(tlsDir, { recursive: true, force: true });
});

const bomPort = () => Number(new URL(bomServer.url).port);
const text = (res: RawResponse) => res.body.toString('utf8');

function xmlRoot(res: RawResponse, localName: string): Element {
  assert.equal(res.header('Content-Type'), 'application/xml; charset=utf-8', res.head);
  assert.notEqual(res.body[0], 0xef, 'XML never has a BOM');
  const el = parseXml(text(res)).documentElement!;
  assert.equal(el.namespaceURI, NS);
  assert.equal(el.localName, localName, text(res));
  return el;
}

/** A 4xx/5xx whose body is an EM Error with StatusCode equal to the status. */
function assertXmlError(res: RawResponse, status: number | ((s: number) => boolean)): void {
  if (typeof status === 'number') assert.equal(res.status, status, res.head + '\n' + text(res));
  else assert.ok(status(res.status), res.head + '\n' + text(res));
  assert.ok(res.statusLine.startsWith(`HTTP/1.1 ${res.status} `), res.statusLine);
  assert.equal(Number(res.header('Content-Length')), res.body.length);
  const err = xmlRoot(res, 'Error');
  assert.equal(err.getAttribute('StatusCode'), String(res.status));
  assert.ok(err.getAttribute('Message'));
}

const linksOf = (el: Element) => children(child(el, 'Links'), 'Link');

// ---------------------------------------------------------------------------------------------

describe('PHP curl logon: chunked + Content-Length: 0 + Expect: 100-continue', () => {
  const curlHeaders = {
    Host: 'localhost:9398',
    Authorization: ADMIN_BASIC,
    Accept: '*/*',
    'Transfer-Encoding': 'chunked',
    'Content-Length': '0',
    Expect: '100-continue',
    'Content-Type': 'application/xml',
  };

  for (const secure of [false, true]) {
    const scheme = secure ? 'https' : 'http';
    const port = () => (secure ? main.httpsPort : main.httpPort);

    test(`${scheme}: empty chunked body → 201, and the connection stays in sync`, async () => {
      const conn = secure ? await RawConn.secure(port()) : await RawConn.plain(port());
      try {
        conn.send(req('POST', '/api/sessionMngr/?v=latest', curlHeaders, '0\r\n\r\n'));
        const res = await conn.next();
        assert.ok(res.statusLine.startsWith('HTTP/1.1 201 '), res.statusLine);
        assert.ok(res.interim.every((r) => r.statusLine.startsWith('HTTP/1.1 100')), res.interim.map((r) => r.statusLine).join(', '));
        const ls = xmlRoot(res, 'LogonSession');
        assert.equal(Buffer.from(res.header('X-RestSvcSessionId')!, 'base64').toString('ascii'), child(ls, 'SessionId').textContent);
        assert.equal(res.header('Location'), `${scheme}://localhost:9398/api/logonSessions/${child(ls, 'SessionId').textContent}`);
        // The same socket still parses a following request (no leftover body bytes).
        conn.send(req('GET', '/api/'));
        assert.equal((await conn.next()).status, 200);
      } finally {
        conn.close();
      }
    });

    test(`${scheme}: non-empty chunked body is ignored → 201, next request on the socket answered`, async () => {
      const body = '<LogonRequest xmlns="http://www.veeam.com/ent/v1.0" />';
      const chunked = `${Buffer.byteLength(body).toString(16)}\r\n${body}\r\n0\r\n\r\n`;
      const conn = secure ? await RawConn.secure(port()) : await RawConn.plain(port());
      try {
        conn.send(req('POST', '/api/sessionMngr/?v=latest', curlHeaders, chunked));
        const res = await conn.next();
        assert.ok(res.statusLine.startsWith('HTTP/1.1 201 '), res.statusLine);
        xmlRoot(res, 'LogonSession');
        conn.send(req('GET', '/api/'));
        const again = await conn.next();
        assert.equal(again.status, 200);
        xmlRoot(again, 'EnterpriseManager');
      } finally {
        conn.close();
      }
    });
  }

  test('chunked body split across writes, with JSON Accept', async () => {
    const conn = await RawConn.plain(main.httpPort);
    try {
      const head = req('POST', '/api/sessionMngr/?v=v1_7', { ...curlHeaders, Accept: 'application/json', 'Content-Type': 'application/json' });
      conn.send(head);
      await new Promise((ok) => setTimeout(ok, 20));
      conn.send('2\r\n{}\r\n');
      await new Promise((ok) => setTimeout(ok, 20));
      conn.send('0\r\n\r\n');
      const res = await conn.next();
      assert.equal(res.status, 201);
      assert.equal(res.header('Content-Type'), 'application/json; charset=utf-8');
      assert.deepEqual(Object.keys(JSON.parse(text(res))).slice(0, 2), ['UserName', 'SessionId']);
    } finally {
      conn.close();
    }
  });
});

describe('exact header names and framing', () => {
  test('logon: X-RestSvcSessionId, Set-Cookie, Content-Type, Content-Length as sent', async () => {
    const res = await exchange(main.httpPort, req('POST', '/api/sessionMngr/?v=latest', { Authorization: ADMIN_BASIC, 'Content-Length': '0' }));
    assert.ok(res.statusLine.startsWith('HTTP/1.1 201 '), res.statusLine);
    const m = /\r\nX-RestSvcSessionId: ([A-Za-z0-9+/=]{48})\r\n/.exec(res.head + '\r\n');
    assert.ok(m, `case-sensitive X-RestSvcSessionId header in\n${res.head}`);
    assert.ok(res.headerLines.includes(`Set-Cookie: X-RestSvcSessionId=${m[1]}; Path=/api`), res.head);
    assert.ok(res.headerLines.includes('Content-Type: application/xml; charset=utf-8'), res.head);
    assert.ok(res.headerLines.includes(`Content-Length: ${res.body.length}`), res.head);
    assert.ok(res.headerLines.some((l) => l.startsWith('Location: http://127.0.0.1/api/logonSessions/')), res.head);
    assert.equal(res.headerAll('X-RestSvcSessionId').length, 1);
  });

  test('200 and error responses: Content-Type / Content-Length names, length = body bytes', async () => {
    for (const [target, headers] of [
      [SEED_RAW, { 'X-RestSvcSessionId': token }],
      [SEED_RAW, { 'X-RestSvcSessionId': token, Accept: 'application/json' }],
      ['/api/', {}],
      ['/api/query?type=Foo', { 'X-RestSvcSessionId': token }],
      ['/api/nope', {}],
    ] as const) {
      const res = await exchange(main.httpPort, req('GET', target, headers));
      assert.match(res.statusLine, /^HTTP\/1\.1 \d{3} /);
      assert.ok(res.headerLines.some((l) => /^Content-Type: application\/(xml|json); charset=utf-8$/.test(l)), res.head);
      assert.ok(res.headerLines.includes(`Content-Length: ${res.body.length}`), res.head);
      assert.ok(!/\r\ntransfer-encoding:/i.test(res.head), 'no chunked responses');
    }
  });

  test('failed logon: exactly `WWW-Authenticate: Basic Realm=RestSvc`', async () => {
    for (const auth of ['Basic dGVjaFxhZG1pbjp3cm9uZw==', undefined, 'Bearer x']) {
      const res = await exchange(main.httpPort, req('POST', '/api/sessionMngr/?v=latest', auth ? { Authorization: auth } : {}));
      assertXmlError(res, 401);
      assert.ok(res.headerLines.includes('WWW-Authenticate: Basic Realm=RestSvc'), res.head);
      assert.ok(!res.headerLines.some((l) => /^x-restsvcsessionid:/i.test(l)), 'no token on failure');
    }
    // Outside logon, a 401 carries no challenge.
    const res = await exchange(main.httpPort, req('GET', '/api/querySvc'));
    assertXmlError(res, 401);
    assert.equal(res.header('WWW-Authenticate'), undefined);
  });

  test('DELETE logon session → 204 without a body', async () => {
    const mine = await rawLogon(main.httpPort);
    const conn = await RawConn.plain(main.httpPort);
    try {
      conn.send(req('DELETE', `/api/logonSessions/${mine.sessionId}`, { 'X-RestSvcSessionId': mine.token }));
      const res = await conn.next();
      assert.ok(res.statusLine.startsWith('HTTP/1.1 204 '), res.statusLine);
      conn.send(req('GET', '/api/logonSessions', { 'X-RestSvcSessionId': mine.token }));
      assertXmlError(await conn.next(), 401);
    } finally {
      conn.close();
    }
  });
});

describe('keep-alive', () => {
  test('two pipelined requests in one write are both answered, in order', async () => {
    const conn = await RawConn.plain(main.httpPort);
    try {
      conn.send(req('GET', '/api/') + req('GET', '/api/querySvc', { 'X-RestSvcSessionId': token }));
      xmlRoot(await conn.next(), 'EnterpriseManager');
      const second = await conn.next();
      assert.equal(second.status, 200);
      xmlRoot(second, 'QuerySvc');
    } finally {
      conn.close();
    }
  });

  test('sequential requests on one socket (HTTP and HTTPS), including after an error', async () => {
    for (const secure of [false, true]) {
      const conn = secure ? await RawConn.secure(main.httpsPort) : await RawConn.plain(main.httpPort);
      try {
        conn.send(req('GET', SEED_RAW, { 'X-RestSvcSessionId': token }));
        assert.equal((await conn.next()).status, 200);
        conn.send(req('GET', '/api/query?type=Foo', { 'X-RestSvcSessionId': token }));
        assertXmlError(await conn.next(), 400);
        conn.send(req('HEAD', '/api/', {}));
        const head = await conn.next({ head: true });
        assert.equal(head.status, 200);
        assert.equal(head.body.length, 0);
        conn.send(req('GET', '/api/logonSessions', { 'X-RestSvcSessionId': token }));
        xmlRoot(await conn.next(), 'LogonSessions');
        assert.equal(conn.closed, false);
      } finally {
        conn.close();
      }
    }
  });
});

describe('hrefs follow scheme and Host, or the public URL', () => {
  const host = 'em.example.test:9398';

  for (const secure of [false, true]) {
    const scheme = secure ? 'https' : 'http';
    test(`${scheme} with Host: ${host}`, async () => {
      const port = secure ? main.httpsPort : main.httpPort;
      const B = `${scheme}://${host}/api`;
      const entry = await exchange(port, req('GET', '/api/', { Host: host }), { secure });
      const links = linksOf(xmlRoot(entry, 'EnterpriseManager'));
      assert.equal(links[0].getAttribute('Href'), `${B}/logonSessions`);
      assert.ok(text(entry).includes(`${B}/sessionMngr/?v=v1_7`));

      const seed = await exchange(port, req('GET', SEED_RAW, { Host: host, 'X-RestSvcSessionId': token }), { secure });
      assert.equal(seed.status, 200);
      const hrefs = [...text(seed).matchAll(/Href="([^"]*)"/g)].map((m) => m[1]);
      assert.ok(hrefs.length >= 7);
      for (const h of hrefs) assert.ok(h.startsWith(`${B}/`), h);

      const logonRes = await exchange(port, req('POST', '/api/sessionMngr/', { Host: host, Authorization: ADMIN_BASIC, Accept: 'application/json' }), { secure });
      assert.equal(logonRes.status, 201);
      const json = JSON.parse(text(logonRes));
      assert.equal(logonRes.header('Location'), `${B}/logonSessions/${json.SessionId}`);
      for (const l of json.Links) assert.ok(l.Href.startsWith(`${B}/`), l.Href);
    });
  }

  test('publicUrl overrides scheme and Host on both listeners', async () => {
    const B = 'https://public.example/api';
    for (const secure of [false, true]) {
      const port = secure ? publicServer.httpsPort : publicServer.httpPort;
      const entry = await exchange(port, req('GET', '/api/', { Host: host }), { secure });
      for (const l of linksOf(xmlRoot(entry, 'EnterpriseManager'))) assert.ok(l.getAttribute('Href')!.startsWith(`${B}/`));
      const logonRes = await exchange(port, req('POST', '/api/sessionMngr/', { Host: host, Authorization: ADMIN_BASIC }), { secure });
      assert.equal(logonRes.status, 201);
      const t = logonRes.header('X-RestSvcSessionId')!;
      assert.equal(logonRes.header('Location'), `${B}/logonSessions/${Buffer.from(t, 'base64').toString('ascii')}`);
      const seed = await exchange(port, req('GET', SEED_RAW, { Host: host, 'X-RestSvcSessionId': t, Accept: 'application/json' }), { secure });
      const json = JSON.parse(text(seed));
      const s = json.Entities.ReplicaJobSessions.ReplicaJobSessions[0];
      assert.equal(s.Href, `${B}/replicaSessions/${S1}?format=Entity`);
      assert.ok(json.PagingInfo.Links[0].Href.startsWith(`${B}/query?`));
    }
  });

  test('no Host header (HTTP/1.0) or an unusable one: links use the listening address', async () => {
    const http10 = await exchange(main.httpPort, Buffer.from('GET /api/ HTTP/1.0\r\n\r\n', 'latin1'));
    assert.ok(text(http10).includes(`Href="http://127.0.0.1:${main.httpPort}/api/logonSessions"`), text(http10));
    const bad = await exchange(main.httpPort, req('GET', '/api/', { Host: 'a b<c>' }));
    assert.ok(text(bad).includes(`Href="http://127.0.0.1:${main.httpPort}/api/logonSessions"`), text(bad));
  });
});

describe('Links[0] of every ReplicaJobSession entity is Up BackupServerReference', () => {
  const serverOf = new Map(replicaSessions.map((s) => [s.id, servers.find((b) => b.id === s.serverId)!]));
  const B = 'http://127.0.0.1/api';

  function checkXml(entity: Element) {
    assert.equal(entity.localName, 'ReplicaJobSession');
    const id = entity.getAttribute('UID')!.split(':').pop()!;
    const server = serverOf.get(id)!;
    assert.ok(server, id);
    const first = linksOf(entity)[0];
    assert.deepEqual(
      [first.getAttribute('Rel'), first.getAttribute('Type'), first.getAttribute('Name'), first.getAttribute('Href')],
      ['Up', 'BackupServerReference', server.name, `${B}/backupServers/${server.id}`],
    );
    return id;
  }

  function checkJson(entity: { UID: string; Links: Record<string, string>[]; Type: string }) {
    assert.equal(entity.Type, 'ReplicaJobSession');
    const id = entity.UID.split(':').pop()!;
    const server = serverOf.get(id)!;
    assert.ok(server, id);
    assert.deepEqual(entity.Links[0], { Rel: 'Up', Href: `${B}/backupServers/${server.id}`, Name: server.name, Type: 'BackupServerReference' });
    return id;
  }

  const get = (target: string, json = false) =>
    exchange(main.httpPort, req('GET', target, { 'X-RestSvcSessionId': token, ...(json ? { Accept: 'application/json' } : {}) }));

  test('query Entities, XML and JSON', async () => {
    const x = await get('/api/query?type=ReplicaJobSession&format=Entities');
    const list = children(child(child(xmlRoot(x, 'QueryResult'), 'Entities'), 'ReplicaJobSessions'), 'ReplicaJobSession');
    assert.deepEqual(list.map(checkXml).sort(), [...serverOf.keys()].sort());
    const j = JSON.parse(text(await get('/api/query?type=ReplicaJobSession&format=Entities', true)));
    assert.deepEqual(j.Entities.ReplicaJobSessions.ReplicaJobSessions.map(checkJson).sort(), [...serverOf.keys()].sort());
  });

  test('/replicaSessions?format=Entity, XML and JSON', async () => {
    const x = await get('/api/replicaSessions?format=Entity');
    const list = children(xmlRoot(x, 'ReplicaJobSessions'), 'ReplicaJobSession');
    assert.deepEqual(list.map(checkXml).sort(), [...serverOf.keys()].sort());
    const j = JSON.parse(text(await get('/api/replicaSessions?format=Entity', true)));
    assert.deepEqual(j.ReplicaJobSessions.map(checkJson).sort(), [...serverOf.keys()].sort());
  });

  test('single items, XML and JSON', async () => {
    for (const id of serverOf.keys()) {
      assert.equal(checkXml(xmlRoot(await get(`/api/replicaSessions/${id}?format=Entity`), 'ReplicaJobSession')), id);
      assert.equal(checkJson(JSON.parse(text(await get(`/api/replicaSessions/${id.toUpperCase()}?format=entity`, true)))), id);
    }
  });
});

describe('raw request lines', () => {
  test('the seed query with unencoded " ; = in the request line → 200, one entity', async () => {
    const res = await exchange(main.httpPort, req('GET', SEED_RAW, { 'X-RestSvcSessionId': token }));
    assert.equal(res.status, 200, text(res));
    const list = children(child(child(xmlRoot(res, 'QueryResult'), 'Entities'), 'ReplicaJobSessions'), 'ReplicaJobSession');
    assert.deepEqual(list.map((e) => e.getAttribute('UID')), [`urn:veeam:ReplicaJobSession:${S1}`]);
  });

  test('unencoded < > ( ) , and + as space', async () => {
    for (const [target, expected] of [
      ['/api/query?type=ReplicaJobSession&format=Entities&filter=(Result==Failed,Result==Warning);JobName=="Replication+Job+1"', 2],
      ['/api/query?type=ReplicaJobSession&format=Entities&filter=CreationTime>2021-06-16T00:00:00;CreationTime<2021-06-17', 2],
      ['/api/query?type=ReplicaJobSession&format=Entities&filter=Result>=warning,Result<success', 3],
      ['/api/query?type=ReplicaJobSession&format=Entities&filter=JobName=="Replication Job 2"', -1],
      ['/api/query?type=ReplicaJobSession&format=Entities&filter=Result+==+Success', 1],
    ] as const) {
      const res = await exchange(main.httpPort, req('GET', target, { 'X-RestSvcSessionId': token }));
      if (expected < 0) {
        // A literal space ends the request target: the rest is not a valid HTTP version.
        assertXmlError(res, 400);
        continue;
      }
      assert.equal(res.status, 200, target + '\n' + text(res));
      const list = children(child(child(xmlRoot(res, 'QueryResult'), 'Entities'), 'ReplicaJobSessions'), 'ReplicaJobSession');
      assert.equal(list.length, expected, target);
    }
  });

  test('case-insensitive paths and one optional trailing slash', async () => {
    const h = { 'X-RestSvcSessionId': token };
    xmlRoot(await exchange(main.httpPort, req('GET', '/API/QUERY?type=ReplicaJobSession', h)), 'QueryResult');
    xmlRoot(await exchange(main.httpPort, req('GET', '/Api/Query/?TYPE=replicajobsession&FORMAT=entities', h)), 'QueryResult');
    const refs = xmlRoot(await exchange(main.httpPort, req('GET', '/api/replicasessions/', h)), 'EntityReferences');
    assert.equal(children(refs, 'Ref').length, 4);
    for (const id of [sessionId, sessionId.toUpperCase()]) {
      for (const path of [`/api/LogonSessions/${id}`, `/API/LOGONSESSIONS/${id}/`, `/api/logonsessions/${id}`]) {
        const res = await exchange(main.httpPort, req('GET', path, h));
        assert.equal(res.status, 200, path);
        assert.equal(child(xmlRoot(res, 'LogonSession'), 'SessionId').textContent, sessionId);
      }
    }
    xmlRoot(await exchange(main.httpPort, req('GET', '/API', {})), 'EnterpriseManager');
    xmlRoot(await exchange(main.httpPort, req('GET', '/api/QuerySVC/', h)), 'QuerySvc');
    assert.equal((await exchange(main.httpPort, req('POST', '/API/SESSIONMNGR?v=LATEST', { Authorization: ADMIN_BASIC }))).status, 201);
  });
});

describe('requests Node cannot parse still get an EM Error', () => {
  const garbage: [string, string | Buffer][] = [
    ['not HTTP at all', 'FOO BAR\r\n\r\n'],
    ['header line without a colon', 'GET /api/ HTTP/1.1\r\nHost: x\r\nNoColonHere\r\n\r\n'],
    ['header name with a space', 'GET /api/ HTTP/1.1\r\nHost: x\r\nBad Name: 1\r\n\r\n'],
    ['invalid method', 'BREW /api/ HTTP/1.1\r\nHost: x\r\n\r\n'],
    ['lower-case method', 'get /api/ HTTP/1.1\r\nHost: x\r\n\r\n'],
    ['RTSP method', 'DESCRIBE /api/ HTTP/1.1\r\nHost: x\r\n\r\n'],
    ['HTTP/2 preface', 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'],
    ['NUL in the target', Buffer.from('GET /ap\0i/ HTTP/1.1\r\nHost: x\r\n\r\n', 'latin1')],
    ['control byte in the query', Buffer.from('GET /api/?\x01 HTTP/1.1\r\nHost: x\r\n\r\n', 'latin1')],
    ['raw UTF-8 in the target', Buffer.from('GET /api/query?type=ReplicaJobSession&filter=JobName==\u20ac HTTP/1.1\r\nHost: x\r\n\r\n', 'utf8')],
    ['space in the target', 'GET /api/query?filter=a b HTTP/1.1\r\nHost: x\r\n\r\n'],
    ['bad Content-Length', 'POST /api/sessionMngr HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n'],
    ['two Content-Lengths', 'POST /api/sessionMngr HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab'],
    ['bad chunk size', 'POST /api/sessionMngr HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n\r\n'],
    ['unknown HTTP version', 'GET /api/ HTTP/x.y\r\nHost: x\r\n\r\n'],
    ['oversized header', `GET /api/ HTTP/1.1\r\nHost: x\r\nX-RestSvcSessionId: ${'A'.repeat(17_000)}\r\n\r\n`],
  ];

  for (const [label, bytes] of garbage) {
    test(label, async () => {
      const res = await exchange(main.httpPort, bytes);
      assertXmlError(res, (s) => s >= 400 && s < 500);
    });
  }

  test('over TLS too', async () => {
    assertXmlError(await exchange(main.httpsPort, 'FOO BAR\r\n\r\n', { secure: true }), 400);
    assertXmlError(await exchange(main.httpsPort, 'GET /api/ HTTP/1.1\r\nHost: x\r\nNoColonHere\r\n\r\n', { secure: true }), 400);
  });

  test('CONNECT is answered, not dropped', async () => {
    for (const secure of [false, true]) {
      const port = secure ? main.httpsPort : main.httpPort;
      assertXmlError(await exchange(port, 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n', { secure }), (s) => s >= 400 && s < 500);
      assertXmlError(await exchange(port, req('CONNECT', '/api/', { 'X-RestSvcSessionId': token }), { secure }), (s) => s >= 400 && s < 500);
    }
  });

  test('a Transfer-Encoding without final chunked is refused at once, not waited on', async () => {
    for (const method of ['POST', 'GET']) {
      const res = await exchange(main.httpPort, req(method, '/api/sessionMngr/', { Authorization: ADMIN_BASIC, 'Transfer-Encoding': 'gzip' }));
      assertXmlError(res, 400);
    }
    assertXmlError(await exchange(main.httpPort, req('POST', '/api/sessionMngr/', { 'Transfer-Encoding': 'chunked, gzip' })), 400);
  });

  test('an unknown Expect is ignored (not a bodiless 417 from Node)', async () => {
    for (const secure of [false, true]) {
      const port = secure ? main.httpsPort : main.httpPort;
      const res = await exchange(port, req('GET', '/api/', { Expect: 'something-else' }), { secure });
      assert.equal(res.status, 200);
      xmlRoot(res, 'EnterpriseManager');
      const denied = await exchange(port, req('GET', '/api/querySvc', { Expect: 'x', Accept: 'application/json' }), { secure });
      assert.equal(denied.status, 401);
      assert.equal(JSON.parse(text(denied)).StatusCode, 401);
    }
  });

  test('HTTP/1.1 without Host is served (not a bodiless 400 from Node), links from the listening address', async () => {
    const res = await exchange(main.httpPort, 'GET /api/ HTTP/1.1\r\n\r\n');
    assert.equal(res.status, 200);
    const links = linksOf(xmlRoot(res, 'EnterpriseManager'));
    assert.equal(links[0].getAttribute('Href'), `http://127.0.0.1:${main.httpPort}/api/logonSessions`);
    const tlsRes = await exchange(main.httpsPort, 'GET /api/ HTTP/1.1\r\n\r\n', { secure: true });
    assert.equal(linksOf(xmlRoot(tlsRes, 'EnterpriseManager'))[0].getAttribute('Href'), `https://127.0.0.1:${main.httpsPort}/api/logonSessions`);
  });

  test('bad percent-escapes in the path → 400 Error; the server keeps serving', async () => {
    for (const path of ['/api/%zz', '/api/replicaSessions/%C3%28', '/api/%']) {
      assertXmlError(await exchange(main.httpPort, req('GET', path, { 'X-RestSvcSessionId': token })), (s) => s === 400 || s === 404);
    }
    assert.equal((await exchange(main.httpPort, req('GET', SEED_RAW, { 'X-RestSvcSessionId': token }))).status, 200);
  });
});

describe('JSON error bodies and the BOM', () => {
  const errorCases: [string, string, Record<string, string>, number][] = [
    ['GET', '/api/query?type=ReplicaJobSession', {}, 401],
    ['GET', '/api/query?type=Foo', { auth: '1' }, 400],
    ['GET', '/api/query?type=WanAccelerator', { auth: '1' }, 501],
    ['GET', '/api/nope', { auth: '1' }, 404],
    ['POST', '/api/replicaSessions', { auth: '1' }, 405],
    ['POST', '/api/sessionMngr/?v=latest', { Authorization: 'Basic eDp5' }, 401],
    ['POST', '/api/sessionMngr/?v=v1_4', { Authorization: ADMIN_BASIC }, 400],
    ['GET', '/api/%zz', { auth: '1' }, 400],
  ];

  function checkJsonError(res: RawResponse, status: number, bom: boolean) {
    assert.equal(res.status, status, text(res));
    assert.equal(res.header('Content-Type'), 'application/json; charset=utf-8');
    assert.equal(Number(res.header('Content-Length')), res.body.length);
    const hasBom = res.body.subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf]));
    assert.equal(hasBom, bom, 'BOM iff jsonBom');
    const json = JSON.parse(res.body.subarray(bom ? 3 : 0).toString('utf8'));
    assert.deepEqual(Object.keys(json), ERROR_KEYS);
    assert.equal(json.StatusCode, status);
    assert.equal(typeof json.Message, 'string');
    assert.equal(json.FirstChanceExceptionMessage, null);
    assert.equal(json.StackTrace, null);
    assert.equal(json.Status, null);
  }

  for (const bom of [false, true]) {
    test(`Accept: application/json errors have exactly the five keys (jsonBom=${bom})`, async () => {
      const port = bom ? bomPort() : main.httpPort;
      const t = bom ? (await rawLogon(port)).token : token;
      for (const [method, target, h, status] of errorCases) {
        const { auth, ...headers } = h;
        const all = { ...headers, Accept: 'application/json', ...(auth ? { 'X-RestSvcSessionId': t } : {}) };
        checkJsonError(await exchange(port, req(method, target, all)), status, bom);
      }
    });
  }

  test('jsonBom: JSON successes start with EF BB BF, XML never does', async () => {
    const port = bomPort();
    const login = await exchange(port, req('POST', '/api/sessionMngr/', { Authorization: ADMIN_BASIC, Accept: 'application/json' }));
    assert.equal(login.status, 201);
    assert.deepEqual([...login.body.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
    const t = login.header('X-RestSvcSessionId')!;
    for (const target of [SEED_RAW, '/api/', '/api/replicaSessions?format=Entity', `/api/replicaSessions/${S1}`, '/api/querySvc', '/api/logonSessions']) {
      const j = await exchange(port, req('GET', target, { 'X-RestSvcSessionId': t, Accept: 'application/json' }));
      assert.equal(j.status, 200, target);
      assert.deepEqual([...j.body.subarray(0, 3)], [0xef, 0xbb, 0xbf], target);
      assert.equal(Number(j.header('Content-Length')), j.body.length);
      JSON.parse(j.body.subarray(3).toString('utf8'));
      for (const accept of [undefined, 'application/xml', '*/*', 'text/xml, application/json']) {
        const x = await exchange(port, req('GET', target, { 'X-RestSvcSessionId': t, ...(accept ? { Accept: accept } : {}) }));
        assert.ok(x.body.subarray(0, 5).equals(Buffer.from('<?xml')), `${target} ${accept}: XML without BOM`);
      }
    }
    const xmlErr = await exchange(port, req('GET', '/api/nope', {}));
    assertXmlError(xmlErr, 401);
    assert.ok(xmlErr.body.subarray(0, 5).equals(Buffer.from('<?xml')));
  });

  test('the default server sends JSON without a BOM', async () => {
    const j = await exchange(main.httpPort, req('GET', SEED_RAW, { 'X-RestSvcSessionId': token, Accept: 'application/json' }));
    assert.equal(j.body[0], '{'.charCodeAt(0));
  });
});
