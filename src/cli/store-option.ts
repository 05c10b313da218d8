import { existsSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { dataDirFrom, DEFAULTS } from '../config.js';
import { storeExists, type StoreSettings } from '../store/open.js';
import { UsageError } from './args.js';

/** The flags every command takes to name its store (node:util parseArgs options). */
export const STORE_FLAGS = {
  'data-dir': { type: 'string' },
  database: { type: 'string' },
} as const;

/** The help lines of `STORE_FLAGS`, alike in every command. */
export const STORE_HELP = `  --data-dir DIR      data directory (default: $EMREST_DATA_DIR or ./${DEFAULTS.dataDir})
  --database URL      a PostgreSQL database instead (postgres://user@host:5432/name; or
                      $EMREST_DATABASE): several nodes may serve one`;

/**
 * The store named by `--database` (then EMREST_DATABASE) or `--data-dir` (then EMREST_DATA_DIR,
 * then ./data). Naming both is a usage error: which one was meant cannot be guessed.
 */
export function storeSettingsFrom(flags: { 'data-dir'?: string; database?: string }, env = process.env): StoreSettings {
  if (flags.database !== undefined && flags['data-dir'] !== undefined) throw new UsageError('--database and --data-dir name two different stores: give one');
  const url = flags.database ?? (flags['data-dir'] === undefined ? env.EMREST_DATABASE : undefined);
  if (url === undefined || url === '') return { dataDir: dataDirFrom(flags['data-dir'], env) };
  if (!/^postgres(ql)?:\/\//.test(url)) throw new UsageError(`--database must be a postgres:// URL, got '${url.replace(/:[^:@/]*@/, ':***@')}'`);
  try {
    new URL(url);
  } catch {
    throw new UsageError('--database is not a valid URL');
  }
  return { databaseUrl: url };
}

/**
 * Creates the data directory (and any missing parents) for its owner only: it holds password
 * hashes, logon tokens and the TLS key. A directory that exists is left as it is; a database
 * server needs none.
 */
export function ensureDataDir(settings: StoreSettings): void {
  if (settings.dataDir !== undefined) mkdirSync(settings.dataDir, { recursive: true, mode: 0o700 });
}

/**
 * The store of a data directory that must already have one: commands that only read or
 * delete say so (exit 1) rather than create an empty directory to find nothing in.
 */
export function existingStore(settings: StoreSettings, nothingTo: string): StoreSettings {
  const dir = settings.dataDir;
  if (dir === undefined) return settings;
  if (!existsSync(dir)) throw new Error(`no data directory at ${resolve(dir)} (nothing to ${nothingTo})`);
  if (!storeExists(settings)) throw new Error(`no database in ${resolve(dir)} (nothing to ${nothingTo})`);
  return settings;
}
