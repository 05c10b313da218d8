import type { FastifyInstance, FastifyRequest } from 'fastify';
import { checkSpeed, ClockError, MAX_SPEED, MAX_TIME, MIN_TIME, parseInstant, type Clock, type ClockDescription } from '../../clock/clock.js';
import { DurationError, parseDuration } from '../../clock/duration.js';
import type { RunCounts } from '../../estate/estate.js';
import type { AppContext } from '../context.js';
import { errors } from '../errors.js';
import { ADMIN_METHODS, jsonErrors, sendJson } from './admin-shared.js';

/**
 * The control plane's clock (contract §1), JSON only:
 *   GET  /admin/v1/clock   → {"now":"2026-12-01T10:00:00.000Z","speed":1,"frozen":false}
 *   POST /admin/v1/clock   body: {"now":ISO,"force"?:bool} | {"advance":"PT36H"|seconds} | {"speed":N} | {"frozen":bool}
 * Keys combine, except `now` with `advance`; `force` goes only with `now`. A body is checked
 * whole before anything changes (nothing is half-applied), then applied in the order frozen,
 * speed, move, so `{"now":X,"frozen":true}` stands exactly at X. A move forward (`advance`, or
 * `now` at or after the clock) runs the estate up to the new now before it answers; a forced
 * jump back runs nothing. Moves answer the clock plus `"ran"`. POSTs are handled one at a time,
 * so moves and their catch-ups happen in order.
 */

export const CLOCK = '/admin/v1/clock';
const KEYS = ['now', 'force', 'advance', 'speed', 'frozen'];
/** A clock request is a few dozen bytes. */
const BODY_LIMIT = 64 * 1024;

/** A checked POST body: what to change, nothing changed yet. */
export interface ClockChange {
  readonly frozen?: boolean;
  readonly speed?: number;
  /** Where to move, and whether that is forward (runs the estate) or a forced jump back. */
  readonly move?: { readonly to: number; readonly forward: boolean };
}

const bad = (message: string) => errors.adminBadRequest(message);
const iso = (ms: number) => new Date(ms).toISOString();
const shown = (value: unknown) => (typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value) ?? String(value));

function inRange(field: string, ms: number): number {
  if (!Number.isFinite(ms) || ms < MIN_TIME || ms > MAX_TIME) {
    throw bad(`${field}: the clock holds instants from ${iso(MIN_TIME)} to ${iso(MAX_TIME)}`);
  }
  return ms;
}

/** The JSON object of a request body, or a 400 that says what the body is instead. */
export function bodyObject(body: unknown): Record<string, unknown> {
  const example = 'such as {"advance":"PT1H"}';
  const text = Buffer.isBuffer(body) ? body.toString('utf8').replace(/^\uFEFF/, '') : '';
  if (text.trim() === '') throw bad(`body: expected a JSON object ${example}, got an empty body`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw bad(`body: not JSON (${(e as Error).message})`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw bad(`body: expected a JSON object ${example}, got ${shown(value)}`);
  return value as Record<string, unknown>;
}

/** The milliseconds of `advance`: an ISO-8601 duration, or a number of seconds. */
function advanceMs(value: unknown): number {
  if (typeof value === 'string') {
    try {
      return parseDuration(value);
    } catch (e) {
      if (e instanceof DurationError) throw bad(`advance: ${e.message}`);
      throw e;
    }
  }
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return Math.round(value * 1000);
  throw bad(`advance must be an ISO-8601 duration such as "PT36H" or a non-negative number of seconds, got ${shown(value)}`);
}

/**
 * Checks a POST body against the clock as it stands: every key known, every value valid, a
 * jump back only with `force`. Changes nothing; throws `admin-bad-request` naming the field.
 */
export function parseClockChange(body: unknown, clock: Clock): ClockChange {
  const o = bodyObject(body);
  const unknown = Object.keys(o).filter((k) => !KEYS.includes(k));
  if (unknown.length > 0) throw bad(`unknown field ${shown(unknown[0])} (expected now, force, advance, speed or frozen)`);
  const has = (k: string) => Object.prototype.hasOwnProperty.call(o, k);
  if (!['now', 'advance', 'speed', 'frozen'].some(has)) throw bad('body: expected one of now, advance, speed or frozen');
  if (has('now') && has('advance')) throw bad('now and advance cannot be combined: give one of them');
  if (has('force') && !has('now')) throw bad('force goes only with now');
  if (has('force') && typeof o.force !== 'boolean') throw bad(`force must be true or false, got ${shown(o.force)}`);
  if (has('frozen') && typeof o.frozen !== 'boolean') throw bad(`frozen must be true or false, got ${shown(o.frozen)}`);
  let speed: number | undefined;
  if (has('speed')) {
    try {
      checkSpeed(o.speed as number);
    } catch (e) {
      if (e instanceof ClockError) throw bad(`speed must be a number greater than 0 and at most ${MAX_SPEED}, got ${shown(o.speed)}`);
      throw e;
    }
    speed = o.speed as number;
  }
  const current = clock.now();
  let move: ClockChange['move'];
  if (has('now')) {
    const to = typeof o.now === 'string' ? parseInstant(o.now) : undefined;
    if (to === undefined) throw bad(`now must be an ISO-8601 date and time such as "2026-12-01T10:00:00Z", got ${shown(o.now)}`);
    inRange('now', to);
    if (to < current && o.force !== true) {
      throw bad(`now: ${iso(to)} is before the clock's ${iso(current)}; a jump back needs "force":true (and runs nothing)`);
    }
    move = { to, forward: to >= current };
  } else if (has('advance')) {
    move = { to: inRange('advance', current + advanceMs(o.advance)), forward: true };
  }
  return { frozen: o.frozen as boolean | undefined, speed, move };
}

/** Applies a checked change: frozen, speed, then the move (none of which can fail now). */
export function applyClockChange(clock: Clock, change: ClockChange): void {
  if (change.frozen !== undefined) clock.freeze(change.frozen);
  if (change.speed !== undefined) clock.setSpeed(change.speed);
  if (change.move) clock.set(change.move.to, { force: true });
}

const NOTHING_RAN: RunCounts = { sessionsStarted: 0, sessionsFinished: 0 };

/** The clock routes, as a plugin of their own scope (their errors are JSON). */
export function adminClockRoutes(ctx: AppContext, guard: (req: FastifyRequest) => Promise<void>) {
  return async (scope: FastifyInstance): Promise<void> => {
    jsonErrors(scope);
    const { clock } = ctx;
    const config = { anonymous: true };
    let turn: Promise<unknown> = Promise.resolve();

    async function post(req: FastifyRequest): Promise<ClockDescription & { ran?: RunCounts }> {
      const change = parseClockChange(req.body, clock);
      applyClockChange(clock, change);
      // Answered only once every worker process reads the new time (the estate's leader too).
      await ctx.clockSettled?.();
      if (!change.move) return clock.describe();
      let ran = NOTHING_RAN;
      if (change.move.forward && ctx.estate) {
        const counts = await ctx.estate.catchUp(clock.now());
        ran = { sessionsStarted: counts.sessionsStarted, sessionsFinished: counts.sessionsFinished };
      }
      return { ...clock.describe(), ran };
    }

    scope.route({
      method: 'GET',
      url: CLOCK,
      config,
      onRequest: guard,
      handler: async (_req, reply) => sendJson(reply, 200, clock.describe()),
    });
    scope.route({
      method: 'POST',
      url: CLOCK,
      config,
      bodyLimit: BODY_LIMIT,
      onRequest: guard,
      handler: async (req, reply) => {
        const mine = turn.then(() => post(req));
        turn = mine.catch(() => undefined);
        sendJson(reply, 200, await mine);
      },
    });
    scope.route({
      method: ADMIN_METHODS.filter((m) => m !== 'GET' && m !== 'HEAD' && m !== 'POST'),
      url: CLOCK,
      config,
      onRequest: guard,
      handler: async (req) => {
        throw errors.methodNotAllowed(req.method, ['GET', 'POST']);
      },
    });
  };
}
