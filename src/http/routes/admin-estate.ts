import type { FastifyInstance, FastifyRequest } from 'fastify';
import { parseDuration, DurationError } from '../../clock/duration.js';
import type { LiveEstate, ScriptedRun } from '../../estate/estate.js';
import { parseGuid } from '../../util/uid.js';
import type { AppContext } from '../context.js';
import { errors } from '../errors.js';
import { sendRaw } from '../send.js';
import { bodyObject } from './admin-clock.js';
import { ADMIN_METHODS, jsonErrors, sendJson } from './admin-shared.js';

/**
 * The control plane's simulated estate (contract §2), JSON only:
 *   GET    /admin/v1/simulation                  → {"enabled":true,"jobs":N,"running":N}
 *   POST   /admin/v1/simulation                  {"enabled":false}: pause (nothing runs) / resume
 *   POST   /admin/v1/jobs/{jobId}/script         {"outcomes":[…],"failureMessage"?,"duration"?,"hang"?}
 *   DELETE /admin/v1/jobs/{jobId}/script         back to the job's model
 *   POST   /admin/v1/backupServers/{id}/state    {"reachable":false}
 * A script's `hang` makes the next run keep working until stopped; its `outcomes` then apply
 * to the runs after it. Bodies are checked whole before anything changes.
 */

const SIMULATION = '/admin/v1/simulation';
const SCRIPT = '/admin/v1/jobs/:id/script';
const SERVER_STATE = '/admin/v1/backupServers/:id/state';
const BODY_LIMIT = 64 * 1024;
const RESULTS = ['Success', 'Warning', 'Failed'] as const;

const bad = (message: string) => errors.adminBadRequest(message);
const shown = (value: unknown) => JSON.stringify(value) ?? String(value);

function onlyKeys(o: Record<string, unknown>, keys: readonly string[]): void {
  const unknown = Object.keys(o).find((k) => !keys.includes(k));
  if (unknown !== undefined) throw bad(`unknown field ${shown(unknown)} (expected ${keys.join(', ')})`);
}

function bool(o: Record<string, unknown>, key: string, required: boolean): boolean | undefined {
  if (!(key in o)) {
    if (required) throw bad(`${key}: required (true or false)`);
    return undefined;
  }
  if (typeof o[key] !== 'boolean') throw bad(`${key} must be true or false, got ${shown(o[key])}`);
  return o[key] as boolean;
}

/** A checked script body: the runs it scripts, in order. */
export function parseScript(body: unknown): ScriptedRun[] {
  const o = bodyObject(body);
  onlyKeys(o, ['outcomes', 'failureMessage', 'duration', 'hang']);
  const hang = bool(o, 'hang', false) ?? false;
  let outcomes: ScriptedRun['result'][] = [];
  if ('outcomes' in o) {
    if (!Array.isArray(o.outcomes)) throw bad(`outcomes must be a list such as ["Failed","Success"], got ${shown(o.outcomes)}`);
    if (o.outcomes.length > 1000) throw bad('outcomes: at most 1000 runs');
    outcomes = o.outcomes.map((v, i) => {
      const r = typeof v === 'string' ? RESULTS.find((x) => x.toLowerCase() === v.toLowerCase()) : undefined;
      if (!r) throw bad(`outcomes[${i}] must be Success, Warning or Failed, got ${shown(v)}`);
      return r;
    });
  }
  if (outcomes.length === 0 && !hang) throw bad('outcomes: give at least one of Success, Warning, Failed (or "hang":true)');
  let failureMessage: string | undefined;
  if ('failureMessage' in o) {
    if (typeof o.failureMessage !== 'string' || o.failureMessage.length > 4000) throw bad(`failureMessage must be a string of at most 4000 characters, got ${shown(o.failureMessage)}`);
    failureMessage = o.failureMessage;
  }
  let duration: number | undefined;
  if ('duration' in o) {
    const d = o.duration;
    try {
      duration = typeof d === 'string' ? parseDuration(d) : typeof d === 'number' && Number.isFinite(d) ? Math.round(d * 1000) : NaN;
    } catch (e) {
      if (e instanceof DurationError) throw bad(`duration: ${e.message}`);
      throw e;
    }
    if (!(duration! >= 1000 && duration! <= 30 * 86_400_000)) throw bad(`duration must be an ISO-8601 duration or seconds from 1 s to 30 days, got ${shown(d)}`);
  }
  const runs: ScriptedRun[] = outcomes.map((result) => ({ result, failureMessage, duration }));
  return hang ? [{ hang: true, duration }, ...runs] : runs;
}

const guidOf = (req: FastifyRequest, what: string): string => {
  const id = (req.params as { id: string }).id;
  const guid = parseGuid(id);
  if (guid === undefined) throw errors.notFound(`${what} ${id}`);
  return guid;
};

export function adminEstateRoutes(ctx: AppContext, guard: (req: FastifyRequest) => Promise<void>) {
  return async (scope: FastifyInstance): Promise<void> => {
    jsonErrors(scope);
    const config = { anonymous: true };
    const estate = (): LiveEstate => {
      if (!ctx.estate) throw errors.estateOff();
      return ctx.estate;
    };
    const route = (url: string, handlers: Partial<Record<'GET' | 'POST' | 'DELETE', (req: FastifyRequest) => Promise<{ status: number; body?: unknown }>>>) => {
      const allowed = Object.keys(handlers) as ('GET' | 'POST' | 'DELETE')[];
      for (const method of allowed) {
        scope.route({
          method, url, config, onRequest: guard, bodyLimit: BODY_LIMIT,
          handler: async (req, reply) => {
            const { status, body } = await handlers[method]!(req);
            if (body === undefined) sendRaw(reply, status, []);
            else sendJson(reply, status, body);
          },
        });
      }
      scope.route({
        method: ADMIN_METHODS.filter((m) => !allowed.includes(m as never) && !(m === 'HEAD' && allowed.includes('GET'))),
        url, config, onRequest: guard,
        handler: async (req) => {
          throw errors.methodNotAllowed(req.method, allowed);
        },
      });
    };

    const status = async () => (await ctx.estate?.status()) ?? { enabled: false, jobs: 0, running: 0 };
    route(SIMULATION, {
      GET: async () => ({ status: 200, body: await status() }),
      POST: async (req) => {
        const o = bodyObject(req.body);
        onlyKeys(o, ['enabled']);
        const enabled = bool(o, 'enabled', true)!;
        await estate().setEnabled(enabled);
        // Resumed, the engine catches up at once with what fell due while it was paused.
        if (enabled) await estate().catchUp(ctx.clock.now());
        return { status: 200, body: await status() };
      },
    });
    route(SCRIPT, {
      POST: async (req) => {
        const id = guidOf(req, 'job');
        const runs = parseScript(req.body);
        if (!(await estate().script(id, runs))) throw errors.notFound(`job ${id}`);
        return { status: 200, body: { jobId: id, runs } };
      },
      DELETE: async (req) => {
        const id = guidOf(req, 'job');
        if (!(await estate().script(id, []))) throw errors.notFound(`job ${id}`);
        return { status: 204 };
      },
    });
    route(SERVER_STATE, {
      POST: async (req) => {
        const id = guidOf(req, 'backup server');
        const o = bodyObject(req.body);
        onlyKeys(o, ['reachable']);
        const reachable = bool(o, 'reachable', true)!;
        if (!(await estate().setServerReachable(id, reachable))) throw errors.notFound(`backup server ${id}`);
        if (reachable) await estate().catchUp(ctx.clock.now());
        return { status: 200, body: { id, reachable } };
      },
    });
  };
}
