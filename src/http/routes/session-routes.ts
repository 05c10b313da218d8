import type { FastifyInstance } from 'fastify';
import { TYPES, UNIMPLEMENTED_QUERY_TYPES } from '../../model/index.js';
import { enterpriseManager, logonSession, logonSessions, querySvc } from '../../represent/documents.js';
import { logon, SESSION_HEADER, tokenOf, type LogonState } from '../auth.js';
import { logonOf, type AppContext } from '../context.js';
import { errors } from '../errors.js';
import { param } from '../query-string.js';
import { resource } from '../route.js';
import { sendDocument, sendRaw } from '../send.js';
import { parseGuid } from '../../util/uid.js';


/** Entry point, logon, logon sessions and the query service's link list (spec §4.1–§4.4). */
/** `/api/querySvc` lists the declared types (in declaration order), then the documented ones that answer 501. */
const QUERY_SERVICE_TYPES = [...TYPES.map((t) => t.name), ...UNIMPLEMENTED_QUERY_TYPES];

export function sessionRoutes(app: FastifyInstance, ctx: AppContext, state: LogonState): void {
  resource(app, '/api', {
    GET: async (req, reply) => sendDocument(reply, 200, enterpriseManager(req.em.base, req.em.rendering.profile.apiVersions), req.em.rendering),
  }, { anonymous: true });

  resource(app, '/api/sessionMngr', {
    POST: async (req, reply) => {
      const v = param(req.em.params, 'v');
      const versions = req.em.rendering.profile.apiVersions;
      if (v !== undefined && v.toLowerCase() !== 'latest' && !versions.includes(v.toLowerCase())) throw errors.badVersion(v, versions);
      const { sessionId, user } = await logon(req, ctx, state);
      const token = tokenOf(sessionId);
      const doc = logonSession({ id: sessionId, userName: user.name }, req.em.base);
      sendDocument(reply, 201, doc, req.em.rendering, [
        [SESSION_HEADER, token],
        ['Set-Cookie', `${SESSION_HEADER}=${token}; Path=/api`],
        ['Location', `${req.em.base}/logonSessions/${sessionId}`],
      ]);
    },
  }, { anonymous: true });

  resource(app, '/api/logonSessions', {
    GET: async (req, reply) => {
      const { sessionId, user } = logonOf(req);
      sendDocument(reply, 200, logonSessions([{ id: sessionId, userName: user.name }], req.em.base), req.em.rendering);
    },
  });

  /** Only the caller's own session exists for the caller (spec §4.3). */
  const ownSession = (req: Parameters<typeof logonOf>[0], id: string) => {
    const me = logonOf(req);
    if (parseGuid(id) !== me.sessionId) throw errors.notFound(`logon session ${id}`);
    return me;
  };

  resource(app, '/api/logonSessions/:id', {
    GET: async (req, reply) => {
      const { sessionId, user } = ownSession(req, (req.params as { id: string }).id);
      sendDocument(reply, 200, logonSession({ id: sessionId, userName: user.name }, req.em.base), req.em.rendering);
    },
    DELETE: async (req, reply) => {
      const { sessionId } = ownSession(req, (req.params as { id: string }).id);
      await ctx.store.deleteLogonSession(sessionId);
      sendRaw(reply, 204, []);
    },
  });

  resource(app, '/api/querySvc', {
    GET: async (req, reply) => {
      sendDocument(reply, 200, querySvc(QUERY_SERVICE_TYPES, logonOf(req).sessionId, req.em.base), req.em.rendering);
    },
  });
}
