import Database, { type Statement } from 'better-sqlite3';
import type { QueryPlan } from '../../query/plan.js';
import { TYPES, type Row, type TypeDecl } from '../../registry/index.js';
import { compileCount, compileSelect, ownColumns, type Dialect } from '../sql.js';
import type { LogonSession, QueryPage, Role, Store, StoreWriter, User } from '../store.js';
import { MIGRATIONS } from './migrations.js';

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

interface UpsertPlan {
  /** Row keys in column order. */
  readonly keys: readonly string[];
  readonly exists: string;
  readonly upsert: string;
  readonly insert: string;
}

function connect(path: string): Database.Database {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  return db;
}

/**
 * Opens (creating and migrating if needed) the SQLite database file at `path`. Two
 * connections: reads never see a write transaction in progress (WAL isolation).
 */
export function openSqliteStore(path: string): SqliteStore {
  const writer = connect(path);
  migrate(writer);
  return new SqliteStore(connect(path), writer);
}

function migrate(db: Database.Database): void {
  const applied = db.pragma('user_version', { simple: true }) as number;
  for (let v = applied; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]);
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

export class SqliteStore implements Store {
  private readonly reads: Statements;
  private readonly writes: Statements;
  /** Totals per count statement, valid for one data generation (COUNT dominates large queries). */
  private readonly counts = new Map<string, number>();
  private countsGeneration = -1;
  private writing: Promise<unknown> = Promise.resolve();
  private readonly upsertPlans = new Map<TypeDecl, UpsertPlan>();
  /** Tables that were empty when the current bulk write began. */
  private readonly bulkTables = new Set<string>();

  constructor(
    readonly db: Database.Database,
    private readonly writer: Database.Database,
  ) {
    this.reads = new Statements(db);
    this.writes = new Statements(writer);
  }

  private generation(): number {
    return (this.reads.get('SELECT generation FROM data_generation').get() as { generation: number }).generation;
  }

  async dataGeneration(): Promise<number> {
    return this.generation();
  }

  async query(plan: QueryPlan, options: { count?: boolean } = {}): Promise<QueryPage> {
    // Rows and total come from one read transaction, so they agree even while a write lands.
    return this.db.transaction(() => {
      const select = compileSelect(plan, sqlite);
      const rows = this.reads.get(select.text).all(...select.params) as Row[];
      if (!options.count) return { rows };
      const count = compileCount(plan, sqlite);
      const generation = this.generation();
      if (generation !== this.countsGeneration) {
        this.counts.clear();
        this.countsGeneration = generation;
      }
      const key = count.text + '\u0000' + JSON.stringify(count.params);
      let total = this.counts.get(key);
      if (total === undefined) {
        total = (this.reads.get(count.text).get(...count.params) as { n: number }).n;
        if (this.counts.size >= COUNT_CACHE_LIMIT) this.counts.clear();
        this.counts.set(key, total);
      }
      return { rows, total };
    })();
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
        // Only the id conflict is ignored (NOT NULL and foreign keys still fail the statement).
        insert: `${insert} ON CONFLICT (id) DO NOTHING`,
      };
      this.upsertPlans.set(type, plan);
    }
    return plan;
  }

  private upsertNow(type: TypeDecl, rows: readonly Row[]): { inserted: number; updated: number } {
    const plan = this.upsertPlan(type);
    const { keys } = plan;
    const values: unknown[] = new Array(keys.length);
    const upsert = this.writes.get(plan.upsert);
    let inserted = 0, updated = 0;
    if (this.bulkTables.has(type.table)) {
      // Bulk load into a table that was empty when the write began: a plain insert per row; only
      // an id this write already inserted takes the upsert path.
      const insert = this.writes.get(plan.insert);
      for (const row of rows) {
        for (let i = 0; i < keys.length; i++) values[i] = row[keys[i]] ?? null;
        if (insert.run(values).changes > 0) inserted++;
        else if (upsert.run(values).changes > 0) updated++;
      }
      return { inserted, updated };
    }
    const exists = this.writes.get(plan.exists);
    for (const row of rows) {
      for (let i = 0; i < keys.length; i++) values[i] = row[keys[i]] ?? null;
      const existed = exists.get(row.id) !== undefined;
      const changes = upsert.run(values).changes;
      if (!existed) inserted++;
      else if (changes > 0) updated++;
    }
    return { inserted, updated };
  }

  /**
   * One write transaction on the writer connection. Writes are queued so two never
   * interleave; a bulk load into empty tables drops the secondary indexes and rebuilds them
   * at the end (sorting once beats millions of random index inserts), all inside the same
   * transaction, so a failure leaves the database as it was. During a bulk write rows going
   * into those (empty) tables are plainly inserted, and the page cache is larger.
   */
  async write<T>(fn: (w: StoreWriter) => Promise<T>, options: { bulk?: boolean } = {}): Promise<T> {
    const run = async (): Promise<T> => {
      const db = this.writer;
      db.exec('BEGIN IMMEDIATE');
      const cacheSize = options.bulk ? (db.pragma('cache_size', { simple: true }) as number) : undefined;
      try {
        const deferred = options.bulk ? this.dropIndexesOfEmptyTables() : [];
        if (options.bulk) db.pragma(`cache_size = ${BULK_CACHE_SIZE}`);
        const writer: StoreWriter = {
          upsert: async (type, rows) => this.upsertNow(type, rows),
          clear: async () => {
            for (const t of DATA_TABLES) this.writes.get(`DELETE FROM ${t}`).run();
          },
        };
        const result = await fn(writer);
        for (const sql of deferred) db.exec(sql);
        this.writes.get('UPDATE data_generation SET generation = generation + 1').run();
        db.exec('COMMIT');
        if (deferred.length) db.exec('ANALYZE');
        return result;
      } catch (e) {
        if (db.inTransaction) db.exec('ROLLBACK');
        throw e;
      } finally {
        this.bulkTables.clear();
        if (cacheSize !== undefined) db.pragma(`cache_size = ${cacheSize}`);
      }
    };
    const next = this.writing.then(run, run);
    this.writing = next.catch(() => undefined);
    return next;
  }

  private dropIndexesOfEmptyTables(): string[] {
    const sqls: string[] = [];
    for (const table of new Set(TYPES.map((t) => t.table))) {
      if (this.writes.get(`SELECT 1 FROM ${table} LIMIT 1`).get() !== undefined) continue;
      const indexes = this.writer
        .prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL")
        .all(table) as { name: string; sql: string }[];
      for (const i of indexes) {
        this.writer.exec(`DROP INDEX ${i.name}`);
        sqls.push(i.sql);
      }
      this.bulkTables.add(table);
    }
    return sqls;
  }

  async upsertRows(type: TypeDecl, rows: readonly Row[]): Promise<void> {
    await this.write(async (w) => void (await w.upsert(type, rows)));
  }

  async isEmpty(): Promise<boolean> {
    return (this.reads.get('SELECT EXISTS (SELECT 1 FROM backup_servers) AS found').get() as { found: number }).found === 0;
  }

  async putUser(user: User): Promise<void> {
    this.writes.get(
      'INSERT INTO users (name, password_hash, role) VALUES (?, ?, ?) ' +
        'ON CONFLICT (name) DO UPDATE SET password_hash = excluded.password_hash, role = excluded.role',
    ).run(user.name, user.passwordHash, user.role);
  }

  async getUser(name: string): Promise<User | undefined> {
    const r = this.reads.get('SELECT name, password_hash, role FROM users WHERE name = ?').get(name) as UserRow | undefined;
    return r && toUser(r);
  }

  async listUsers(): Promise<User[]> {
    return (this.reads.get('SELECT name, password_hash, role FROM users ORDER BY name').all() as UserRow[]).map(toUser);
  }

  async removeUser(name: string): Promise<boolean> {
    return this.writes.get('DELETE FROM users WHERE name = ?').run(name).changes > 0;
  }

  async createLogonSession(s: LogonSession): Promise<void> {
    this.writes.get('INSERT INTO logon_sessions (id, user_name, created_at, last_seen) VALUES (?, ?, ?, ?)').run(
      s.id, s.userName, s.createdAt, s.lastSeen,
    );
  }

  async getLogonSession(id: string): Promise<LogonSession | undefined> {
    const r = this.reads.get('SELECT id, user_name, created_at, last_seen FROM logon_sessions WHERE id = ?').get(id) as
      | LogonRow
      | undefined;
    return r && { id: r.id, userName: r.user_name, createdAt: r.created_at, lastSeen: r.last_seen };
  }

  async touchLogonSession(id: string, at: number): Promise<void> {
    this.writes.get('UPDATE logon_sessions SET last_seen = ? WHERE id = ? AND last_seen < ?').run(at, id, at);
  }

  async deleteLogonSession(id: string): Promise<boolean> {
    return this.writes.get('DELETE FROM logon_sessions WHERE id = ?').run(id).changes > 0;
  }

  async deleteLogonSessionsIdleSince(before: number): Promise<number> {
    return this.writes.get('DELETE FROM logon_sessions WHERE last_seen < ?').run(before).changes;
  }

  async close(): Promise<void> {
    await this.writing;
    for (const db of [this.db, this.writer]) if (db.open) db.close();
  }
}

const toUser = (r: UserRow): User => ({ name: r.name, passwordHash: r.password_hash, role: r.role as Role });
