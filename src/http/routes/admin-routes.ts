import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DEFAULTS } from '../../config.js';
import { ImportError } from '../../io/import/index.js';
import type { AppContext } from '../context.js';
import { errors } from '../errors.js';
import { sendRaw } from '../send.js';

/**
 * The ingest API for test suites, outside the EM API (not under /api, no EM logon):
 *   POST   /admin/v1/import   body = anything `emrest import` reads (Content-Type ignored)
 *   DELETE /admin/v1/data     deletes every resource row; users and logon sessions stay
 * Enabled only with an admin token (`serve --admin-token T` / EMREST_ADMIN_TOKEN); requests
 * then need `Authorization: Bearer T`. Disabled, every /admin path is 404 like any unknown path.
 */

const IMPORT = '/admin/v1/import';
const DATA = '/admin/v1/data';
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** Compares in constant time (over fixed-length digests, so the token's length does not leak either). */
function tokenMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header ?? '');
  return timingSafeEqual(digest(m ? m[1] : ''), digest(token)) && m !== null;
}

function sendJson(reply: FastifyReply, status: number, value: unknown): void {
  sendRaw(reply, status, [['Content-Type', 'application/json; charset=utf-8']], Buffer.from(JSON.stringify(value), 'utf8'));
}

export function adminRoutes(app: FastifyInstance, ctx: AppContext): void {
  const token = ctx.settings.adminToken || undefined;
  const writer = ctx.dataWriter;
  if (token !== undefined && writer === undefined) throw new Error('the admin API needs a data writer');
  const notFound = (req: FastifyRequest) => errors.notFound(`no resource at ${req.url.split('?')[0]}`);
  /** Before the body is read: unknown (disabled) or unauthorised requests never get their body parsed. */
  const guard = async (req: FastifyRequest) => {
    if (token === undefined) throw notFound(req);
    if (!tokenMatches(req.headers.authorization, token)) throw errors.adminUnauthorized();
  };

  app.register(async (admin) => {
    // Bodies here are data: kept as bytes (whatever the Content-Type), up to the admin limit.
    admin.removeAllContentTypeParsers();
    admin.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: DEFAULTS.adminBodyLimitBytes }, (_req, body, done) => done(null, body));
    const config = { anonymous: true };

    admin.route({
      method: 'POST',
      url: IMPORT,
      config,
      bodyLimit: DEFAULTS.adminBodyLimitBytes,
      onRequest: guard,
      handler: async (req, reply) => {
        const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
        try {
          const r = await writer!.import(body, 'request body');
          sendJson(reply, 200, { inserted: r.inserted, updated: r.updated });
        } catch (e) {
          if (e instanceof ImportError) throw errors.badImport(e.message);
          throw e;
        }
      },
    });
    admin.route({
      method: 'DELETE',
      url: DATA,
      config,
      onRequest: guard,
      handler: async (_req, reply) => {
        await writer!.clear();
        sendRaw(reply, 204, []);
      },
    });
    for (const [url, allowed] of [[IMPORT, 'POST'], [DATA, 'DELETE']] as const) {
      admin.route({
        method: METHODS.filter((m) => m !== allowed),
        url,
        config,
        onRequest: guard,
        handler: async (req) => {
          throw errors.methodNotAllowed(req.method, [allowed]);
        },
      });
    }
    // Other /admin paths: 404 without asking for an EM logon (this is not the EM API).
    admin.route({
      method: [...METHODS],
      url: '/admin/*',
      config,
      handler: async (req) => {
        throw notFound(req);
      },
    });
  });
}
