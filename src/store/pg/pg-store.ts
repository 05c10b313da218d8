import pg from 'pg';
import Cursor from 'pg-cursor';
import type { QueryPlan } from '../../query/plan.js';
import type { Row } from '../../model/index.js';
import { RESOURCE_TABLES, tablesRead } from '../schema.js';
import { compileCount, compileRevisions, compileRowsById, compileSelect, POSTGRES } from '../sql.js';
import {
  rowRevision, stampOf, StoreBusyError, type Cursor as StoreCursor, type Generations, type LogonSession, type LogonSessionOfUser, type QueryPage,
  type RevisedPage, type Role, type RowsWanted, type Store, type StoreWriter, type User, type WriteOptions,
} from '../store.js';
import { createPool, SNAPSHOT, transaction, translate, withClient, WRITE_WAIT_MS } from './connection.js';
import { CopyWriter, deleteRows, upsertRows } from './rows.js';
import { prepareSchema } from './schema.js';

/** Every data write of every node takes this transaction lock first: writes never interleave, as in SQLite. */
export const DATA_WRITE_LOCK = 0x656d7265_73740002n;
/** Held, for as long as its connection lives, by the one node that runs the live estate. */
const ESTATE_LOCK = 0x656d7265_73740003n;
/** How often the leading node checks that its hold on the estate lock is alive. */
const LEAD_PING_MS = 2000;
const COUNT_CACHE_LIMIT = 4096;

const BUMP =
  'INSERT INTO data_generation (resource_table, generation) VALUES ($1, 1) ' +
  'ON CONFLICT (resource_table) DO UPDATE SET generation = data_generation.generation + 1';

interface UserRow { name: string; password_hash: string; role: string }
const toUser = (r: UserRow): User => ({ name: r.name, passwordHash: r.password_hash, role: r.role as Role });

/**
 * Opens the PostgreSQL database at `url` (a `postgres://` URL), creating or completing the
 * schema; throws if it cannot be reached or was made by a newer emrest.
 */
export async function openPgStore(url: string, options: { onConnectionError?: (e: Error) => void } = {}): Promise<PgStore> {
  const pool = createPool(url, options.onConnectionError ?? (() => undefined));
  try {
    await withClient(pool, 'schema check', (c) => prepareSchema(c));
  } catch (e) {
    await pool.end().catch(() => undefined);
    throw e;
  }
  return new PgStore(pool, url);
}

/**
 * The store in a PostgreSQL database shared by any number of nodes: every fact (rows, data
 * generations, users, logon sessions, meta) is in the database, so a node holds nothing
 * another node could need. Reads take a snapshot (a page and its total agree); writes
 * serialise on a transaction-level advisory lock.
 */
export class PgStore implements Store {
  private readonly counts = new Map<string, { readonly total: number; readonly stamp: string }>();
  private writing: Promise<unknown> = Promise.resolve();
  private closed = false;
  /** The connection holding the estate lock, while this node leads. */
  private leading: pg.Client | undefined;

  constructor(private readonly pool: pg.Pool, private readonly url: string) {}

  private async generationsOn(c: pg.ClientBase): Promise<Generations> {
    const generations = new Map<string, number>();
    const { rows } = await c.query('SELECT resource_table, generation FROM data_generation');
    for (const r of rows as { resource_table: string; generation: number }[]) generations.set(r.resource_table, r.generation);
    return generations;
  }

  async dataGenerations(): Promise<Generations> {
    return withClient(this.pool, 'data generations', (c) => this.generationsOn(c));
  }

  async dataGeneration(): Promise<number> {
    let sum = 0;
    for (const g of (await this.dataGenerations()).values()) sum += g;
    return sum;
  }

  /** The plan's total, counted again once a table its type reads was written (inside the snapshot). */
  private async total(c: pg.ClientBase, plan: QueryPlan): Promise<number> {
    const count = compileCount(plan, POSTGRES);
    const stamp = stampOf(await this.generationsOn(c), tablesRead(plan.type));
    const key = count.text + '\u0000' + JSON.stringify(count.params);
    const cached = this.counts.get(key);
    if (cached !== undefined && cached.stamp === stamp) return cached.total;
    const total = (await c.query(count.text, count.params)).rows[0].n as number;
    if (cached === undefined && this.counts.size >= COUNT_CACHE_LIMIT) this.counts.clear();
    this.counts.set(key, { total, stamp });
    return total;
  }

  async query(plan: QueryPlan, options: { count?: boolean } = {}): Promise<QueryPage> {
    const select = compileSelect(plan, POSTGRES);
    const run = async (c: pg.ClientBase) => {
      const rows = (await c.query(select.text, select.params)).rows as Row[];
      return options.count ? { rows, total: await this.total(c, plan) } : { rows };
    };
    return options.count ? transaction(this.pool, `query of ${plan.type.name}`, run, SNAPSHOT) : withClient(this.pool, `query of ${plan.type.name}`, run);
  }

  async revisedPage(plan: QueryPlan, options: { count?: boolean }, wanted: RowsWanted): Promise<RevisedPage> {
    const page = compileRevisions(plan, POSTGRES);
    return transaction(this.pool, `query of ${plan.type.name}`, async (c) => {
      const total = options.count ? await this.total(c, plan) : undefined;
      const revisions = ((await c.query({ text: page.text, values: page.params, rowMode: 'array' })).rows as unknown[][]).map(rowRevision);
      const ids = wanted(revisions, total);
      if (ids.length === 0) return { total, revisions, rows: [] };
      const rows = (await c.query(compileRowsById(plan.type, POSTGRES), [POSTGRES.idsValue(ids)])).rows as Row[];
      return { total, revisions, rows };
    }, SNAPSHOT);
  }

  /**
   * Total and rows from one snapshot on a connection of the cursor's own, rows fetched a chunk
   * at a time from a server-side cursor; the connection goes back to the pool on close.
   */
  async cursor(plan: QueryPlan, options: { count?: boolean; chunkRows: number }): Promise<StoreCursor> {
    const what = `query of ${plan.type.name}`;
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (e) {
      throw translate(e, what);
    }
    let cursor: Cursor<Row> | undefined;
    let open = true;
    const close = () => {
      if (!open) return;
      open = false;
      const done = cursor ? cursor.close().catch(() => undefined) : Promise.resolve();
      void done.then(() => client.query('ROLLBACK')).then(() => client.release(), (e: Error) => client.release(e));
    };
    let total: number | undefined;
    try {
      await client.query(SNAPSHOT);
      total = options.count ? await this.total(client, plan) : undefined;
      const select = compileSelect(plan, POSTGRES);
      cursor = client.query(new Cursor<Row>(select.text, select.params));
    } catch (e) {
      close();
      throw translate(e, what);
    }
    return {
      total,
      next: async () => {
        if (!open) return [];
        try {
          const rows = await cursor!.read(options.chunkRows);
          if (rows.length === 0) close();
          return rows;
        } catch (e) {
          close();
          throw translate(e, what);
        }
      },
      close,
    };
  }

  /**
   * One write transaction, queued behind this node's others and serialised with every
   * node's by the data-write lock (waited for up to `WRITE_WAIT_MS`, then busy). A bulk or
   * replacing write loads with COPY; a replacing one defers the reference checks to its end.
   */
  async write<T>(fn: (w: StoreWriter) => Promise<T>, options: WriteOptions = {}): Promise<T> {
    const run = () => transaction(this.pool, 'write', async (c) => {
      await c.query(`SET LOCAL lock_timeout = ${WRITE_WAIT_MS}`);
      await c.query('SELECT pg_advisory_xact_lock($1)', [DATA_WRITE_LOCK.toString()]);
      await c.query('SET LOCAL lock_timeout = 0');
      const replace = options.replace === true;
      const changed = new Set<string>();
      const note = (table: string, changes: number) => {
        if (changes > 0) changed.add(table);
      };
      if (replace) {
        await c.query('SET CONSTRAINTS ALL DEFERRED');
        await this.deleteData(c, note);
      }
      const copy = options.bulk === true || replace ? new CopyWriter(c, replace ? new Set(RESOURCE_TABLES) : new Set()) : undefined;
      const result = await fn({
        upsert: async (type, rows) => {
          const counts = copy ? await copy.upsert(type, rows) : await upsertRows(c, type, rows);
          note(type.table, counts.inserted + counts.updated);
          return counts;
        },
        delete: async (type, ids) => {
          const deleted = await deleteRows(c, type.table, ids);
          note(type.table, deleted);
          return deleted;
        },
        clear: () => this.deleteData(c, note),
        putMeta: async (name, value) => {
          const r = value === undefined
            ? await c.query('DELETE FROM meta WHERE name = $1', [name])
            : await c.query('INSERT INTO meta (name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = excluded.value WHERE meta.value IS DISTINCT FROM excluded.value', [name, value]);
          note('meta', r.rowCount ?? 0);
        },
      });
      const steps = copy ? changed.size + 1 : 1;
      let step = 0;
      options.onDeferred?.(step++, steps);
      // The deferred reference checks run here, so a dangling one fails the write before its generations move.
      if (replace) await c.query('SET CONSTRAINTS ALL IMMEDIATE');
      for (const table of changed) await c.query(BUMP, [table]);
      if (copy) {
        for (const table of changed) {
          if (table !== 'meta') await c.query(`ANALYZE ${table}`);
          options.onDeferred?.(step++, steps);
        }
      }
      return result;
    });
    const next = this.writing.then(run, run);
    this.writing = next.catch(() => undefined);
    return next;
  }

  /** Children before parents; `note` hears each table's deleted rows. */
  private async deleteData(c: pg.ClientBase, note: (table: string, changes: number) => void): Promise<void> {
    for (const t of [...RESOURCE_TABLES].reverse()) note(t, (await c.query(`DELETE FROM ${t}`)).rowCount ?? 0);
    note('meta', (await c.query('DELETE FROM meta')).rowCount ?? 0);
  }

  async getMeta(name: string): Promise<string | undefined> {
    const { rows } = await withClient(this.pool, 'meta lookup', (c) => c.query('SELECT value FROM meta WHERE name = $1', [name]));
    return rows[0]?.value;
  }

  async isEmpty(): Promise<boolean> {
    const { rows } = await withClient(this.pool, 'fleet check', (c) => c.query('SELECT EXISTS (SELECT 1 FROM backup_servers) AS found'));
    return !rows[0].found;
  }

  async putUser(user: User): Promise<void> {
    await withClient(this.pool, 'user write', (c) => c.query(
      'INSERT INTO users (name, password_hash, role) VALUES ($1, $2, $3) ' +
        'ON CONFLICT (lower(name)) DO UPDATE SET password_hash = excluded.password_hash, role = excluded.role',
      [user.name, user.passwordHash, user.role],
    ));
  }

  async getUser(name: string): Promise<User | undefined> {
    const { rows } = await withClient(this.pool, 'user lookup', (c) =>
      c.query('SELECT name, password_hash, role FROM users WHERE lower(name) = lower($1::text COLLATE "C")', [name]));
    return rows[0] && toUser(rows[0] as UserRow);
  }

  async listUsers(): Promise<User[]> {
    const { rows } = await withClient(this.pool, 'user list', (c) => c.query('SELECT name, password_hash, role FROM users ORDER BY lower(name), name'));
    return (rows as UserRow[]).map(toUser);
  }

  async removeUser(name: string): Promise<boolean> {
    return transaction(this.pool, 'user write', async (c) => {
      const removed = ((await c.query('DELETE FROM users WHERE lower(name) = lower($1::text COLLATE "C")', [name])).rowCount ?? 0) > 0;
      if (removed) await c.query('DELETE FROM logon_sessions WHERE lower(user_name) = lower($1::text COLLATE "C")', [name]);
      return removed;
    });
  }

  async createLogonSession(s: LogonSession, limits: { expiredBefore: number; maxPerUser: number }): Promise<void> {
    await transaction(this.pool, 'logon session write', async (c) => {
      await c.query('DELETE FROM logon_sessions WHERE last_seen < $1', [limits.expiredBefore]);
      await c.query('INSERT INTO logon_sessions (id, user_name, created_at, last_seen) VALUES ($1, $2, $3, $4)', [s.id, s.userName, s.createdAt, s.lastSeen]);
      await c.query(
        'DELETE FROM logon_sessions WHERE id IN (SELECT id FROM logon_sessions WHERE lower(user_name) = lower($1::text COLLATE "C") ' +
          'ORDER BY last_seen DESC, created_at DESC, seq DESC OFFSET $2)',
        [s.userName, limits.maxPerUser],
      );
    });
  }

  async getLogonSession(id: string): Promise<LogonSessionOfUser | undefined> {
    const { rows } = await withClient(this.pool, 'logon session lookup', (c) =>
      c.query(
        'SELECT l.id, l.user_name, l.created_at, l.last_seen, u.name, u.password_hash, u.role FROM logon_sessions l ' +
          'LEFT JOIN users u ON lower(u.name) = lower(l.user_name COLLATE "C") WHERE l.id = $1',
        [id],
      ));
    const r = rows[0] as ({ id: string; user_name: string; created_at: number; last_seen: number } & Partial<UserRow>) | undefined;
    if (r === undefined) return undefined;
    const user = r.name === undefined || r.name === null ? undefined : toUser(r as UserRow);
    return { id: r.id, userName: r.user_name, createdAt: r.created_at, lastSeen: r.last_seen, user };
  }


  /** Idle timers forward only; false (nothing written) rather than waiting when another holds the rows. */
  async touchLogonSessions(lastSeen: ReadonlyMap<string, number>): Promise<boolean> {
    if (lastSeen.size === 0) return true;
    try {
      await transaction(this.pool, 'logon session write', async (c) => {
        await c.query("SET LOCAL lock_timeout = '20ms'");
        await c.query(
          'UPDATE logon_sessions l SET last_seen = v.at FROM unnest($1::text[], $2::bigint[]) AS v(id, at) WHERE l.id = v.id AND l.last_seen < v.at',
          [[...lastSeen.keys()], [...lastSeen.values()]],
        );
      });
      return true;
    } catch (e) {
      if (e instanceof StoreBusyError) return false;
      throw e;
    }
  }

  async deleteLogonSession(id: string): Promise<boolean> {
    const r = await withClient(this.pool, 'logon session write', (c) => c.query('DELETE FROM logon_sessions WHERE id = $1', [id]));
    return (r.rowCount ?? 0) > 0;
  }

  /**
   * A session-level advisory lock on a connection of its own (outside the pool, so no query
   * ever shares it): PostgreSQL releases it the moment that connection ends, so a node that
   * dies or is cut off hands the estate over without anyone waiting for a timeout of ours.
   */
  async lead(lost: () => void): Promise<boolean> {
    if (this.leading) return true;
    if (this.closed) return false;
    const client = new pg.Client({ connectionString: this.url, application_name: 'emrest estate', keepAlive: true });
    let gone = false;
    let ping: NodeJS.Timeout | undefined;
    const end = () => {
      if (gone) return;
      gone = true;
      clearInterval(ping);
      if (this.leading === client) {
        this.leading = undefined;
        if (!this.closed) lost();
      }
    };
    client.on('error', () => end());
    client.on('end', end);
    try {
      await client.connect();
      const { rows } = await client.query('SELECT pg_try_advisory_lock($1) AS held', [ESTATE_LOCK.toString()]);
      if (rows[0].held === true && !this.closed) {
        this.leading = client;
        // A database that went away is noticed within a ping, not at the next write.
        ping = setInterval(() => {
          client.query('SELECT 1').catch(() => {
            end();
            void client.end().catch(() => undefined);
          });
        }, LEAD_PING_MS);
        ping.unref();
        return true;
      }
    } catch {
      // Unreachable now: not the leader; the caller tries again later.
    }
    gone = true;
    await client.end().catch(() => undefined);
    return false;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.writing;
    const leading = this.leading;
    this.leading = undefined;
    await leading?.end().catch(() => undefined);
    await this.pool.end();
  }
}
