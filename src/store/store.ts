import type { QueryPlan } from '../query/plan.js';
import type { Row, TypeDecl } from '../model/index.js';

export type Role = 'PortalAdministrator' | 'PortalUser' | 'RestoreOperator' | 'None';
export const ROLES: readonly Role[] = ['PortalAdministrator', 'PortalUser', 'RestoreOperator', 'None'];

export interface User {
  /** As created (`TECH\admin`); looked up case-insensitively. */
  readonly name: string;
  readonly passwordHash: string;
  readonly role: Role;
}

export interface LogonSession {
  readonly id: string;
  readonly userName: string;
  /** Epoch milliseconds. */
  readonly createdAt: number;
  readonly lastSeen: number;
}

export interface LogonSessionOfUser extends LogonSession {
  readonly user: User | undefined;
}

export interface QueryPage {
  readonly rows: Row[];
  /** Number of matching rows regardless of paging (only when asked for). */
  readonly total?: number;
}

/** A row of a page by what its values depend on (see `Store.revisedPage`). */
export interface RowRevision {
  readonly id: string;
  /**
   * The row's own revision with the ids and revisions of the rows its type joins: it differs
   * whenever a write may have changed one of the row's values. Compared within one database.
   */
  readonly revision: string;
}

/** A row's revision from the values `compileRevisions` reads of it: its id first. */
export const rowRevision = (values: readonly unknown[]): RowRevision => ({ id: values[0] as string, revision: values.join(':') });

/** Picks, from a page's revisions (and its total, when counted), the ids whose full rows to read. */
export type RowsWanted = (revisions: readonly RowRevision[], total: number | undefined) => readonly string[];

export interface RevisedPage {
  /** Matching rows regardless of paging (only when asked for). */
  readonly total?: number;
  /** The page's rows in order. */
  readonly revisions: readonly RowRevision[];
  /** The full rows of the ids `wanted` picked, in no particular order. */
  readonly rows: readonly Row[];
}

/**
 * Rows of one query read a chunk at a time from one consistent snapshot, so an answer of any
 * size is written as it is read, never held whole.
 */
export interface Cursor {
  /** Matching rows regardless of paging (only when asked for). */
  readonly total?: number;
  /** The next rows in order, at most the cursor's chunk size; empty once there are no more. */
  next(): Promise<Row[]>;
  /** Ends the read (early, or after the last rows); safe to call more than once. */
  close(): void;
}

/**
 * The store could not get a lock another process holds (a CLI import, `seed --replace`)
 * within its wait: nothing was read or written; the caller may try again shortly.
 */
export class StoreBusyError extends Error {
  constructor(readonly what: string, message = `the database is busy (${what}); try again shortly`) {
    super(message);
  }
}

/**
 * The database cannot be reached (a server-based store lost its connection or cannot open
 * one): nothing was read or written. Transient as a lock is (the store reconnects by itself),
 * so everything that answers a busy store with 503 and Retry-After answers this so too.
 */
export class StoreUnavailableError extends StoreBusyError {
  constructor(what: string, readonly reason: string) {
    super(what, `the database cannot be reached (${what}); try again shortly`);
  }
}

/**
 * The data generation of each resource table (by table name): a table's generation grows with
 * every committed write that changed its rows, whichever process made it, and never comes back
 * to an earlier value; a table never written is at 0 (`generationOf`). A cached answer or total
 * stays valid while the generations of the tables it read are unchanged (`stampOf`).
 */
export type Generations = ReadonlyMap<string, number>;

export const generationOf = (generations: Generations, table: string): number => generations.get(table) ?? 0;

/** The generations of `tables`, in order, as one comparable string. */
export const stampOf = (generations: Generations, tables: readonly string[]): string =>
  tables.map((t) => generationOf(generations, t)).join('.');

/**
 * Writes inside one transaction (see `Store.write`). Each write method moves the data
 * generation of exactly the tables whose rows it changed, when the transaction commits.
 */
export interface StoreWriter {
  /** Inserts or updates (by id) rows of a type, keyed by the type's field keys. */
  upsert(type: TypeDecl, rows: readonly Row[]): Promise<{ inserted: number; updated: number }>;
  /**
   * Deletes rows of a type by id (an id not stored is no change); a row's children must go
   * first (in an earlier call), as the references are enforced. Returns the rows deleted.
   */
  delete(type: TypeDecl, ids: readonly string[]): Promise<number>;
  /** Deletes every resource row (servers, jobs, sessions) and the facts about them (meta); users and logons stay. */
  clear(): Promise<void>;
  /** Records a fact about the data under `name` (e.g. what the live estate was seeded from); undefined deletes it. */
  putMeta(name: string, value: string | undefined): Promise<void>;
}

export interface WriteOptions {
  /** A large load is coming: the store may defer indexing of the tables it fills. */
  readonly bulk?: boolean;
  /**
   * The write begins by deleting every resource row (as `StoreWriter.clear`), so all of its
   * rows load as into a new database: each id must come once (a repeat fails the write), and
   * references are checked at the end. Implies `bulk`.
   */
  readonly replace?: boolean;
  /**
   * Called as the work a bulk write deferred to its end advances (an index built, the
   * references checked, statistics gathered): `done` of `total` steps, from 0.
   */
  readonly onDeferred?: (done: number, total: number) => void;
}

/**
 * The persistence boundary. Everything above it speaks plans and rows; `openStore` (open.ts)
 * picks the implementation: SQLite today, PostgreSQL can follow behind the same interface
 * (test/contract/store.contract.ts is what every implementation must pass).
 */
export interface Store {
  query(plan: QueryPlan, options?: { count?: boolean }): Promise<QueryPage>;
  /** The rows of `plan` as a cursor of `chunkRows`-row chunks (see `Cursor`). */
  cursor(plan: QueryPlan, options: { count?: boolean; chunkRows: number }): Promise<Cursor>;
  /**
   * A page of a `revisable` plan (sql.ts) by revision, then only the full rows of the ids
   * `wanted` picks from it (given the page and the total): all from one snapshot, so that a
   * cache of the rows' rendered texts, checked by revision, can give the rest.
   */
  revisedPage(plan: QueryPlan, options: { count?: boolean }, wanted: RowsWanted): Promise<RevisedPage>;
  /**
   * Runs `fn` in one transaction: all its writes land, or none. Readers never see a
   * half-done write.
   */
  write<T>(fn: (w: StoreWriter) => Promise<T>, options?: WriteOptions): Promise<T>;
  /**
   * The data generation of every resource table (see `Generations`), from one read: caches of
   * answers key on the generations of the tables the answer reads.
   */
  dataGenerations(): Promise<Generations>;
  /** Changes whenever any resource data changes, from any process (the generations' sum). */
  dataGeneration(): Promise<number>;
  isEmpty(): Promise<boolean>;
  /** A fact recorded with `StoreWriter.putMeta`, if any. */
  getMeta(name: string): Promise<string | undefined>;

  putUser(user: User): Promise<void>;
  getUser(name: string): Promise<User | undefined>;
  listUsers(): Promise<User[]>;
  removeUser(name: string): Promise<boolean>;

  /**
   * Opens a logon session; in the same write drops every session idle since `expiredBefore`
   * and the user's least recently used beyond `maxPerUser` (this one included in the count).
   */
  createLogonSession(session: LogonSession, limits: { expiredBefore: number; maxPerUser: number }): Promise<void>;
  /**
   * A logon session with its user as the users table holds it now (`user` undefined: removed
   * since): what every authenticated request reads, in one lookup where the backend can.
   */
  getLogonSession(id: string): Promise<LogonSessionOfUser | undefined>;
  /**
   * Moves sessions' idle timers forward (never back). Best effort: returns false, having
   * written nothing, when the write would have to wait for a lock.
   */
  touchLogonSessions(lastSeen: ReadonlyMap<string, number>): Promise<boolean>;
  deleteLogonSession(id: string): Promise<boolean>;

  /**
   * Tries to make this process the one that runs the live estate of the data (several nodes
   * may serve one database; exactly one may simulate). True: it is, until the store closes or
   * calls `lost` (its hold on the database broke: another node may take over). A store of one
   * node's own (SQLite) is always led by it.
   */
  lead(lost: () => void): Promise<boolean>;

  close(): Promise<void>;
}
