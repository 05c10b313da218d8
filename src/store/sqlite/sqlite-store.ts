import Database, { type Statement } from 'better-sqlite3';
import type { QueryPlan } from '../../query/plan.js';
import type { Row, TypeDecl } from '../../registry/index.js';
import { compileCount, compileSelect, ownColumns, type Dialect } from '../sql.js';
import type { LogonSession, QueryPage, Role, Store, User } from '../store.js';
import { MIGRATIONS } from './migrations.js';

const sqlite: Dialect = {
  placeholder: () => '?',
  caseInsensitive: (expr) => `${expr} COLLATE NOCASE`,
};

const STATEMENT_CACHE_LIMIT = 512;

/** Opens (creating and migrating if needed) the SQLite database file at `path`. */
export function openSqliteStore(path: string): SqliteStore {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  migrate(db);
  return new SqliteStore(db);
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

export class SqliteStore implements Store {
  private readonly statements = new Map<string, Statement>();

  constructor(readonly db: Database.Database) {}

  private prepare(sql: string): Statement {
    let s = this.statements.get(sql);
    if (!s) {
      if (this.statements.size >= STATEMENT_CACHE_LIMIT) this.statements.clear();
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  async query(plan: QueryPlan, options: { count?: boolean } = {}): Promise<QueryPage> {
    const select = compileSelect(plan, sqlite);
    const rows = this.prepare(select.text).all(...select.params) as Row[];
    if (!options.count) return { rows };
    const count = compileCount(plan, sqlite);
    const { n } = this.prepare(count.text).get(...count.params) as { n: number };
    return { rows, total: n };
  }

  async upsertRows(type: TypeDecl, rows: readonly Row[]): Promise<void> {
    const cols = ownColumns(type);
    const names = cols.map((c) => c.column);
    // An upsert, not INSERT OR REPLACE: replacing would delete the row under its children.
    const sql =
      `INSERT INTO ${type.table} (${names.join(', ')}) VALUES (${names.map(() => '?').join(', ')}) ` +
      `ON CONFLICT (id) DO UPDATE SET ${names.filter((n) => n !== 'id').map((n) => `${n} = excluded.${n}`).join(', ')}`;
    const stmt = this.prepare(sql);
    this.db.transaction(() => {
      for (const row of rows) stmt.run(...cols.map((c) => row[c.key] ?? null));
    })();
  }

  async transaction<T>(fn: () => T): Promise<T> {
    return this.db.transaction(fn)();
  }

  async isEmpty(): Promise<boolean> {
    return (this.prepare('SELECT EXISTS (SELECT 1 FROM backup_servers) AS found').get() as { found: number }).found === 0;
  }

  async putUser(user: User): Promise<void> {
    this.prepare(
      'INSERT INTO users (name, password_hash, role) VALUES (?, ?, ?) ' +
        'ON CONFLICT (name) DO UPDATE SET password_hash = excluded.password_hash, role = excluded.role',
    ).run(user.name, user.passwordHash, user.role);
  }

  async getUser(name: string): Promise<User | undefined> {
    const r = this.prepare('SELECT name, password_hash, role FROM users WHERE name = ?').get(name) as UserRow | undefined;
    return r && toUser(r);
  }

  async listUsers(): Promise<User[]> {
    return (this.prepare('SELECT name, password_hash, role FROM users ORDER BY name').all() as UserRow[]).map(toUser);
  }

  async removeUser(name: string): Promise<boolean> {
    return this.prepare('DELETE FROM users WHERE name = ?').run(name).changes > 0;
  }

  async createLogonSession(s: LogonSession): Promise<void> {
    this.prepare('INSERT INTO logon_sessions (id, user_name, created_at, last_seen) VALUES (?, ?, ?, ?)').run(
      s.id, s.userName, s.createdAt, s.lastSeen,
    );
  }

  async getLogonSession(id: string): Promise<LogonSession | undefined> {
    const r = this.prepare('SELECT id, user_name, created_at, last_seen FROM logon_sessions WHERE id = ?').get(id) as
      | LogonRow
      | undefined;
    return r && { id: r.id, userName: r.user_name, createdAt: r.created_at, lastSeen: r.last_seen };
  }

  async touchLogonSession(id: string, at: number): Promise<void> {
    this.prepare('UPDATE logon_sessions SET last_seen = ? WHERE id = ? AND last_seen < ?').run(at, id, at);
  }

  async deleteLogonSession(id: string): Promise<boolean> {
    return this.prepare('DELETE FROM logon_sessions WHERE id = ?').run(id).changes > 0;
  }

  async deleteLogonSessionsIdleSince(before: number): Promise<number> {
    return this.prepare('DELETE FROM logon_sessions WHERE last_seen < ?').run(before).changes;
  }

  async close(): Promise<void> {
    this.statements.clear();
    if (this.db.open) this.db.close();
  }
}

const toUser = (r: UserRow): User => ({ name: r.name, passwordHash: r.password_hash, role: r.role as Role });
