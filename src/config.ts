import { join, resolve } from 'node:path';
import { parseDateTime, toEpochMs } from './util/datetime.js';

/** Every setting with its default, in one place. */
export const DEFAULTS = Object.freeze({
  dataDir: 'data',
  host: '127.0.0.1',
  httpPort: 9399,
  httpsPort: 9398,
  /** Idle timeout of a logon session (spec §2). */
  sessionTimeoutSeconds: 900,
  /** Session collections show this many days back (spec §4.6). */
  windowDays: 30,
  /** Page size when a query gives none (spec §6.5). */
  defaultPageSize: 100,
  jsonBom: false,
  logLevel: 'warn',
  /** Failed logons per (user, client address) and window that lock the pair out (`0`: never). */
  logonLockout: '10/60s',
  /** Logon sessions kept per user; a new logon beyond it drops that user's least recently used. */
  maxLogonSessionsPerUser: 1000,
});

export const databasePath = (dataDir: string) => join(resolve(dataDir), 'emrest.db');

/** The data directory: flag, then EMREST_DATA_DIR, then the default. */
export const dataDirFrom = (flag: string | undefined, env = process.env) => flag ?? env.EMREST_DATA_DIR ?? DEFAULTS.dataDir;

/**
 * The clock: real time, or frozen at EMREST_NOW (an EM DateTime such as
 * `2021-06-18T00:00:00Z`) so tests and demos see a fixed "now".
 */
export function clockFrom(env = process.env): () => number {
  const pinned = env.EMREST_NOW;
  if (pinned === undefined || pinned === '') return Date.now;
  const parsed = parseDateTime(pinned);
  if (!parsed) throw new Error(`EMREST_NOW is not a date and time: ${pinned}`);
  const at = toEpochMs(parsed);
  return () => at;
}
