import type { FastifyInstance, FastifyRequest } from 'fastify';
import { TYPES } from '../../model/index.js';
import { planOrder } from '../../query/plan.js';
import { EMREST_VERSION } from '../../product.js';
import type { Store } from '../../store/store.js';
import type { AppContext } from '../context.js';
import { errors } from '../errors.js';
import { ADMIN_METHODS, jsonErrors, sendJson } from './admin-shared.js';

/**
 * `GET /admin/v1/health` (contract §6) → {"status":"ok","version","emVersion","sessions",…}:
 * answers only once the store answers, so a probe that gets 200 can query. `sessions` counts
 * the stored job sessions of every kind (not task sessions, not logon sessions).
 */

export const HEALTH = '/admin/v1/health';

/** Job-session types: those whose rows are a job's runs (`…JobSession`). */
const JOB_SESSION_TYPES = TYPES.filter((t) => t.name.endsWith('JobSession'));

async function jobSessions(store: Store): Promise<number> {
  let n = 0;
  for (const type of JOB_SESSION_TYPES) {
    n += (await store.query({ type, order: planOrder(type), offset: 0, limit: 0 }, { count: true })).total ?? 0;
  }
  return n;
}

export function adminHealthRoutes(ctx: AppContext, guard: (req: FastifyRequest) => Promise<void>) {
  return async (scope: FastifyInstance): Promise<void> => {
    jsonErrors(scope);
    const config = { anonymous: true };
    scope.route({
      method: ['GET', 'HEAD'],
      url: HEALTH,
      config,
      onRequest: guard,
      handler: async (_req, reply) => {
        const state = await ctx.estate?.status();
        sendJson(reply, 200, {
          status: 'ok',
          version: EMREST_VERSION,
          emVersion: ctx.settings.profile.emVersion,
          sessions: await jobSessions(ctx.store),
          now: new Date(ctx.clock.now()).toISOString(),
          simulation: state === undefined ? 'off' : state.elsewhere ? 'on another node' : state.enabled ? 'running' : 'paused',
        });
      },
    });
    scope.route({
      method: ADMIN_METHODS.filter((m) => m !== 'GET' && m !== 'HEAD'),
      url: HEALTH,
      config,
      onRequest: guard,
      handler: async (req) => {
        throw errors.methodNotAllowed(req.method, ['GET']);
      },
    });
  };
}
