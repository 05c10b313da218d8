import type { Predicate, QueryPlan, SortKey } from '../query/plan.js';
import type { FieldDecl, ScalarKind, TypeDecl } from '../model/index.js';
import { isOwnColumn, joinedAliases, readExpr, REVISION_COLUMN } from './schema.js';

/**
 * The few places SQL dialects differ; every statement is otherwise built the same for each
 * backend (standard SQL plus `ON CONFLICT … excluded`, which SQLite and PostgreSQL share).
 */
export interface Dialect {
  /** Placeholder for the n-th (1-based) bound value: `?` (SQLite) or `$n` (PostgreSQL). */
  placeholder(n: number): string;
  /**
   * Expression comparing and sorting strings case-insensitively: SQLite's NOCASE, which folds
   * ASCII letters only and then compares bytes; every backend must fold and order exactly so.
   */
  caseInsensitive(expr: string): string;
  /** A bound value compared with a `caseInsensitive` expression (folded too where the backend needs it). */
  caseInsensitiveValue(placeholder: string): string;
  /** True when two values differ, an absent one (NULL) differing from every present one. */
  differs(a: string, b: string): string;
  /** The column type that holds a scalar kind's stored value (see `RawValue`). */
  columnType(kind: ScalarKind): string;
  /** Appended to a column's REFERENCES clause (PostgreSQL: checks may be deferred to the commit). */
  readonly referenceOptions: string;
  /**
   * Appended to the sort of a column that may be NULL (and to its index): absent values sort
   * first ascending and last descending, as in SQLite (and as .NET compares null).
   */
  nullsOrder(desc: boolean): string;
  /** Whether a text value may hold U+0000 (PostgreSQL's cannot: see `Builder.where`). */
  readonly textHoldsNul: boolean;
  /**
   * Whether `(page) p CROSS JOIN …` yields rows in the page's order, so the page need not be
   * sorted again: SQLite runs the left side of a CROSS JOIN as the outer loop, the LIMITed
   * subquery as a co-routine in its ORDER BY order. PostgreSQL promises no join order.
   */
  readonly crossJoinKeepsOrder: boolean;
  /**
   * The column a deferred join finds a page's rows again by: SQLite's `rowid`, the key of the
   * table's own B-tree (no descent of the id index per row: ≈ 15 % of a page at 1M rows).
   */
  readonly pageKey: string;
  /** The revision column's type (with the default that gives each row a new random revision, where the backend has one). */
  readonly revisionType: string;
  /** The value an INSERT or UPDATE gives the revision column: a new random number. */
  readonly newRevision: string;
  /** A parenthesised list of the ids bound to `placeholder` as `idsValue` made them. */
  idList(placeholder: string): string;
  /** The value that binds a list of ids to an `idList` placeholder. */
  idsValue(ids: readonly string[]): string | readonly string[];
}

export const SQLITE: Dialect = {
  placeholder: () => '?',
  caseInsensitive: (expr) => `${expr} COLLATE NOCASE`,
  caseInsensitiveValue: (placeholder) => placeholder,
  differs: (a, b) => `${a} IS NOT ${b}`,
  columnType: (kind) => (isText(kind) ? 'TEXT' : 'INTEGER'),
  referenceOptions: '',
  nullsOrder: () => '',
  textHoldsNul: true,
  crossJoinKeepsOrder: true,
  pageKey: 'rowid',
  // SQLite cannot add a column whose default is an expression, so every write names it.
  revisionType: 'INTEGER',
  newRevision: 'random()',
  idList: (placeholder) => `(SELECT value FROM json_each(${placeholder}))`,
  idsValue: (ids) => JSON.stringify(ids),
};

/**
 * PostgreSQL. Text columns use the "C" collation (byte order, as SQLite's BINARY; DateTimes
 * are canonical text whose byte order is time order), and `lower()` under "C" folds ASCII
 * letters only, so `lower(x)` compares and sorts as `x COLLATE NOCASE`. The bound value is
 * folded under "C" too: under the database's own locale `lower()` would fold `É` as well.
 * Integers of every kind are BIGINT (SQLite's INTEGER is 64-bit).
 */
export const POSTGRES: Dialect = {
  placeholder: (n) => `$${n}`,
  caseInsensitive: (expr) => `lower(${expr})`,
  caseInsensitiveValue: (placeholder) => `lower(${placeholder}::text COLLATE "C")`,
  differs: (a, b) => `${a} IS DISTINCT FROM ${b}`,
  columnType: (kind) => (isText(kind) ? 'TEXT COLLATE "C"' : 'BIGINT'),
  referenceOptions: ' DEFERRABLE INITIALLY IMMEDIATE',
  nullsOrder: (desc) => (desc ? ' NULLS LAST' : ' NULLS FIRST'),
  textHoldsNul: false,
  crossJoinKeepsOrder: false,
  pageKey: 'id',
  // The default serves COPY too, which cannot compute a value.
  revisionType: 'BIGINT DEFAULT (random() * 9007199254740991)::bigint',
  newRevision: 'DEFAULT',
  idList: (placeholder) => `(SELECT unnest(${placeholder}::text[]))`,
  idsValue: (ids) => ids,
};

export interface CompiledSql {
  readonly text: string;
  readonly params: (string | number)[];
}

function isText(kind: ScalarKind): boolean {
  return kind === 'string' || kind === 'uid' || kind === 'datetime';
}

const SQL_OP = { '==': '=', '!=': '<>', '<': '<', '<=': '<=', '>': '>', '>=': '>=' } as const;

class Builder {
  readonly params: (string | number)[] = [];
  constructor(readonly dialect: Dialect) {}
  bind(value: string | number): string {
    this.params.push(value);
    return this.dialect.placeholder(this.params.length);
  }
  expr(field: FieldDecl): string {
    return field.kind === 'string' ? this.dialect.caseInsensitive(readExpr(field)) : readExpr(field);
  }
  where(p: Predicate): string {
    if (p.kind !== 'cmp') {
      const glue = p.kind === 'and' ? ' AND ' : ' OR ';
      return '(' + p.items.map((i) => this.where(i)).join(glue) + ')';
    }
    let { op, value: given } = p;
    const nul = typeof given === 'string' && !this.dialect.textHoldsNul ? given.indexOf('\0') : -1;
    if (nul >= 0) {
      // No stored text holds U+0000, so none equals V = P + "\0" + …; and as "\0" sorts before
      // every other character, a stored S is below V exactly when S <= P, above it when S > P.
      if (op === '==') return '(1 = 0)';
      if (op === '!=') return '(1 = 1)';
      given = (given as string).slice(0, nul);
      op = op === '<' || op === '<=' ? '<=' : '>';
    }
    const value = p.field.kind === 'string' ? this.dialect.caseInsensitiveValue(this.bind(given)) : this.bind(given);
    const test = `${this.expr(p.field)} ${SQL_OP[op]} ${value}`;
    // .NET null semantics: an absent value is unequal to everything and comparable to nothing.
    return p.op === '!=' && p.field.optional ? `(${readExpr(p.field)} IS NULL OR ${test})` : test;
  }
  orderBy(order: readonly SortKey[]): string {
    return order.map((k) => `${this.expr(k.field)} ${k.desc ? 'DESC' : 'ASC'}${k.field.optional ? this.dialect.nullsOrder(k.desc) : ''}`).join(', ');
  }
}

const selectList = (type: TypeDecl) => type.fields.map((f) => `${readExpr(f)} AS "${f.key}"`).join(', ');

function fieldsOf(p: Predicate | undefined, out: FieldDecl[] = []): FieldDecl[] {
  if (p?.kind === 'cmp') out.push(p.field);
  else if (p) for (const i of p.items) fieldsOf(i, out);
  return out;
}

/**
 * The FROM clause a part of a query needs: the type's own table alone when every column it
 * uses is the table's (the joins are LEFT JOINs on keys, so they add no rows and remove none).
 * Engines then page and count on an index of the table instead of joining every row.
 */
function fromFor(type: TypeDecl, fields: readonly FieldDecl[]): string {
  return fields.every(isOwnColumn) ? `${type.table} t` : type.from;
}

/**
 * Pages up to this many rows are found by id first; larger ones are read straight in order,
 * so their first rows come without sorting the whole page again (they are streamed).
 */
const DEFERRED_JOIN_ROWS = 1000;

/** The page's keys (`Dialect.pageKey`) alone, in order: the inner part of a deferred join. */
function pageKeys(plan: QueryPlan, b: Builder, where: string, order: string): string {
  const from = fromFor(plan.type, [...fieldsOf(plan.where), ...plan.order.map((k) => k.field)]);
  return `SELECT t.${b.dialect.pageKey} AS k FROM ${from}${where}${order} LIMIT ${b.bind(plan.limit)} OFFSET ${b.bind(plan.offset)}`;
}

/** `columns` of the page's rows joined by key in the page's order (`t.id IN (…)` would sort them again). */
function pageJoined(plan: QueryPlan, b: Builder, columns: string): string {
  const where = plan.where ? ` WHERE ${b.where(plan.where)}` : '';
  const order = ` ORDER BY ${b.orderBy(plan.order)}`;
  const key = b.dialect.pageKey;
  const joined = `SELECT ${columns} FROM (${pageKeys(plan, b, where, order)}) p CROSS JOIN ${plan.type.from} WHERE t.${key} = p.k`;
  return b.dialect.crossJoinKeepsOrder ? joined : joined + order;
}

/**
 * The page of rows a plan asks for, as one parameterised statement. A page is found first by
 * id alone (a "deferred join"): skipping OFFSET rows then walks an index, not whole joined rows.
 */
export function compileSelect(plan: QueryPlan, dialect: Dialect): CompiledSql {
  const b = new Builder(dialect);
  if (plan.limit >= 0 && plan.limit <= DEFERRED_JOIN_ROWS) return { text: pageJoined(plan, b, selectList(plan.type)), params: b.params };
  const where = plan.where ? ` WHERE ${b.where(plan.where)}` : '';
  const order = ` ORDER BY ${b.orderBy(plan.order)}`;
  const select = `SELECT ${selectList(plan.type)} FROM ${plan.type.from}${where}${order}`;
  if (plan.limit < 0) return { text: select, params: b.params };
  return { text: `${select} LIMIT ${b.bind(plan.limit)} OFFSET ${b.bind(plan.offset)}`, params: b.params };
}

/** Whether `compileRevisions` can read a plan's page: a page found by id first, of a type whose joins are plain. */
export const revisable = (plan: QueryPlan): boolean =>
  plan.limit >= 0 && plan.limit <= DEFERRED_JOIN_ROWS && joinedAliases(plan.type) !== null;

/**
 * The page of a `revisable` plan as each row's id, revision, and the id and revision of each
 * row it joins (`joinedAliases`), in the page's order: what the row's values depend on.
 */
export function compileRevisions(plan: QueryPlan, dialect: Dialect): CompiledSql {
  const aliases = joinedAliases(plan.type);
  if (aliases === null || !revisable(plan)) throw new Error(`a page of ${plan.type.name} cannot be read by revision`);
  const columns = ['t', ...aliases].map((a) => `${a}.id, ${a}.${REVISION_COLUMN}`).join(', ');
  const b = new Builder(dialect);
  return { text: pageJoined(plan, b, columns), params: b.params };
}

/** The rows of a type whose ids are in one bound list (`Dialect.idList`), in no particular order. */
export function compileRowsById(type: TypeDecl, dialect: Dialect): string {
  return `SELECT ${selectList(type)} FROM ${type.from} WHERE t.id IN ${dialect.idList(dialect.placeholder(1))}`;
}

/** The number of rows a plan's filter matches (PagingInfo needs it). */
export function compileCount(plan: QueryPlan, dialect: Dialect): CompiledSql {
  const b = new Builder(dialect);
  let text = `SELECT COUNT(*) AS n FROM ${fromFor(plan.type, fieldsOf(plan.where))}`;
  if (plan.where) text += ` WHERE ${b.where(plan.where)}`;
  return { text, params: b.params };
}

/** `(?, ?, …)` for the `row`-th (0-based) row of `width` values, then `extra` (SQL) if any. */
const valuesRow = (dialect: Dialect, width: number, row: number, extra?: string) =>
  `(${[...Array.from({ length: width }, (_, c) => dialect.placeholder(row * width + c + 1)), ...(extra === undefined ? [] : [extra])].join(', ')})`;

export interface RowWriteOptions {
  /** Rows of a resource table: the statement gives each row it writes a new revision (`REVISION_COLUMN`). */
  readonly revised?: boolean;
}

/**
 * An INSERT of `rows` rows of `columns`, values bound row after row in column order. With
 * `skipKey`, a row whose key is stored already is left out (and not counted as a change).
 */
export function compileInsert(
  table: string, columns: readonly string[], rows: number, dialect: Dialect, options: RowWriteOptions & { skipKey?: string } = {},
): string {
  const revision = options.revised ? dialect.newRevision : undefined;
  const values = Array.from({ length: rows }, (_, r) => valuesRow(dialect, columns.length, r, revision)).join(', ');
  const conflict = options.skipKey === undefined ? '' : ` ON CONFLICT (${options.skipKey}) DO NOTHING`;
  const names = revision === undefined ? columns : [...columns, REVISION_COLUMN];
  return `INSERT INTO ${table} (${names.join(', ')}) VALUES ${values}${conflict}`;
}

/**
 * The SET list of an upsert's update: every column but `key` from the proposed row, and a new
 * revision where the table is revised.
 */
export function conflictSet(columns: readonly string[], key: string, dialect: Dialect, options: RowWriteOptions = {}): string {
  const set = columns.filter((c) => c !== key).map((c) => `${c} = excluded.${c}`);
  if (options.revised) set.push(`${REVISION_COLUMN} = ${dialect.newRevision}`);
  return set.join(', ');
}

/**
 * An insert of one row that updates the row stored under the same `key` instead (never a
 * delete and insert, which would take the row from under its children). With `changedOnly`
 * a stored row whose values are all the same is left alone, so it counts as no change.
 */
export function compileUpsert(
  table: string, columns: readonly string[], key: string, dialect: Dialect, options: RowWriteOptions & { changedOnly?: boolean } = {},
): string {
  const rest = columns.filter((c) => c !== key);
  const where = options.changedOnly ? ` WHERE ${rest.map((c) => dialect.differs(`${table}.${c}`, `excluded.${c}`)).join(' OR ')}` : '';
  return `${compileInsert(table, columns, 1, dialect, options)} ON CONFLICT (${key}) DO UPDATE SET ${conflictSet(columns, key, dialect, options)}${where}`;
}

/** A DELETE of the rows whose `key` is one of `count` bound values. */
export function compileDelete(table: string, key: string, count: number, dialect: Dialect): string {
  return `DELETE FROM ${table} WHERE ${key} IN ${valuesRow(dialect, count, 0)}`;
}
