/**
 * A real server in the test process, over a store of its own: the spec §7 fixture (or other
 * data) and the fixture's users; and the settings and logons tests need around it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { hashPassword } from '../../src/auth/password.js';
import type { LockoutPolicy } from '../../src/auth/logon-lockout.js';
import { WriterThread } from '../../src/io/writer-thread.js';
import { buildApp } from '../../src/http/app.js';
import { appContext } from '../../src/http/context.js';
import { listen, type TlsMaterial } from '../../src/http/listen.js';
import { settingsFrom, type ServeFlags } from '../../src/settings.js';
import { openStore, storeLocation } from '../../src/store/open.js';
import type { Role, Store } from '../../src/store/store.js';
import { FIXTURE_NOW, FIXTURE_USERS, loadFixture } from './fixture.js';

export interface Server {
  readonly app: FastifyInstance;
  readonly store: Store;
  /** Where the store keeps its data (`storeLocation`): the database file. */
  readonly path: string;
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  /** `https://127.0.0.1:PORT` when started with TLS material. */
  readonly httpsUrl?: string;
  /** Moves the injected clock. */
  advance(ms: number): void;
  close(): Promise<void>;
}

export interface ServerOptions {
  readonly defaultPageSize?: number;
  readonly jsonBom?: boolean;
  readonly publicUrl?: string;
  /** Also listen on HTTPS with this certificate. */
  readonly tls?: TlsMaterial;
  /** The injected clock's start (default: the fixture's clock). */
  readonly now?: number;
  /** Fills the store (default: the spec §7 fixture). */
  readonly load?: (store: Store) => Promise<unknown>;
  /** Turns the admin API on, its writes in a writer thread. */
  readonly adminToken?: string;
  readonly logonLockout?: LockoutPolicy;
}

/**
 * What `serve` would run with given these flags in an empty environment; the logon lockout
 * off unless asked for, since tests fail logons on purpose.
 */
export const testSettings = (flags: ServeFlags = {}) => settingsFrom({ ...flags, 'logon-lockout': flags['logon-lockout'] ?? '0' }, {});

/**
 * A real server on real ports over the store of a new temp data directory (opened as `serve`
 * opens it), holding the spec §7 fixture (or what `load` puts there) and the fixture's users.
 */
export async function startServer(options: ServerOptions = {}): Promise<Server> {
  const dir = mkdtempSync(join(tmpdir(), 'emrest-test-'));
  const lockout = options.logonLockout;
  const settings = testSettings({
    'data-dir': dir,
    'page-size': options.defaultPageSize?.toString(),
    'json-bom': options.jsonBom,
    'public-url': options.publicUrl,
    'admin-token': options.adminToken,
    'logon-lockout': lockout && `${lockout.failures}/${lockout.windowMs}ms`,
  });
  const path = storeLocation(settings);
  const store = openStore(settings);
  await (options.load ?? loadFixture)(store);
  for (const u of FIXTURE_USERS) {
    await store.putUser({ name: u.name, passwordHash: await hashPassword(u.password), role: u.role as Role });
  }
  let now = options.now ?? Date.parse(FIXTURE_NOW);
  const dataWriter = options.adminToken === undefined ? undefined : new WriterThread(settings);
  const app = buildApp(appContext(settings, store, { clock: () => now, dataWriter }));
  const urls = await listen(app, { host: '127.0.0.1', httpPort: 0, httpsPort: options.tls ? 0 : undefined, tls: options.tls });
  const origin = (scheme: string) => urls.find((u) => u.startsWith(`${scheme}:`))?.replace(/\/api\/$/, '');
  return {
    app,
    store,
    path,
    url: origin('http')!,
    httpsUrl: origin('https'),
    advance: (ms) => void (now += ms),
    close: async () => {
      await app.close();
      await dataWriter?.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The spec §7 fixture server most tests use. */
export const startFixtureServer = (options: Omit<ServerOptions, 'load'> = {}) => startServer(options);

export const ADMIN_BASIC = 'Basic ' + Buffer.from('tech\\admin:Passw0rd').toString('base64');
export const VIEWER_BASIC = 'Basic ' + Buffer.from('tech\\viewer:Passw0rd').toString('base64');

/** Logs on and returns the token and SessionId. */
export async function logon(server: Server, basic = ADMIN_BASIC): Promise<{ token: string; sessionId: string }> {
  const res = await fetch(`${server.url}/api/sessionMngr/?v=latest`, { method: 'POST', headers: { Authorization: basic } });
  if (res.status !== 201) throw new Error(`logon failed: ${res.status}`);
  const token = res.headers.get('x-restsvcsessionid')!;
  return { token, sessionId: Buffer.from(token, 'base64').toString('ascii') };
}

export interface Got {
  status: number;
  headers: Headers;
  body: string;
}

export async function get(server: Server, path: string, init: { token?: string; accept?: string; method?: string; headers?: Record<string, string> } = {}): Promise<Got> {
  const headers: Record<string, string> = { ...init.headers };
  if (init.token) headers['X-RestSvcSessionId'] = init.token;
  if (init.accept) headers.Accept = init.accept;
  const res = await fetch(server.url + path, { method: init.method ?? 'GET', headers });
  return { status: res.status, headers: res.headers, body: await res.text() };
}
