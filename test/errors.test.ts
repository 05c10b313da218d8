/**
 * The error registry and the settings: every failure is an entry of `errors` with a stable
 * code, README.md's error table says exactly what the registry holds, nothing in src/ makes
 * an EM error by hand, codes reach the log; the API versions come from one list;
 * `settingsFrom` checks and freezes the serve flags and environment, and `appContext` builds
 * the app's context from them.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Clock } from '../src/clock/clock.js';
import { hashPassword } from '../src/auth/password.js';
import { UsageError } from '../src/cli/args.js';
import { DEFAULTS } from '../src/config.js';
import { buildApp } from '../src/http/app.js';
import { appContext } from '../src/http/context.js';
import { EmError, errors } from '../src/http/errors.js';
import { API_VERSIONS } from '../src/represent/documents.js';
import { settingsFrom } from '../src/settings.js';
import type { Store } from '../src/store/store.js';
import { FIXTURE_NOW } from './support/fixture.js';
import { openTestStore } from './support/store.js';
import { ADMIN_BASIC, testSettings } from './support/server.js';
import { parseXml } from './support/xml.js';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const ENTRIES = Object.values(errors);

/** `| \`code\` | status | when |` rows of README.md's error table. */
function readmeErrorTable(): Map<string, { status: string; row: string }> {
  const rows = new Map<string, { status: string; row: string }>();
  for (const row of readFileSync(join(ROOT, 'README.md'), 'utf8').split('\n')) {
    const m = /^\| `([a-z-]+)` \| (\d{3}|4xx|4xx\/5xx) \|/.exec(row);
    if (m) {
      assert.ok(!rows.has(m[1]), `README lists ${m[1]} twice`);
      rows.set(m[1], { status: m[2], row });
    }
  }
  return rows;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

describe('error registry', () => {
  test('codes are unique, kebab-case, and every entry makes an EmError of its own code and status', () => {
    const codes = ENTRIES.map((e) => e.code);
    assert.equal(new Set(codes).size, codes.length);
    for (const code of codes) assert.match(code, /^[a-z]+(-[a-z]+)*$/);
    for (const [name, entry] of Object.entries(errors)) {
      const made =
        entry === errors.requestRejected ? errors.requestRejected(413, 'too large')
        : entry === errors.injectedFault ? errors.injectedFault(503)
        : (entry as (...a: unknown[]) => EmError)('x', ['GET']);
      assert.ok(made instanceof EmError, name);
      assert.equal(made.code, entry.code, name);
      if (typeof entry.status === 'number') assert.equal(made.status, entry.status, name);
      assert.deepEqual(made.headers.map(([header]) => header), entry.headers, name);
    }
  });

  test("README.md's error table lists exactly the registry's codes, with their statuses and headers", () => {
    const table = readmeErrorTable();
    assert.deepEqual([...table.keys()].sort(), ENTRIES.map((e) => e.code).sort());
    for (const entry of ENTRIES) {
      const { status, row } = table.get(entry.code)!;
      assert.equal(status, String(entry.status), entry.code);
      for (const header of entry.headers) assert.ok(row.includes(`\`${header}`), `README's ${entry.code} row names ${header}`);
    }
  });

  test('no EM error is made outside the registry', () => {
    for (const file of sourceFiles(join(ROOT, 'src'))) {
      if (file.endsWith(join('http', 'errors.ts'))) continue;
      assert.doesNotMatch(readFileSync(file, 'utf8'), /new EmError\b/, file);
    }
  });

  test("the bad-version message and README's row name the one list of versions", () => {
    assert.deepEqual([...API_VERSIONS], ['v1_5', 'v1_6', 'v1_7']);
    assert.equal(errors.badVersion('v2').message, "Unsupported API version 'v2'; use latest, v1_7, v1_6 or v1_5");
    const { row } = readmeErrorTable().get(errors.badVersion.code)!;
    assert.deepEqual(row.match(/`(latest|v\d+_\d+)`/g), ['latest', ...[...API_VERSIONS].reverse()].map((v) => `\`${v}\``));
  });
});

describe('error codes reach the log', () => {
  const root = mkdtempSync(join(tmpdir(), 'emrest-errors-'));
  let store: Store;
  const lines: { errorCode?: string; status?: number }[] = [];
  let app: ReturnType<typeof buildApp>;
  let token: string;

  before(async () => {
    store = openTestStore(root);
    await store.putUser({ name: 'TECH\\admin', passwordHash: await hashPassword('Passw0rd'), role: 'PortalAdministrator' });
    const stream = new Writable({
      write(chunk, _encoding, done) {
        lines.push(JSON.parse(String(chunk)));
        done();
      },
    });
    app = buildApp(appContext(testSettings(), store, { clock: new Clock({ now: Date.parse(FIXTURE_NOW), frozen: true }) }), { logger: { level: 'info', stream } });
    const logon = await app.inject({ method: 'POST', url: '/api/sessionMngr/?v=latest', headers: { authorization: ADMIN_BASIC } });
    assert.equal(logon.statusCode, 201);
    token = logon.headers['x-restsvcsessionid'] as string;
  });
  after(async () => {
    await app.close();
    await store.close();
    rmSync(root, { recursive: true, force: true });
  });

  const cases: [string, string, number, string, boolean?, Record<string, string>?, string?][] = [
    ['GET', '/api/query?type=ReplicaJobSession', 401, 'unauthorized', false],
    ['POST', '/api/sessionMngr/?v=v1_4', 400, 'bad-version', false],
    ['GET', '/api/nowhere', 404, 'not-found'],
    ['PUT', '/api/querySvc', 405, 'method-not-allowed'],
    ['GET', '/api/query', 400, 'query-type-missing'],
    ['GET', '/api/query?type=Nope', 400, 'unknown-query-type'],
    ['GET', '/api/query?type=WanAccelerator', 501, 'not-implemented'],
    ['GET', '/api/query?type=BackupServer&format=Full', 400, 'bad-format'],
    ['GET', '/api/query?type=BackupServer&pageSize=0', 400, 'bad-paging'],
    ['GET', '/api/query?type=BackupServer&sortAsc=Name&sortDesc=Name', 400, 'both-sorts'],
    ['GET', '/api/query?type=BackupServer&filter=Name==', 400, 'bad-filter'],
    ['GET', '/api/query?type=BackupServer&filter=Colour==red', 400, 'bad-query'],
    ['GET', '/admin/v1/import', 404, 'not-found', false],
    ['GET', '/api/query?type=BackupServer', 400, 'bad-framing', true, { 'transfer-encoding': 'gzip' }],
    ['POST', '/api/sessionMngr/?v=latest', 413, 'request-rejected', false, { 'content-type': 'text/plain' }, 'x'.repeat(DEFAULTS.bodyLimitBytes + 1)],
  ];
  for (const [method, url, status, code, withToken = true, extra = {}, body] of cases) {
    test(`${method} ${url} ${Object.keys(extra).join(' ')} → ${status}, logged as ${code}`, async () => {
      lines.length = 0;
      const headers: Record<string, string> = withToken ? { 'x-restsvcsessionid': token } : {};
      if (method === 'POST') headers.authorization = ADMIN_BASIC;
      const r = await app.inject({ method: method as 'GET', url, headers: { ...headers, ...extra }, body });
      assert.equal(r.statusCode, status, r.body);
      assert.equal(parseXml(r.body).documentElement.getAttribute('StatusCode'), String(status));
      assert.deepEqual(lines.filter((l) => l.errorCode !== undefined).map((l) => [l.errorCode, l.status]), [[code, status]]);
    });
  }
});

describe('settings', () => {
  test('defaults: both listeners, the documented timeouts, no admin API, real time; frozen', () => {
    const s = settingsFrom({}, {});
    assert.ok(Object.isFrozen(s));
    assert.equal(s.store.dataDir, DEFAULTS.dataDir);
    assert.equal(s.host, '127.0.0.1');
    assert.equal(s.httpPort, 9399);
    assert.equal(s.httpsPort, 9398);
    assert.equal(s.sessionTimeoutMs, 900_000);
    assert.equal(s.windowMs, 30 * 86_400_000);
    assert.equal(s.defaultPageSize, 100);
    assert.equal(s.demo, true);
    assert.deepEqual(s.logonLockout, { failures: 10, windowMs: 60_000 });
    assert.equal(s.adminToken, undefined);
    assert.equal(s.now, undefined);
    assert.equal(s.frozen, false);
    assert.equal(s.speed, 1);
    const clock = appContext(s, undefined as never).clock;
    assert.deepEqual([clock.frozen, clock.speed], [false, 1]);
    const before = Date.now(), now = clock.now(), after = Date.now();
    assert.ok(before <= now && now <= after, 'real time');
  });

  test('the environment: EMREST_DATA_DIR, EMREST_NOW, EMREST_ADMIN_TOKEN; a flag wins over its variable', () => {
    const env = { EMREST_DATA_DIR: '/tmp/em', EMREST_NOW: '2021-06-18T00:00:00Z', EMREST_ADMIN_TOKEN: 'secret' };
    const s = settingsFrom({}, env);
    assert.equal(s.store.dataDir, '/tmp/em');
    assert.equal(s.now, Date.parse('2021-06-18T00:00:00Z'));
    assert.equal(s.adminToken, 'secret');
    assert.equal(s.frozen, true, 'EMREST_NOW stands still');
    const clock = appContext(s, undefined as never).clock;
    assert.deepEqual([clock.now(), clock.frozen], [s.now, true]);
    const own = new Clock({ now: 7, frozen: true });
    assert.equal(appContext(s, undefined as never, { clock: own }).clock, own, 'a test may move its own clock');
    const flagged = settingsFrom({ 'data-dir': 'here', 'admin-token': 'other' }, env);
    assert.equal(flagged.store.dataDir, 'here');
    assert.equal(flagged.adminToken, 'other');
    assert.throws(() => settingsFrom({}, { EMREST_NOW: 'yesterday' }), (e: Error) => !(e instanceof UsageError) && /EMREST_NOW/.test(e.message));
  });

  test('flags: normalised, and a bad value is one usage error naming the option', () => {
    const s = settingsFrom({ 'no-https': true, 'http-port': '0', 'public-url': 'https://em.example.com:9398/', 'page-size': '7', 'logon-lockout': '0', 'no-demo': true }, {});
    assert.equal(s.httpsPort, undefined);
    assert.equal(s.httpPort, 0);
    assert.equal(s.publicUrl, 'https://em.example.com:9398/api');
    assert.equal(s.defaultPageSize, 7);
    assert.equal(s.logonLockout, undefined);
    assert.equal(s.demo, false);
    assert.equal(s.sessionTimeoutMs, 900_000, 'EM\'s 15 minutes by default');
    assert.equal(settingsFrom({ 'session-timeout': '86400' }, {}).sessionTimeoutMs, 86_400_000);
    assert.equal(settingsFrom({}, { EMREST_SESSION_TIMEOUT: '120' }).sessionTimeoutMs, 120_000);
    for (const [flags, message] of [
      [{ 'http-port': '70000' }, /^--http-port must be an integer from 0 to 65535, got '70000'$/],
      [{ 'session-timeout': '0' }, /^--session-timeout must be an integer from 1 to 31536000, got '0'$/],
      [{ 'no-http': true, 'no-https': true }, /^--no-http and --no-https leave nothing to serve$/],
      [{ 'page-size': '0' }, /^--page-size /],
      [{ 'public-url': 'ftp://x' }, /^--public-url /],
      [{ 'log-level': 'loud' }, /^--log-level /],
      [{ 'tls-cert': 'cert.pem' }, /^--tls-cert and --tls-key go together$/],
      [{ 'logon-lockout': 'ten/60s' }, /^--logon-lockout: /],
      [{ host: '' }, /^--host /],
      [{ clock: 'slow' }, /^--clock must be real or frozen, got 'slow'$/],
      [{ now: 'tomorrow' }, /^--now must be an ISO-8601 date and time/],
      [{ now: '2026-13-01T00:00:00Z' }, /^--now /],
      [{ speed: '0' }, /^--speed must be a number greater than 0 and at most 86400, got '0'$/],
      [{ speed: '86401' }, /^--speed /],
      [{ speed: 'fast' }, /^--speed /],
      [{ speed: '-2' }, /^--speed /],
    ] as const) {
      assert.throws(() => settingsFrom(flags, {}), (e: Error) => e instanceof UsageError && message.test(e.message) && !e.message.includes('\n'));
    }
  });

  test('clock flags: --now runs from an instant, --clock frozen stands still, EMREST_NOW alone freezes, flags win', () => {
    const at = '2026-12-01T10:00:00Z';
    const ms = Date.parse(at);
    const env = { EMREST_NOW: '2021-06-18T00:00:00Z' };
    const pick = (s: ReturnType<typeof settingsFrom>) => [s.now, s.frozen, s.speed];
    assert.deepEqual(pick(settingsFrom({}, {})), [undefined, false, 1]);
    assert.deepEqual(pick(settingsFrom({ now: at }, {})), [ms, false, 1]);
    assert.deepEqual(pick(settingsFrom({ now: at, clock: 'frozen' }, {})), [ms, true, 1]);
    assert.deepEqual(pick(settingsFrom({ clock: 'frozen' }, {})), [undefined, true, 1]);
    assert.deepEqual(pick(settingsFrom({ speed: '60' }, {})), [undefined, false, 60]);
    assert.deepEqual(pick(settingsFrom({ speed: '0.5', clock: 'real' }, {})), [undefined, false, 0.5]);
    assert.deepEqual(pick(settingsFrom({}, env)), [Date.parse(env.EMREST_NOW), true, 1]);
    assert.deepEqual(pick(settingsFrom({ clock: 'real' }, env)), [Date.parse(env.EMREST_NOW), false, 1]);
    assert.deepEqual(pick(settingsFrom({ now: at }, env)), [ms, false, 1]);
    const frozenNow = appContext(settingsFrom({ clock: 'frozen' }, {}), undefined as never).clock;
    const t = frozenNow.now();
    assert.ok(Math.abs(t - Date.now()) < 5000 && frozenNow.frozen);
    const running = appContext(settingsFrom({ now: at, speed: '86400' }, {}), undefined as never).clock;
    assert.ok(running.now() >= ms && !running.frozen && running.speed === 86400);
  });
});
