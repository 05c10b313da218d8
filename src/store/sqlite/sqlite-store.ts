import Database, { type Statement } from 'better-sqlite3';
import { closeSync, existsSync, fsyncSync, linkSync, openSync, readdirSync, rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, dirname, join } from 'node:path';
import type { QueryPlan } from '../../query/plan.js';
import { TYPES, type Row, type TypeDecl } from '../../model/index.js';
import { compileCount, compileSelect, ownColumns, type Dialect } from '../sql.js';
import { StoreBusyError, type Cursor, type LogonSession, type QueryPage, type Role, type Store, type StoreWriter, type User, type WriteOptions } from '../store.js';
import { ifFree, whenFree } from './busy.js';
import { LOGON_MIGRATIONS, MIGRATIONS } from './migrations.js';

const sqlite: Dialect = {
  placeholder: () => '?',
  caseInsensitive: (expr) => `${expr} COLLATE NOCASE`,
};

const STATEMENT_CACHE_LIMIT = 512;
const COUNT_CACHE_LIMIT = 4096;
/**
 * Page cache of the writer during a bulk write (negative: KiB; the default is 16 MiB): the
 * primary-key B-trees that random GUIDs insert into mostly stay in memory instead of spilling
 * to the WAL and being read back. Taken as pages are used. (Measured with 1M job sessions:
 * 1 and 2 GiB were no faster overall, the longer commit eats the faster index rebuild.)
 */
const BULK_CACHE_SIZE = -256 * 1024;
/**
 * While the deferred indexes are built: a small cache makes the sorter spill sorted runs,
 * which `SORT_THREADS` helper threads sort in parallel (measured on 2 cores: an index of 3.2M
 * task rows in 2.1 s instead of 4.8 s with the large cache and no helpers).
 */
const INDEX_BUILD_CACHE_SIZE = -16 * 1024;
const SORT_THREADS = Math.min(4, availableParallelism());

/** Rows per multi-row INSERT of a bulk write (one statement call costs as much as a few rows). */
const INSERT_ROWS = 64;
/**
 * A bulk write into a table that already holds rows upserts row by row into its live indexes
 * until it has written this many rows, or as many as the table held, if more; then it drops
 * the table's secondary indexes and builds them at its end like those of an empty table (1M
 * sessions into the demo database: 294 s with live indexes, 112 s with deferred ones). Small writes into large tables never pay a rebuild.
 */
const DEFER_AFTER_ROWS = 10_000;

/** What a bulk write is doing with each table. */
interface BulkWrite {
  /** CREATE INDEX statements dropped for this write, built at its end. */
  readonly deferred: string[];
  /**
   * Tables whose indexes are deferred, their rows inserted many per statement: true when the
   * id index is deferred too (an empty table of a fresh load: every id comes once).
   */
  readonly tables: Map<string, boolean>;
  /** Tables that held rows at the start: rows written so far and when to defer their indexes. */
  readonly held: Map<string, { written: number; deferAt: number }>;
}

interface UpsertPlan {
  /** Row keys in column order. */
  readonly keys: readonly string[];
  readonly exists: string;
  readonly upsert: string;
  /** Plain INSERT of one row and of `INSERT_ROWS` rows (no conflict clause). */
  readonly insert: string;
  readonly insertMany: string;
}

export interface SqliteOptions {
  /**
   * A private new file being loaded (see `buildSqliteFile`): no journal, no fsync, no
   * foreign-key checks, and a bulk write drops every index of its empty tables, the unique id
   * indexes too, and inserts rows plainly; the indexes are built at its end, where a repeated
   * id fails the write. Only for a file nobody else uses and that is thrown away unless the
   * load completes.
   */
  readonly loading?: boolean;
}

/**
 * How long an operation waits for a lock another process holds before it gives up with
 * `StoreBusyError`: the waiting is asynchronous (SQLite's own busy wait would stop the whole
 * event loop), so other requests go on meanwhile.
 */
const READ_WAIT_MS = 2000;
const WRITE_WAIT_MS = 5000;

/** Idle cursor connections kept open for the next answer (more are opened while needed). */
const IDLE_CURSOR_CONNECTIONS = 4;

/**
 * Creates the file owner-only before SQLite opens it: SQLite gives its -wal and -shm files
 * the database file's mode, so they are private too.
 */
function createPrivately(path: string): void {
  if (!existsSync(path)) closeSync(openSync(path, 'a', 0o600));
}

function connect(path: string, loading: boolean): Database.Database {
  createPrivately(path);
  const db = new Database(path);
  // Opening may meet a lock held for a moment (another process opening or migrating): a
  // short blocking wait is fine before anything is served; afterwards every wait is ours.
  db.pragma('busy_timeout = 5000');
  db.pragma(`journal_mode = ${loading ? 'OFF' : 'WAL'}`);
  db.pragma(`synchronous = ${loading ? 'OFF' : 'NORMAL'}`);
  db.pragma(`foreign_keys = ${loading ? 'OFF' : 'ON'}`);
  return db;
}

const nonBlocking = (db: Database.Database) => db.pragma('busy_timeout = 0');

/**
 * Another read connection to a database this store already opened (so it is in WAL mode, which
 * the file keeps): nothing to set that could wait for a lock.
 */
function connectReader(path: string): Database.Database {
  const db = new Database(path);
  nonBlocking(db);
  return db;
}

function openLogons(path: string): Database.Database {
  const db = connect(logonsPath(path), false);
  migrate(db, LOGON_MIGRATIONS);
  nonBlocking(db);
  return db;
}

/**
 * Opens (creating and migrating if needed) the SQLite database file at `path`. Two
 * connections: reads never see a write transaction in progress (WAL isolation). Files a
 * killed build left beside it are removed.
 */
export function openSqliteStore(path: string, options: SqliteOptions = {}): SqliteStore {
  const loading = options.loading ?? false;
  if (!loading) removeAbandonedBuilds(path);
  const writer = connect(path, loading);
  migrate(writer, MIGRATIONS);
  const reader = connect(path, loading);
  for (const db of [writer, reader]) nonBlocking(db);
  return new SqliteStore(reader, writer, loading ? undefined : openLogons(path));
}

/** Logon sessions live in their own file beside the data: a long data write never holds up a logon. */
export const logonsPath = (path: string) => join(dirname(path), `${basename(path).replace(/\.db$/, '')}-logons.db`);

const removeDatabaseFiles = (path: string) => {
  for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(path + suffix, { force: true });
};

/** Files of builds beside `path` whose process is gone (killed mid-load): gigabytes, at 1M. */
function removeAbandonedBuilds(path: string): void {
  const prefix = `${basename(path)}.building-`;
  for (const name of readdirSync(dirname(path))) {
    const pid = name.startsWith(prefix) ? Number.parseInt(name.slice(prefix.length), 10) : NaN;
    if (Number.isInteger(pid) && pid !== process.pid && !isRunning(pid)) rmSync(join(dirname(path), name), { force: true });
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function fsyncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Creates the database at `path`, which must not exist, filled by `fill`: the fast way to
 * load a large dataset. The file is built beside `path` in loading mode (no journal, indexes
 * built once at the end), its foreign keys are checked, and it is put in place with a hard
 * link, which never replaces a file that appeared meanwhile. Until then `path` does not
 * exist; if anything fails, nothing is left behind.
 */
export async function buildSqliteFile<T>(path: string, fill: (store: SqliteStore) => Promise<T>): Promise<T> {
  removeAbandonedBuilds(path);
  const building = `${path}.building-${process.pid}`;
  removeDatabaseFiles(building);
  const store = openSqliteStore(building, { loading: true });
  try {
    const result = await fill(store);
    store.checkForeignKeys();
    await store.close();
    const db = new Database(building);
    db.pragma('journal_mode = WAL');
    db.close();
    fsyncPath(building);
    try {
      linkSync(building, path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      throw Object.assign(new Error(`${path} appeared while it was being built (a server started?); it was left as it is and the new file discarded`), { code: 'EEXIST' });
    }
    fsyncPath(dirname(path));
    return result;
  } finally {
    await store.close();
    removeDatabaseFiles(building);
  }
}

function migrate(db: Database.Database, migrations: readonly string[]): void {
  const applied = db.pragma('user_version', { simple: true }) as number;
  for (let v = applied; v < migrations.length; v++) {
    db.transaction(() => {
      db.exec(migrations[v]);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}

interface UserRow { name: string; password_hash: string; role: string }
interface LogonRow { id: string; user_name: string; created_at: number; last_seen: number }

/** Children before parents, so deletes respect foreign keys. */
const DATA_TABLES = ['backup_task_sessions', 'replica_task_sessions', 'backup_job_sessions', 'replica_job_sessions', 'jobs', 'backup_servers'];

class Statements {
  private readonly cache = new Map<string, Statement>();
  constructor(private readonly db: Database.Database) {}
  get(sql: string): Statement {
    let s = this.cache.get(sql);
    if (!s) {
      if (this.cache.size >= STATEMENT_CACHE_LIMIT) this.cache.clear();
      s = this.db.prepare(sql);
      this.cache.set(sql, s);
    }
    return s;
  }
}

/** A read connection of its own, for one cursor at a time: an open cursor keeps its connection busy. */
interface CursorConnection {
  readonly db: Database.Database;
  readonly statements: Statements;
}

export class SqliteStore implements Store {
  private readonly reads: Statements;
  private readonly writes: Statements;
  /** Totals per count statement, valid for one data generation (COUNT dominates large queries). */
  private readonly counts = new Map<string, number>();
  private countsGeneration = -1;
  private writing: Promise<unknown> = Promise.resolve();
  private readonly upsertPlans = new Map<TypeDecl, UpsertPlan>();
  /** The current write, if it is a bulk one. */
  private bulk: BulkWrite | undefined;
  private readonly idleCursors: CursorConnection[] = [];
  private readonly cursorConnections = new Set<CursorConnection>();
  /** Absent in a store being loaded (see `SqliteOptions.loading`). */
  private readonly logonDb: { db: Database.Database; statements: Statements } | undefined;
  private readonly loading: boolean;

  /** `logons`: the logon-session file's connection; none for a store being loaded. */
  constructor(
    readonly db: Database.Database,
    private readonly writer: Database.Database,
    logons: Database.Database | undefined,
  ) {
    this.reads = new Statements(db);
    this.writes = new Statements(writer);
    this.loading = logons === undefined;
    this.logonDb = logons && { db: logons, statements: new Statements(logons) };
  }

  private generation(statements = this.reads): number {
    return (statements.get('SELECT generation FROM data_generation').get() as { generation: number }).generation;
  }

  /** A synchronous read on the shared read connection, waiting asynchronously out any lock. */
  private read<T>(what: string, attempt: () => T): Promise<T> {
    return whenFree(what, READ_WAIT_MS, attempt);
  }

  async dataGeneration(): Promise<number> {
    return this.read('data generation', () => this.generation());
  }

  /** The plan's total, computed once per data generation (call inside a read transaction). */
  private total(statements: Statements, plan: QueryPlan): number {
    const count = compileCount(plan, sqlite);
    const generation = this.generation(statements);
    if (generation !== this.countsGeneration) {
      this.counts.clear();
      this.countsGeneration = generation;
    }
    const key = count.text + '\u0000' + JSON.stringify(count.params);
    let total = this.counts.get(key);
    if (total === undefined) {
      total = (statements.get(count.text).get(...count.params) as { n: number }).n;
      if (this.counts.size >= COUNT_CACHE_LIMIT) this.counts.clear();
      this.counts.set(key, total);
    }
    return total;
  }

  async query(plan: QueryPlan, options: { count?: boolean } = {}): Promise<QueryPage> {
    // Rows and total come from one read transaction, so they agree even while a write lands.
    return this.read(`query of ${plan.type.name}`, () =>
      this.db.transaction(() => {
        const select = compileSelect(plan, sqlite);
        const rows = this.reads.get(select.text).all(...select.params) as Row[];
        return options.count ? { rows, total: this.total(this.reads, plan) } : { rows };
      })(),
    );
  }

  private takeCursorConnection(): CursorConnection {
    let c = this.idleCursors.pop();
    if (c === undefined) {
      const db = connectReader(this.writer.name);
      c = { db, statements: new Statements(db) };
      this.cursorConnections.add(c);
    }
    return c;
  }

  private giveBack(c: CursorConnection): void {
    if (c.db.open && c.db.inTransaction) c.db.exec('ROLLBACK');
    if (this.idleCursors.length < IDLE_CURSOR_CONNECTIONS && c.db.open) {
      this.idleCursors.push(c);
    } else {
      this.cursorConnections.delete(c);
      if (c.db.open) c.db.close();
    }
  }

  /**
   * Total and rows from one read transaction on a connection of the cursor's own, held until
   * the cursor is closed or read to its end; rows are stepped out of SQLite a chunk at a time.
   */
  async cursor(plan: QueryPlan, options: { count?: boolean; chunkRows: number }): Promise<Cursor> {
    const c = this.takeCursorConnection();
    let rows: IterableIterator<Row> | undefined;
    let total: number | undefined;
    try {
      await whenFree(`query of ${plan.type.name}`, READ_WAIT_MS, () => {
        try {
          c.db.exec('BEGIN');
          total = options.count ? this.total(c.statements, plan) : undefined;
          const select = compileSelect(plan, sqlite);
          rows = c.statements.get(select.text).iterate(...select.params) as IterableIterator<Row>;
        } catch (e) {
          c.db.exec('ROLLBACK');
          throw e;
        }
      });
    } catch (e) {
      this.giveBack(c);
      throw e;
    }
    let open = true;
    const close = () => {
      if (!open) return;
      open = false;
      // The store may have closed the connection under the cursor (shutdown).
      if (c.db.open) rows!.return?.();
      this.giveBack(c);
    };
    return {
      total,
      next: async () => {
        const chunk: Row[] = [];
        try {
          while (open && chunk.length < options.chunkRows) {
            const r = rows!.next();
            if (r.done) close();
            else chunk.push(r.value);
          }
        } catch (e) {
          close();
          throw e;
        }
        return chunk;
      },
      close,
    };
  }

  /** Column lists and statements per type (declarations are fixed for the process). */
  private upsertPlan(type: TypeDecl): UpsertPlan {
    let plan = this.upsertPlans.get(type);
    if (plan === undefined) {
      const cols = ownColumns(type);
      const names = cols.map((c) => c.column);
      const insert = `INSERT INTO ${type.table} (${names.join(', ')}) VALUES (${names.map(() => '?').join(', ')})`;
      plan = {
        keys: cols.map((c) => c.key),
        exists: `SELECT 1 FROM ${type.table} WHERE id = ?`,
        // An upsert, not INSERT OR REPLACE: replacing would delete the row under its children.
        upsert: `${insert} ON CONFLICT (id) DO UPDATE SET ${names.filter((n) => n !== 'id').map((n) => `${n} = excluded.${n}`).join(', ')} ` +
          `WHERE ${names.filter((n) => n !== 'id').map((n) => `${n} IS NOT excluded.${n}`).join(' OR ')}`,
        insert,
        insertMany: `${insert}${`, (${names.map(() => '?').join(', ')})`.repeat(INSERT_ROWS - 1)}`,
      };
      this.upsertPlans.set(type, plan);
    }
    return plan;
  }

  private upsertNow(type: TypeDecl, rows: readonly Row[]): { inserted: number; updated: number } {
    const plan = this.upsertPlan(type);
    const bulk = this.bulk;
    const idsDeferred = bulk?.tables.get(type.table);
    if (idsDeferred !== undefined) return this.bulkInsert(idsDeferred, plan, rows);
    const held = bulk?.held.get(type.table);
    if (held && (held.written += rows.length) >= held.deferAt) {
      this.deferIndexes(bulk!, type.table, false);
      return this.bulkInsert(false, plan, rows);
    }
    const { keys } = plan;
    const values: unknown[] = new Array(keys.length);
    const exists = this.writes.get(plan.exists);
    const upsert = this.writes.get(plan.upsert);
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
   * Rows into a table whose secondary indexes are deferred, `INSERT_ROWS` per statement. An id
   * already there conflicts (ON CONFLICT DO NOTHING): the rows of such a statement go again
   * through the upsert, which changes nothing for the ones just inserted or unchanged, so the
   * counts stay exact. A fresh load has no id index and no conflict clause (the end of the
   * write catches repeated ids).
   */
  private bulkInsert(idsDeferred: boolean, plan: UpsertPlan, rows: readonly Row[]): { inserted: number; updated: number } {
    const { keys } = plan;
    const conflict = idsDeferred ? '' : ' ON CONFLICT (id) DO NOTHING';
    const upsert = idsDeferred ? undefined : this.writes.get(plan.upsert);
    const single: unknown[] = new Array(keys.length);
    let inserted = 0, updated = 0;
    const insert = (statement: Statement, values: unknown[], start: number, n: number) => {
      const changes = statement.run(rowValues(values, rows, start, n, keys)).changes;
      inserted += changes;
      if (changes < n && upsert) {
        for (let r = start; r < start + n; r++) updated += upsert.run(rowValues(single, rows, r, 1, keys)).changes;
      }
    };
    let start = 0;
    const many = this.writes.get(plan.insertMany + conflict);
    const manyValues: unknown[] = new Array(keys.length * INSERT_ROWS);
    for (; start + INSERT_ROWS <= rows.length; start += INSERT_ROWS) insert(many, manyValues, start, INSERT_ROWS);
    const one = this.writes.get(plan.insert + conflict);
    for (; start < rows.length; start++) insert(one, single, start, 1);
    return { inserted, updated };
  }

  /**
   * One write transaction on the writer connection. Writes are queued so two never
   * interleave; a bulk load into empty tables drops the secondary indexes and rebuilds them
   * at the end (sorting once beats millions of random index inserts), and so does one into a
   * table that held rows once it has written as many (`DEFER_AFTER_ROWS`), all inside the same
   * transaction, so a failure leaves the database as it was. During a bulk write rows going
   * into those tables are inserted many per statement, and the page cache is larger. A
   * replacing write empties every table first and loads them like a new file, with the
   * foreign keys checked once at the end instead of row by row.
   */
  async write<T>(fn: (w: StoreWriter) => Promise<T>, options: WriteOptions = {}): Promise<T> {
    const run = async (): Promise<T> => {
      const db = this.writer;
      const replace = options.replace === true;
      const bulk = options.bulk === true || replace;
      // Off while replacing (a loading store never has them on): only settable outside a transaction.
      const keysOff = replace && !this.loading;
      const cacheSize = bulk ? (db.pragma('cache_size', { simple: true }) as number) : undefined;
      if (keysOff) db.pragma('foreign_keys = OFF');
      try {
        await whenFree('write', WRITE_WAIT_MS, () => db.exec('BEGIN IMMEDIATE'));
        if (replace) this.deleteData();
        if (bulk) {
          this.bulk = this.startBulk(this.loading || replace);
          db.pragma(`cache_size = ${BULK_CACHE_SIZE}`);
        }
        const writer: StoreWriter = {
          upsert: async (type, rows) => this.upsertNow(type, rows),
          clear: async () => this.deleteData(),
        };
        const result = await fn(writer);
        const deferred = this.bulk?.deferred ?? [];
        const analyze = [...new Set(deferred.map(tableOfIndex))];
        const steps = deferred.length + (keysOff ? 1 : 0) + analyze.length;
        let step = 0;
        const advance = () => options.onDeferred?.(step++, steps);
        advance();
        if (deferred.length) {
          db.pragma(`cache_size = ${INDEX_BUILD_CACHE_SIZE}`);
          db.pragma(`threads = ${SORT_THREADS}`);
          for (const sql of deferred) {
            buildIndex(db, sql);
            advance();
          }
        }
        if (keysOff) {
          this.checkForeignKeys();
          advance();
        }
        this.writes.get('UPDATE data_generation SET generation = generation + 1').run();
        db.exec('COMMIT');
        // Full statistics: sampled ones (analysis_limit) misjudged how many rows a value has by
        // 100x at 1M sessions, and without histograms time ranges look like a quarter of a table.
        for (const table of analyze) {
          db.exec(`ANALYZE ${table}`);
          advance();
        }
        return result;
      } catch (e) {
        if (db.inTransaction) db.exec('ROLLBACK');
        throw e;
      } finally {
        this.bulk = undefined;
        if (keysOff) db.pragma('foreign_keys = ON');
        if (cacheSize !== undefined) {
          db.pragma(`cache_size = ${cacheSize}`);
          db.pragma('threads = 0');
        }
      }
    };
    const next = this.writing.then(run, run);
    this.writing = next.catch(() => undefined);
    return next;
  }

  private deleteData(): void {
    for (const t of DATA_TABLES) this.writes.get(`DELETE FROM ${t}`).run();
  }

  /**
   * Defers the indexes of the empty tables (their id indexes too if the load is fresh); notes
   * how much the others hold.
   */
  private startBulk(fresh: boolean): BulkWrite {
    const bulk: BulkWrite = { deferred: [], tables: new Map(), held: new Map() };
    for (const table of new Set(TYPES.map((t) => t.table))) {
      // The largest rowid: as cheap as it gets, and rows are rarely deleted.
      const rows = (this.writes.get(`SELECT max(rowid) AS n FROM ${table}`).get() as { n: number | null }).n;
      if (rows === null) this.deferIndexes(bulk, table, fresh);
      else bulk.held.set(table, { written: 0, deferAt: Math.max(DEFER_AFTER_ROWS, rows) });
    }
    return bulk;
  }

  /**
   * Drops the table's indexes for the rest of the write; they are built at its end. The id
   * index stays unless `idsToo`: upserts and foreign keys need it.
   */
  private deferIndexes(bulk: BulkWrite, table: string, idsToo: boolean): void {
    const indexes = this.writer
      .prepare(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL" +
          (idsToo ? '' : " AND sql NOT LIKE 'CREATE UNIQUE %'"),
      )
      .all(table) as { name: string; sql: string }[];
    for (const i of indexes) {
      this.writer.exec(`DROP INDEX ${i.name}`);
      bulk.deferred.push(i.sql);
    }
    bulk.tables.set(table, idsToo);
    bulk.held.delete(table);
  }

  /**
   * Throws unless every foreign key of the resource tables has its row (loading and replacing
   * do not check them row by row). Each distinct value is looked up once, in the order of the
   * child's index.
   */
  checkForeignKeys(): void {
    for (const table of DATA_TABLES) {
      const keys = this.writer.prepare(`PRAGMA foreign_key_list(${table})`).all() as { table: string; from: string; to: string }[];
      for (const k of keys) {
        const missing = this.writer
          .prepare(
            `SELECT v FROM (SELECT DISTINCT ${k.from} AS v FROM ${table}) ` +
              `WHERE NOT EXISTS (SELECT 1 FROM ${k.table} p WHERE p.${k.to} = v) LIMIT 1`,
          )
          .get() as { v: string } | undefined;
        if (missing) throw new Error(`${table}.${k.from} refers to ${k.table} ${missing.v}, which is not there`);
      }
    }
  }

  async upsertRows(type: TypeDecl, rows: readonly Row[]): Promise<void> {
    await this.write(async (w) => void (await w.upsert(type, rows)));
  }

  async isEmpty(): Promise<boolean> {
    return this.read('fleet check', () => (this.reads.get('SELECT EXISTS (SELECT 1 FROM backup_servers) AS found').get() as { found: number }).found === 0);
  }

  /** A single write statement's work outside `write`, waiting asynchronously out another writer. */
  private writeNow<T>(what: string, attempt: () => T): Promise<T> {
    return whenFree(what, WRITE_WAIT_MS, attempt);
  }

  async putUser(user: User): Promise<void> {
    await this.writeNow('user write', () =>
      this.writes.get(
        'INSERT INTO users (name, password_hash, role) VALUES (?, ?, ?) ' +
          'ON CONFLICT (name) DO UPDATE SET password_hash = excluded.password_hash, role = excluded.role',
      ).run(user.name, user.passwordHash, user.role),
    );
  }

  async getUser(name: string): Promise<User | undefined> {
    const r = await this.read('user lookup', () => this.reads.get('SELECT name, password_hash, role FROM users WHERE name = ?').get(name) as UserRow | undefined);
    return r && toUser(r);
  }

  async listUsers(): Promise<User[]> {
    return (await this.read('user list', () => this.reads.get('SELECT name, password_hash, role FROM users ORDER BY name').all() as UserRow[])).map(toUser);
  }

  async removeUser(name: string): Promise<boolean> {
    const removed = await this.writeNow('user write', () => this.writes.get('DELETE FROM users WHERE name = ?').run(name).changes > 0);
    if (removed) await this.logonWrite(() => this.logons().statements.get('DELETE FROM logon_sessions WHERE user_name = ?').run(name));
    return removed;
  }

  private logons(): { db: Database.Database; statements: Statements } {
    if (this.logonDb === undefined) throw new Error('a store being loaded has no logon sessions');
    return this.logonDb;
  }

  private logonWrite<T>(attempt: () => T): Promise<T> {
    return whenFree('logon session write', WRITE_WAIT_MS, attempt);
  }

  async createLogonSession(s: LogonSession, limits: { expiredBefore: number; maxPerUser: number }): Promise<void> {
    const { db, statements } = this.logons();
    await this.logonWrite(() =>
      db.transaction(() => {
        statements.get('DELETE FROM logon_sessions WHERE last_seen < ?').run(limits.expiredBefore);
        statements.get('INSERT INTO logon_sessions (id, user_name, created_at, last_seen) VALUES (?, ?, ?, ?)').run(
          s.id, s.userName, s.createdAt, s.lastSeen,
        );
        statements.get(
          'DELETE FROM logon_sessions WHERE id IN (SELECT id FROM logon_sessions WHERE user_name = ? ' +
            'ORDER BY last_seen DESC, created_at DESC, rowid DESC LIMIT -1 OFFSET ?)',
        ).run(s.userName, limits.maxPerUser);
      }).immediate(),
    );
  }

  async getLogonSession(id: string): Promise<LogonSession | undefined> {
    const { statements } = this.logons();
    const r = await this.read('logon session lookup', () =>
      statements.get('SELECT id, user_name, created_at, last_seen FROM logon_sessions WHERE id = ?').get(id) as LogonRow | undefined,
    );
    return r && { id: r.id, userName: r.user_name, createdAt: r.created_at, lastSeen: r.last_seen };
  }

  async touchLogonSessions(lastSeen: ReadonlyMap<string, number>): Promise<boolean> {
    const { db, statements } = this.logons();
    const touch = statements.get('UPDATE logon_sessions SET last_seen = ? WHERE id = ? AND last_seen < ?');
    return ifFree(() => db.transaction(() => {
      for (const [id, at] of lastSeen) touch.run(at, id, at);
    }).immediate()) !== undefined;
  }

  async deleteLogonSession(id: string): Promise<boolean> {
    const { statements } = this.logons();
    return this.logonWrite(() => statements.get('DELETE FROM logon_sessions WHERE id = ?').run(id).changes > 0);
  }

  async close(): Promise<void> {
    await this.writing;
    const all = [this.db, this.writer, ...[...this.cursorConnections].map((c) => c.db)];
    if (this.logonDb) all.push(this.logonDb.db);
    for (const db of all) if (db.open) db.close();
    this.cursorConnections.clear();
    this.idleCursors.length = 0;
  }
}

const tableOfIndex = (createIndex: string) => /^CREATE (?:UNIQUE )?INDEX \w+ ON (\w+)/.exec(createIndex)![1];

/** Runs a deferred CREATE INDEX; a unique one fails when the write repeated an id. */
function buildIndex(db: Database.Database, sql: string): void {
  try {
    db.exec(sql);
  } catch (e) {
    if (sql.startsWith('CREATE UNIQUE') && (e as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') {
      throw new Error(`the same id was written twice into ${tableOfIndex(sql)} (a load into a new file or a replacing write takes every id once)`);
    }
    throw e;
  }
}

/** Fills `values` with the column values of rows `start`…`start + n - 1`, row after row. */
function rowValues(values: unknown[], rows: readonly Row[], start: number, n: number, keys: readonly string[]): unknown[] {
  let v = 0;
  for (let r = start; r < start + n; r++) {
    const row = rows[r];
    for (let k = 0; k < keys.length; k++) values[v++] = row[keys[k]] ?? null;
  }
  return values;
}

const toUser = (r: UserRow): User => ({ name: r.name, passwordHash: r.password_hash, role: r.role as Role });
