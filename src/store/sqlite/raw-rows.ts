import type { Statement } from 'better-sqlite3';
import type { RawValue, Row } from '../../model/index.js';

/** A statement's column names (the rows' keys), asked of SQLite once per statement. */
const keysOf = new WeakMap<Statement, readonly string[]>();
export function columnKeys(statement: Statement): readonly string[] {
  let keys = keysOf.get(statement);
  if (keys === undefined) keysOf.set(statement, (keys = statement.columns().map((c) => c.name)));
  return keys;
}

/**
 * A row from its values in column order. Rows are read raw and made here because
 * better-sqlite3 builds row objects in C++ more slowly than this loop does (a page of 100
 * sessions: 0.31 ms as objects, 0.21 ms raw plus this; docs/PERF-PROFILE.md).
 */
export function rowOf(keys: readonly string[], values: readonly RawValue[]): Row {
  const row: Row = {};
  for (let i = 0; i < keys.length; i++) row[keys[i]] = values[i];
  return row;
}
