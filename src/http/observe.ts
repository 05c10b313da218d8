import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { basicUserName } from './auth.js';
import type { AppContext } from './context.js';
import type { EmError } from './errors.js';
import { requestPath } from './faults/match.js';
import type { Metrics } from './metrics.js';
import { timedStore } from '../store/timed.js';

export const METRICS_PATH = '/metrics';

/** The EM error each request was answered with, for its log line (a request ends with at most one). */
const answeredWith = new WeakMap<FastifyRequest, EmError>();

/** Notes the EM error a request is answered with: its request line carries the code and message. */
export function noteError(req: FastifyRequest, error: EmError): void {
  answeredWith.set(req, error);
}

/** The route pattern that served a request; `unmatched` for 404s and unparseable URLs, so labels stay few. */
const routeOf = (req: FastifyRequest): string => req.routeOptions?.url ?? 'unmatched';

/** A path as logged: without its query string, and cut, since the client chooses it. */
const MAX_LOGGED_PATH = 512;

/**
 * The app's context with its store timed into `metrics` (see `timedStore`). Copied by property
 * descriptors, since the estate may be a getter (where several nodes share a database).
 */
export function instrumentedContext(ctx: AppContext, metrics: Metrics): AppContext {
  const store = timedStore(ctx.store, (operation, seconds) => metrics.storeQuery(operation, seconds));
  return Object.freeze(Object.defineProperties({}, { ...Object.getOwnPropertyDescriptors(ctx), store: { value: store, enumerable: true } })) as AppContext;
}

/**
 * One log line and one count per answered request, and `GET /metrics`. The line names the
 * user (from the logon session, or a logon's Basic credentials) but never a header's value:
 * no Authorization, session token, cookie or password reaches the log.
 */
export function observeRequests(app: FastifyInstance, metrics: Metrics): void {
  app.addHook('onResponse', async (req: FastifyRequest, reply: FastifyReply) => {
    const route = routeOf(req);
    const status = reply.statusCode;
    const ms = reply.elapsedTime;
    metrics.request(req.method, route, status, ms / 1000);
    const user = req.em?.logon?.user.name ?? basicUserName(req.headers.authorization);
    const path = requestPath(req.url).slice(0, MAX_LOGGED_PATH);
    const error = answeredWith.get(req);
    req.log.info(
      {
        method: req.method,
        route,
        path,
        status,
        ms: Math.round(ms * 10) / 10,
        ...(user === undefined ? {} : { user }),
        ...(error === undefined ? {} : { errorCode: error.code, error: error.message }),
      },
      `${req.method} ${path} ${status}`,
    );
  });

  // Anonymous, as Prometheus scrapes usually are: the counts hold no secrets and no user names.
  app.get(METRICS_PATH, { config: { anonymous: true } }, async (_req, reply) => {
    const { body, contentType } = await metrics.text();
    reply.header('Content-Type', contentType).send(body);
  });
}
