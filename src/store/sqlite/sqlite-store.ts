import type Database from 'better-sqlite3';
import type { QueryPlan } from '../../query/plan.js';
import type { RawValue, Row, TypeDecl } from '../../model/index.js';
import { RESOURCE_TABLES, tablesRead } from '../schema.js';
import { compileCount, compileRevisions, compileRowsById, compileSelect, compileUpsert, SQLITE } from '../sql.js';
import {
  rowRevision, stampOf, type Cursor, type Generations, type LogonSession, type LogonSessionOfUser, type QueryPage, type RevisedPage, type Role,
  type RowsWanted, type Store, type StoreWriter, type User, type WriteOptions,
} from '../store.js';
import { BulkWrite, checkForeignKeys } from './bulk.js';
import { whenFree } from './busy.js';
import { completeSchema, connect, migrate, nonBlocking, READ_WAIT_MS, Statements, WRITE_WAIT_MS } from './connection.js';
import { Cursors } from './cursors.js';
import { bumpGenerations, readGenerations } from './generations.js';
import { removeAbandonedBuilds } from './files.js';
import { LogonSessions } from './logons.js';
import { MIGRATIONS } from './migrations.js';
import { columnKeys, rowOf } from './raw-rows.js';
import { deleteRows, rowWrites, upsertEach, type Counts } from './rows.js';

export { logonsPath } from './files.js';

const COUNT_CACHE_LIMIT = 4096;

export interface SqliteOptions {
  /**
   * A private new file being loaded (see `buildSqliteFile`): no journal, no fsync, no
   * foreign-key checks, and a bulk write drops every index of its empty tables, the unique id
   * indexes too, and inserts rows plainly; the indexes are built at its end, where a repeated
   * id fails the write. Only for a file nobody else uses and that is thrown away unless the
   * load completes. Such a store has no logon sessions.
   */
  readonly loading?: boolean;
}

/**
 * Opens (creating and migrating if needed) the SQLite database file at `path`, checking that
 * its schema holds every declared column. Two connections: reads never see a write
 * transaction in progress (WAL isolation). Files a killed build left beside it are removed.
 */
export function openSqliteStore(path: string, options: SqliteOptions = {}): SqliteStore {
  const loading = options.loading ?? false;
  if (!loading) removeAbandonedBuilds(path);
  const writer = connect(path, loading);
  try {
    migrate(writer, MIGRATIONS);
    completeSchema(writer);
  } catch (e) {
    writer.close();
    throw e;
  }
  const reader = connect(path, loading);
  for (const db of [writer, reader]) nonBlocking(db);
  return new SqliteStore(path, reader, writer, loading ? undefined : new LogonSessions(path));
}

interface UserRow { name: string; password_hash: string; role: string }
const toUser = (r: UserRow): User => ({ name: r.name, passwordHash: r.password_hash, role: r.role as Role });

const PUT_META = compileUpsert('meta', ['name', 'value'], 'name', SQLITE);
const PUT_USER = compileUpsert('users', ['name', 'password_hash', 'role'], 'name', SQLITE);

/** Logon sessions remembered at most (more live logons than this are simply read each time). */
const LOGON_CACHE_ENTRIES = 10_000;

export class SqliteStore implements Store {
  private readonly reads: Statements;
  private readonly writes: Statements;
  /**
   * Totals per count statement (COUNT dominates large queries), each valid while the data
   * generations of the tables its type reads are those it was counted at (`stamp`).
   */
  private readonly counts = new Map<string, { readonly total: number; readonly stamp: string }>();
  /**
   * Logon sessions with their users as read at `stamp` (`logonStamp`): every authenticated
   * request looks its session up, and while neither file has changed that costs two
   * `PRAGMA data_version` reads instead of two queries. A logoff, a new user or password
   * (here, in another worker or by the CLI) changes a version, so the next lookup reads again.
   */
  private readonly logonCache = new Map<string, { readonly value: LogonSessionOfUser; readonly stamp: string }>();
  private writing: Promise<unknown> = Promise.resolve();
  /** The current write, if it is a bulk one. */
  private bulk: BulkWrite | undefined;
  private readonly cursors: Cursors;
  private readonly loading: boolean;

  /** `logons`: none for a store being loaded. */
  constructor(
    /** The database file. */
    readonly path: string,
    reader: Database.Database,
    private readonly writer: Database.Database,
    private readonly logonSessions: LogonSessions | undefined,
  ) {
    this.reads = new Statements(reader);
    this.writes = new Statements(writer);
    this.cursors = new Cursors(path);
    this.loading = logonSessions === undefined;
  }

  /** A synchronous read on the shared read connection, waiting asynchronously out any lock. */
  private read<T>(what: string, attempt: () => T): Promise<T> {
    return whenFree(what, READ_WAIT_MS, attempt);
  }

  async dataGenerations(): Promise<Generations> {
    return this.read('data generations', () => readGenerations(this.reads));
  }

  async dataGeneration(): Promise<number> {
    let sum = 0;
    for (const generation of (await this.dataGenerations()).values()) sum += generation;
    return sum;
  }

  /**
   * The plan's total, counted again only once a table its type reads has been written (call
   * inside a read transaction: the generations are then those of the rows counted).
   */
  private total(statements: Statements, plan: QueryPlan): number {
    const count = compileCount(plan, SQLITE);
    const stamp = stampOf(readGenerations(statements), tablesRead(plan.type));
    const key = count.text + '\u0000' + JSON.stringify(count.params);
    const cached = this.counts.get(key);
    if (cached !== undefined && cached.stamp === stamp) return cached.total;
    const total = (statements.get(count.text).get(...count.params) as { n: number }).n;
    if (cached === undefined && this.counts.size >= COUNT_CACHE_LIMIT) this.counts.clear();
    this.counts.set(key, { total, stamp });
    return total;
  }

  async query(plan: QueryPlan, options: { count?: boolean } = {}): Promise<QueryPage> {
    // Rows and total come from one read transaction, so they agree even while a write lands.
    return this.read(`query of ${plan.type.name}`, () =>
      this.reads.db.transaction(() => {
        const select = compileSelect(plan, SQLITE);
        const rows = this.reads.get(select.text).all(...select.params) as Row[];
        return options.count ? { rows, total: this.total(this.reads, plan) } : { rows };
      })(),
    );
  }

  async revisedPage(plan: QueryPlan, options: { count?: boolean }, wanted: RowsWanted): Promise<RevisedPage> {
    return this.read(`query of ${plan.type.name}`, () =>
      this.reads.db.transaction(() => {
        const total = options.count ? this.total(this.reads, plan) : undefined;
        const page = compileRevisions(plan, SQLITE);
        const revisions = (this.reads.get(page.text).raw(true).all(...page.params) as RawValue[][]).map(rowRevision);
        const ids = wanted(revisions, total);
        if (ids.length === 0) return { total, revisions, rows: [] };
        const statement = this.reads.get(compileRowsById(plan.type, SQLITE)).raw(true);
        const keys = columnKeys(statement);
        const rows = (statement.all(SQLITE.idsValue(ids)) as RawValue[][]).map((values) => rowOf(keys, values));
        return { total, revisions, rows };
      })(),
    );
  }

  /** Total and rows from one read transaction on a connection of the cursor's own (see `Cursors`). */
  async cursor(plan: QueryPlan, options: { count?: boolean; chunkRows: number }): Promise<Cursor> {
    return this.cursors.open(plan, options, (statements) => this.total(statements, plan));
  }

  private upsertNow(type: TypeDecl, rows: readonly Row[]): Counts {
    const plan = rowWrites(type);
    return this.bulk?.upsert(plan, rows) ?? upsertEach(this.writes, plan, rows);
  }

  /** Rows changed by this connection's statements so far (to check a write's bookkeeping). */
  private changesSoFar(): number {
    return this.writes.get('SELECT total_changes()').pluck().get() as number;
  }

  /**
   * One write transaction on the writer connection. Writes are queued so two never
   * interleave. A bulk write defers indexing (`BulkWrite`) inside the same transaction, so a
   * failure leaves the database as it was. A replacing write empties every resource table
   * first and loads them like a new file, with the foreign keys checked once at the end
   * instead of row by row.
   */
  async write<T>(fn: (w: StoreWriter) => Promise<T>, options: WriteOptions = {}): Promise<T> {
    const run = async (): Promise<T> => {
      const db = this.writer;
      const replace = options.replace === true;
      // Off while replacing (a loading store never has them on): only settable outside a transaction.
      const keysOff = replace && !this.loading;
      if (keysOff) db.pragma('foreign_keys = OFF');
      let bulk: BulkWrite | undefined;
      // The tables this write changed, whose data generations move with its commit, and how
      // many row changes were reported. Every `StoreWriter` method reports the rows it changed
      // per table through `note` (a table that is no resource's too): a change nobody
      // reported moves every table's generation, which is correct but empties every cache.
      const changed = new Set<string>();
      let reported = 0;
      const note = (table: string, changes: number) => {
        if (changes > 0) changed.add(table);
        reported += changes;
      };
      try {
        await whenFree('write', WRITE_WAIT_MS, () => db.exec('BEGIN IMMEDIATE'));
        const changesBefore = this.changesSoFar();
        if (replace) this.deleteData(note);
        if (options.bulk === true || replace) bulk = this.bulk = new BulkWrite(this.writes, this.loading || replace);
        const result = await fn({
          upsert: async (type, rows) => {
            const counts = this.upsertNow(type, rows);
            note(type.table, counts.inserted + counts.updated);
            return counts;
          },
          delete: async (type, ids) => {
            const deleted = deleteRows(this.writes, type.table, ids);
            note(type.table, deleted);
            return deleted;
          },
          clear: async () => this.deleteData(note),
          putMeta: async (name, value) => {
            const changes = value === undefined
              ? this.writes.get('DELETE FROM meta WHERE name = ?').run(name).changes
              : this.writes.get(PUT_META).run(name, value).changes;
            note('meta', changes);
          },
        });
        // A row change no write method reported: which table it was in is not known. Never stale.
        if (this.changesSoFar() - changesBefore !== reported) for (const t of RESOURCE_TABLES) changed.add(t);
        const steps = (bulk?.steps ?? 0) + (keysOff ? 1 : 0);
        let step = 0;
        const advance = () => options.onDeferred?.(step++, steps);
        advance();
        bulk?.buildIndexes(advance);
        if (keysOff) {
          checkForeignKeys(db);
          advance();
        }
        bumpGenerations(this.writes, changed);
        db.exec('COMMIT');
        bulk?.analyze(advance);
        return result;
      } catch (e) {
        if (db.inTransaction) db.exec('ROLLBACK');
        throw e;
      } finally {
        this.bulk = undefined;
        if (keysOff) db.pragma('foreign_keys = ON');
        bulk?.end();
      }
    };
    const next = this.writing.then(run, run);
    this.writing = next.catch(() => undefined);
    return next;
  }

  /** Children before parents, so deletes respect foreign keys; `note` hears each table's deleted rows. */
  private deleteData(note: (table: string, changes: number) => void): void {
    for (const t of [...RESOURCE_TABLES].reverse()) note(t, this.writes.get(`DELETE FROM ${t}`).run().changes);
    note('meta', this.writes.get('DELETE FROM meta').run().changes);
  }

  /** Throws unless every reference has its row (see `checkForeignKeys`): the end of a load. */
  checkForeignKeys(): void {
    checkForeignKeys(this.writer);
  }

  async getMeta(name: string): Promise<string | undefined> {
    const r = await this.read('meta lookup', () => this.reads.get('SELECT value FROM meta WHERE name = ?').get(name) as { value: string } | undefined);
    return r?.value;
  }

  async isEmpty(): Promise<boolean> {
    return this.read('fleet check', () => (this.reads.get('SELECT EXISTS (SELECT 1 FROM backup_servers) AS found').get() as { found: number }).found === 0);
  }

  /** A single write statement's work outside `write`, waiting asynchronously out another writer. */
  private writeNow<T>(what: string, attempt: () => T): Promise<T> {
    return whenFree(what, WRITE_WAIT_MS, attempt);
  }

  async putUser(user: User): Promise<void> {
    await this.writeNow('user write', () => this.writes.get(PUT_USER).run(user.name, user.passwordHash, user.role));
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
    if (removed) await this.logons().deleteOfUser(name);
    return removed;
  }

  private logons(): LogonSessions {
    if (this.logonSessions === undefined) throw new Error('a store being loaded has no logon sessions');
    return this.logonSessions;
  }

  async createLogonSession(session: LogonSession, limits: { expiredBefore: number; maxPerUser: number }): Promise<void> {
    return this.logons().create(session, limits);
  }

  /** The versions of both files a logon lookup reads (the users table is the data file's). */
  private logonStamp(): string {
    return `${this.logons().version()}/${this.reads.dataVersion()}`;
  }

  async getLogonSession(id: string): Promise<LogonSessionOfUser | undefined> {
    const stamp = this.logonStamp();
    const cached = this.logonCache.get(id);
    if (cached !== undefined && cached.stamp === stamp) return cached.value;
    // Two files (see `LogonSessions`), so two lookups.
    const session = await this.logons().get(id);
    const value = session && Object.freeze({ ...session, user: await this.getUser(session.userName) });
    // Kept only if nothing was committed while it was read; unknown ids are not kept at all.
    if (value !== undefined && this.logonStamp() === stamp) {
      if (this.logonCache.size >= LOGON_CACHE_ENTRIES) this.logonCache.clear();
      this.logonCache.set(id, { value, stamp });
    }
    return value;
  }

  async touchLogonSessions(lastSeen: ReadonlyMap<string, number>): Promise<boolean> {
    return this.logons().touch(lastSeen);
  }

  async deleteLogonSession(id: string): Promise<boolean> {
    return this.logons().delete(id);
  }

  /** A data directory is served by one node: it always leads. */
  async lead(): Promise<boolean> {
    return true;
  }

  async close(): Promise<void> {
    await this.writing;
    for (const db of [this.reads.db, this.writer]) if (db.open) db.close();
    this.cursors.close();
    this.logonSessions?.close();
  }
}
