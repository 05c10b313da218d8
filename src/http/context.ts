import type { FastifyRequest } from 'fastify';
import type { LockoutPolicy } from '../auth/logon-lockout.js';
import type { DataWriter } from '../io/writer-thread.js';
import type { Store, User } from '../store/store.js';
import type { QueryParam } from './query-string.js';
import type { Rendering } from './send.js';

/** What every route needs, fixed when the app is built. */
export interface AppContext {
  readonly store: Store;
  /** Epoch milliseconds; injectable so tests and demos can pin or move time. */
  readonly clock: () => number;
  readonly sessionTimeoutMs: number;
  /** Session collections list only sessions created within this window (spec §4.6). */
  readonly windowMs: number;
  readonly defaultPageSize: number;
  readonly jsonBom: boolean;
  /** Overrides the link base `{scheme}://{Host}/api`. */
  readonly publicUrl?: string;
  /** Enables the ingest API under /admin (Bearer token); absent or empty: /admin is 404. */
  readonly adminToken?: string;
  /** Runs the admin API's writes (needed with `adminToken`). */
  readonly dataWriter?: DataWriter;
  /** Failed logons per (user name, client address) that lock that pair out; absent: no lockout. */
  readonly logonLockout?: LockoutPolicy;
}

/** Per-request facts the hooks work out once. */
export interface RequestState {
  readonly base: string;
  readonly rendering: Rendering;
  readonly params: readonly QueryParam[];
  logon?: { readonly sessionId: string; readonly user: User };
}

declare module 'fastify' {
  interface FastifyRequest {
    em: RequestState;
  }
  interface FastifyContextConfig {
    /** Reachable without a logon session (entry point and logon). */
    anonymous?: boolean;
  }
}

export function logonOf(req: FastifyRequest): { sessionId: string; user: User } {
  if (!req.em.logon) throw new Error('route needs an authenticated request');
  return req.em.logon;
}
