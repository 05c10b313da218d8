import { randomUUID } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { CredentialCache } from '../auth/credential-cache.js';
import type { IdleTimers } from '../auth/idle-timers.js';
import type { LockoutCounter } from '../auth/logon-lockout.js';
import { decoyHash, verifyPassword } from '../auth/password.js';
import { DEFAULTS } from '../config.js';
import type { User } from '../store/store.js';
import { parseGuid } from '../util/uid.js';
import type { AppContext } from './context.js';
import { errors } from './errors.js';
import type { LogonFailure } from './metrics.js';

export const SESSION_HEADER = 'X-RestSvcSessionId';

/** The session token EM clients expect: base64 of the SessionId's ASCII text (spec §2). */
export const tokenOf = (sessionId: string) => Buffer.from(sessionId, 'ascii').toString('base64');


function cookieToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === SESSION_HEADER) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** The token a request carries: the cookie wins over the header, as EM documents. */
export function requestToken(req: FastifyRequest): string | undefined {
  const fromCookie = cookieToken(req.headers.cookie);
  if (fromCookie !== undefined) return fromCookie;
  const h = req.headers['x-restsvcsessionid'];
  return (Array.isArray(h) ? h[0] : h)?.trim();
}

/** Resolves the request's logon session, sliding its idle timeout; throws 401 otherwise. */
export async function authenticate(req: FastifyRequest, ctx: AppContext, timers: IdleTimers): Promise<{ sessionId: string; user: User }> {
  const token = requestToken(req);
  const sessionId = token ? parseGuid(Buffer.from(token, 'base64').toString('latin1')) : undefined;
  if (!sessionId) throw errors.unauthorized();
  const session = await ctx.store.getLogonSession(sessionId);
  const now = ctx.clock.now();
  if (!session || now - timers.lastSeen(sessionId, session.lastSeen) > ctx.settings.sessionTimeoutMs) throw errors.unauthorized();
  const { user } = session;
  if (!user || user.role === 'None') throw errors.unauthorized();
  timers.seen(sessionId, now);
  return { sessionId, user };
}

function basicCredentials(header: string | undefined): { name: string; password: string } | undefined {
  const m = /^\s*Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!m) return undefined;
  const text = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = text.indexOf(':');
  return colon < 0 ? undefined : { name: text.slice(0, colon), password: text.slice(colon + 1) };
}

/** The user name of a request's Basic credentials (a logon's), for the request journal and fault rules; never the password. */
export const basicUserName = (header: string | undefined): string | undefined => basicCredentials(header)?.name;

/** What a logon keeps besides the store: checked passwords, failures per user and address, idle timers. */
export interface LogonState {
  readonly verified: CredentialCache;
  readonly lockout?: LockoutCounter;
  readonly idleTimers: IdleTimers;
  /** Hears each refused logon's reason (for metrics); never the name or the password. */
  readonly failed?: (reason: LogonFailure) => void;
}

const INVALID_CREDENTIALS = 'invalid user name or password';

/** Checks Basic credentials and opens a logon session (spec §2); throws 401 with the challenge. */
export async function logon(req: FastifyRequest, ctx: AppContext, state: LogonState): Promise<{ sessionId: string; user: User }> {
  const { verified, lockout, idleTimers, failed } = state;
  const refuse = (reason: LogonFailure, message: string) => {
    failed?.(reason);
    return errors.logonFailed(message);
  };
  const creds = basicCredentials(req.headers.authorization);
  if (!creds) throw refuse('missing_credentials', 'Basic credentials required');
  const now = ctx.clock.now();
  // Locked out: the same answer as a wrong password, without spending a password check on it.
  if (await lockout?.locked(creds.name, req.ip, now)) throw refuse('locked_out', INVALID_CREDENTIALS);
  const user = await ctx.store.getUser(creds.name);
  const ok = user && verified.knows(user.name, creds.password, user.passwordHash, now)
    ? true
    : await verifyPassword(creds.password, user?.passwordHash ?? (await decoyHash()));
  if (!user || !ok) {
    await lockout?.failed(creds.name, req.ip, now);
    throw refuse('invalid_credentials', INVALID_CREDENTIALS);
  }
  await lockout?.succeeded(creds.name, req.ip);
  verified.remember(user.name, creds.password, user.passwordHash, now);
  if (user.role === 'None') throw refuse('no_role', 'the user has no Enterprise Manager role');
  const sessionId = randomUUID();
  // The cap drops the user's least recently used sessions: recent use must be written first.
  await idleTimers.flush();
  // Sessions idle past the timeout can never be used again; dropping them keeps the table small.
  await ctx.store.createLogonSession(
    { id: sessionId, userName: user.name, createdAt: now, lastSeen: now },
    { expiredBefore: now - ctx.settings.sessionTimeoutMs, maxPerUser: DEFAULTS.maxLogonSessionsPerUser },
  );
  return { sessionId, user };
}
