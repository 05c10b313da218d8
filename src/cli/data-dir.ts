import { existsSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { storeExists, type StoreSettings } from '../store/open.js';

/**
 * Creates the data directory (and any missing parents) for its owner only: it holds password
 * hashes, logon tokens and the TLS key. A directory that exists is left as it is.
 */
export function ensureDataDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
}

/**
 * The store of a data directory that must already have one: commands that only read or
 * delete say so (exit 1) rather than create an empty directory to find nothing in.
 */
export function existingStore(dir: string, nothingTo: string): StoreSettings {
  if (!existsSync(dir)) throw new Error(`no data directory at ${resolve(dir)} (nothing to ${nothingTo})`);
  const settings = { dataDir: dir };
  if (!storeExists(settings)) throw new Error(`no database in ${resolve(dir)} (nothing to ${nothingTo})`);
  return settings;
}
