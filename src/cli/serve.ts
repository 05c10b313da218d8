import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { hashPassword } from '../auth/password.js';
import { clockFrom, databasePath, dataDirFrom, DEFAULTS } from '../config.js';
import { DEMO_DEFAULTS, describeCounts, generateDemo } from '../data/demo.js';
import { buildApp } from '../http/app.js';
import { listen, tlsMaterial } from '../http/listen.js';
import { openSqliteStore } from '../store/sqlite/sqlite-store.js';
import { intOption, parse, UsageError } from './args.js';

export const SERVE_HELP = `Usage: emrest serve [options]

Serves the Enterprise Manager REST API. On an empty data directory it first creates demo
data and a user "administrator" with a random password, printed once.

Options:
  --data-dir DIR      data directory (default: $EMREST_DATA_DIR or ./${DEFAULTS.dataDir})
  --host H            address to bind (default: ${DEFAULTS.host})
  --http-port N       HTTP port (default: ${DEFAULTS.httpPort})
  --https-port N      HTTPS port (default: ${DEFAULTS.httpsPort})
  --no-http           do not serve HTTP
  --no-https          do not serve HTTPS
  --public-url URL    base for link hrefs instead of the request's scheme and Host
                      (e.g. https://em.example.com:9398)
  --tls-cert FILE     PEM certificate (default: self-signed, generated into DATA_DIR/tls)
  --tls-key FILE      PEM private key for --tls-cert
  --page-size N       default page size of queries (default: ${DEFAULTS.defaultPageSize})
  --json-bom          prefix JSON bodies with a UTF-8 BOM, as 9.5-era servers did
  --log-level LEVEL   fatal, error, warn, info, debug (default: ${DEFAULTS.logLevel})
  --admin-token T     enable the ingest API (POST /admin/v1/import, DELETE /admin/v1/data)
                      for requests with "Authorization: Bearer T" (default: $EMREST_ADMIN_TOKEN;
                      unset: the API is off and /admin answers 404)
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

export async function serve(argv: string[]): Promise<void> {
  const { values: o } = parse(argv, {
    'data-dir': { type: 'string' },
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
    'admin-token': { type: 'string' },
  });
  if (o.help) return console.log(SERVE_HELP);
  const httpPort = o['no-http'] ? undefined : intOption(o['http-port'], 'http-port', DEFAULTS.httpPort);
  const httpsPort = o['no-https'] ? undefined : intOption(o['https-port'], 'https-port', DEFAULTS.httpsPort);
  if (httpPort === undefined && httpsPort === undefined) throw new UsageError('--no-http and --no-https leave nothing to serve');
  // Validate every option before the first write: a usage error must not create the administrator.
  const defaultPageSize = intOption(o['page-size'], 'page-size', DEFAULTS.defaultPageSize, 1);
  const publicUrl = publicBase(o['public-url']);
  const logLevel = o['log-level'] ?? DEFAULTS.logLevel;
  if (!LOG_LEVELS.includes(logLevel)) throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(', ')}, got '${logLevel}'`);
  if (!o['tls-cert'] !== !o['tls-key']) throw new UsageError('--tls-cert and --tls-key go together');
  const dataDir = dataDirFrom(o['data-dir']);
  const clock = clockFrom();
  mkdirSync(dataDir, { recursive: true });
  const store = openSqliteStore(databasePath(dataDir));

  if ((await store.listUsers()).length === 0) {
    const password = randomBytes(12).toString('base64url');
    await store.putUser({ name: 'administrator', passwordHash: await hashPassword(password), role: 'PortalAdministrator' });
    console.log(`Created user "administrator" (Portal Administrator) with password: ${password}`);
    console.log('It is shown only this once; change it with: emrest users add administrator --password NEW');
  }
  if (await store.isEmpty()) {
    const made = await generateDemo(store, { ...DEMO_DEFAULTS, now: clock() });
    console.log(`Created demo data: ${describeCounts(made)}`);
  }

  const app = buildApp({
    store,
    clock,
    sessionTimeoutMs: DEFAULTS.sessionTimeoutSeconds * 1000,
    windowMs: DEFAULTS.windowDays * 86_400_000,
    defaultPageSize,
    jsonBom: o['json-bom'] ?? DEFAULTS.jsonBom,
    publicUrl,
    adminToken: o['admin-token'] || process.env.EMREST_ADMIN_TOKEN || undefined,
    logger: { level: logLevel },
  });
  const tls = httpsPort === undefined ? undefined : await tlsMaterial(dataDir, o['tls-cert'], o['tls-key']);
  const urls = await listen(app, { host: o.host ?? DEFAULTS.host, httpPort, httpsPort, tls });
  for (const url of urls) console.log(`listening ${url}`);

  const stop = async () => {
    await app.close();
    await store.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
