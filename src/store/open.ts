import { existsSync } from 'node:fs';
import { databasePath } from '../config.js';
import { openPgStore } from './pg/pg-store.js';
import { buildSqliteFile } from './sqlite/build.js';

/** The `code` of the error of a load into a new database that wrote an id twice (see `loadStore`). */
export { DUPLICATE_ID } from './sqlite/bulk.js';
import { openSqliteStore } from './sqlite/sqlite-store.js';
import type { Store } from './store.js';

/**
 * Which store to open. The one place that knows the backends: a SQLite file (and its
 * logon-session file) in a data directory, or a PostgreSQL database that any number of
 * nodes share (`--database postgres://…`).
 */
export type StoreSettings =
  | { readonly dataDir: string; readonly databaseUrl?: undefined }
  | { readonly databaseUrl: string; readonly dataDir?: undefined };

/** The store, created and migrated if need be; a database server that cannot be reached is a `StoreUnavailableError`. */
export async function openStore(settings: StoreSettings): Promise<Store> {
  return settings.databaseUrl !== undefined ? openPgStore(settings.databaseUrl) : openSqliteStore(databasePath(settings.dataDir));
}

/** A database URL fit for messages and logs: the password replaced. */
export function redactedUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    return u.toString();
  } catch {
    return 'the database URL';
  }
}

/** Where the store keeps its data, for messages: the database file, or the server's URL without its password. */
export const storeLocation = (settings: StoreSettings): string =>
  settings.databaseUrl !== undefined ? redactedUrl(settings.databaseUrl) : databasePath(settings.dataDir);

/** Whether there is a database yet: a data directory's file; a database server's is made on first open. */
export const storeExists = (settings: StoreSettings): boolean =>
  settings.databaseUrl !== undefined || existsSync(storeLocation(settings));

/** Runs `fn` on the store, closed afterwards whatever happens. */
export async function withStore<T>(settings: StoreSettings, fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore(settings);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

/**
 * Runs `fill`, a large load, on the store. Where a data directory has no database yet, `fill`
 * loads an empty new one that appears only once complete: built aside with no journal and
 * every index built at the end, so a failed fill leaves no database behind. A database
 * server's load is one transaction of `fill`'s write, which lands whole or not at all.
 */
export async function loadStore<T>(settings: StoreSettings, fill: (store: Store) => Promise<T>): Promise<T> {
  if (settings.databaseUrl !== undefined || storeExists(settings)) return withStore(settings, fill);
  return buildSqliteFile(databasePath(settings.dataDir), fill);
}
