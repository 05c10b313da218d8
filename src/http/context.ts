import type { FastifyRequest } from 'fastify';
import type { Clock } from '../clock/clock.js';
import { clockFrom } from '../config.js';
import type { LiveEstate } from '../estate/estate.js';
import type { DataWriter } from '../io/writer-thread.js';
import type { Settings } from '../settings.js';
import type { Store, User } from '../store/store.js';
import type { QueryParam } from './query-string.js';
import type { Rendering } from './send.js';

/** What every route needs, fixed when the app is built. */
export interface AppContext {
  readonly settings: Settings;
  readonly store: Store;
  /** The one clock: every "now" reads `clock.now()` (the settings' clock, or one a test moves). */
  readonly clock: Clock;
  /** Runs the admin API's writes (needed with `settings.adminToken`). */
  readonly dataWriter?: DataWriter;
  /**
   * The live estate (the simulation); absent: the data is a snapshot and nothing runs. Read it
   * when needed: where several nodes serve one database it comes and goes with who runs it.
   */
  readonly estate?: LiveEstate;
  /**
   * Resolves once the clock changes made here are the clock of every process serving (worker
   * processes of one server); absent: this process is the only one.
   */
  readonly clockSettled?: () => Promise<void>;
}

/** The context `serve` and the tests build the app from: one place, whoever starts it. */
export function appContext(
  settings: Settings,
  store: Store,
  extra: {
    readonly clock?: Clock;
    readonly dataWriter?: DataWriter;
    /** The estate, or where to find it at each use (see `EstateLeader.current`). */
    readonly estate?: LiveEstate | (() => LiveEstate | undefined);
    readonly clockSettled?: () => Promise<void>;
  } = {},
): AppContext {
  const { estate } = extra;
  const ctx = { settings, store, clock: extra.clock ?? clockFrom(settings), dataWriter: extra.dataWriter, clockSettled: extra.clockSettled };
  if (typeof estate !== 'function') return Object.freeze({ ...ctx, estate });
  return Object.freeze(Object.defineProperty(ctx, 'estate', { get: estate, enumerable: true }) as AppContext);
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
