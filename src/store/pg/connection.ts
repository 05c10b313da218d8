import pg from 'pg';
import { StoreBusyError, StoreUnavailableError } from '../store.js';

/** How long a statement waits for a lock another node holds before the store reports it busy. */
export const WRITE_WAIT_MS = 5000;
/** Connections per node: enough for concurrent reads beside a write and open cursors. */
const POOL_SIZE = 10;
/** A node gives up reaching the database after this long (then 503, and the next request tries again). */
const CONNECT_TIMEOUT_MS = 3000;

const INT8_OID = 20;

/**
 * A pool of connections to `url`. BIGINT comes back as a number (every stored integer fits in
 * 2^53: sizes in bytes, enums, epoch milliseconds), as SQLite's INTEGER does. A connection
 * that breaks is dropped by the pool; its error goes to `onIdleError`, never unhandled.
 */
export function createPool(url: string, onIdleError: (e: Error) => void): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: POOL_SIZE,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    application_name: 'emrest',
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8_OID ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  pool.on('error', onIdleError);
  // A connection that breaks while checked out also says so as an event (its query fails too);
  // unheard, that event would end the process.
  pool.on('connect', (client) => client.on('error', onIdleError));
  return pool;
}

/**
 * SQLSTATE classes and Node socket errors that mean the database cannot be used (not that a
 * statement was wrong): no connection (08), shutting down (57P01–03), too many connections
 * (53300), refused credentials (28) or no such database (3D000).
 */
function isConnectionError(e: unknown): boolean {
  const code = (e as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (/^(08|28|57P0[1-3]|53300|3D000)/.test(code)) return true;
    if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'EAI_AGAIN'].includes(code)) return true;
  }
  const message = e instanceof Error ? e.message : '';
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/.test(message);
}

/** lock_not_available: a `lock_timeout` ran out. */
export const isLockTimeout = (e: unknown): boolean => (e as { code?: unknown }).code === '55P03';

/**
 * The store's errors as the layers above know them: the database unreachable → unavailable
 * (503 with Retry-After), a lock held past its wait → busy; anything else as it is.
 */
export function translate(e: unknown, what: string): unknown {
  if (isConnectionError(e)) return new StoreUnavailableError(what, e instanceof Error ? e.message : String(e));
  if (isLockTimeout(e)) return new StoreBusyError(what);
  return e;
}

/** Runs `fn` on a pooled connection, returned to the pool afterwards (destroyed if it broke). */
export async function withClient<T>(pool: pg.Pool, what: string, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (e) {
    throw translate(e, what);
  }
  let broken: unknown;
  try {
    return await fn(client);
  } catch (e) {
    if (isConnectionError(e)) broken = e;
    throw translate(e, what);
  } finally {
    client.release(broken instanceof Error ? broken : undefined);
  }
}

/**
 * Runs `fn` in a transaction on one pooled connection: committed when it returns, rolled back
 * when it throws. `begin` picks the isolation (`BEGIN ISOLATION LEVEL …`).
 */
export function transaction<T>(pool: pg.Pool, what: string, fn: (c: pg.PoolClient) => Promise<T>, begin = 'BEGIN'): Promise<T> {
  return withClient(pool, what, async (c) => {
    await c.query(begin);
    try {
      const result = await fn(c);
      await c.query('COMMIT');
      return result;
    } catch (e) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw e;
    }
  });
}

/** One snapshot for every read of `fn` (a page and its total agree), never taking a write lock. */
export const SNAPSHOT = 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY';
