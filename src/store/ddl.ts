import type { ScalarKind, TypeDecl } from '../model/index.js';
import { fieldByKey } from '../model/index.js';
import { describeGap, referencesOf, REVISION_COLUMN, storedColumns, type SchemaGap, type StoredColumn } from './schema.js';
import type { Dialect } from './sql.js';

/**
 * The schema of a declared type, derived from its declaration: the table with one column per
 * stored field, a foreign key per enforced reference, a unique index on the id (kept apart
 * from the primary key so a bulk load can build it once at its end) and the declared indexes.
 */

/** The value a column added to a table that holds rows gives them (the kind's default). */
const KIND_DEFAULT: Record<ScalarKind, string> = {
  string: "''", uid: "''", datetime: "''", int: '0', long: '0', bool: '0', enum: '0',
};

function columnDef(type: TypeDecl, c: StoredColumn, dialect: Dialect, references: boolean): string {
  let def = `${c.column} ${dialect.columnType(c.field.kind)}`;
  if (!c.field.optional) def += ' NOT NULL';
  const ref = references ? referencesOf(type).find((r) => r.column === c.column && r.enforced) : undefined;
  if (ref) def += ` REFERENCES ${ref.target.table} (id)${dialect.referenceOptions}`;
  return def;
}

/** Index name: the table and its key columns (`jobs__server_id`; an exact one ends `__exact`). */
const indexName = (table: string, columns: readonly string[], exact = false) => `${table}__${columns.join('_')}${exact ? '__exact' : ''}`;

/** The declared indexes of a type's table; `ifMissing`: each made only where it is not yet. */
export function createIndexes(type: TypeDecl, dialect: Dialect, { ifMissing = false } = {}): string[] {
  const create = ifMissing ? 'INDEX IF NOT EXISTS' : 'INDEX';
  const out = [`CREATE UNIQUE ${create} ${indexName(type.table, ['id'])} ON ${type.table} (id)`];
  const declared = [...(type.indexes ?? []).map((keys) => ({ keys, exact: false })), ...(type.exactIndexes ?? []).map((keys) => ({ keys, exact: true }))];
  for (const { keys, exact } of declared) {
    const fields = keys.map((k) => fieldByKey(type, k));
    const columns = fields.map((f) => {
      if (f.column === undefined) throw new Error(`${type.name} indexes ${f.key}, which is not stored in ${type.table}`);
      const column = f.kind === 'string' && !exact ? dialect.caseInsensitive(f.column) : f.column;
      return f.optional ? column + dialect.nullsOrder(false) : column;
    });
    out.push(`CREATE ${create} ${indexName(type.table, fields.map((f) => f.column!), exact)} ON ${type.table} (${columns.join(', ')})`);
  }
  return out;
}

/** The revision column (`REVISION_COLUMN`): the backend's own default where it has one. */
const revisionDef = (dialect: Dialect) => `${REVISION_COLUMN} ${dialect.revisionType}`;

export function createTable(type: TypeDecl, dialect: Dialect): string[] {
  const columns = [...storedColumns(type).map((c) => columnDef(type, c, dialect, true)), revisionDef(dialect)];
  return [`CREATE TABLE ${type.table} (${columns.join(', ')})`, ...createIndexes(type, dialect)];
}

/**
 * A stored column the table lacks, added with the kind's default for the rows it holds (or
 * none when optional). No foreign key: engines refuse one on a column added with a default.
 */
function addColumn(type: TypeDecl, c: StoredColumn, dialect: Dialect): string {
  const def = columnDef(type, c, dialect, false);
  return `ALTER TABLE ${type.table} ADD COLUMN ${def}${c.field.optional ? '' : ` DEFAULT ${KIND_DEFAULT[c.field.kind]}`}`;
}

/** The statements that close the gaps, with a comment naming each (for logs and errors). */
export function closeGaps(gaps: readonly SchemaGap[], dialect: Dialect): { gap: string; statements: string[] }[] {
  return gaps.map((g) => ({
    gap: describeGap(g),
    statements:
      g.missing === 'table' ? createTable(g.type, dialect)
      : g.missing === 'column' ? [addColumn(g.type, g.column, dialect)]
      : [`ALTER TABLE ${g.type.table} ADD COLUMN ${revisionDef(dialect)}`],
  }));
}
