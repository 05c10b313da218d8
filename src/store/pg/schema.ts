import type pg from 'pg';
import { closeGaps, createIndexes, createTable } from '../ddl.js';
import { parentsFirst, schemaGaps } from '../schema.js';
import { POSTGRES } from '../sql.js';

/**
 * The PostgreSQL schema. A new database gets the declarations' tables as they are now (the
 * derived DDL) beside the store's own tables; a database made by an earlier emrest gets what it
 * lacks of the declarations (`completeSchema`). `emrest_schema.version` counts the changes to
 * the store's own tables, so a database of a newer emrest is refused rather than misread.
 */
export const SCHEMA_VERSION = 1;

/** Serialises schema work of nodes starting together (any constant of our own). */
const SCHEMA_LOCK = 0x656d7265_73740001n;

const STORE_TABLES = `
  CREATE TABLE users (name TEXT COLLATE "C" NOT NULL, password_hash TEXT NOT NULL, role TEXT NOT NULL);
  CREATE UNIQUE INDEX users__name ON users (lower(name));
  CREATE TABLE meta (name TEXT COLLATE "C" PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE data_generation (resource_table TEXT COLLATE "C" PRIMARY KEY, generation BIGINT NOT NULL);
  CREATE TABLE logon_sessions (
    seq BIGINT GENERATED ALWAYS AS IDENTITY, id TEXT COLLATE "C" PRIMARY KEY, user_name TEXT COLLATE "C" NOT NULL,
    created_at BIGINT NOT NULL, last_seen BIGINT NOT NULL
  );
  CREATE INDEX logon_sessions__last_seen ON logon_sessions (last_seen);
  CREATE INDEX logon_sessions__user ON logon_sessions (lower(user_name), last_seen);
`;

/** A database of a later emrest: its tables may mean something this one does not know. */
export class NewerSchemaError extends Error {
  constructor(found: number) {
    super(`the database was made by a newer emrest (schema version ${found}; this emrest knows ${SCHEMA_VERSION}): upgrade emrest to use it`);
  }
}

/**
 * Creates the schema in an empty database, or checks and completes an existing one, in one
 * transaction under a lock, so two nodes starting on one new database do it once.
 */
export async function prepareSchema(client: pg.ClientBase): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK.toString()]);
    const exists = await client.query("SELECT to_regclass('emrest_schema') IS NOT NULL AS found");
    if (!exists.rows[0].found) {
      await client.query(STORE_TABLES);
      for (const type of parentsFirst()) for (const sql of createTable(type, POSTGRES)) await client.query(sql);
      await client.query('CREATE TABLE emrest_schema (version INTEGER NOT NULL)');
      await client.query('INSERT INTO emrest_schema (version) VALUES ($1)', [SCHEMA_VERSION]);
    } else {
      const version = (await client.query('SELECT version FROM emrest_schema')).rows[0]?.version as number | undefined;
      if (version !== undefined && version > SCHEMA_VERSION) throw new NewerSchemaError(version);
      await completeSchema(client);
    }
    await client.query('COMMIT');
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  }
}

/** Adds what the declarations store and the database lacks (a new type's table, a new column, a new index). */
async function completeSchema(client: pg.ClientBase): Promise<void> {
  const { rows } = await client.query(
    "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema()",
  );
  const columns = new Map<string, string[]>();
  for (const r of rows as { table_name: string; column_name: string }[]) {
    let list = columns.get(r.table_name);
    if (list === undefined) columns.set(r.table_name, (list = []));
    list.push(r.column_name);
  }
  for (const { statements } of closeGaps(schemaGaps((t) => columns.get(t)), POSTGRES)) {
    for (const sql of statements) await client.query(sql);
  }
  for (const type of parentsFirst()) for (const sql of createIndexes(type, POSTGRES, { ifMissing: true })) await client.query(sql);
}
