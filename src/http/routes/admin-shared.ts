import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { StoreBusyError } from '../../store/store.js';
import type { AppContext } from '../context.js';
import { EmError, errors } from '../errors.js';
import { sendRaw, type HeaderList } from '../send.js';
import { noteError } from '../observe.js';

/**
 * What every admin route shares: the token guard, the JSON sender, the JSON error answer of the
 * control plane (`{"error":"…","status":N}`), and the methods a 405 route covers.
 */

export const ADMIN_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** Compares in constant time (over fixed-length digests, so the token's length does not leak either). */
export function tokenMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header ?? '');
  return timingSafeEqual(digest(m ? m[1] : ''), digest(token)) && m !== null;
}

/** JSON, no charset parameter (JSON is UTF-8; RFC 8259 defines none). */
export function sendJson(reply: FastifyReply, status: number, value: unknown, headers: HeaderList = []): void {
  sendRaw(reply, status, [...headers, ['Content-Type', 'application/json']], Buffer.from(JSON.stringify(value), 'utf8'));
}

/** The admin token (absent: the admin API is off) and the guard its routes run `onRequest`. */
export function adminGuard(ctx: AppContext): { token?: string; guard: (req: FastifyRequest) => Promise<void> } {
  const token = ctx.settings.adminToken || undefined;
  /** Before the body is read: unknown (disabled) or unauthorised requests never get their body parsed. */
  const guard = async (req: FastifyRequest) => {
    if (token === undefined) throw errors.notFound(`no resource at ${req.url.split('?')[0]}`);
    if (!tokenMatches(req.headers.authorization, token)) throw errors.adminUnauthorized();
  };
  return { token, guard };
}

/** The registry's error for anything thrown in a JSON admin route; unexpected ones are logged. */
function toEmError(err: unknown, req: FastifyRequest): EmError {
  if (err instanceof EmError) return err;
  if (err instanceof StoreBusyError) return errors.busy(err.message);
  const status = (err as FastifyError).statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) return errors.requestRejected(status, (err as Error).message);
  req.log.error({ err }, 'unexpected failure');
  return errors.internal();
}

/**
 * Makes every failure in `scope` (guard, body, handler) a control-plane JSON error
 * `{"error":"…","status":N}` with the registry entry's headers, its code on the request's log line as the EM API's are.
 */
export function jsonErrors(scope: FastifyInstance): void {
  scope.setErrorHandler((err, req, reply) => {
    const e = toEmError(err, req);
    noteError(req, e);
    sendJson(reply, e.status, { error: e.message, status: e.status }, e.headers);
  });
}
