import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, runToEnd, start, waitForHttp, type Child } from './processes.js';

/** The peer servers compared against, pinned. They live in bench/.peers/, never in the project's dependencies. */
export const PEERS = { 'json-server': '0.17.4', '@stoplight/prism-cli': '5.14.2' } as const;
export type PeerPackage = keyof typeof PEERS;

const BINS: Record<PeerPackage, string> = { 'json-server': 'lib/cli/bin.js', '@stoplight/prism-cli': 'dist/index.js' };

function installedVersion(peersDir: string, name: PeerPackage): string | undefined {
  const file = join(peersDir, 'node_modules', name, 'package.json');
  if (!existsSync(file)) return undefined;
  return (JSON.parse(readFileSync(file, 'utf8')) as { version?: string }).version;
}

/**
 * Makes sure the peers are installed at their pinned versions in `peersDir` (npm install on
 * first use, when allowed). Returns which ones can be used, and why others cannot.
 */
export async function ensurePeers(peersDir: string, install: boolean): Promise<{ ready: Set<PeerPackage>; notes: string[] }> {
  const notes: string[] = [];
  const names = Object.keys(PEERS) as PeerPackage[];
  const missing = () => names.filter((n) => installedVersion(peersDir, n) !== PEERS[n]);
  if (missing().length > 0) {
    const specs = missing().map((n) => `${n}@${PEERS[n]}`);
    if (!install) {
      notes.push(`not installed in ${peersDir} and --no-install given: ${specs.join(', ')}`);
    } else {
      console.log(`installing ${specs.join(' ')} into ${peersDir} (first use; bench-only, not a project dependency)`);
      try {
        await runToEnd('npm install', 'npm', ['install', '--prefix', peersDir, '--no-audit', '--no-fund', ...specs], { timeoutMs: 300_000 });
      } catch (e) {
        notes.push(`npm install failed: ${(e as Error).message.split('\n').slice(0, 6).join(' | ')}`);
      }
    }
  }
  const ready = new Set(names.filter((n) => installedVersion(peersDir, n) === PEERS[n]));
  for (const n of names) if (!ready.has(n)) notes.push(`${n}@${PEERS[n]} unavailable: skipped`);
  return { ready, notes };
}

export const binOf = (peersDir: string, name: PeerPackage) => join(peersDir, 'node_modules', name, BINS[name]);

/** One request a peer answers with a static body. */
export interface PeerRoute {
  readonly id: string;
  readonly method: 'GET' | 'POST';
  /** The emrest path with its query (prism matches the path part; json-server gets `/<id>`). */
  readonly url: string;
  readonly status: number;
  /** The captured JSON body (json-server serves only this). */
  readonly json: string;
  /** The captured XML body. */
  readonly xml: string;
}

/**
 * json-server: a db.json with one singular resource per GET request (`/a`, `/b`, …), whose
 * value is emrest's JSON body (json-server re-serialises it, indented by 2). The logon POST would
 * make json-server overwrite the resource, so a middleware file answers it with the static 201 body.
 */
export async function startJsonServer(peersDir: string, workDir: string, routes: readonly PeerRoute[]): Promise<{ child: Child; port: number }> {
  const db: Record<string, unknown> = {};
  for (const r of routes) if (r.method === 'GET') db[r.id] = JSON.parse(r.json);
  writeFileSync(join(workDir, 'db.json'), JSON.stringify(db));
  const posts = Object.fromEntries(routes.filter((r) => r.method === 'POST').map((r) => [`/${r.id}`, { status: r.status, body: r.json }]));
  writeFileSync(
    join(workDir, 'logon-middleware.cjs'),
    `const posts = ${JSON.stringify(posts)};\n` +
      'module.exports = (req, res, next) => {\n' +
      '  const hit = req.method === "POST" && posts[req.path];\n' +
      '  if (!hit) return next();\n' +
      '  res.status(hit.status).type("application/json; charset=utf-8").send(hit.body);\n' +
      '};\n',
  );
  const port = await freePort();
  const child = start('json-server', process.execPath, [
    binOf(peersDir, 'json-server'), join(workDir, 'db.json'),
    '--host', '127.0.0.1', '--port', String(port), '--quiet',
    '--middlewares', join(workDir, 'logon-middleware.cjs'),
  ], { cwd: workDir });
  const first = routes.find((r) => r.method === 'GET');
  await waitForHttp(child, `http://127.0.0.1:${port}/${first?.id ?? ''}`, {}, 30_000);
  return { child, port };
}

type Examples = Record<string, { value: unknown }>;
interface Operation {
  operationId: string;
  parameters: object[];
  responses: Record<string, { description: string; content: Record<'application/json' | 'application/xml', { examples: Examples }> }>;
}

/** The OpenAPI 3 document Prism mocks: one path per request path, one named static example per request. */
export function openApiFor(routes: readonly PeerRoute[]): object {
  const paths: Record<string, Record<string, Operation>> = {};
  const queryParams = ['type', 'format', 'filter', 'sortAsc', 'sortDesc', 'pageSize', 'page', 'v'];
  for (const r of routes) {
    const path = new URL(r.url, 'http://x').pathname;
    const template = path.replace(/^\/api\/replicaSessions\/[^/]+$/i, '/api/replicaSessions/{id}');
    const method = r.method.toLowerCase();
    const operation = ((paths[template] ??= {})[method] ??= {
      operationId: `${method}_${r.id}`,
      parameters: [
        ...queryParams.map((name) => ({ name, in: 'query', required: false, schema: { type: 'string' } })),
        ...(template.includes('{id}') ? [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }] : []),
      ],
      responses: {},
    });
    const response = (operation.responses[String(r.status)] ??= {
      description: 'captured from emrest',
      content: { 'application/json': { examples: {} }, 'application/xml': { examples: {} } },
    });
    response.content['application/json'].examples[r.id] = { value: JSON.parse(r.json) };
    response.content['application/xml'].examples[r.id] = { value: r.xml };
  }
  return { openapi: '3.0.3', info: { title: 'emrest benchmark (static examples)', version: '1' }, paths };
}

/** Prism `mock` on the generated document; requests pick their example with `Prefer: example=<id>`. */
export async function startPrism(peersDir: string, workDir: string, routes: readonly PeerRoute[]): Promise<{ child: Child; port: number }> {
  const doc = join(workDir, 'openapi.json');
  writeFileSync(doc, JSON.stringify(openApiFor(routes)));
  const port = await freePort();
  const child = start('prism', process.execPath, [
    binOf(peersDir, '@stoplight/prism-cli'), 'mock', doc, '--host', '127.0.0.1', '--port', String(port), '--verboseLevel', 'error',
  ], { cwd: workDir });
  const first = routes.find((r) => r.method === 'GET');
  await waitForHttp(child, `http://127.0.0.1:${port}${first?.url ?? '/'}`, { headers: { Accept: 'application/json', Prefer: `example=${first?.id}` } }, 60_000);
  return { child, port };
}
