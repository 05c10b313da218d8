/**
 * The "bare Fastify" baseline: the project's Fastify version, default options, one route that
 * answers each benchmark request with the exact status, Content-Type and bytes emrest returned
 * for it (captured by run.ts). It does no work but a map lookup, so emrest ÷ this is what the
 * API logic, SQLite and rendering cost on top of the HTTP framework.
 *
 * Usage: node dist/bench/static-server.js RESPONSES.json   (prints "listening PORT")
 */
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import { responseKey, type CapturedResponse } from './captured.js';

async function main(file: string): Promise<void> {
  const captured = JSON.parse(readFileSync(file, 'utf8')) as CapturedResponse[];
  const map = new Map(captured.map((c) => [responseKey(c.method, c.json, c.url), { ...c, bytes: Buffer.from(c.body, 'base64') }]));
  const app = Fastify({ logger: false });
  app.route({
    method: ['GET', 'POST'],
    url: '/*',
    handler: (req, reply) => {
      const hit = map.get(responseKey(req.method, /json/i.test(req.headers.accept ?? ''), req.url));
      if (!hit) return reply.code(404).send();
      return reply.code(hit.status).headers(hit.headers).send(hit.bytes);
    },
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  console.log(`listening ${(app.server.address() as AddressInfo).port}`);
  const stop = () => void app.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

if (process.argv[2] === undefined) {
  console.error('usage: static-server RESPONSES.json');
  process.exit(2);
}
main(process.argv[2]).catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
