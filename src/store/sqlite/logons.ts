import type Database from 'better-sqlite3';
import type { LogonSession } from '../store.js';
import { ifFree, whenFree } from './busy.js';
import { connect, migrate, nonBlocking, READ_WAIT_MS, Statements, WRITE_WAIT_MS } from './connection.js';
import { logonsPath } from './files.js';
import { LOGON_MIGRATIONS } from './migrations.js';

interface LogonRow { id: string; user_name: string; created_at: number; last_seen: number }

/**
 * The logon sessions of the data file at `path`, kept in a file of their own beside it
 * (`logonsPath`): a long data write by another process holds the data file's write lock for
 * seconds, and logons and idle timers never wait for it.
 */
export class LogonSessions {
  private readonly statements: Statements;
  /** Commits of this connection, which do not move its own `data_version`. */
  private ownWrites = 0;

  constructor(path: string) {
    const db = connect(logonsPath(path), false);
    migrate(db, LOGON_MIGRATIONS);
    nonBlocking(db);
    this.statements = new Statements(db);
  }

  private get db(): Database.Database {
    return this.statements.db;
  }

  /** Counted in the same tick as it commits, so no lookup can pair the old version with new rows. */
  private written<T>(attempt: () => T): () => T {
    return () => {
      const result = attempt();
      this.ownWrites++;
      return result;
    };
  }

  private write<T>(attempt: () => T): Promise<T> {
    return whenFree('logon session write', WRITE_WAIT_MS, this.written(attempt));
  }

  /** Changes whenever the file may have: a commit by any connection, of any process, this one's too. */
  version(): string {
    return `${this.statements.dataVersion()}.${this.ownWrites}`;
  }

  async create(s: LogonSession, limits: { expiredBefore: number; maxPerUser: number }): Promise<void> {
    const { statements } = this;
    await this.write(() =>
      this.db.transaction(() => {
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

  async get(id: string): Promise<LogonSession | undefined> {
    const r = await whenFree('logon session lookup', READ_WAIT_MS, () =>
      this.statements.get('SELECT id, user_name, created_at, last_seen FROM logon_sessions WHERE id = ?').get(id) as LogonRow | undefined,
    );
    return r && { id: r.id, userName: r.user_name, createdAt: r.created_at, lastSeen: r.last_seen };
  }

  /** Moves idle timers forward, never back; false (nothing written) when the lock is taken. */
  async touch(lastSeen: ReadonlyMap<string, number>): Promise<boolean> {
    const touch = this.statements.get('UPDATE logon_sessions SET last_seen = ? WHERE id = ? AND last_seen < ?');
    const written = ifFree(this.written(() => this.db.transaction(() => {
      for (const [id, at] of lastSeen) touch.run(at, id, at);
      return true;
    }).immediate()));
    return written === true;
  }

  async delete(id: string): Promise<boolean> {
    return this.write(() => this.statements.get('DELETE FROM logon_sessions WHERE id = ?').run(id).changes > 0);
  }

  async deleteOfUser(userName: string): Promise<void> {
    await this.write(() => this.statements.get('DELETE FROM logon_sessions WHERE user_name = ?').run(userName));
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
