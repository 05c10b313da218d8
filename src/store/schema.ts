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

/** Whether a field's value is a column of its type's own table. */
export const isOwnColumn = (field: FieldDecl): boolean => field.column !== undefined;

/** The SQL expression that reads a field over its type's FROM clause (own table aliased `t`). */
export const readExpr = (field: FieldDecl): string => field.joined ?? `t.${field.column}`;

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
      const column = field.column;
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
  /** The store checks the target exists (a foreign key); false for `mayDangle` fields. */
  readonly enforced: boolean;
}

/** The type's references: its stored UID fields (other than its own id) of another declared type's kind. */
export function referencesOf(type: TypeDecl, types: readonly TypeDecl[] = TYPES): Reference[] {
  return storedColumns(type).flatMap((c) => {
    const uidKind = c.key !== 'id' && c.field.kind === 'uid' ? c.field.uidKind : undefined;
    const target = uidKind === undefined ? undefined : types.find((t) => t.uidKind === uidKind);
    const enforced = c.field.kind === 'uid' && !c.field.mayDangle;
    return target && target !== type ? [{ ...c, target, enforced }] : [];
  });
}

const aliases = new WeakMap<TypeDecl, readonly string[] | null>();

/**
 * The aliases of the rows a type's FROM clause joins to its own (`t`), each a resource table
 * with its own id and revision, when every joined field reads a column of one of them: then
 * a row's values are fixed by its own revision and the joined rows' ids and revisions. Null
 * when a joined field is any other expression. Joins inside a join's condition (a subquery
 * picking the joined row) only choose which row is joined: its id tells.
 */
export function joinedAliases(type: TypeDecl): readonly string[] | null {
  let found = aliases.get(type);
  if (found === undefined) {
    let top = type.from;
    for (let outer = ''; outer !== top; ) [outer, top] = [top, top.replace(/\([^()]*\)/g, '')];
    const joined = [...top.matchAll(/\bJOIN\s+\w+\s+(\w+)\s+ON\b/gi)].map((m) => m[1]);
    const readsJoined = (f: FieldDecl) => f.joined === undefined || joined.includes(/^(\w+)\.\w+$/.exec(f.joined)?.[1] ?? '');
    found = type.fields.every(readsJoined) ? Object.freeze(joined) : null;
    aliases.set(type, found);
  }
  return found;
}

const reads = new WeakMap<TypeDecl, readonly string[]>();

/**
 * The tables a query of the type reads: its own table and every table its FROM clause joins
 * (and any a joined field's expression names), derived from the declaration. A cached answer
 * or total of the type stays valid while these tables' data generations are unchanged.
 * Throws on a FROM clause it cannot read (a join of anything but a plain table name).
 */
export function tablesRead(type: TypeDecl): readonly string[] {
  let tables = reads.get(type);
  if (tables === undefined) {
    const from = type.from.trim();
    const first = /^(\w+)\b/.exec(from)?.[1];
    if (first !== type.table) throw new Error(`${type.name}: its FROM clause does not start with its table ${type.table}`);
    const out = new Set([type.table]);
    const texts = [from, ...type.fields.flatMap((f) => (f.joined === undefined ? [] : [f.joined]))];
    for (const text of texts) {
      for (const m of text.matchAll(/\b(?:JOIN|FROM)\b\s*(\S*)/gi)) {
        const table = /^\w+$/.test(m[1]) ? m[1] : undefined;
        if (table === undefined) throw new Error(`${type.name}: cannot tell which table "${m[0]}" reads`);
        out.add(table);
      }
    }
    tables = Object.freeze([...out]);
    reads.set(type, tables);
  }
  return tables;
}

/**
 * Types a stored UID of `type` points into by a declared link (`agents/jobs/{jobId}`: a
 * session's job by JobType), beyond its UID kind's type: they come first too, so an import
 * meets an agent job before the sessions that would otherwise create it from a link.
 */
function linkedTypes(type: TypeDecl, types: readonly TypeDecl[]): TypeDecl[] {
  const keys = storedColumns(type).filter((c) => c.key !== 'id' && c.field.kind === 'uid').map((c) => `{${c.key}}`);
  return types.filter((t) => t !== type && type.links.entity.some((l) => keys.some((k) => l.href === `${t.collection}/${k}`)));
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
    for (const target of linkedTypes(t, types)) visit(target);
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
 * The declared types in write order (every reference points to an earlier type), as imports
 * write and exports list them: the registry reversed, so replica types come before backup ones.
 */
export const PARENTS_FIRST: readonly TypeDecl[] = parentsFirst([...TYPES].reverse());

/**
 * The column every resource table has beside its declared ones: the row's revision, a random
 * number each write that changes the row gives it anew (every INSERT and UPDATE the store
 * generates sets it). With the revisions of the rows a type joins it tells whether a row's
 * rendered text can have changed (`Store.revisedPage`). A row not written since the column
 * was added keeps NULL, which is a revision like any other.
 */
export const REVISION_COLUMN = 'rev';

/** What a database lacks of the declarations: a declared type's table, a stored field's column, or the revision column. */
export type SchemaGap =
  | { readonly missing: 'table'; readonly type: TypeDecl }
  | { readonly missing: 'column'; readonly type: TypeDecl; readonly column: StoredColumn }
  | { readonly missing: 'revision'; readonly type: TypeDecl };

/** The gaps of a database whose tables' columns `columnsOf` lists (undefined: no such table). */
export function schemaGaps(columnsOf: (table: string) => readonly string[] | undefined, types: readonly TypeDecl[] = TYPES): SchemaGap[] {
  const gaps: SchemaGap[] = [];
  for (const type of parentsFirst(types)) {
    const columns = columnsOf(type.table);
    if (columns === undefined) {
      gaps.push({ missing: 'table', type });
      continue;
    }
    for (const column of storedColumns(type)) if (!columns.includes(column.column)) gaps.push({ missing: 'column', type, column });
    if (!columns.includes(REVISION_COLUMN)) gaps.push({ missing: 'revision', type });
  }
  return gaps;
}

export function describeGap(gap: SchemaGap): string {
  switch (gap.missing) {
    case 'table': return `no table ${gap.type.table} (${gap.type.name})`;
    case 'column': return `${gap.type.table} has no column ${gap.column.column} (${gap.type.name}.${gap.column.key})`;
    case 'revision': return `${gap.type.table} has no revision column`;
  }
}
