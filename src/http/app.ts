import http from 'node:http';
import type { Socket } from 'node:net';
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import { FilterSyntaxError } from '../filter/parse.js';
import { CredentialCache } from '../auth/credential-cache.js';
import { IdleTimers } from '../auth/idle-timers.js';
import { LogonLockout, type LockoutCounter } from '../auth/logon-lockout.js';
import { DEFAULTS } from '../config.js';
import { BadQuery } from '../query/plan.js';
import { errorDocument } from '../represent/documents.js';
import { RowTexts } from '../represent/row-texts.js';
import { StoreBusyError } from '../store/store.js';
import { authenticate, basicUserName } from './auth.js';
import { FaultRuntime } from './faults/apply.js';
import { requestPath } from './faults/match.js';
import { FaultRegistry, type FaultRules } from './faults/registry.js';
import { Journal, type JournalReader } from './journal.js';
import { Metrics } from './metrics.js';
import { instrumentedContext, METRICS_PATH, noteError, observeRequests } from './observe.js';
import type { AppContext, RequestState } from './context.js';
import { EmError, errors } from './errors.js';
import { wantsJson } from './negotiate.js';
import { parseQueryString, rawQuery } from './query-string.js';
import { Listings } from './listing.js';
import { adminRoutes } from './routes/admin-routes.js';
import { consoleRoutes } from './routes/console-routes.js';
import { jobActionRoutes } from './routes/job-action-routes.js';
import { DEFAULT_EM_VERSION, PROFILES } from '../profile/profiles.js';
import { advertisedMatcher } from './advertised-routes.js';
import { queryRoute } from './routes/query-route.js';
import { reportRoutes } from './routes/report-routes.js';
import { openApiRoute } from './routes/openapi-route.js';
import { resourceRoutes } from './routes/resource-routes.js';
import { sessionRoutes } from './routes/session-routes.js';
import { renderBody, sendError, type Rendering } from './send.js';

/**
 * Node's parser rejects a request carrying both `Transfer-Encoding: chunked` and
 * `Content-Length` — which PHP's curl sends on an empty POST — before any handler runs. EM
 * accepts it, so our servers (only ours, not the process) use the lenient parser.
 * Node would answer an HTTP/1.1 request without `Host` itself (a bodiless 400); serve it
 * instead, with links built from the listening address.
 */
export const SERVER_OPTIONS: http.ServerOptions = { insecureHTTPParser: true, requireHostHeader: false };

export type RequestHandler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

declare module 'fastify' {
  interface FastifyInstance {
    /** The request handler, to serve the same app on more than one listener (HTTP and HTTPS). */
    emHandler: RequestHandler;
  }
}

const renderingFor = (req: { headers: http.IncomingHttpHeaders }, ctx: AppContext): Rendering => ({
  json: wantsJson(req.headers.accept, ctx.settings.profile.acceptJson),
  jsonBom: ctx.settings.jsonBom,
  profile: ctx.settings.profile,
});

const HOST = /^[A-Za-z0-9.\-_~%!$&'()*+,;=:[\]]{1,255}$/;

function linkBase(req: FastifyRequest, ctx: AppContext): string {
  if (ctx.settings.publicUrl) return ctx.settings.publicUrl;
  const socket = req.raw.socket as Socket & { encrypted?: boolean };
  const scheme = socket.encrypted ? 'https' : 'http';
  const host = req.headers.host;
  if (host && HOST.test(host)) return `${scheme}://${host}/api`;
  const address = socket.localAddress ?? '127.0.0.1';
  return `${scheme}://${address.includes(':') ? `[${address}]` : address}:${socket.localPort}/api`;
}

/** The EM error for anything a handler or Fastify throws; unexpected ones become a logged 500. */
function toEmError(err: unknown, req: FastifyRequest): EmError {
  if (err instanceof EmError) return err;
  if (err instanceof FilterSyntaxError) return errors.badFilter(err.message);
  if (err instanceof BadQuery) return errors.badQuery(err.message);
  if (err instanceof StoreBusyError) return errors.busy(err.message);
  const status = (err as { statusCode?: number }).statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) return errors.requestRejected(status, (err as Error).message);
  req.log.error({ err }, 'unexpected failure');
  return errors.internal();
}

/**
 * Errors written to a socket Node took away before any route ran (unparseable requests,
 * CONNECT) are the same in every profile: an XML Error document.
 */
const SOCKET_PROFILE = PROFILES[DEFAULT_EM_VERSION];

/** Writes an EM Error (XML) straight to a socket Node took away from the request handler, and closes it. */
function socketError(socket: Socket, error: EmError): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const { body, contentType } = renderBody(errorDocument(error.status, error.message), { json: false, jsonBom: false, profile: SOCKET_PROFILE });
  const headers = error.headers.map(([name, value]) => `${name}: ${value}\r\n`).join('');
  socket.end(
    `HTTP/1.1 ${error.status} ${http.STATUS_CODES[error.status]}\r\n${headers}Content-Type: ${contentType}\r\n` +
      `Content-Length: ${body.length}\r\nConnection: close\r\n\r\n${body.toString('utf8')}`,
  );
}

/** A raw answer for requests Node cannot even parse: never a crash, always an EM Error body. */
export function clientErrorHandler(err: Error & { code?: string }, socket: Socket): void {
  socketError(socket, err.code === 'HPE_HEADER_OVERFLOW' ? errors.headersTooLarge() : errors.malformedRequest());
}

/**
 * Requests Node keeps from the request handler unless told otherwise: `CONNECT` (Node would
 * drop the socket without a word) and an `Expect` other than 100-continue (Node would send a
 * bodiless 417; the expectation is ignored instead, as RFC 9110 allows).
 */
export function guardServer(server: http.Server, handler: RequestHandler): void {
  server.on('connect', (_req: http.IncomingMessage, socket: Socket) => socketError(socket, errors.connectRefused()));
  server.on('checkExpectation', handler);
}

/**
 * Request framing the lenient parser lets through (spec §1.2 ignores bodies, not framing):
 * `Transfer-Encoding` overrides `Content-Length` (RFC 9112 §6.3 — curl's chunked body with
 * `Content-Length: 0` would otherwise fail Fastify's length check), and a coding list not
 * ending in `chunked` has no knowable length, so it is refused at once, closing the connection,
 * instead of waiting for the client to close.
 */
function checkFraming(req: FastifyRequest): void {
  const te = req.raw.headers['transfer-encoding'];
  if (te === undefined) return;
  if (!/(^|,)[ \t]*chunked[ \t]*$/i.test(te)) throw errors.badFraming(te);
  delete req.raw.headers['content-length'];
}

/** The control plane's paths: never journalled, never faulted. */
const isAdmin = (path: string) => /^\/admin(\/|$)/i.test(path);
/** The browser console's page, assets and event stream: not EM requests, so never journalled. */
const isConsole = (path: string) => path === '/' || /^\/console(\/|$)/i.test(path);
/** The EM API's paths: the only ones fault rules apply to. */
const isEmApi = (path: string) => /^\/api(\/|$)/i.test(path);

/** Sends an EM error; the request's log line names its code and message. */
function reject(req: FastifyRequest, reply: FastifyReply, error: EmError, rendering: Rendering): void {
  noteError(req, error);
  sendError(reply, error, rendering);
}

/**
 * What worker processes of one server share through their primary (`src/cluster/`): fault
 * rules decided once for all, the journal read over all, logon failures counted over all.
 */
export interface SharedState {
  readonly faults: FaultRules;
  readonly journal: JournalReader;
  readonly lockout?: LockoutCounter;
}

/** Builds the EM API application without listening (tests inject or bind port 0). */
export function buildApp(
  ctx: AppContext,
  options: {
    readonly logger?: FastifyServerOptions['logger'];
    /** Where the app counts (serve makes it first, to count the estate's catch-ups); default: its own. */
    readonly metrics?: Metrics;
    /** Where this app journals its requests (serve makes it first, for the other workers to read); default: its own. */
    readonly journal?: Journal;
    /** The logon sessions' idle timers (serve makes them, for worker processes to flush); default: its own. */
    readonly idleTimers?: IdleTimers;
    /** State shared with other worker processes; default: this app's own. */
    readonly shared?: SharedState;
  } = {},
): FastifyInstance {
  const { logger = false, metrics = new Metrics(), shared } = options;
  ctx = instrumentedContext(ctx, metrics);
  let handler: RequestHandler | undefined;
  const app = Fastify({
    logger,
    // Fastify's two lines per request (incoming, completed) become one (observeRequests).
    logController: new LogController({ disableRequestLogging: true }),
    routerOptions: {
      caseSensitive: false,
      ignoreTrailingSlash: true,
      ignoreDuplicateSlashes: true,
      querystringParser: () => ({}),
    },
    bodyLimit: DEFAULTS.bodyLimitBytes,
    serverFactory: (h) => {
      handler = h;
      const server = http.createServer(SERVER_OPTIONS, h);
      guardServer(server, h);
      return server;
    },
    clientErrorHandler,
    frameworkErrors: (err, req, reply) => {
      reject(req, reply, errors.badUrl(err.message), renderingFor(req, ctx));
    },
  });
  app.decorate('emHandler', handler!);
  app.decorateRequest('em', null as unknown as RequestState);

  // Request bodies are ignored by every EM endpoint here, whatever their Content-Type.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, _body, done) => done(null, undefined));

  const timers = options.idleTimers ?? new IdleTimers(ctx.store, DEFAULTS.idleTimerFlushMs);
  app.addHook('onClose', () => timers.close());
  const journal = options.journal ?? new Journal(ctx.settings.journalSize);
  const faults = shared?.faults ?? new FaultRegistry(ctx.settings.faultRules);
  const faulting = new FaultRuntime({
    expireSession: async (req) => {
      const logon = req.em.logon;
      if (!logon) return;
      timers.forget(logon.sessionId);
      await ctx.store.deleteLogonSession(logon.sessionId);
    },
  });
  // Hung, delayed and slow answers would hold the listeners open: they are cut before they close.
  app.addHook('preClose', async () => faulting.closeAll());
  app.addHook('onRequest', async (req, reply) => {
    req.em = { base: linkBase(req, ctx), rendering: renderingFor(req, ctx), params: parseQueryString(rawQuery(req.url)) };
    const path = requestPath(req.url);
    const admin = isAdmin(path);
    const record = admin || isConsole(path) || path === METRICS_PATH ? undefined : journal.begin({ method: req.method, path, params: req.em.params, at: ctx.clock.now() }, reply.raw);
    checkFraming(req);
    // Authentication comes before routing: an unauthenticated unknown path is 401, not 404.
    // A fault rule may still meet the request (the network fails before EM knows who asks).
    let refused: unknown;
    if (!req.routeOptions.config.anonymous) {
      try {
        req.em.logon = await authenticate(req, ctx, timers);
      } catch (e) {
        if (admin) throw e;
        refused = e;
      }
    }
    const user = req.em.logon?.user.name ?? basicUserName(req.headers.authorization);
    if (record) record.user = user ?? null;
    if (!admin && isEmApi(path) && faults.size > 0) {
      const format = req.em.rendering.json ? 'json' : 'xml';
      const decision = await faults.decide({ method: req.method, path, params: req.em.params, user, format });
      if (decision) {
        if (record) record.fault = decision.id;
        req.log.info({ faultRule: decision.id, fault: decision.fault?.kind ?? 'delay' }, 'fault rule met');
        await faulting.apply(decision, req, reply);
        if (reply.sent) return;
      }
    }
    if (refused !== undefined) throw refused;
  });

  observeRequests(app, metrics);

  app.setErrorHandler((err, req, reply: FastifyReply) => {
    reject(req, reply, toEmError(err, req), req.em?.rendering ?? renderingFor(req, ctx));
  });
  const advertised = advertisedMatcher();
  app.setNotFoundHandler((req, reply) => {
    const path = req.url.split('?')[0];
    const template = advertised(path);
    const error = template === undefined ? errors.notFound(`no resource at ${path}`) : errors.notImplemented(`/api/${template}`);
    reject(req, reply, error, req.em.rendering);
  });

  sessionRoutes(app, ctx, {
    verified: new CredentialCache(DEFAULTS.verifiedPasswordTtlMs),
    lockout: shared ? shared.lockout : ctx.settings.logonLockout && new LogonLockout(ctx.settings.logonLockout),
    idleTimers: timers,
    failed: (reason) => metrics.logonFailed(reason),
  });
  const rowTexts = ctx.settings.rowTextChars > 0 ? new RowTexts(ctx.settings.rowTextChars) : undefined;
  const listings = new Listings(ctx.store, rowTexts, (reused, rendered) => metrics.rowTexts(reused, rendered));
  queryRoute(app, ctx, listings, (hit) => metrics.cacheLookup(hit));
  resourceRoutes(app, ctx, listings, jobActionRoutes(app, ctx));
  reportRoutes(app, ctx);
  openApiRoute(app);
  adminRoutes(app, ctx, { faults, journal: shared?.journal ?? journal });
  consoleRoutes(app, ctx);
  return app;
}
