import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { freshDir, httpOrigin, run, start, stop, waitFor, type Child } from './support/cli-process.js';

const ADMIN_TOKEN = 'admin-token-not-for-logs-5a7c';
const PASSWORD = 'pw-not-for-logs-93b1';
const WRONG_PASSWORD = 'wrong-pw-not-for-logs-17de';
const basic = (name: string, password: string) => 'Basic ' + Buffer.from(`${name}:${password}`).toString('base64');

/** `serve` over a data directory holding one user (no demo data, nothing printed about users). */
async function serveLogging(format: 'json' | 'pretty'): Promise<Child> {
  const dir = freshDir();
  const added = await run(['users', 'add', 'ops', '--password', PASSWORD, '--data-dir', dir]);
  assert.equal(added.code, 0, added.stderr);
  const child = start([
    'serve', '--no-https', '--http-port', '0', '--no-demo', '--data-dir', dir,
    '--admin-token', ADMIN_TOKEN, '--log-level', 'info', '--log-format', format,
  ]);
  await waitFor(child, /listening http:/);
  return child;
}

interface Line {
  reqId?: string;
  msg?: string;
  method?: string;
  route?: string;
  path?: string;
  status?: number;
  ms?: number;
  user?: string;
  errorCode?: string;
}

describe('request logs', () => {
  test('--log-format json: one JSON line per request, with its user and no credential', async () => {
    const child = await serveLogging('json');
    const origin = httpOrigin(child);
    const call = async (path: string, init: RequestInit = {}) => {
      const res = await fetch(origin + path, init);
      await res.arrayBuffer();
      return res;
    };
    const loggedOn = await call('/api/sessionMngr/?v=latest', { method: 'POST', headers: { Authorization: basic('ops', PASSWORD) } });
    assert.equal(loggedOn.status, 201);
    const token = loggedOn.headers.get('x-restsvcsessionid')!;
    assert.equal((await call('/api/query?type=Job', { headers: { 'X-RestSvcSessionId': token } })).status, 200);
    assert.equal((await call('/api/logonSessions', { headers: { Cookie: `X-RestSvcSessionId=${token}` } })).status, 200);
    assert.equal((await call('/api/sessionMngr/?v=latest', { method: 'POST', headers: { Authorization: basic('ops', WRONG_PASSWORD) } })).status, 401);
    assert.equal((await call('/admin/v1/clock', { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } })).status, 200);
    assert.equal((await call('/api/nowhere', { headers: { 'X-RestSvcSessionId': token } })).status, 404);
    await stop(child.proc);

    const output = child.out() + child.err();
    for (const secret of [PASSWORD, WRONG_PASSWORD, ADMIN_TOKEN, token, basic('ops', PASSWORD).slice(6), basic('ops', WRONG_PASSWORD).slice(6)]) {
      assert.ok(!output.includes(secret), `the output holds a credential: ${secret}`);
    }
    // No header is logged, nor any field holding a password (the refused logon's message may say "password").
    assert.doesNotMatch(output, /authorization|cookie|x-restsvcsessionid|"headers"|"password"/i);

    const json = child.out().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Line);
    const requests = json.filter((l) => l.reqId !== undefined);
    assert.equal(new Set(requests.map((l) => l.reqId)).size, requests.length, 'one line per request');
    assert.deepEqual(
      requests.map(({ method, route, path, status, user, errorCode }) => ({ method, route, path, status, user, errorCode })),
      [
        { method: 'POST', route: '/api/sessionMngr', path: '/api/sessionMngr/', status: 201, user: 'ops', errorCode: undefined },
        { method: 'GET', route: '/api/query', path: '/api/query', status: 200, user: 'ops', errorCode: undefined },
        { method: 'GET', route: '/api/logonSessions', path: '/api/logonSessions', status: 200, user: 'ops', errorCode: undefined },
        { method: 'POST', route: '/api/sessionMngr', path: '/api/sessionMngr/', status: 401, user: 'ops', errorCode: 'logon-failed' },
        { method: 'GET', route: '/admin/v1/clock', path: '/admin/v1/clock', status: 200, user: undefined, errorCode: undefined },
        { method: 'GET', route: 'unmatched', path: '/api/nowhere', status: 404, user: 'ops', errorCode: 'not-found' },
      ],
    );
    for (const l of requests) assert.ok(typeof l.ms === 'number' && l.ms >= 0, `ms: ${l.ms}`);
    // Fastify's own two lines per request are gone.
    assert.ok(!json.some((l) => l.msg === 'incoming request' || l.msg === 'request completed'));
    // Every other line on stdout is one `serve` prints itself.
    for (const l of child.out().split('\n')) if (l !== '' && !l.startsWith('{')) assert.match(l, /^listening /);
  });

  test('--log-format pretty: human lines', async () => {
    const child = await serveLogging('pretty');
    const res = await fetch(`${httpOrigin(child)}/api/`);
    assert.equal(res.status, 200);
    await res.arrayBuffer();
    await stop(child.proc);
    const out = child.out();
    assert.match(out, /^\[[^\]]+\] INFO: GET \/api\/ 200$/m);
    assert.match(out, /^ {4}route: "\/api"$/m);
    assert.ok(!out.split('\n').some((l) => l.startsWith('{')), out);
  });

  test('a bad --log-format exits 2 with one line', async () => {
    const r = await run(['serve', '--log-format', 'xml', '--data-dir', freshDir()]);
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stderr, "emrest: --log-format must be json or pretty, got 'xml'\n");
    assert.doesNotMatch(r.stdout, /listening/);
  });
});
