import { existsSync } from 'node:fs';
import { databasePath } from '../config.js';
import { buildSqliteFile } from './sqlite/build.js';
import { openSqliteStore } from './sqlite/sqlite-store.js';
import type { Store } from './store.js';

/**
 * Which store to open. The one place that knows the backend: today a SQLite file (and its
 * logon-session file) in the data directory.
 */
export interface StoreSettings {
  /** The data directory, which must exist. */
  readonly dataDir: string;
}

/** The data directory's store, created and migrated if need be. */
export function openStore(settings: StoreSettings): Store {
  return openSqliteStore(databasePath(settings.dataDir));
}

/** Where the store keeps its data, for messages: the database file. */
export const storeLocation = (settings: StoreSettings): string => databasePath(settings.dataDir);

/** Whether the data directory holds a database yet. */
export const storeExists = (settings: StoreSettings): boolean => existsSync(storeLocation(settings));

/** Runs `fn` on the data directory's store, closed afterwards whatever happens. */
export async function withStore<T>(settings: StoreSettings, fn: (store: Store) => Promise<T>): Promise<T> {
  const store = openStore(settings);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

/**
 * Runs `fill`, a large load, on the data directory's store. Where there is no database yet,
 * `fill` loads an empty new one that appears only once complete: built aside with no journal
 * and every index built at the end, so a failed fill leaves no database behind.
 */
export async function loadStore<T>(settings: StoreSettings, fill: (store: Store) => Promise<T>): Promise<T> {
  const path = storeLocation(settings);
  return existsSync(path) ? withStore(settings, fill) : buildSqliteFile(path, fill);
}
