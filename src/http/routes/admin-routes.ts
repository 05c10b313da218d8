import type { FastifyInstance, FastifyRequest } from 'fastify';
import { DEFAULTS } from '../../config.js';
import { ImportError } from '../../io/import/index.js';
import type { AppContext } from '../context.js';
import { errors } from '../errors.js';
import { sendRaw } from '../send.js';
import { adminClockRoutes } from './admin-clock.js';
import { adminEstateRoutes } from './admin-estate.js';
import type { FaultRules } from '../faults/registry.js';
import type { JournalReader } from '../journal.js';
import { adminFaultRoutes } from './admin-faults.js';
import { adminHealthRoutes } from './admin-health.js';
import { adminRequestRoutes } from './admin-requests.js';
import { ADMIN_METHODS as METHODS, adminGuard, sendJson } from './admin-shared.js';

/**
 * The ingest API for test suites, outside the EM API (not under /api, no EM logon):
 *   POST   /admin/v1/import   body = anything `emrest import` reads (Content-Type ignored)
 *   DELETE /admin/v1/data     deletes every resource row; users and logon sessions stay
 *   GET    /admin/v1/health   status, versions, stored job sessions (admin-health.ts; JSON errors)
 *   GET|POST /admin/v1/clock  the clock (admin-clock.ts; its errors are JSON)
 *   /admin/v1/simulation, /admin/v1/jobs/{id}/script, /admin/v1/backupServers/{id}/state
 *                             the simulated estate (admin-estate.ts; JSON errors)
 *   /admin/v1/faults[/{id}]   fault rules (admin-faults.ts; JSON errors)
 *   /admin/v1/requests[/count] the request journal (admin-requests.ts; JSON errors)
 * Enabled only with an admin token (`serve --admin-token T` / EMREST_ADMIN_TOKEN); requests
 * then need `Authorization: Bearer T`. Disabled, every /admin path is 404 like any unknown path.
 */

const IMPORT = '/admin/v1/import';
const DATA = '/admin/v1/data';
/** The HTTP layer's own state the control plane reads and changes. */
export interface AdminState {
  readonly faults: FaultRules;
  readonly journal: JournalReader;
}

export function adminRoutes(app: FastifyInstance, ctx: AppContext, state: AdminState): void {
  const { token, guard } = adminGuard(ctx);
  const writer = ctx.dataWriter;
  if (token !== undefined && writer === undefined) throw new Error('the admin API needs a data writer');
  const notFound = (req: FastifyRequest) => errors.notFound(`no resource at ${req.url.split('?')[0]}`);

  app.register(async (admin) => {
    // Bodies here are data: kept as bytes (whatever the Content-Type), up to the admin limit.
    admin.removeAllContentTypeParsers();
    admin.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: DEFAULTS.adminBodyLimitBytes }, (_req, body, done) => done(null, body));
    const config = { anonymous: true };
    // Off, the clock is an unknown /admin path like any other (404 below).
    if (token !== undefined) {
      await admin.register(adminHealthRoutes(ctx, guard));
      await admin.register(adminClockRoutes(ctx, guard));
      await admin.register(adminEstateRoutes(ctx, guard));
      await admin.register(adminFaultRoutes(state.faults, guard));
      await admin.register(adminRequestRoutes(state.journal, guard));
    }

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
        // The estate's jobs are gone with the data: it stops before it could write for them again.
        await ctx.estate?.setEnabled(false);
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
