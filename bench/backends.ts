/**
 * `npm run bench -- --backend postgres`: the dataset in a PostgreSQL database (seeded once by
 * `emrest seed --database`, kept for later runs), and a table of the same requests against
 * emrest on SQLite, on PostgreSQL with one node, and on PostgreSQL with two nodes sharing the
 * load (two autocannon runs at once, half the connections each, their rates added).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { seedPlan, type Dataset } from './dataset.js';
import { measure, type LoadSpec, type Measurement } from './load.js';
import { runToEnd } from './processes.js';
import { FORMATS, type BenchRequest, type Format } from './report.js';

const withDatabase = (server: string, name: string) => {
  const url = new URL(server);
  url.pathname = '/' + name;
  return url.toString();
};

async function onServer<T>(server: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: server });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/**
 * The dataset for `target` sessions in database `emrest_bench_<key>` of `server`: reused when
 * a finished seed left its marker (`cacheDir/<key>.postgres.json`) and the database is there,
 * else seeded anew into a database made for it.
 */
export async function ensurePostgresDataset(
  cli: string, cacheDir: string, target: number, server: string,
  o: { now: string; reseed: boolean; timeoutMs: number },
): Promise<Dataset> {
  const plan = seedPlan(cli, target, o.now);
  const name = `emrest_bench_${plan.key.toLowerCase().replace(/[^a-z0-9]/g, '_')}`;
  const url = withDatabase(server, name);
  const marker = join(cacheDir, `${plan.key}.postgres.json`);
  const exists = await onServer(server, async (c) => (await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1);
  const storeArgs = ['--database', url];
  if (!o.reseed && exists && existsSync(marker)) {
    const saved = JSON.parse(readFileSync(marker, 'utf8')) as { seedOutput: string; seedSeconds: number };
    return { dir: cacheDir, key: `${plan.key} (PostgreSQL)`, storeArgs, seedArgs: plan.args, seedOutput: saved.seedOutput, seedSeconds: saved.seedSeconds, cached: true };
  }
  await onServer(server, async (c) => {
    await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await c.query(`CREATE DATABASE ${name} TEMPLATE template0 ENCODING 'UTF8'`);
  });
  console.log(`seeding ${plan.key} into PostgreSQL database ${name} (EMREST_NOW=${o.now})`);
  const started = Date.now();
  const output = await runToEnd('seed', process.execPath, [cli, 'seed', ...storeArgs, ...plan.args], {
    timeoutMs: o.timeoutMs, env: { ...process.env, EMREST_NOW: o.now }, echo: 'stderr',
  });
  const seedSeconds = Math.round((Date.now() - started) / 100) / 10;
  const seedOutput = output.trim();
  console.log(`  ${seedOutput} (${seedSeconds} s)`);
  mkdirSync(cacheDir, { recursive: true });
  writeFileSync(marker, JSON.stringify({ key: plan.key, database: name, now: o.now, seedOutput, seedSeconds, at: new Date().toISOString() }, null, 2));
  return { dir: cacheDir, key: `${plan.key} (PostgreSQL)`, storeArgs, seedArgs: plan.args, seedOutput, seedSeconds, cached: false };
}

/** One emrest node as the comparison drives it. */
export interface Node {
  readonly base: string;
  headers(r: BenchRequest, f: Format): Record<string, string>;
}

export interface BackendRow {
  readonly request: BenchRequest;
  readonly format: Format;
  readonly cached: boolean;
  readonly sqlite: Measurement;
  readonly pg1: Measurement;
  readonly pg2: Measurement;
}

/** Several autocannon runs at once (one per node, the connections shared out); rates added, worst p99. */
async function measureNodes(nodes: readonly Node[], r: BenchRequest, f: Format, connections: number, duration: number, cached: boolean): Promise<Measurement> {
  const per = Math.max(1, Math.floor(connections / nodes.length));
  const spec = (n: Node): LoadSpec => ({
    url: n.base + r.path, method: r.method, headers: n.headers(r, f), connections: per, duration, expectStatus: r.expectStatus, uniqueHost: !cached,
  });
  const all = await Promise.all(nodes.map((n) => measure(spec(n))));
  const sum = (k: 'rps' | 'requests' | 'errors') => all.reduce((a, m) => a + m[k], 0);
  const statuses: Record<string, number> = {};
  for (const m of all) for (const [s, n] of Object.entries(m.statuses)) statuses[s] = (statuses[s] ?? 0) + n;
  return {
    rps: sum('rps'), requests: sum('requests'), errors: sum('errors'), statuses,
    p50: Math.max(...all.map((m) => m.p50)), p99: Math.max(...all.map((m) => m.p99)),
    mean: all.reduce((a, m) => a + m.mean * m.requests, 0) / Math.max(1, sum('requests')),
  };
}

/**
 * Each GET request and format, with and without response cache hits, against the three
 * set-ups in turn (interleaved, so drift in the machine's load spreads over all three).
 */
export async function compareBackends(
  requests: readonly BenchRequest[], sqlite: Node, pgNodes: readonly [Node, Node],
  o: { connections: number; duration: number; fits: (seconds: number) => boolean },
): Promise<BackendRow[]> {
  const rows: BackendRow[] = [];
  for (const r of requests) {
    if (r.method !== 'GET') continue;
    for (const cached of [false, true]) {
      for (const f of FORMATS) {
        if (!o.fits(3 * o.duration + 2)) continue;
        const sqliteM = await measureNodes([sqlite], r, f, o.connections, o.duration, cached);
        const pg1 = await measureNodes([pgNodes[0]], r, f, o.connections, o.duration, cached);
        const pg2 = await measureNodes(pgNodes, r, f, o.connections, o.duration, cached);
        rows.push({ request: r, format: f, cached, sqlite: sqliteM, pg1, pg2 });
        console.log(`  ${r.id} ${f.padEnd(4)} ${cached ? 'cached  ' : 'uncached'} SQLite ${Math.round(sqliteM.rps)}/s · PostgreSQL ${Math.round(pg1.rps)}/s · 2 nodes ${Math.round(pg2.rps)}/s`);
      }
    }
  }
  return rows;
}

const cell = (m: Measurement) => `${Math.round(m.rps).toLocaleString('en-US')}/s, p99 ${m.p99 < 1 ? '<1' : m.p99} ms${m.errors ? `, ${m.errors} errors` : ''}`;
const ratio = (a: Measurement, b: Measurement) => (b.rps > 0 ? (a.rps / b.rps).toFixed(2) : '–');

/** The comparison as a Markdown section of the results file. */
export function renderBackendTable(rows: readonly BackendRow[], setting: string): string {
  const lines = [
    '## SQLite vs PostgreSQL',
    '',
    setting,
    '',
    '| Request | Format | Response cache | SQLite, 1 node | PostgreSQL, 1 node | PostgreSQL, 2 nodes | PG 1 / SQLite | PG 2 / PG 1 |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const row of rows) {
    lines.push(`| ${row.request.id} ${row.request.title} | ${row.format} | ${row.cached ? 'hits' : 'none'} | ${cell(row.sqlite)} | ${cell(row.pg1)} | ${cell(row.pg2)} | ${ratio(row.pg1, row.sqlite)} | ${ratio(row.pg2, row.pg1)} |`);
  }
  return lines.join('\n') + '\n';
}
