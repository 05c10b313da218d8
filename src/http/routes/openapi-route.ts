import type { FastifyInstance } from 'fastify';
import { openApiDocument } from '../../represent/openapi.js';
import { resource } from '../route.js';
import { sendRaw } from '../send.js';

/**
 * `GET /openapi.json`: the OpenAPI 3.1 document of every route (represent/openapi.ts).
 * Anonymous, as the entry point is: a client must read it before it can log on. Its text is
 * made on first request and kept, since nothing it is built from changes while the process runs.
 */
export function openApiRoute(app: FastifyInstance): void {
  let body: Buffer | undefined;
  resource(app, '/openapi.json', {
    GET: async (_req, reply) => {
      body ??= Buffer.from(JSON.stringify(openApiDocument()), 'utf8');
      sendRaw(reply, 200, [['Content-Type', 'application/json'], ['Cache-Control', 'public, max-age=300']], body);
    },
  }, { anonymous: true });
}
