import type { Statement } from 'better-sqlite3';
import type { Row, TypeDecl } from '../../model/index.js';
import { storedColumns } from '../schema.js';
import { compileDelete, compileInsert, compileUpsert, SQLITE } from '../sql.js';
import type { Statements } from './connection.js';

/** Rows per multi-row INSERT of a bulk write (one statement call costs as much as a few rows). */
export const INSERT_ROWS = 64;

export interface Counts {
  inserted: number;
  updated: number;
}

/** The statements that write a type's rows, its stored columns in declaration order. */
export interface RowWrites {
  readonly table: string;
  /** Row keys in column order: the order of every statement's values. */
  readonly keys: readonly string[];
  readonly exists: string;
  /** One row, updating only what changed in a stored one (an unchanged row is no change). */
  readonly upsert: string;
  /** Plain INSERTs of one row and of `INSERT_ROWS` rows, and the same skipping stored ids. */
  readonly insert: { readonly one: string; readonly many: string; readonly oneSkipping: string; readonly manySkipping: string };
}

const plans = new WeakMap<TypeDecl, RowWrites>();

/** The write statements of a type (declarations are fixed for the process). */
export function rowWrites(type: TypeDecl): RowWrites {
  let plan = plans.get(type);
  if (plan === undefined) {
    const cols = storedColumns(type);
    const names = cols.map((c) => c.column);
    const insert = (rows: number, skipKey?: string) => compileInsert(type.table, names, rows, SQLITE, { revised: true, skipKey });
    plan = {
      table: type.table,
      keys: cols.map((c) => c.key),
      exists: `SELECT 1 FROM ${type.table} WHERE id = ${SQLITE.placeholder(1)}`,
      upsert: compileUpsert(type.table, names, 'id', SQLITE, { revised: true, changedOnly: true }),
      insert: { one: insert(1), many: insert(INSERT_ROWS), oneSkipping: insert(1, 'id'), manySkipping: insert(INSERT_ROWS, 'id') },
    };
    plans.set(type, plan);
  }
  return plan;
}

/** Fills `values` with the column values of rows `start`…`start + n - 1`, row after row. */
export function rowValues(values: unknown[], rows: readonly Row[], start: number, n: number, keys: readonly string[]): unknown[] {
  let v = 0;
  for (let r = start; r < start + n; r++) {
    const row = rows[r];
    for (let k = 0; k < keys.length; k++) values[v++] = row[keys[k]] ?? null;
  }
  return values;
}

/** Upserts row by row into live indexes; a row counts as updated only if a value changed. */
export function upsertEach(writes: Statements, plan: RowWrites, rows: readonly Row[]): Counts {
  const { keys } = plan;
  const values: unknown[] = new Array(keys.length);
  const exists = writes.get(plan.exists);
  const upsert = writes.get(plan.upsert);
  let inserted = 0, updated = 0;
  for (let r = 0; r < rows.length; r++) {
    rowValues(values, rows, r, 1, keys);
    const existed = exists.get(rows[r].id) !== undefined;
    const changes = upsert.run(values).changes;
    if (!existed) inserted++;
    else if (changes > 0) updated++;
  }
  return { inserted, updated };
}

/**
 * Rows `INSERT_ROWS` per statement. With `skipStored`, an id already there is skipped (ON
 * CONFLICT DO NOTHING) and the rows of such a statement go again through the upsert, which
 * changes nothing for the ones just inserted or unchanged, so the counts stay exact. Without
 * it (a fresh load with no id index) a repeated id is caught where the index is built.
 */
export function insertMany(writes: Statements, plan: RowWrites, rows: readonly Row[], skipStored: boolean): Counts {
  const { keys } = plan;
  const upsert = skipStored ? writes.get(plan.upsert) : undefined;
  const single: unknown[] = new Array(keys.length);
  let inserted = 0, updated = 0;
  const insert = (statement: Statement, values: unknown[], start: number, n: number) => {
    const changes = statement.run(rowValues(values, rows, start, n, keys)).changes;
    inserted += changes;
    if (changes < n && upsert) {
      for (let r = start; r < start + n; r++) updated += upsert.run(rowValues(single, rows, r, 1, keys)).changes;
    }
  };
  const many = writes.get(skipStored ? plan.insert.manySkipping : plan.insert.many);
  const one = writes.get(skipStored ? plan.insert.oneSkipping : plan.insert.one);
  const manyValues: unknown[] = new Array(keys.length * INSERT_ROWS);
  let start = 0;
  for (; start + INSERT_ROWS <= rows.length; start += INSERT_ROWS) insert(many, manyValues, start, INSERT_ROWS);
  for (; start < rows.length; start++) insert(one, single, start, 1);
  return { inserted, updated };
}

/** Ids per DELETE statement (a shorter tail goes one by one). */
const DELETE_IDS = 64;

/** Deletes a table's rows by id, `DELETE_IDS` ids per statement; returns the rows deleted. */
export function deleteRows(writes: Statements, table: string, ids: readonly string[]): number {
  const many = writes.get(compileDelete(table, 'id', DELETE_IDS, SQLITE));
  const one = writes.get(compileDelete(table, 'id', 1, SQLITE));
  let deleted = 0, start = 0;
  for (; start + DELETE_IDS <= ids.length; start += DELETE_IDS) deleted += many.run(ids.slice(start, start + DELETE_IDS)).changes;
  for (; start < ids.length; start++) deleted += one.run(ids[start]).changes;
  return deleted;
}
