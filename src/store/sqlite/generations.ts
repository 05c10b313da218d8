import type { Generations } from '../store.js';
import type { Statements } from './connection.js';

/**
 * The data generations on file (table `data_generation`, one row per resource table, migration
 * 3): every committed data write moves the rows of the tables it changed, inside its
 * transaction, so any connection of any process sees them move exactly when the data does.
 */

const READ = 'SELECT resource_table, generation FROM data_generation';
/** A table without a row (one the declarations added later) is at 0 until its first write. */
const BUMP =
  'INSERT INTO data_generation (resource_table, generation) VALUES (?, 1) ' +
  'ON CONFLICT (resource_table) DO UPDATE SET generation = generation + 1';

/**
 * What a connection last read, with the connection's `data_version` then: that number changes
 * whenever another connection (of this process or any other) has committed since, so while it
 * holds still the generations cannot have moved, and reading them costs one pragma.
 */
const lastRead = new WeakMap<Statements, { version: number; generations: Generations }>();

/**
 * The generations as `statements`' connection sees them (inside a read transaction: those of
 * its snapshot). The same frozen map comes back while nothing was committed meanwhile.
 */
export function readGenerations(statements: Statements): Generations {
  const version = statements.dataVersion();
  const last = lastRead.get(statements);
  if (last !== undefined && last.version === version) return last.generations;
  const generations = new Map<string, number>();
  for (const [table, generation] of statements.get(READ).raw().all() as [string, number][]) generations.set(table, generation);
  lastRead.set(statements, { version, generations });
  return generations;
}

/** Moves the generation of each of `tables` (call inside the write transaction, before COMMIT). */
export function bumpGenerations(writes: Statements, tables: Iterable<string>): void {
  const bump = writes.get(BUMP);
  for (const table of tables) bump.run(table);
}
