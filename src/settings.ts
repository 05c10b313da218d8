import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import { parseLockoutPolicy, type LockoutPolicy } from './auth/logon-lockout.js';
import { intOption, portOption, UsageError } from './cli/args.js';
import { MAX_SPEED, MAX_TIME, MIN_TIME, parseInstant } from './clock/clock.js';
import { DEFAULTS, pinnedNow, type ClockSettings } from './config.js';
import { STORE_FLAGS, storeSettingsFrom } from './cli/store-option.js';
import type { StoreSettings } from './store/open.js';
import { parseRuleList, RuleError, type FaultRule } from './http/faults/rule.js';
import type { TlsMaterial } from './http/listen.js';
import { locateSyntaxError } from './io/import/json-syntax-error.js';
import { DEFAULT_EM_VERSION, EM_VERSIONS, isEmVersion, PROFILES, type WireProfile } from './profile/profiles.js';

/** The flags of `emrest serve` (node:util parseArgs options; `--help` is added by `parse`). */
export const SERVE_FLAGS = {
  ...STORE_FLAGS,
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
  'log-format': { type: 'string' },
  'logon-lockout': { type: 'string' },
  'admin-token': { type: 'string' },
  'admin-token-file': { type: 'string' },
  clock: { type: 'string' },
  simulate: { type: 'boolean' },
  'no-simulate': { type: 'boolean' },
  now: { type: 'string' },
  speed: { type: 'string' },
  faults: { type: 'string' },
  journal: { type: 'string' },
  'row-texts-mb': { type: 'string' },
  workers: { type: 'string' },
  'session-timeout': { type: 'string' },
  'em-version': { type: 'string' },
} as const;

export type ServeFlags = {
  readonly [K in keyof typeof SERVE_FLAGS]?: (typeof SERVE_FLAGS)[K]['type'] extends 'boolean' ? boolean : string;
};

/** What a server runs with: the serve flags and the environment, checked once and frozen. */
export interface Settings {
  /** The data directory, or the database several nodes share. */
  readonly store: StoreSettings;
  /** Create demo data in a data directory without backup servers. */
  readonly demo: boolean;
  readonly host: string;
  /** Absent: no HTTP listener. */
  readonly httpPort?: number;
  /** Absent: no HTTPS listener. */
  readonly httpsPort?: number;
  /** Overrides the link base `{scheme}://{Host}/api`; ends in `/api`. */
  readonly publicUrl?: string;
  /** The user's certificate and key; absent: a self-signed pair in the data directory. */
  readonly tls?: TlsMaterial;
  readonly defaultPageSize: number;
  readonly jsonBom: boolean;
  /** The EM version whose wire the server speaks (`--em-version`, EMREST_EM_VERSION). */
  readonly profile: WireProfile;
  readonly logLevel: string;
  /** One JSON object a line (`json`, for log collectors) or human lines (`pretty`). */
  readonly logFormat: LogFormat;
  /** Failed logons per (user name, client address) that lock that pair out; absent: no lockout. */
  readonly logonLockout?: LockoutPolicy;
  /** Enables the ingest API under /admin (Bearer token); absent: /admin is 404. */
  readonly adminToken?: string;
  /**
   * Run the estate live (`--simulate` / `--no-simulate`); absent: live when the data was seeded
   * by the demo generator (first start, `emrest seed`), a snapshot otherwise.
   */
  readonly simulate?: boolean;
  /** Where the clock starts (`--now`, else EMREST_NOW), epoch milliseconds; absent: the real now. */
  readonly now?: number;
  /** The clock stands still (`--clock frozen`; EMREST_NOW without `--now` or `--clock`). */
  readonly frozen: boolean;
  /** Simulated seconds per real second (`--speed`), 0 < speed ≤ 86400. */
  readonly speed: number;
  /** Fault rules in force from the start (`--faults FILE.json`), checked; empty without the flag. */
  readonly faultRules: readonly FaultRule[];
  /** Requests the journal keeps (`--journal N`); 0: no journal. */
  readonly journalSize: number;
  /** Characters of rendered rows kept for reuse per process (`--row-texts-mb`); 0: none kept, pages read whole. */
  readonly rowTextChars: number;
  /** Processes serving HTTP (`--workers N`, EMREST_WORKERS); 1: this process alone, no cluster. */
  readonly workers: number;
  /** Idle timeout of a logon session (spec §2). */
  readonly sessionTimeoutMs: number;
  /** Session collections list only sessions created within this window (spec §4.6). */
  readonly windowMs: number;
}

export const LOG_FORMATS = ['json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** pino's levels. */
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/**
 * Checks every flag and variable before anything is written (a usage error must not create
 * the administrator); a bad value is a `UsageError` of one line naming the option. A bad
 * EMREST_NOW is an ordinary error.
 */
export function settingsFrom(flags: ServeFlags, env: NodeJS.ProcessEnv): Settings {
  const httpPort = flags['no-http'] ? undefined : portOption(flags['http-port'], 'http-port', DEFAULTS.httpPort);
  const httpsPort = flags['no-https'] ? undefined : portOption(flags['https-port'], 'https-port', DEFAULTS.httpsPort);
  if (httpPort === undefined && httpsPort === undefined) throw new UsageError('--no-http and --no-https leave nothing to serve');
  if (httpPort === httpsPort && httpPort !== 0) throw new UsageError(`HTTP and HTTPS cannot both listen on port ${httpPort}`);
  const defaultPageSize = intOption(flags['page-size'], 'page-size', DEFAULTS.defaultPageSize, 1);
  const publicUrl = publicBase(flags['public-url']);
  const logLevel = flags['log-level'] ?? DEFAULTS.logLevel;
  if (!LOG_LEVELS.includes(logLevel)) throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(', ')}, got '${logLevel}'`);
  const logFormat = flags['log-format'] ?? 'json';
  if (!(LOG_FORMATS as readonly string[]).includes(logFormat)) throw new UsageError(`--log-format must be json or pretty, got '${logFormat}'`);
  const tls = userTls(flags['tls-cert'], flags['tls-key']);
  const adminToken = adminTokenFrom(flags['admin-token'], flags['admin-token-file'], env);
  const logonLockout = lockoutFrom(flags['logon-lockout']);
  const clock = clockSettingsFrom(flags, env);
  if (flags.simulate && flags['no-simulate']) throw new UsageError('--simulate and --no-simulate contradict each other');
  const simulate = flags.simulate ? true : flags['no-simulate'] ? false : undefined;
  const host = flags.host ?? DEFAULTS.host;
  if (host === '') throw new UsageError('--host needs an address or host name');
  const faultRules = flags.faults === undefined ? [] : faultRulesFrom(flags.faults);
  const emVersion = flags['em-version'] ?? env.EMREST_EM_VERSION ?? DEFAULT_EM_VERSION;
  if (!isEmVersion(emVersion)) throw new UsageError(`--em-version must be one of ${EM_VERSIONS.join(', ')}, got '${emVersion}'`);
  const journalSize = intOption(flags.journal, 'journal', DEFAULTS.journalEntries, 0, DEFAULTS.maxJournalEntries);
  const rowTextsMb = intOption(flags['row-texts-mb'], 'row-texts-mb', DEFAULTS.rowTextsMb, 0, DEFAULTS.maxRowTextsMb);
  const workers = intOption(flags.workers ?? env.EMREST_WORKERS, 'workers', DEFAULTS.workers, 1, DEFAULTS.maxWorkers);
  const sessionTimeoutSeconds = intOption(
    flags['session-timeout'] ?? env.EMREST_SESSION_TIMEOUT, 'session-timeout', DEFAULTS.sessionTimeoutSeconds, 1, DEFAULTS.maxSessionTimeoutSeconds,
  );
  return Object.freeze({
    store: storeSettingsFrom(flags, env),
    demo: flags['no-demo'] !== true,
    host,
    httpPort,
    httpsPort,
    publicUrl,
    tls,
    defaultPageSize,
    jsonBom: flags['json-bom'] ?? DEFAULTS.jsonBom,
    profile: PROFILES[emVersion],
    logLevel,
    logFormat: logFormat as LogFormat,
    logonLockout,
    adminToken,
    ...clock,
    simulate,
    faultRules: Object.freeze(faultRules),
    journalSize,
    rowTextChars: rowTextsMb * 1024 * 1024,
    workers,
    sessionTimeoutMs: sessionTimeoutSeconds * 1000,
    windowMs: DEFAULTS.windowDays * 86_400_000,
  });
}

/**
 * `--now` starts the clock at an instant, running unless `--clock frozen`; EMREST_NOW alone
 * starts it there frozen (as it always has); `--clock frozen` alone freezes it at the real now.
 * A flag wins over EMREST_NOW.
 */
function clockSettingsFrom(flags: ServeFlags, env: NodeJS.ProcessEnv): ClockSettings {
  const mode = flags.clock;
  if (mode !== undefined && mode !== 'real' && mode !== 'frozen') throw new UsageError(`--clock must be real or frozen, got '${mode}'`);
  let now: number | undefined;
  if (flags.now !== undefined) {
    now = parseInstant(flags.now);
    if (now === undefined || now < MIN_TIME || now > MAX_TIME) {
      throw new UsageError(`--now must be an ISO-8601 date and time such as 2026-12-01T10:00:00Z, got '${flags.now}'`);
    }
  }
  const pinned = pinnedNow(env);
  const speedText = flags.speed;
  const speed = speedText === undefined ? 1 : /^\d+(\.\d+)?$/.test(speedText) ? Number(speedText) : NaN;
  if (!(speed > 0 && speed <= MAX_SPEED)) throw new UsageError(`--speed must be a number greater than 0 and at most ${MAX_SPEED}, got '${speedText}'`);
  return {
    now: now ?? pinned,
    frozen: mode === undefined ? now === undefined && pinned !== undefined : mode === 'frozen',
    speed,
  };
}

function publicBase(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  if (!/^https?:\/\/[^/]+/i.test(url)) throw new UsageError(`--public-url must be an http(s) URL, got '${url}'`);
  const trimmed = url.replace(/\/+$/, '');
  return /\/api$/i.test(trimmed) ? trimmed : `${trimmed}/api`;
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
function adminTokenFrom(flag: string | undefined, file: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  if (flag !== undefined && file !== undefined) throw new UsageError('give --admin-token or --admin-token-file, not both');
  if (file === undefined) return flag || env.EMREST_ADMIN_TOKEN || undefined;
  const token = readFileOption(file, 'admin-token-file').trim();
  if (token === '') throw new UsageError(`--admin-token-file ${file} is empty`);
  // A line break cannot travel in an Authorization header: such a token could never match.
  if (/[\r\n]/.test(token)) throw new UsageError(`--admin-token-file ${file} holds more than one line`);
  return token;
}

/** Line and column (1-based) of a character offset. */
function lineColumn(text: string, offset: number): string {
  const before = text.slice(0, offset).split('\n');
  return `line ${before.length}, column ${before[before.length - 1].length + 1}`;
}

/**
 * The rules of `--faults FILE` (a JSON list of rules, as POST /admin/v1/faults takes them),
 * checked now: a file that cannot be read, is not JSON or holds a bad rule refuses to start,
 * naming the file and the place (line and column, or the rule's index and field).
 */
function faultRulesFrom(file: string): FaultRule[] {
  const text = readFileOption(file, 'faults').replace(/^\uFEFF/, '');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    const { offset, reason } = locateSyntaxError(text);
    throw new UsageError(`--faults ${file}: not JSON at ${lineColumn(text, offset)}: ${reason}`);
  }
  try {
    return parseRuleList(value);
  } catch (e) {
    if (e instanceof RuleError) throw new UsageError(`--faults ${file}: ${e.message}`);
    throw e;
  }
}

function lockoutFrom(text: string = DEFAULTS.logonLockout): LockoutPolicy | undefined {
  try {
    return parseLockoutPolicy(text);
  } catch (e) {
    throw new UsageError(`--logon-lockout: ${(e as Error).message}`);
  }
}
