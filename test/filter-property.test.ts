/**
 * Property test: for every declared type, the SQL the store generates and the in-memory
 * evaluator (src/query/evaluate.ts) agree on random data, filters, sorts and pages, on each
 * backend: SQLite, and PostgreSQL (whose case folding and byte order must be SQLite's).
 *
 * Everything is derived from the registry: the tables a type's FROM clause joins (plus any table
 * a foreign key of theirs references) are filled with random rows built from the declared fields,
 * parents first so the joins match; filters use the declared filter names (random case, aliases)
 * and values drawn from the data and from edge-case pools, so hits, ties and near misses are likely.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import fc from 'fast-check';
import { and, cmp, OPERATORS, or, printFilter, type FilterNode, type Operator } from '../src/filter/ast.js';
import { MAX_COMPARISONS, MAX_DEPTH, parseFilter } from '../src/filter/parse.js';
import { compareRows, evaluate } from '../src/query/evaluate.js';
import { planOrder, planPredicate, type QueryPlan } from '../src/query/plan.js';
import { fieldByKey, TYPES, type FieldDecl, type RawValue, type Row, type TypeDecl } from '../src/model/index.js';
import { readExpr, storedColumns } from '../src/store/schema.js';
import { openSqliteStore, type SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import type { Store } from '../src/store/store.js';
import { inspectSqlite } from './support/sqlite-inspector.js';
import { openTestStore } from './support/store.js';
import { freshPostgresUrl } from './support/postgres.js';
import { openPgStore } from '../src/store/pg/pg-store.js';
import { formatDateTime, fromEpochMs, toEpochMs } from '../src/util/datetime.js';

/**
 * The backends and how many random datasets each type gets on them: PostgreSQL's statements
 * cross a socket, so fewer there; the same generators and oracle.
 */
const BACKENDS: readonly { readonly name: string; readonly datasets: number; open(label: string): Promise<Store> }[] = [
  { name: 'SQLite', datasets: 100, open: async (label) => openTestStore(join(dir, label)) },
  { name: 'PostgreSQL', datasets: 25, open: async () => openPgStore(await freshPostgresUrl()) },
];
const QUERIES_PER_DATASET = 20;
/**
 * A rare failure can take minutes to shrink (every attempt reloads a database); stop after this
 * long and report the smallest counterexample found so far. A green run takes a few seconds.
 */
const SHRINK_BUDGET = { interruptAfterTimeLimit: 20_000, markInterruptAsFailure: true };

const dir = mkdtempSync(join(tmpdir(), 'emrest-filter-property-'));
after(() => rmSync(dir, { recursive: true, force: true }));

// ---------------------------------------------------------------------------------------------
// The schema model of a type, derived from its declaration and the database's foreign keys.

interface Ref {
  readonly table: string;
  readonly column: string;
  /** A FOREIGN KEY constraint: a dangling value cannot be inserted. */
  readonly enforced: boolean;
}
interface ColumnModel {
  readonly column: string;
  readonly key: string;
  readonly field: FieldDecl;
  ref?: Ref;
}
interface TableModel {
  readonly table: string;
  readonly decl: TypeDecl;
  readonly columns: ColumnModel[];
}
interface JoinModel {
  readonly table: string;
  readonly alias: string;
  /** LEFT JOIN: a row without a match is kept, the joined table's columns null. */
  readonly left: boolean;
  /** `alias.column = otherAlias.otherColumn` */
  readonly column: string;
  readonly otherAlias: string;
  readonly otherColumn: string;
}
interface TypeModel {
  readonly type: TypeDecl;
  readonly baseTable: string;
  readonly baseAlias: string;
  readonly joins: JoinModel[];
  /** Every table to fill, parents before children. */
  readonly tables: TableModel[];
  /** Per field: the alias and column of its SQL expression. */
  readonly projection: { key: string; alias: string; column: string }[];
  readonly filterable: FieldDecl[];
  /**
   * Columns a join matches on that are not their table's key (a session's restore point, by
   * the point's session): the declaration promises at most one row per value, so the data
   * keeps one.
   */
  readonly atMostOne: readonly { table: string; column: string }[];
}

/**
 * Joins this test models by a plain equi-join that is equivalent on the data it generates:
 * a backup task's VM restore point is the one named as the task (of the task's own session
 * where two share the name); the generated names are unique (`atMostOne`), so the name decides.
 */
const MODELLED_JOINS: readonly [RegExp, string][] = [
  [/vm_restore_points vrp ON vrp\.id = \(SELECT v\.id FROM vm_restore_points v .*? WHERE v\.name = t\.name .*?LIMIT 1\)/, 'vm_restore_points vrp ON vrp.name = t.name'],
];

function parseFrom(declared: string): { table: string; alias: string; joins: JoinModel[] } {
  const from = MODELLED_JOINS.reduce((text, [join, model]) => text.replace(join, model), declared);
  const parts = from.trim().split(/\s+((?:LEFT\s+(?:OUTER\s+)?|INNER\s+)?JOIN)\s+/i);
  const h = /^(\w+)\s+(\w+)$/.exec(parts[0]);
  if (!h) throw new Error(`FROM clause not understood by this test (extend it): ${from}`);
  const seen = new Set([h[2]]);
  const joins: JoinModel[] = [];
  for (let i = 1; i < parts.length; i += 2) {
    const left = /^LEFT/i.test(parts[i]);
    const m = /^(\w+)\s+(\w+)\s+ON\s+(\w+)\.(\w+)\s*=\s*(\w+)\.(\w+)$/i.exec(parts[i + 1].trim());
    if (!m) throw new Error(`JOIN not understood by this test (extend it): ${parts[i + 1]}`);
    const [, table, alias, a1, c1, a2, c2] = m;
    const j: JoinModel | undefined =
      a1 === alias && seen.has(a2)
        ? { table, alias, left, column: c1, otherAlias: a2, otherColumn: c2 }
        : a2 === alias && seen.has(a1)
          ? { table, alias, left, column: c2, otherAlias: a1, otherColumn: c1 }
          : undefined;
    if (!j) throw new Error(`JOIN condition not understood by this test (extend it): ${parts[i + 1]}`);
    seen.add(alias);
    joins.push(j);
  }
  return { table: h[1], alias: h[2], joins };
}

function declOfTable(table: string): TypeDecl {
  const decl = TYPES.find((t) => t.table === table);
  if (!decl) throw new Error(`no declared type stores table ${table}; the test cannot fill it`);
  return decl;
}

function buildModel(type: TypeDecl, store: SqliteStore): TypeModel {
  const from = parseFrom(type.from);
  const aliasTable = new Map<string, string>([[from.alias, from.table], ...from.joins.map((j) => [j.alias, j.table] as const)]);
  if (new Set(aliasTable.values()).size !== aliasTable.size) throw new Error(`self-joins are not supported: ${type.from}`);

  const tables = new Map<string, TableModel>();
  const addTable = (table: string) => {
    if (tables.has(table)) return;
    const decl = declOfTable(table);
    const columns = storedColumns(decl).map(({ key, column }) => ({ key, column, field: fieldByKey(decl, key) }));
    tables.set(table, { table, decl, columns });
  };
  for (const t of aliasTable.values()) addTable(t);

  const setRef = (table: string, column: string, ref: Ref) => {
    const c = tables.get(table)!.columns.find((x) => x.column === column);
    if (!c) throw new Error(`${table}.${column} is not a declared column`);
    if (c.ref && (c.ref.table !== ref.table || c.ref.column !== ref.column)) throw new Error(`${table}.${column} refers to two tables`);
    c.ref = { ...ref, enforced: ref.enforced || (c.ref?.enforced ?? false) };
  };
  // Foreign keys (transitively: a referenced table is filled too).
  for (let changed = true; changed; ) {
    changed = false;
    for (const t of [...tables.values()]) {
      const fks = inspectSqlite(store.path, (db) => db.pragma(`foreign_key_list(${t.table})`)) as { table: string; from: string; to: string | null }[];
      for (const fk of fks) {
        if (!tables.has(fk.table)) {
          addTable(fk.table);
          changed = true;
        }
        setRef(t.table, fk.from, { table: fk.table, column: fk.to ?? 'id', enforced: true });
      }
    }
  }
  // Join conditions: the earlier alias's column takes its values from the joined table's key;
  // a join on another column of the joined table (a session's restore point, by the point's
  // session) is the other way round: that column takes its values from the earlier alias's.
  const atMostOne: { table: string; column: string }[] = [];
  for (const j of from.joins) {
    if (j.column === 'id') setRef(aliasTable.get(j.otherAlias)!, j.otherColumn, { table: j.table, column: j.column, enforced: false });
    else {
      setRef(j.table, j.column, { table: aliasTable.get(j.otherAlias)!, column: j.otherColumn, enforced: false });
      atMostOne.push({ table: j.table, column: j.column });
    }
  }

  // Parents first.
  const ordered: TableModel[] = [];
  const visiting = new Set<string>();
  const visit = (t: TableModel) => {
    if (ordered.includes(t)) return;
    if (visiting.has(t.table)) throw new Error(`reference cycle through ${t.table}`);
    visiting.add(t.table);
    for (const c of t.columns) if (c.ref && c.ref.table !== t.table) visit(tables.get(c.ref.table)!);
    ordered.push(t);
  };
  for (const t of tables.values()) visit(t);

  const projection = type.fields.map((f) => {
    const m = /^(\w+)\.(\w+)$/.exec(readExpr(f));
    if (!m || !aliasTable.has(m[1])) throw new Error(`${type.name}.${f.key}: column ${readExpr(f)} is not alias.column`);
    return { key: f.key, alias: m[1], column: m[2] };
  });

  return {
    type,
    baseTable: from.table,
    baseAlias: from.alias,
    joins: from.joins,
    tables: ordered,
    projection,
    filterable: type.fields.filter((f) => (f.filter?.length ?? 0) > 0),
    atMostOne,
  };
}

// ---------------------------------------------------------------------------------------------
// Value pools (stored forms: enum ordinals, 0/1, canonical DateTimes, lowercase bare GUIDs).

const STRINGS = [
  '', ' ', 'a', 'A', 'b', 'B', 'alpha', 'Alpha', 'ALPHA', 'alphA', 'Alpha ', ' Alpha',
  'Replication Job 1', 'replication job 1', 'ReplicationJob1', 'e', 'E', 'é', 'É', 'ü', 'Ü',
  'ß', 'SS', 'ss', 'Straße', 'STRASSE', 'straße', 'STRAßE', '😀', 'a😀', 'A😀', 'Ω', 'ω',
  'naïve', 'NAÏVE', '_', '[', '`', '{', '~', '0', '00', '10', '9', '-1', 'a"b', '"Backup"',
  '""', 'x;y,(z)', 'tab\there', 'line\nbreak', '\u00a0', 'enterprise06.tech.local',
  'ENTERPRISE06.TECH.LOCAL', 'z', 'Z', 'zz', 'ﬀ', 'Ａ', 'ａ', // U+FB00, U+FF21, U+FF41: UTF-16 order ≠ UTF-8 order vs emoji
];
/** Only in filters: stored data comes from XML, which cannot hold NUL (see the report). */
const FILTER_ONLY_STRINGS = ['\0', 'a\0', 'alpha\0x', '\uffff', '\u{10ffff}'];

const LONGS = [
  0, 1, -1, 2, 99, 100, 9392, 65535, 2147483647, -2147483648, 2147483648, 4294967295, 1e12,
  Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER - 1, Number.MIN_SAFE_INTEGER,
];
/** `int` fields hold 32 bits (.NET Int32): a filter value beyond is refused, as import refuses it. */
const isInt32 = (n: number) => n >= -(2 ** 31) && n < 2 ** 31;
const INTS = LONGS.filter(isInt32);

const DATETIME_BASES = [
  '0001-01-01T00:00:00', '1999-12-31T23:59:59', '2021-06-15T22:06:57', '2021-06-15T23:59:59',
  '2021-06-16T00:00:00', '2021-06-16T00:00:01', '2024-02-29T12:34:56', '9999-12-31T23:59:59',
];
const MIN_EPOCH_MS = new Date('0001-01-01T00:00:00.000Z').getTime();
const MAX_EPOCH_MS = new Date('9999-12-31T23:59:59.999Z').getTime();

const GUIDS = [
  '00000000-0000-0000-0000-000000000000',
  'ffffffff-ffff-ffff-ffff-ffffffffffff',
  '7445e6ce-1f5d-4d8a-9e0b-0a1b2c3d4e5f',
  'a0000000-0000-4000-8000-000000000001',
];
const DANGLING_GUID = 'deadbeef-dead-beef-dead-beefdeadbeef';

const stringArb = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom(...STRINGS) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 6 }).filter((s) => !s.includes('\0') && s !== '"') },
);
const intArb = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...INTS) },
  { weight: 2, arbitrary: fc.integer({ min: -3, max: 3 }) },
  { weight: 1, arbitrary: fc.integer() },
);
const longArb = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...LONGS) },
  { weight: 2, arbitrary: fc.integer({ min: -3, max: 3 }) },
  { weight: 1, arbitrary: fc.maxSafeInteger() },
);
const datetimeArb = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .tuple(fc.constantFrom(...DATETIME_BASES), fc.integer({ min: 0, max: 7 }), fc.integer({ min: 0, max: 9_999_999 }))
      .map(([base, digits, n]) => `${base}.${String(n).padStart(7, '0').slice(0, digits).padEnd(7, '0')}Z`),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.integer({ min: MIN_EPOCH_MS, max: MAX_EPOCH_MS }), fc.integer({ min: 0, max: 9999 }))
      .map(([ms, ticks]) => fromEpochMs(ms, ticks)),
  },
);
const guidArb = fc.oneof(fc.constantFrom(...GUIDS), fc.uuid().map((g) => g.toLowerCase()));

function valueArb(field: FieldDecl): fc.Arbitrary<RawValue> {
  const base: fc.Arbitrary<RawValue> = (() => {
    switch (field.kind) {
      case 'string': return stringArb;
      case 'int': return intArb;
      case 'long': return longArb;
      case 'bool': return fc.constantFrom(0, 1);
      case 'enum': return fc.nat({ max: field.members.length - 1 });
      case 'datetime': return datetimeArb;
      case 'uid': return guidArb;
    }
  })();
  return field.optional ? fc.option(base, { nil: null, freq: 3 }) : base;
}

/** Static filter-value pool of a field's kind (stored forms). */
function poolOf(field: FieldDecl): RawValue[] {
  switch (field.kind) {
    case 'string': return [...STRINGS, ...FILTER_ONLY_STRINGS];
    case 'int': return INTS;
    case 'long': return LONGS;
    case 'bool': return [0, 1];
    case 'enum': return field.members.map((_, i) => i);
    case 'datetime': return DATETIME_BASES.flatMap((b) => [`${b}.0000000Z`, `${b}.9999999Z`, `${b}.0000001Z`]);
    case 'uid': return GUIDS;
  }
}

// ---------------------------------------------------------------------------------------------
// Datasets.

/** Generated rows per table, keyed by column; reference columns hold a pick index until resolved. */
type RawDataset = Record<string, Record<string, RawValue>[]>;

interface Dataset {
  /** Rows per table, keyed by column, references resolved. */
  readonly tables: Map<string, Record<string, RawValue>[]>;
  /** The type's rows as the FROM clause joins them, keyed by field key. */
  readonly joined: Row[];
}

function datasetArb(model: TypeModel): fc.Arbitrary<RawDataset> {
  const perTable: Record<string, fc.Arbitrary<Record<string, RawValue>[]>> = {};
  for (const t of model.tables) {
    const row: Record<string, fc.Arbitrary<RawValue>> = {};
    for (const c of t.columns) {
      row[c.column] = c.column === 'id' ? guidArb : c.ref ? fc.nat() : valueArb(c.field);
    }
    const isBase = t.table === model.baseTable;
    perTable[t.table] = fc.uniqueArray(fc.record(row), {
      selector: (r) => r.id,
      minLength: isBase ? 0 : 1,
      maxLength: isBase ? 30 : 4, // few parents: joined values repeat
      size: 'max',
    });
  }
  return fc.record(perTable);
}

function resolveDataset(model: TypeModel, raw: RawDataset): Dataset {
  const tables = new Map<string, Record<string, RawValue>[]>();
  for (const t of model.tables) {
    const rows: Record<string, RawValue>[] = [];
    for (const r of raw[t.table]) {
      const row = { ...r };
      let keep = true;
      for (const c of t.columns) {
        if (!c.ref) continue;
        const targets = tables.get(c.ref.table)!.map((p) => p[c.ref!.column]);
        const n = targets.length + (c.ref.enforced ? 0 : 1);
        if (n === 0) {
          keep = false;
          break;
        }
        const i = (r[c.column] as number) % n;
        row[c.column] = i < targets.length ? targets[i] : DANGLING_GUID;
      }
      if (keep) rows.push(row);
    }
    // The first row of each value of an at-most-one column stays.
    for (const { column } of model.atMostOne.filter((u) => u.table === t.table)) {
      const taken = new Set<RawValue>();
      const kept = rows.filter((r) => !taken.has(r[column]) && taken.add(r[column]) !== undefined);
      rows.splice(0, rows.length, ...kept);
    }
    tables.set(t.table, rows);
  }

  // The FROM clause in memory: equi-joins in order (a LEFT JOIN keeps unmatched rows, nulls).
  type Env = Record<string, Record<string, RawValue> | null>;
  let envs: Env[] = tables.get(model.baseTable)!.map((r) => ({ [model.baseAlias]: r }));
  for (const j of model.joins) {
    const rows = tables.get(j.table)!;
    envs = envs.flatMap((env) => {
      const v = env[j.otherAlias]?.[j.otherColumn] ?? null;
      const matches = rows.filter((r) => v !== null && r[j.column] === v).map((r): Env => ({ ...env, [j.alias]: r }));
      return matches.length === 0 && j.left ? [{ ...env, [j.alias]: null }] : matches;
    });
  }
  const joined = envs.map((env) => {
    const row: Row = {};
    for (const p of model.projection) row[p.key] = env[p.alias]?.[p.column] ?? null;
    return row;
  });
  return { tables, joined };
}

/** Replaces all resource rows with the dataset, parents first, in one write transaction. */
async function loadDataset(model: TypeModel, store: Store, data: Dataset, bulk: boolean): Promise<void> {
  await store.write(
    async (w) => {
      await w.clear();
      for (const t of model.tables) {
        const rows = data.tables.get(t.table)!.map((r) => {
          const row: Row = {};
          for (const c of t.columns) row[c.key] = r[c.column];
          return row;
        });
        await w.upsert(t.decl, rows);
      }
    },
    { bulk },
  );
}

// ---------------------------------------------------------------------------------------------
// Filters: generated as specs (indices), resolved against the type and the dataset.

interface NameSpec {
  readonly field: number;
  readonly alias: number;
  readonly casing: number;
}
interface ValueSpec {
  readonly fromData: boolean;
  readonly pick: number;
  readonly form: number;
}
type FilterSpec =
  | { readonly kind: 'cmp'; readonly name: NameSpec; readonly op: Operator; readonly value: ValueSpec }
  | { readonly kind: 'and' | 'or'; readonly items: readonly FilterSpec[] };
interface QuerySpec {
  readonly filter: FilterSpec | null;
  readonly sort: (NameSpec & { desc: boolean }) | null;
  readonly page: number;
  readonly pageSize: number;
  readonly unlimited: boolean;
  readonly loose: number;
}

const nameSpecArb: fc.Arbitrary<NameSpec> = fc.record({ field: fc.nat(), alias: fc.nat(), casing: fc.nat() });
const valueSpecArb: fc.Arbitrary<ValueSpec> = fc.record({
  fromData: fc.boolean(),
  pick: fc.nat(),
  form: fc.nat(),
});
const cmpSpecArb: fc.Arbitrary<FilterSpec> = fc.record({
  kind: fc.constant('cmp' as const),
  name: nameSpecArb,
  op: fc.constantFrom(...OPERATORS),
  value: valueSpecArb,
});
function filterSpecArb(depth: number): fc.Arbitrary<FilterSpec> {
  if (depth === 0) return cmpSpecArb;
  return fc.oneof(
    { weight: 3, arbitrary: cmpSpecArb },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constantFrom('and' as const, 'or' as const),
        items: fc.array(filterSpecArb(depth - 1), { minLength: 1, maxLength: 3 }),
      }),
    },
  );
}
const querySpecArb: fc.Arbitrary<QuerySpec> = fc.record({
  filter: fc.option(filterSpecArb(3), { nil: null, freq: 8 }),
  sort: fc.option(fc.record({ field: fc.nat(), alias: fc.nat(), casing: fc.nat(), desc: fc.boolean() }), { nil: null, freq: 4 }),
  page: fc.oneof({ weight: 2, arbitrary: fc.constant(1) }, { weight: 1, arbitrary: fc.integer({ min: 2, max: 4 }) }),
  pageSize: fc.oneof(fc.integer({ min: 1, max: 5 }), fc.constantFrom(10, 100)),
  unlimited: fc.oneof({ weight: 1, arbitrary: fc.constant(true) }, { weight: 5, arbitrary: fc.constant(false) }),
  loose: fc.nat(),
});

const asciiUpper = (s: string) => s.replace(/[a-z]/g, (c) => c.toUpperCase());
const asciiLower = (s: string) => s.replace(/[A-Z]/g, (c) => c.toLowerCase());
/** Mixed case, deterministic in `seed`. */
const mixCase = (s: string, seed: number) =>
  [...s].map((c, i) => (((seed >>> (i % 30)) & 1) === 1 ? c.toUpperCase() : c.toLowerCase())).join('');

function fieldName(model: TypeModel, spec: NameSpec): { field: FieldDecl; name: string } {
  const field = model.filterable[spec.field % model.filterable.length];
  const names = field.filter!;
  const name = names[spec.alias % names.length];
  const casing = [name, name.toLowerCase(), name.toUpperCase(), mixCase(name, spec.casing >>> 2)][spec.casing % 4];
  return { field, name: casing };
}

/** A stored value as filter text, in one of several equivalent (or near) spellings. */
function renderValue(field: FieldDecl, raw: RawValue, form: number): string {
  switch (field.kind) {
    case 'string': {
      const s = String(raw);
      return [s, asciiUpper(s), asciiLower(s), s.toUpperCase(), s.toLowerCase(), mixCase(s, form >>> 3)][form % 6];
    }
    case 'enum': {
      const m = field.members[raw as number];
      return [m, m.toLowerCase(), m.toUpperCase(), mixCase(m, form >>> 2)][form % 4];
    }
    case 'bool': {
      const b = raw === 1 ? 'true' : 'false';
      return [b, b.toUpperCase(), mixCase(b, form >>> 2)][form % 3];
    }
    case 'int':
    case 'long': {
      const n = raw as number;
      const near = n + ((form >>> 2) % 2 === 0 ? 1 : -1);
      const fits = field.kind === 'int' ? isInt32 : Number.isSafeInteger;
      switch (form % 4) {
        case 1: return fits(near) ? String(near) : String(n);
        case 2: return String(Math.abs(n)).length <= 14 ? (n < 0 ? '-00' : '00') + String(Math.abs(n)) : String(n);
        case 3: return n === 0 ? '-0' : String(n);
        default: return String(n);
      }
    }
    case 'datetime':
      return renderDateTime(String(raw), form);
    case 'uid': {
      const g = String(raw);
      switch (form % 5) {
        case 1: return g.toUpperCase();
        case 2: return `urn:veeam:${field.uidKind}:${g}`;
        case 3: return `URN:VEEAM:${field.uidKind.toUpperCase()}:${g.toUpperCase()}`;
        case 4: return `urn:veeam:${mixCase(field.uidKind, form >>> 3)}:${g}`;
        default: return g;
      }
    }
  }
}

/** `value` is canonical `YYYY-MM-DDTHH:MM:SS.fffffffZ`. */
function renderDateTime(value: string, form: number): string {
  const date = value.slice(0, 10), time = value.slice(11, 19), frac = value.slice(20, 27);
  const shifted = (minutes: number, zone: string) => {
    const ms = toEpochMs(value) + minutes * 60_000;
    const iso = new Date(ms).toISOString();
    return ms < MIN_EPOCH_MS || ms > MAX_EPOCH_MS ? value : `${iso.slice(0, 19)}.${frac}${zone}`;
  };
  switch (form % 10) {
    case 1: return formatDateTime(value);
    case 2: return `${date} ${time}.${frac}`;
    case 3: return `${date}T${time}.${frac}99`; // 9 digits, truncated to the same 7
    case 4: return date; // midnight
    case 5: return shifted(60, '+01:00');
    case 6: return shifted(-330, '-05:30');
    case 7: return `${date}T${time.slice(0, 5)}`; // no seconds
    case 8: return value.toLowerCase(); // 't' and 'z'
    case 9: return `${date} ${time}`; // fraction dropped
    default: return value;
  }
}

function resolveFilter(model: TypeModel, data: Dataset, spec: FilterSpec): FilterNode {
  if (spec.kind !== 'cmp') {
    const items = spec.items.map((s) => resolveFilter(model, data, s));
    return spec.kind === 'and' ? and(items) : or(items);
  }
  const { field, name } = fieldName(model, spec.name);
  const present = data.joined.map((r) => r[field.key]).filter((v) => v !== null && v !== undefined);
  const pool = spec.value.fromData && present.length > 0 ? present : poolOf(field);
  const value = renderValue(field, pool[spec.value.pick % pool.length], spec.value.form);
  return cmp(name, spec.op, value);
}

/**
 * Another valid spelling: unquoted where possible, whitespace around everything, redundant
 * parentheses around comparisons (never nesting deeper than MAX_DEPTH).
 */
function printLoose(node: FilterNode, seed: number, depth = 0): string {
  switch (node.kind) {
    case 'cmp': {
      if (/^"{2,}$/.test(node.value)) return printFilter(node);
      // A bare value may not start with an operator's character (`< =` reads as `<=`, then no value).
      const plain = /^[^\s";,()=!<>][^\s";,()]*$/.test(node.value);
      const v = plain && seed % 2 === 0 ? node.value : `"${node.value.replace(/"/g, '""')}"`;
      const text = ` ${node.field} ${node.op} ${v} `;
      return seed % 3 === 0 && depth < MAX_DEPTH ? `(${text})` : text;
    }
    case 'and':
      return node.items
        .map((n, i) => (n.kind === 'or' ? `( ${printLoose(n, seed + i, depth + 1)} )` : printLoose(n, seed + i, depth)))
        .join(' ; ');
    case 'or':
      return node.items.map((n, i) => printLoose(n, seed + i, depth)).join('\t,\n');
  }
}

// ---------------------------------------------------------------------------------------------
// The comparison.

interface Case {
  readonly filter?: FilterNode;
  readonly sort?: { name: string; desc: boolean };
  readonly offset: number;
  readonly limit: number;
}

function expected(model: TypeModel, data: Dataset, plan: QueryPlan): { rows: Row[]; total: number } {
  const hits = data.joined.filter((r) => !plan.where || evaluate(plan.where, r));
  hits.sort((a, b) => compareRows(plan.order, a, b));
  const rows = plan.limit < 0 ? hits : hits.slice(plan.offset, plan.offset + plan.limit);
  return { rows, total: hits.length };
}

function describeCase(model: TypeModel, data: Dataset, c: Case, via: string): string {
  const sort = c.sort ? `${c.sort.desc ? 'sortDesc' : 'sortAsc'}=${c.sort.name}` : 'default order';
  return (
    `${model.type.name} [${via}] filter=${c.filter ? JSON.stringify(printFilter(c.filter)) : '(none)'} ${sort} ` +
    `offset=${c.offset} limit=${c.limit} over ${data.joined.length} rows`
  );
}

/** Runs one case through SQL (AST and both text paths) and the oracle; returns the page length. */
async function check(model: TypeModel, data: Dataset, store: Store, c: Case, looseSeed: number): Promise<number> {
  const order = planOrder(model.type, c.sort);
  const plan: QueryPlan = {
    type: model.type,
    where: c.filter && planPredicate(model.type, c.filter),
    order,
    offset: c.offset,
    limit: c.limit,
  };
  const want = expected(model, data, plan);
  const wantIds = want.rows.map((r) => r.id);

  const compare = async (where: QueryPlan['where'], via: string) => {
    const got = await store.query({ ...plan, where }, { count: true });
    const gotIds = got.rows.map((r) => r.id);
    const what = describeCase(model, data, c, via);
    assert.deepEqual(gotIds, wantIds, `${what}: ids\n  SQL:    ${gotIds.join(' ')}\n  memory: ${wantIds.join(' ')}`);
    assert.equal(got.total, want.total, `${what}: total`);
    assert.deepEqual(got.rows, want.rows, `${what}: row values`);
  };

  await compare(plan.where, 'AST');
  if (c.filter) {
    for (const [text, via] of [
      [printFilter(c.filter), 'printFilter text'],
      [printLoose(c.filter, looseSeed), 'loose text'],
    ] as const) {
      const reparsed = parseFilter(text);
      assert.ok(reparsed, `${via} ${JSON.stringify(text)} parsed to no filter`);
      await compare(planPredicate(model.type, reparsed), `${via} ${JSON.stringify(text)}`);
    }
  }
  return want.rows.length;
}

/** Levels of and/or nodes above the deepest comparison. */
const astDepth = (n: FilterNode): number => (n.kind === 'cmp' ? 0 : 1 + Math.max(...n.items.map(astDepth)));

function toCase(model: TypeModel, data: Dataset, q: QuerySpec): Case {
  const filter = q.filter && model.filterable.length > 0 ? resolveFilter(model, data, q.filter) : undefined;
  const sort = q.sort && model.filterable.length > 0 ? { name: fieldName(model, q.sort).name, desc: q.sort.desc } : undefined;
  return q.unlimited
    ? { filter, sort, offset: 0, limit: -1 }
    : { filter, sort, offset: (q.page - 1) * q.pageSize, limit: q.pageSize };
}

// ---------------------------------------------------------------------------------------------

describe('SQL and the in-memory evaluator agree', () => {
  assert.ok(TYPES.length > 0);
  const scratch = openSqliteStore(join(dir, 'schema.db'));
  const models = TYPES.map((type) => buildModel(type, scratch));
  after(() => scratch.close());

  for (const backend of BACKENDS) for (const model of models) {
    test(`${backend.name}: ${model.type.name} (${model.tables.map((t) => t.table).join(' → ')})`, async (t) => {
      // One real database per type, refilled for every dataset.
      const store = await backend.open(model.type.name);
      t.after(() => store.close());
      let queries = 0, hits = 0, nonEmptyPages = 0, rows = 0;
      await fc.assert(
        fc.asyncProperty(
          datasetArb(model),
          fc.array(querySpecArb, { minLength: 1, maxLength: QUERIES_PER_DATASET }),
          fc.boolean(),
          async (raw, specs, bulk) => {
            const data = resolveDataset(model, raw);
            await loadDataset(model, store, data, bulk);
            // The store returns what was inserted, joined as the oracle joins it.
            const order = planOrder(model.type);
            const all = await store.query({ type: model.type, order, offset: 0, limit: -1 });
            const want = [...data.joined].sort((a, b) => compareRows(order, a, b));
            assert.deepEqual(all.rows, want, `${model.type.name}: unfiltered rows`);
            rows += want.length;
            for (const [i, spec] of specs.entries()) {
              const c = toCase(model, data, spec);
              if ((await check(model, data, store, c, spec.loose + i)) > 0) nonEmptyPages++;
              queries++;
              if (c.filter && data.joined.some((r) => evaluate(planPredicate(model.type, c.filter!), r))) hits++;
            }
          },
        ),
        { numRuns: backend.datasets, includeErrorInReport: true, ...SHRINK_BUDGET },
      );
      t.diagnostic(`${queries} queries (each also via 2 texts) over ${rows} joined rows; ${hits} filters matched a row; ${nonEmptyPages} pages non-empty`);
      // The generators must produce filters that match something often enough to mean anything.
      assert.ok(hits > queries / 5, `only ${hits} of ${queries} filters matched any row`);
    });

    test(`${backend.name}: ${model.type.name}: a filter at MAX_DEPTH and MAX_COMPARISONS runs in SQL`, async (t) => {
      if (model.filterable.length === 0) return;
      const store = await backend.open(`${model.type.name}-max`);
      t.after(() => store.close());
      await fc.assert(
        fc.asyncProperty(
          datasetArb(model),
          fc.array(cmpSpecArb, { minLength: MAX_COMPARISONS, maxLength: MAX_COMPARISONS }),
          nameSpecArb,
          fc.boolean(),
          async (raw, cmps, sortName, desc) => {
            const data = resolveDataset(model, raw);
            await loadDataset(model, store, data, false);
            const nodes = cmps.map((s) => resolveFilter(model, data, s));
            // MAX_DEPTH nested groups alternating AND/OR, the remaining comparisons OR-ed at the top.
            let text = `${printFilter(nodes[0])},${printFilter(nodes[1])}`;
            for (let d = 1; d <= MAX_DEPTH; d++) text = `(${text})${d % 2 ? ';' : ','}${printFilter(nodes[d + 1])}`;
            text = [text, ...nodes.slice(MAX_DEPTH + 2).map(printFilter)].join(',');
            const filter = parseFilter(text)!;
            assert.equal(astDepth(filter), MAX_DEPTH + 1);
            await check(model, data, store, { filter, sort: { name: fieldName(model, sortName).name, desc }, offset: 0, limit: -1 }, 0);
          },
        ),
        { numRuns: 3, includeErrorInReport: true, ...SHRINK_BUDGET },
      );
    });
  }
});
