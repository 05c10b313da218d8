import http from 'node:http';
import type { Socket } from 'node:net';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import { FilterSyntaxError } from '../filter/parse.js';
import { BadQuery } from '../query/plan.js';
import { errorDocument } from '../represent/documents.js';
import { authenticate } from './auth.js';
import type { AppContext, RequestState } from './context.js';
import { EmError, errors } from './errors.js';
import { wantsJson } from './negotiate.js';
import { parseQueryString, rawQuery } from './query-string.js';
import { queryRoute } from './routes/query-route.js';
import { resourceRoutes } from './routes/resource-routes.js';
import { sessionRoutes } from './routes/session-routes.js';
import { renderBody, sendError, type Rendering } from './send.js';

/**
 * Node's parser rejects a request carrying both `Transfer-Encoding: chunked` and
 * `Content-Length` — which PHP's curl sends on an empty POST — before any handler runs. EM
 * accepts it, so our servers (only ours, not the process) use the lenient parser.
 */
export const SERVER_OPTIONS: http.ServerOptions = { insecureHTTPParser: true };

export type RequestHandler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

declare module 'fastify' {
  interface FastifyInstance {
    /** The request handler, to serve the same app on more than one listener (HTTP and HTTPS). */
    emHandler: RequestHandler;
  }
}

export interface BuildOptions extends AppContext {
  readonly logger?: FastifyServerOptions['logger'];
}

const renderingFor = (req: { headers: http.IncomingHttpHeaders }, ctx: AppContext): Rendering => ({
  json: wantsJson(req.headers.accept),
  jsonBom: ctx.jsonBom,
});

const HOST = /^[A-Za-z0-9.\-_~%!$&'()*+,;=:[\]]{1,255}$/;

function linkBase(req: FastifyRequest, ctx: AppContext): string {
  if (ctx.publicUrl) return ctx.publicUrl;
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
  if (err instanceof FilterSyntaxError || err instanceof BadQuery) return errors.badRequest(err.message);
  const status = (err as { statusCode?: number }).statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) return new EmError(status, (err as Error).message);
  req.log.error({ err }, 'unexpected failure');
  return errors.internal();
}

/** A raw answer for requests Node cannot even parse: never a crash, always an EM Error body. */
export function clientErrorHandler(err: Error & { code?: string }, socket: Socket): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
  const { body, contentType } = renderBody(errorDocument(status, 'Malformed HTTP request'), { json: false, jsonBom: false });
  socket.end(
    `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nContent-Type: ${contentType}\r\n` +
      `Content-Length: ${body.length}\r\nConnection: close\r\n\r\n${body.toString('utf8')}`,
  );
}

/** Builds the EM API application without listening (tests inject or bind port 0). */
export function buildApp(options: BuildOptions): FastifyInstance {
  const { logger = false, ...ctx } = options;
  let handler: RequestHandler | undefined;
  const app = Fastify({
    logger,
    routerOptions: {
      caseSensitive: false,
      ignoreTrailingSlash: true,
      ignoreDuplicateSlashes: true,
      querystringParser: () => ({}),
    },
    bodyLimit: 1024 * 1024,
    serverFactory: (h) => {
      handler = h;
      return http.createServer(SERVER_OPTIONS, h);
    },
    clientErrorHandler,
    frameworkErrors: (err, req, reply) => {
      sendError(reply, errors.badRequest(`Malformed request URL: ${err.message}`), renderingFor(req, ctx));
    },
  });
  app.decorate('emHandler', handler!);
  app.decorateRequest('em', null as unknown as RequestState);

  // Request bodies are ignored by every EM endpoint here, whatever their Content-Type.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, _body, done) => done(null, undefined));

  app.addHook('onRequest', async (req) => {
    req.em = { base: linkBase(req, ctx), rendering: renderingFor(req, ctx), params: parseQueryString(rawQuery(req.url)) };
    // Authentication comes before routing: an unauthenticated unknown path is 401, not 404.
    if (!req.routeOptions.config.anonymous) req.em.logon = await authenticate(req, ctx);
  });

  app.setErrorHandler((err, req, reply: FastifyReply) => {
    sendError(reply, toEmError(err, req), req.em?.rendering ?? renderingFor(req, ctx));
  });
  app.setNotFoundHandler((req, reply) => {
    sendError(reply, errors.notFound(`no resource at ${req.url.split('?')[0]}`), req.em.rendering);
  });

  sessionRoutes(app, ctx);
  queryRoute(app, ctx);
  resourceRoutes(app, ctx);
  return app;
}
