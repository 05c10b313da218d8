import type pg from 'pg';
import copyStreams from 'pg-copy-streams';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import type { Row, TypeDecl } from '../../model/index.js';
import { storedColumns } from '../schema.js';
import { compileDelete, compileInsert, conflictSet, POSTGRES } from '../sql.js';

export interface Counts {
  inserted: number;
  updated: number;
}

/** PostgreSQL binds at most 65,535 values per statement. */
const MAX_PARAMS = 65_535;
/** Rows per multi-row upsert (fewer when the type is wide). */
const UPSERT_ROWS = 500;
/** Ids per DELETE statement. */
const DELETE_IDS = 1000;

interface RowWrites {
  readonly table: string;
  readonly columns: readonly string[];
  /** Row keys in column order. */
  readonly keys: readonly string[];
  /** Rows per upsert statement. */
  readonly batch: number;
}

const plans = new WeakMap<TypeDecl, RowWrites>();

function rowWrites(type: TypeDecl): RowWrites {
  let plan = plans.get(type);
  if (plan === undefined) {
    const cols = storedColumns(type);
    plan = {
      table: type.table,
      columns: cols.map((c) => c.column),
      keys: cols.map((c) => c.key),
      batch: Math.min(UPSERT_ROWS, Math.floor(MAX_PARAMS / cols.length)),
    };
    plans.set(type, plan);
  }
  return plan;
}

/**
 * The upsert's conflict clause: a stored row is updated only where a value differs (an
 * unchanged row is no change) and every row inserted or changed is returned, `xmax = 0`
 * telling a new row from an updated one.
 */
function conflictClause(plan: RowWrites): string {
  const rest = plan.columns.filter((c) => c !== 'id');
  const set = conflictSet(plan.columns, 'id', POSTGRES, { revised: true });
  const differs = rest.map((c) => POSTGRES.differs(`${plan.table}.${c}`, `excluded.${c}`)).join(' OR ');
  return ` ON CONFLICT (id) DO UPDATE SET ${set} WHERE ${differs} RETURNING (xmax = 0) AS inserted`;
}

const sqlCache = new Map<string, string>();
function upsertSql(plan: RowWrites, rows: number): string {
  const key = `${plan.table}:${rows}`;
  let sql = sqlCache.get(key);
  if (sql === undefined) sqlCache.set(key, (sql = compileInsert(plan.table, plan.columns, rows, POSTGRES, { revised: true }) + conflictClause(plan)));
  return sql;
}

function tally(counts: Counts, result: pg.QueryResult): void {
  for (const r of result.rows as { inserted: boolean }[]) {
    if (r.inserted) counts.inserted++;
    else counts.updated++;
  }
}

/**
 * Rows in the given order, many per statement. A statement must not touch one id twice, so a
 * batch ends before an id it already holds: the later row then updates the earlier, as row
 * by row would.
 */
export async function upsertRows(client: pg.ClientBase, type: TypeDecl, rows: readonly Row[]): Promise<Counts> {
  const plan = rowWrites(type);
  const counts = { inserted: 0, updated: 0 };
  let start = 0;
  while (start < rows.length) {
    const ids = new Set<unknown>();
    let end = start;
    while (end < rows.length && end - start < plan.batch && !ids.has(rows[end].id)) ids.add(rows[end++].id);
    const values: unknown[] = [];
    for (let r = start; r < end; r++) for (const k of plan.keys) values.push(rows[r][k] ?? null);
    tally(counts, await client.query(upsertSql(plan, end - start), values));
    start = end;
  }
  return counts;
}

/** A value in COPY's text format: `\N` is NULL; backslash, tab, newline and carriage return escaped. */
function copyText(v: unknown): string {
  if (v === null || v === undefined) return '\\N';
  const s = typeof v === 'string' ? v : String(v);
  return /[\\\t\n\r]/.test(s) ? s.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r')) : s;
}

/** The rows as COPY text, produced a slice at a time so a large write is never one string. */
function* copyLines(rows: readonly Row[], keys: readonly string[]): Generator<string> {
  const SLICE = 1000;
  for (let start = 0; start < rows.length; start += SLICE) {
    let text = '';
    for (let r = start; r < Math.min(rows.length, start + SLICE); r++) {
      const row = rows[r];
      text += keys.map((k) => copyText(row[k])).join('\t') + '\n';
    }
    yield text;
  }
}

async function copyInto(client: pg.ClientBase, table: string, plan: RowWrites, rows: readonly Row[]): Promise<number> {
  const stream = client.query(copyStreams.from(`COPY ${table} (${plan.columns.join(', ')}) FROM STDIN`));
  await pipeline(Readable.from(copyLines(rows, plan.keys)), stream);
  return stream.rowCount ?? rows.length;
}

/**
 * Bulk writes with COPY. Into a table the write has emptied (`fresh`): straight in, every id
 * once (the unique id index refuses a repeat, failing the write). Otherwise through a staging
 * table, then one upsert from it with exact counts; rows repeating an id within the call go
 * the multi-row way instead (one statement cannot touch a row twice).
 */
export class CopyWriter {
  private readonly staged = new Set<string>();

  constructor(private readonly client: pg.ClientBase, private readonly fresh: ReadonlySet<string>) {}

  async upsert(type: TypeDecl, rows: readonly Row[]): Promise<Counts> {
    const plan = rowWrites(type);
    if (this.fresh.has(type.table)) return { inserted: await copyInto(this.client, type.table, plan, rows), updated: 0 };
    if (new Set(rows.map((r) => r.id)).size < rows.length) return upsertRows(this.client, type, rows);
    const stage = `emrest_stage_${type.table}`;
    if (!this.staged.has(stage)) {
      await this.client.query(`CREATE TEMP TABLE ${stage} (LIKE ${type.table}) ON COMMIT DROP`);
      this.staged.add(stage);
    } else {
      await this.client.query(`TRUNCATE ${stage}`);
    }
    await copyInto(this.client, stage, plan, rows);
    const columns = plan.columns.join(', ');
    const counts = { inserted: 0, updated: 0 };
    tally(counts, await this.client.query(`INSERT INTO ${type.table} (${columns}) SELECT ${columns} FROM ${stage}${conflictClause(plan)}`));
    return counts;
  }
}

/** Deletes a table's rows by id; returns the rows deleted. */
export async function deleteRows(client: pg.ClientBase, table: string, ids: readonly string[]): Promise<number> {
  let deleted = 0;
  for (let start = 0; start < ids.length; start += DELETE_IDS) {
    const slice = ids.slice(start, start + DELETE_IDS);
    deleted += (await client.query(compileDelete(table, 'id', slice.length, POSTGRES), slice)).rowCount ?? 0;
  }
  return deleted;
}
