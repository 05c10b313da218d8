import type Database from 'better-sqlite3';
import { availableParallelism } from 'node:os';
import type { Row } from '../../model/index.js';
import { RESOURCE_TABLES } from '../schema.js';
import type { Statements } from './connection.js';
import { insertMany, type Counts, type RowWrites } from './rows.js';

/**
 * Page cache of the writer during a bulk write (negative: KiB; the default is 16 MiB): the
 * B-trees that random GUIDs insert into mostly stay in memory instead of spilling to the WAL
 * and being read back. Taken as pages are used. A larger one gains nothing overall: the
 * longer commit eats the faster index rebuild.
 */
const BULK_CACHE_SIZE = -256 * 1024;
/**
 * While the deferred indexes are built: a small cache makes the sorter spill sorted runs,
 * which `SORT_THREADS` helper threads sort in parallel.
 */
const INDEX_BUILD_CACHE_SIZE = -16 * 1024;
const SORT_THREADS = Math.min(4, availableParallelism());

/**
 * A bulk write into a table that already holds rows upserts row by row into its live indexes
 * until it has written this many rows, or as many as the table held, if more; then it drops
 * the table's secondary indexes and builds them at its end like those of an empty table
 * (sorting once beats as many random index inserts). Small writes into large tables never
 * pay a rebuild.
 */
const DEFER_AFTER_ROWS = 10_000;

const tableOfIndex = (createIndex: string) => /^CREATE (?:UNIQUE )?INDEX \w+ ON (\w+)/.exec(createIndex)![1];

/**
 * What one bulk write does with each resource table: the indexes of an empty table are
 * dropped at its start (the id index too when the load is fresh, so every id must come once),
 * those of a table that held rows once the write has put as many into it; rows going into
 * such a table are inserted many per statement, and the dropped indexes are built at the end,
 * inside the same transaction. The writer's page cache is larger meanwhile.
 */
export class BulkWrite {
  /** CREATE INDEX statements dropped for this write, built at its end. */
  private readonly deferred: string[] = [];
  /** Tables whose indexes are deferred: true when the id index is deferred too. */
  private readonly tables = new Map<string, boolean>();
  /** Tables that held rows at the start: rows written so far and when to defer their indexes. */
  private readonly held = new Map<string, { written: number; deferAt: number }>();
  private readonly cacheSize: number;

  /** Call inside the write's transaction. */
  constructor(private readonly writes: Statements, fresh: boolean) {
    const { db } = writes;
    for (const table of RESOURCE_TABLES) {
      // The largest rowid: as cheap as it gets, and rows are rarely deleted.
      const rows = (writes.get(`SELECT max(rowid) AS n FROM ${table}`).get() as { n: number | null }).n;
      if (rows === null) this.defer(table, fresh);
      else this.held.set(table, { written: 0, deferAt: Math.max(DEFER_AFTER_ROWS, rows) });
    }
    this.cacheSize = db.pragma('cache_size', { simple: true }) as number;
    db.pragma(`cache_size = ${BULK_CACHE_SIZE}`);
  }

  /**
   * Drops the table's indexes for the rest of the write. The id index stays unless `idsToo`:
   * upserts and foreign keys need it.
   */
  private defer(table: string, idsToo: boolean): void {
    const { db } = this.writes;
    const indexes = db
      .prepare(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL" +
          (idsToo ? '' : " AND sql NOT LIKE 'CREATE UNIQUE %'"),
      )
      .all(table) as { name: string; sql: string }[];
    for (const i of indexes) {
      db.exec(`DROP INDEX ${i.name}`);
      this.deferred.push(i.sql);
    }
    this.tables.set(table, idsToo);
    this.held.delete(table);
  }

  /** Writes the rows the bulk way if their table's indexes are (now) deferred; else undefined. */
  upsert(plan: RowWrites, rows: readonly Row[]): Counts | undefined {
    const idsDeferred = this.tables.get(plan.table);
    if (idsDeferred === true) {
      try {
        return insertMany(this.writes, plan, rows, false);
      } catch (e) {
        // An id the table's own key (not a droppable index) holds: the same as at the index build.
        const code = (e as { code?: string }).code;
        if (code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE') throw duplicateId(plan.table);
        throw e;
      }
    }
    if (idsDeferred === false) return insertMany(this.writes, plan, rows, true);
    const held = this.held.get(plan.table);
    if (held && (held.written += rows.length) >= held.deferAt) {
      this.defer(plan.table, false);
      return insertMany(this.writes, plan, rows, true);
    }
    return undefined;
  }

  private analyzed(): string[] {
    return [...new Set(this.deferred.map(tableOfIndex))];
  }

  /** Steps of `buildIndexes` and `analyze` together. */
  get steps(): number {
    return this.deferred.length + this.analyzed().length;
  }

  /** Builds the deferred indexes (inside the transaction), calling `advance` after each. */
  buildIndexes(advance: () => void): void {
    if (this.deferred.length === 0) return;
    const { db } = this.writes;
    db.pragma(`cache_size = ${INDEX_BUILD_CACHE_SIZE}`);
    db.pragma(`threads = ${SORT_THREADS}`);
    for (const sql of this.deferred) {
      buildIndex(db, sql);
      advance();
    }
  }

  /**
   * Gathers statistics of the tables it indexed anew (after the commit), calling `advance`
   * after each. Full statistics: sampled ones (analysis_limit) misjudged how many rows a value
   * has by 100x at 1M sessions, and without histograms time ranges look like a quarter of a table.
   */
  analyze(advance: () => void): void {
    for (const table of this.analyzed()) {
      this.writes.db.exec(`ANALYZE ${table}`);
      advance();
    }
  }

  /** Gives the writer its page cache back and stops the sort threads. */
  end(): void {
    const { db } = this.writes;
    db.pragma(`cache_size = ${this.cacheSize}`);
    db.pragma('threads = 0');
  }
}

/** The `code` of the error of a load into a new file that wrote an id twice. */
export const DUPLICATE_ID = 'EMREST_DUPLICATE_ID';

const duplicateId = (table: string) => Object.assign(
  new Error(`the same id was written twice into ${table} (a load into a new file or a replacing write takes every id once)`),
  { code: DUPLICATE_ID },
);

/** Runs a deferred CREATE INDEX; a unique one fails when the write repeated an id. */
function buildIndex(db: Database.Database, sql: string): void {
  try {
    db.exec(sql);
  } catch (e) {
    if (sql.startsWith('CREATE UNIQUE') && (e as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') {
      throw duplicateId(tableOfIndex(sql));
    }
    throw e;
  }
}

/**
 * Throws unless every foreign key of the resource tables has its row (loading and replacing
 * do not check them row by row). Each distinct value is looked up once, in the order of the
 * child's index.
 */
export function checkForeignKeys(db: Database.Database): void {
  for (const table of RESOURCE_TABLES) {
    const keys = db.prepare(`PRAGMA foreign_key_list(${table})`).all() as { table: string; from: string; to: string }[];
    for (const k of keys) {
      const missing = db
        .prepare(
          `SELECT v FROM (SELECT DISTINCT ${k.from} AS v FROM ${table}) ` +
            `WHERE NOT EXISTS (SELECT 1 FROM ${k.table} p WHERE p.${k.to} = v) LIMIT 1`,
        )
        .get() as { v: string } | undefined;
      if (missing) throw new Error(`${table}.${k.from} refers to ${k.table} ${missing.v}, which is not there`);
    }
  }
}
