import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { TYPES } from '../../model/index.js';
import type { AppContext } from '../context.js';
import { errors } from '../errors.js';
import { sendRaw } from '../send.js';

/**
 * The browser console (issue 18): its page at `/`, its hashed assets under `/console/assets/`,
 * the registry that drives its query explorer, and a Server-Sent Events stream that tells it
 * when the clock moved or the data changed.
 *
 * The page and assets are anonymous (a browser fetches them before anyone logs on); everything
 * they show comes from `/api` (an EM logon) or `/admin/v1` (the admin token), so nothing is
 * revealed here that the API would not tell. The event stream asks for the EM logon itself.
 */

/**
 * Vite writes the console next to the compiled server: `dist/src/http/routes/*.js` →
 * `dist/console/`. Found relative to this module so `npm start` (and any `--outDir`) needs no
 * configuration.
 */
export const CONSOLE_DIR = fileURLToPath(new URL('../../../console/', import.meta.url));

const TYPES_BY_EXT: Record<string, string> = {
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  svg: 'image/svg+xml',
  png: 'image/png',
  ico: 'image/x-icon',
  json: 'application/json',
  woff2: 'font/woff2',
  map: 'application/json',
};

/** Asset names Vite produces (`index-AbC123.js`): anything else cannot be ours, whatever it asks for. */
const ASSET_NAME = /^[A-Za-z0-9._-]{1,200}$/;

/** At most this many event streams at once: each holds a socket and a share of one poller. */
export const MAX_EVENT_STREAMS = 16;
const POLL_MS = 1000;
/** A comment line now and then keeps proxies and idle timeouts from cutting a quiet stream. */
const HEARTBEAT_MS = 15_000;

/** What the explorer needs to build a query form: the model, not the store. */
export function consoleRegistry() {
  return {
    types: TYPES.map((t) => ({
      name: t.name,
      collection: t.collection,
      listElement: t.listElement,
      adminOnly: t.adminOnly === true,
      defaultSort: t.defaultSort,
      fields: t.fields
        .filter((f) => (f.filter ?? []).length > 0)
        .map((f) => ({
          key: f.key,
          name: f.filter![0],
          aliases: f.filter!.slice(1),
          kind: f.kind,
          ...(f.kind === 'enum' ? { members: f.members } : {}),
          ...(f.render ? { rendered: f.render.name } : {}),
        })),
    })),
  };
}

/** The built files, read once: they are a few hundred kB and never change while serving. */
function loadBuild(dir: string): { index?: Buffer; assets: Map<string, Buffer> } {
  const assets = new Map<string, Buffer>();
  const index = existsSync(`${dir}index.html`) ? readFileSync(`${dir}index.html`) : undefined;
  const assetDir = `${dir}assets/`;
  if (existsSync(assetDir)) for (const name of readdirSync(assetDir)) if (ASSET_NAME.test(name)) assets.set(name, readFileSync(assetDir + name));
  return { index, assets };
}

const NOT_BUILT = Buffer.from(
  '<!doctype html><meta charset="utf-8"><title>emrest console</title>' +
    '<p>The emrest console is not built. Run <code>npm run build</code> (or <code>npx vite build --config console/vite.config.ts</code>).</p>',
);

export function consoleRoutes(app: FastifyInstance, ctx: AppContext, dir = CONSOLE_DIR): void {
  const build = loadBuild(dir);
  const anonymous = { anonymous: true };

  app.get('/', { config: anonymous }, async (_req, reply) => {
    // The page names hashed assets: it must never be cached, they may be forever.
    const headers: [string, string][] = [['Content-Type', 'text/html; charset=utf-8'], ['Cache-Control', 'no-cache']];
    sendRaw(reply, build.index ? 200 : 404, headers, build.index ?? NOT_BUILT);
  });

  app.get('/console/assets/*', { config: anonymous }, async (req, reply) => {
    const name = (req.params as { '*': string })['*'];
    const body = ASSET_NAME.test(name) ? build.assets.get(name) : undefined;
    if (!body) {
      sendRaw(reply, 404, [['Content-Type', 'text/plain; charset=utf-8']], Buffer.from(`no console asset ${name}\n`));
      return;
    }
    const ext = name.slice(name.lastIndexOf('.') + 1).toLowerCase();
    sendRaw(reply, 200, [
      ['Content-Type', TYPES_BY_EXT[ext] ?? 'application/octet-stream'],
      ['Cache-Control', 'public, max-age=31536000, immutable'],
      ['X-Content-Type-Options', 'nosniff'],
    ], body);
  });

  const registry = Buffer.from(JSON.stringify(consoleRegistry()), 'utf8');
  app.get('/console/registry.json', { config: anonymous }, async (_req, reply) => {
    sendRaw(reply, 200, [['Content-Type', 'application/json'], ['Cache-Control', 'no-cache']], registry);
  });

  const streams = new EventStreams(ctx);
  app.addHook('preClose', async () => streams.closeAll());
  // Not anonymous: the onRequest hook has authenticated the EM token header before this runs.
  app.get('/console/events', async (_req, reply) => {
    if (streams.size >= MAX_EVENT_STREAMS) throw errors.busy(`at most ${MAX_EVENT_STREAMS} console event streams at once`);
    streams.open(reply);
  });
}

/**
 * The open event streams and the one poller they share: it runs only while a stream is open,
 * and sends `clock` when the clock's description changed and `data` when the store's data
 * generation did (so a page refreshes only when there is something new).
 */
class EventStreams {
  readonly #ctx: AppContext;
  readonly #open = new Set<FastifyReply['raw']>();
  #timer: NodeJS.Timeout | undefined;
  #lastClock = '';
  #lastData = -1;
  #lastBeat = 0;
  #polling = false;

  constructor(ctx: AppContext) {
    this.#ctx = ctx;
  }

  get size(): number {
    return this.#open.size;
  }

  open(reply: FastifyReply): void {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      'X-Accel-Buffering': 'no',
    });
    this.#open.add(res);
    res.on('close', () => this.#drop(res));
    // A new stream gets the current state at once, not a second later.
    void this.#current().then(({ clock, data }) => {
      this.#write(res, 'clock', clock);
      this.#write(res, 'data', JSON.stringify({ generation: data }));
    }).catch(() => undefined);
    if (!this.#timer) {
      this.#lastBeat = performance.now();
      this.#timer = setInterval(() => void this.#poll(), POLL_MS);
      this.#timer.unref();
    }
  }

  closeAll(): void {
    for (const res of this.#open) res.end();
    this.#open.clear();
    this.#stop();
  }

  #drop(res: FastifyReply['raw']): void {
    this.#open.delete(res);
    if (this.#open.size === 0) this.#stop();
  }

  #stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#lastClock = '';
    this.#lastData = -1;
  }

  async #current(): Promise<{ clock: string; data: number }> {
    return { clock: JSON.stringify(this.#ctx.clock.describe()), data: await this.#ctx.store.dataGeneration() };
  }

  async #poll(): Promise<void> {
    // A slow store must not pile up overlapping polls.
    if (this.#polling) return;
    this.#polling = true;
    try {
      const { clock, data } = await this.#current();
      if (clock !== this.#lastClock) this.#broadcast('clock', clock);
      if (data !== this.#lastData) this.#broadcast('data', JSON.stringify({ generation: data }));
      this.#lastClock = clock;
      this.#lastData = data;
      // Keep-alives are spaced in real (monotonic) time: the simulated clock may stand still.
      if (performance.now() - this.#lastBeat >= HEARTBEAT_MS) {
        this.#lastBeat = performance.now();
        for (const res of this.#open) res.write(': keep-alive\n\n');
      }
    } catch {
      // The store may be closing or busy: the next poll tries again.
    } finally {
      this.#polling = false;
    }
  }

  #broadcast(event: string, data: string): void {
    for (const res of this.#open) this.#write(res, event, data);
  }

  #write(res: FastifyReply['raw'], event: string, data: string): void {
    if (!res.writableEnded) res.write(`event: ${event}\ndata: ${data}\n\n`);
  }
}
