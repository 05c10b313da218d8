import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errors } from './errors.js';

type Handler = (req: FastifyRequest, reply: FastifyReply) => Promise<void>;
type Method = 'GET' | 'POST' | 'DELETE';

const OTHER_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE'] as const;

/**
 * Registers one EM resource path: its handlers, and 405 + `Allow` for every other method
 * (EM answers 405 on a known path; an unknown path is 404).
 */
export function resource(
  app: FastifyInstance,
  url: string,
  handlers: Partial<Record<Method, Handler>>,
  config: { anonymous?: boolean } = {},
): void {
  const allowed = Object.keys(handlers) as Method[];
  for (const method of allowed) app.route({ method, url, config, handler: handlers[method]! });
  const rest = OTHER_METHODS.filter((m) => !allowed.includes(m as Method) && !(m === 'HEAD' && allowed.includes('GET')));
  app.route({
    method: [...rest],
    url,
    config,
    handler: async (req) => {
      throw errors.methodNotAllowed(req.method, allowed);
    },
  });
}
