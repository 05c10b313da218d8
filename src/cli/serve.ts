import { randomBytes } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import { parseLockoutPolicy, type LockoutPolicy } from '../auth/logon-lockout.js';
import { hashPassword } from '../auth/password.js';
import { clockFrom, databasePath, dataDirFrom, DEFAULTS } from '../config.js';
import { DEMO_DEFAULTS, describeCounts, generateDemo } from '../demo/demo.js';
import { WriterThread } from '../io/writer-thread.js';
import { buildApp } from '../http/app.js';
import { listen, tlsMaterial, type TlsMaterial } from '../http/listen.js';
import type { Store } from '../store/store.js';
import { openSqliteStore } from '../store/sqlite/sqlite-store.js';
import { intOption, parse, portOption, UsageError } from './args.js';
import { ensureDataDir } from './data-dir.js';

export const SERVE_HELP = `Usage: emrest serve [options]

Serves the Enterprise Manager REST API. On an empty data directory it first creates demo
data and a user "administrator" with a random password, printed once. A data directory
without backup servers (only users, say) gets the demo data too, unless --no-demo.

Options:
  --data-dir DIR      data directory (default: $EMREST_DATA_DIR or ./${DEFAULTS.dataDir})
  --no-demo           do not create demo data: without backup servers, serve an empty fleet
                      (to load your own with import or the ingest API)
  --host H            address to bind (default: ${DEFAULTS.host})
  --http-port N       HTTP port, 0-65535 (0: any free port; default: ${DEFAULTS.httpPort})
  --https-port N      HTTPS port, 0-65535 (0: any free port; default: ${DEFAULTS.httpsPort})
  --no-http           do not serve HTTP
  --no-https          do not serve HTTPS
  --public-url URL    base for link hrefs instead of the request's scheme and Host
                      (e.g. https://em.example.com:9398)
  --tls-cert FILE     PEM certificate (default: self-signed, generated into DATA_DIR/tls)
  --tls-key FILE      PEM private key for --tls-cert
  --page-size N       default page size of queries (default: ${DEFAULTS.defaultPageSize})
  --json-bom          prefix JSON bodies with a UTF-8 BOM, as 9.5-era servers did
  --log-level LEVEL   fatal, error, warn, info, debug (default: ${DEFAULTS.logLevel})
  --logon-lockout N/W after N failed logons of one user name from one client address within
                      W (e.g. 10/60s, 10/1m), refuse that pair's logons without checking the
                      password, first for W, then twice as long each time up to 15 minutes;
                      a successful logon resets it. 0 turns it off (default: ${DEFAULTS.logonLockout})
  --admin-token T     enable the ingest API (POST /admin/v1/import, DELETE /admin/v1/data)
                      for requests with "Authorization: Bearer T" (default: $EMREST_ADMIN_TOKEN;
                      unset: the API is off and /admin answers 404)
  --admin-token-file FILE
                      read T from FILE instead (surrounding whitespace ignored), so that it
                      does not show in the process list
  -h, --help          show this help

Environment: EMREST_DATA_DIR, EMREST_NOW (freeze the clock, e.g. 2021-06-18T00:00:00Z),
EMREST_ADMIN_TOKEN.`;

/** pino's levels. */
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function publicBase(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  if (!/^https?:\/\/[^/]+/i.test(url)) throw new UsageError(`--public-url must be an http(s) URL, got '${url}'`);
  const trimmed = url.replace(/\/+$/, '');
  return /\/api$/i.test(trimmed) ? trimmed : `${trimmed}/api`;
}

/** Resolved now, because listening fails only after the administrator and demo data are written. */
async function hostFrom(host: string = DEFAULTS.host): Promise<string> {
  if (host === '') throw new UsageError('--host needs an address or host name');
  try {
    await lookup(host);
  } catch {
    throw new UsageError(`--host: cannot resolve '${host}'`);
  }
  return host;
}

function readFileOption(file: string, name: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read --${name} ${file}: ${(e as Error).message}`);
  }
}

/** The user's certificate and key, read and matched now so that a bad file fails before any write. */
function userTls(certFile: string | undefined, keyFile: string | undefined): TlsMaterial | undefined {
  if (!certFile && !keyFile) return undefined;
  if (!certFile || !keyFile) throw new UsageError('--tls-cert and --tls-key go together');
  const material = { cert: readFileOption(certFile, 'tls-cert'), key: readFileOption(keyFile, 'tls-key') };
  try {
    createSecureContext(material);
  } catch (e) {
    throw new UsageError(`--tls-cert and --tls-key: ${(e as Error).message}`);
  }
  return material;
}

/** The ingest API's token. Messages name the file, never the token. */
function adminTokenFrom(flag: string | undefined, file: string | undefined, env = process.env): string | undefined {
  if (flag !== undefined && file !== undefined) throw new UsageError('give --admin-token or --admin-token-file, not both');
  if (file === undefined) return flag || env.EMREST_ADMIN_TOKEN || undefined;
  const token = readFileOption(file, 'admin-token-file').trim();
  if (token === '') throw new UsageError(`--admin-token-file ${file} is empty`);
  // A line break cannot travel in an Authorization header: such a token could never match.
  if (/[\r\n]/.test(token)) throw new UsageError(`--admin-token-file ${file} holds more than one line`);
  return token;
}

function lockoutFrom(text: string = DEFAULTS.logonLockout): LockoutPolicy | undefined {
  try {
    return parseLockoutPolicy(text);
  } catch (e) {
    throw new UsageError(`--logon-lockout: ${(e as Error).message}`);
  }
}

/** An administrator for a directory without users; demo data for one without a fleet, unless `noDemo`. */
async function prepare(store: Store, clock: () => number, noDemo: boolean): Promise<void> {
  const hadUsers = (await store.listUsers()).length > 0;
  if (!hadUsers) {
    const password = randomBytes(12).toString('base64url');
    await store.putUser({ name: 'administrator', passwordHash: await hashPassword(password), role: 'PortalAdministrator' });
    console.log(`Created user "administrator" (Portal Administrator) with password: ${password}`);
    console.log('It is shown only this once; change it with: emrest users add administrator --password NEW');
  }
  if (noDemo || !(await store.isEmpty())) return;
  const made = describeCounts(await generateDemo(store, { ...DEMO_DEFAULTS, now: clock() }));
  // Users without servers is what `users add` before a first import leaves: the demo fleet
  // would then be mixed into the imported one, so say how to avoid it.
  console.log(
    hadUsers
      ? `The data directory has users but no backup servers: created demo data (${made}); start with --no-demo to keep it empty`
      : `Created demo data: ${made}`,
  );
}

export async function serve(argv: string[]): Promise<void> {
  const { values: o } = parse(argv, {
    'data-dir': { type: 'string' },
    'no-demo': { type: 'boolean' },
    host: { type: 'string' },
    'http-port': { type: 'string' },
    'https-port': { type: 'string' },
    'no-http': { type: 'boolean' },
    'no-https': { type: 'boolean' },
    'public-url': { type: 'string' },
    'tls-cert': { type: 'string' },
    'tls-key': { type: 'string' },
    'page-size': { type: 'string' },
    'json-bom': { type: 'boolean' },
    'log-level': { type: 'string' },
    'logon-lockout': { type: 'string' },
    'admin-token': { type: 'string' },
    'admin-token-file': { type: 'string' },
  });
  if (o.help) return console.log(SERVE_HELP);
  // Validate every option before the first write: a usage error must not create the administrator.
  const httpPort = o['no-http'] ? undefined : portOption(o['http-port'], 'http-port', DEFAULTS.httpPort);
  const httpsPort = o['no-https'] ? undefined : portOption(o['https-port'], 'https-port', DEFAULTS.httpsPort);
  if (httpPort === undefined && httpsPort === undefined) throw new UsageError('--no-http and --no-https leave nothing to serve');
  if (httpPort === httpsPort && httpPort !== 0) throw new UsageError(`HTTP and HTTPS cannot both listen on port ${httpPort}`);
  const defaultPageSize = intOption(o['page-size'], 'page-size', DEFAULTS.defaultPageSize, 1);
  const publicUrl = publicBase(o['public-url']);
  const logLevel = o['log-level'] ?? DEFAULTS.logLevel;
  if (!LOG_LEVELS.includes(logLevel)) throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(', ')}, got '${logLevel}'`);
  const tlsFiles = userTls(o['tls-cert'], o['tls-key']);
  const adminToken = adminTokenFrom(o['admin-token'], o['admin-token-file']);
  const logonLockout = lockoutFrom(o['logon-lockout']);
  const host = await hostFrom(o.host);
  const dataDir = dataDirFrom(o['data-dir']);
  const clock = clockFrom();
  ensureDataDir(dataDir);
  const path = databasePath(dataDir);
  const store = openSqliteStore(path);
  await prepare(store, clock, o['no-demo'] === true);
  // Only the admin API writes data while serving; its writes run off the event loop.
  const dataWriter = adminToken === undefined ? undefined : new WriterThread(path);

  const app = buildApp({
    store,
    clock,
    sessionTimeoutMs: DEFAULTS.sessionTimeoutSeconds * 1000,
    windowMs: DEFAULTS.windowDays * 86_400_000,
    defaultPageSize,
    jsonBom: o['json-bom'] ?? DEFAULTS.jsonBom,
    publicUrl,
    adminToken,
    dataWriter,
    logonLockout,
    logger: { level: logLevel },
  });
  const tls = httpsPort === undefined ? undefined : tlsFiles ?? (await tlsMaterial(dataDir));
  const urls = await listen(app, { host, httpPort, httpsPort, tls });
  for (const url of urls) console.log(`listening ${url}`);

  const stop = async () => {
    await app.close();
    await dataWriter?.close();
    await store.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
