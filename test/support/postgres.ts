/**
 * The PostgreSQL the machine runs (127.0.0.1:5432, trust auth; `EMREST_TEST_POSTGRES` names
 * another server's maintenance database). A test file gets a database of its own, created on
 * first use and dropped when the file's tests end; each store in it gets a fresh schema, so
 * stores of one file never see each other's rows.
 */
import { randomBytes } from 'node:crypto';
import { after } from 'node:test';
import pg from 'pg';
import { DATA_WRITE_LOCK } from '../../src/store/pg/pg-store.js';

export const POSTGRES_ADMIN_URL = process.env.EMREST_TEST_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** `base` pointing at database `name` (and optionally only at `schema`, through the search path). */
export function urlOf(name: string, schema?: string, base = POSTGRES_ADMIN_URL): string {
  const url = new URL(base);
  url.pathname = '/' + name;
  if (schema !== undefined) url.searchParams.set('options', `-c search_path=${schema}`);
  return url.toString();
}

async function admin<T>(fn: (c: pg.Client) => Promise<T>, url = POSTGRES_ADMIN_URL): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

let database: Promise<string> | undefined;
// Registered when a test file imports this module, so it runs once that file's tests are all done.
after(async () => {
  const name = await database?.catch(() => undefined);
  if (name !== undefined) await admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
});

/** This test file's own database (created once; dropped, whoever is still connected, when the file ends). */
export function testDatabase(): Promise<string> {
  if (database === undefined) {
    // The creation time in the name lets CI drop what a killed run left behind, and only that (.ci/run).
    const name = `emrest_test_${Math.floor(Date.now() / 1000)}_${process.pid}_${randomBytes(3).toString('hex')}`;
    database = admin((c) => c.query(`CREATE DATABASE ${name} TEMPLATE template0 ENCODING 'UTF8'`)).then(() => name);
  }
  return database;
}

let schemas = 0;

/** A URL whose connections see only a new, empty schema of this file's database. */
export async function freshPostgresUrl(): Promise<string> {
  const name = await testDatabase();
  const schema = `s${++schemas}_${randomBytes(3).toString('hex')}`;
  await admin((c) => c.query(`CREATE SCHEMA ${schema}`), urlOf(name));
  return urlOf(name, schema);
}

/**
 * Holds, from a connection of its own, what another node's transaction would hold: the
 * advisory lock every data write takes, or the logon sessions' table against writes.
 */
export async function holdPostgresLock(url: string, what: 'data' | 'logons'): Promise<() => Promise<void>> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  await c.query('BEGIN');
  if (what === 'data') await c.query('SELECT pg_advisory_xact_lock($1)', [DATA_WRITE_LOCK.toString()]);
  else await c.query('LOCK TABLE logon_sessions IN EXCLUSIVE MODE');
  return async () => {
    await c.query('ROLLBACK');
    await c.end();
  };
}
