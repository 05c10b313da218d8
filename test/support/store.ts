/**
 * Stores for tests whose subject is not the backend: the SQLite store of a data directory of
 * the test's own, at the path `openStore` gives it, opened synchronously so a test can set
 * one up at its top level. Tests of `openStore` itself and of PostgreSQL open theirs apart.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { ensureDataDir } from '../../src/cli/store-option.js';
import { databasePath } from '../../src/config.js';
import { generateDemo, type DemoOptions } from '../../src/demo/demo.js';
import { Simulation } from '../../src/estate/simulation.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Store } from '../../src/store/store.js';

const locations = new WeakMap<Store, string>();

/** The store of `dataDir` (created, with any missing parents, as the CLI would). */
export function openTestStore(dataDir: string): Store {
  ensureDataDir({ dataDir });
  const path = databasePath(dataDir);
  const store = openSqliteStore(path);
  locations.set(store, path);
  return store;
}

/**
 * Where a store from `openTestStore` keeps its data (`storeLocation`): the database file, for
 * tests that read what it committed with `inspectSqlite`.
 */
export function storeFile(store: Store): string {
  const location = locations.get(store);
  if (location === undefined) throw new Error('not a store from openTestStore');
  return location;
}

/** A demo seeded into a new store under `dataDir`, and the simulation that runs it on from the seed's instant. */
export async function seededSimulation(dataDir: string, demo: DemoOptions): Promise<{ store: Store; sim: Simulation }> {
  const store = openTestStore(dataDir);
  await generateDemo(store, demo);
  const sim = await Simulation.resume(store, { demo, until: demo.now });
  return { store, sim };
}

/**
 * New stores for one test file, each over a data directory of its own under a temp root; they
 * are closed and the root removed when the file's tests end.
 */
export function storesOfTestFile(prefix: string): () => Store {
  const root = mkdtempSync(join(tmpdir(), prefix));
  const stores: Store[] = [];
  after(async () => {
    for (const s of stores) await s.close();
    rmSync(root, { recursive: true, force: true });
  });
  return () => {
    const store = openTestStore(join(root, `s${stores.length + 1}`));
    stores.push(store);
    return store;
  };
}
