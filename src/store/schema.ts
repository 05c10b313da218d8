import { TYPES, type FieldDecl, type TypeDecl } from '../model/index.js';

/**
 * What the store keeps of the declarations: which fields are columns of their type's own
 * table, which of those refer to another type's rows, and so in which order the tables fill.
 */

/** A field stored in its type's own table. */
export interface StoredColumn {
  /** The field's key in a row. */
  readonly key: string;
  /** Its column in the type's table. */
  readonly column: string;
  readonly field: FieldDecl;
}

/**
 * Derived from the SQL expression until the model declares which fields are stored: a field
 * is stored when its expression is a bare column of the own table (`t.<column>`, alias `t` by
 * the declarations' convention); the rest are read through the FROM clause's joins.
 */
const OWN_COLUMN = /^t\.(\w+)$/;

/** Whether a field's value is a column of its type's own table (stored, or read from one). */
export const isOwnColumn = (field: FieldDecl): boolean => OWN_COLUMN.test(field.column);

const stored = new WeakMap<TypeDecl, readonly StoredColumn[]>();

/**
 * The type's stored fields in declaration order, one per column: a later field over the same
 * column (BackupServer's IpOrDnsName is its Name) only reads it.
 */
export function storedColumns(type: TypeDecl): readonly StoredColumn[] {
  let columns = stored.get(type);
  if (columns === undefined) {
    const seen = new Set<string>();
    const out: StoredColumn[] = [];
    for (const field of type.fields) {
      const column = OWN_COLUMN.exec(field.column)?.[1];
      if (column === undefined || seen.has(column)) continue;
      seen.add(column);
      out.push({ key: field.key, column, field });
    }
    columns = out;
    stored.set(type, columns);
  }
  return columns;
}

/** A stored field holding the id of another declared type's row. */
export interface Reference extends StoredColumn {
  readonly target: TypeDecl;
}

/**
 * The type's references: its stored UID fields (other than its own id) whose UID kind is
 * another declared type's, derived until the model declares them.
 */
export function referencesOf(type: TypeDecl, types: readonly TypeDecl[] = TYPES): Reference[] {
  return storedColumns(type).flatMap((c) => {
    const uidKind = c.key !== 'id' && c.field.kind === 'uid' ? c.field.uidKind : undefined;
    const target = uidKind === undefined ? undefined : types.find((t) => t.uidKind === uidKind);
    return target && target !== type ? [{ ...c, target }] : [];
  });
}

/** Types ordered so that every reference points to an earlier one; declaration order otherwise. */
export function parentsFirst(types: readonly TypeDecl[] = TYPES): TypeDecl[] {
  const out: TypeDecl[] = [];
  const visiting = new Set<TypeDecl>();
  const visit = (t: TypeDecl) => {
    if (out.includes(t)) return;
    if (visiting.has(t)) throw new Error(`the declared references of ${t.name} lead back to it`);
    visiting.add(t);
    for (const r of referencesOf(t, types)) visit(r.target);
    out.push(t);
  };
  for (const t of types) visit(t);
  return out;
}

/**
 * The resource tables, every declared type's once, parents first: rows load in this order and
 * are deleted in the reverse one, and every table is in it, so none can be left out of
 * `clear()`, a replacing write or the reference check.
 */
export const RESOURCE_TABLES: readonly string[] = [...new Set(parentsFirst().map((t) => t.table))];

/**
 * What a migrated schema lacks of the declarations, one line per gap: a declared type's table
 * missing, or a stored field's column missing from it. `columnsOf` lists a table's columns
 * (undefined: no such table).
 */
export function schemaGaps(columnsOf: (table: string) => readonly string[] | undefined, types: readonly TypeDecl[] = TYPES): string[] {
  const gaps: string[] = [];
  for (const type of types) {
    const columns = columnsOf(type.table);
    if (columns === undefined) {
      gaps.push(`no table ${type.table} (${type.name})`);
      continue;
    }
    for (const c of storedColumns(type)) {
      if (!columns.includes(c.column)) gaps.push(`${type.table} has no column ${c.column} (${type.name}.${c.key})`);
    }
  }
  return gaps;
}

/** Throws unless the migrated schema holds every declared stored column. */
export function checkSchema(columnsOf: (table: string) => readonly string[] | undefined): void {
  const gaps = schemaGaps(columnsOf);
  if (gaps.length > 0) {
    throw new Error(`the database schema does not match the declarations (a migration is missing): ${gaps.join('; ')}`);
  }
}
