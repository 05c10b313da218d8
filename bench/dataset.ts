import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runToEnd } from './processes.js';

const MARKER = 'bench-dataset.json';

export interface Dataset {
  readonly dir: string;
  readonly key: string;
  /** How emrest commands name its store (`--data-dir DIR` or `--database URL`). */
  readonly storeArgs: readonly string[];
  /** The seed arguments used (after `seed --data-dir DIR`). */
  readonly seedArgs: readonly string[];
  /** What `seed` printed. */
  readonly seedOutput: string;
  /** Seconds the seeding took (when it was done). */
  readonly seedSeconds: number;
  /** Taken from the cache rather than seeded in this run. */
  readonly cached: boolean;
}

/**
 * The code a dataset depends on: the generator, the schema and the store's bulk load (which
 * indexes and statistics it leaves). Its hash is part of the cache key, so a change to any of
 * them seeds anew instead of measuring a stale dataset.
 */
const DATASET_SOURCES = [
  ...readdirSync(fileURLToPath(new URL('../src/demo', import.meta.url))).filter((f) => f.endsWith('.js')).map((f) => `../demo/${f}`),
  '../model/rows.js', '../util/datetime.js',
  '../store/sqlite/migrations.js', '../store/sqlite/sqlite-store.js', '../store/sqlite/bulk.js',
  '../store/sqlite/rows.js', '../store/sqlite/build.js',
  '../store/pg/schema.js', '../store/pg/rows.js', '../store/pg/pg-store.js',
];

/** The cache key and `seed` arguments for about `target` job sessions. */
export function seedPlan(cli: string, target: number, now: string): { key: string; args: string[] } {
  const stamp = now.replace(/[-:]/g, '').replace(/\.\d+/, '');
  const hash = createHash('sha256');
  for (const source of DATASET_SOURCES) hash.update(readFileSync(join(dirname(cli), source)));
  return { key: `s${target}-${stamp}-${hash.digest('hex').slice(0, 10)}`, args: ['--sessions', String(target)] };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Removes half-seeded directories left by runs that were killed. */
function sweepPartials(cacheDir: string): void {
  if (!existsSync(cacheDir)) return;
  for (const name of readdirSync(cacheDir)) {
    const m = name.match(/\.partial-(\d+)$/);
    if (m && !alive(Number(m[1]))) rmSync(join(cacheDir, name), { recursive: true, force: true });
  }
}

/**
 * The dataset for `target` sessions: from `cacheDir/<key>/` when a finished one is there,
 * else seeded (EMREST_NOW pinned) into a partial directory that is renamed when done.
 */
export async function ensureDataset(
  cli: string, cacheDir: string, target: number,
  o: { now: string; reseed: boolean; timeoutMs: number },
): Promise<Dataset> {
  const plan = seedPlan(cli, target, o.now);
  const dir = join(cacheDir, plan.key);
  const marker = join(dir, MARKER);
  if (o.reseed) rmSync(dir, { recursive: true, force: true });
  if (existsSync(marker)) {
    const saved = JSON.parse(readFileSync(marker, 'utf8')) as { seedOutput: string; seedSeconds: number };
    return { dir, key: plan.key, storeArgs: ['--data-dir', dir], seedArgs: plan.args, seedOutput: saved.seedOutput, seedSeconds: saved.seedSeconds, cached: true };
  }
  mkdirSync(cacheDir, { recursive: true });
  sweepPartials(cacheDir);
  rmSync(dir, { recursive: true, force: true }); // an unfinished one (no marker)
  const partial = `${dir}.partial-${process.pid}`;
  const args = [cli, 'seed', '--data-dir', partial, ...plan.args];
  console.log(`seeding ${plan.key} (EMREST_NOW=${o.now}): emrest ${args.slice(1).join(' ')}`);
  const started = Date.now();
  const output = await runToEnd('seed', process.execPath, args, {
    timeoutMs: o.timeoutMs,
    env: { ...process.env, EMREST_NOW: o.now },
    echo: 'stderr', // seed's progress lines
  }).catch((e: unknown) => {
    rmSync(partial, { recursive: true, force: true });
    throw e;
  });
  const seedSeconds = Math.round((Date.now() - started) / 100) / 10;
  const seedOutput = output.trim();
  console.log(`  ${seedOutput} (${seedSeconds} s)`);
  writeFileSync(join(partial, MARKER), JSON.stringify({ key: plan.key, args: plan.args, now: o.now, seedOutput, seedSeconds, at: new Date().toISOString() }, null, 2));
  if (existsSync(marker)) {
    rmSync(partial, { recursive: true, force: true }); // a parallel run finished first
  } else {
    rmSync(dir, { recursive: true, force: true });
    renameSync(partial, dir);
  }
  return { dir, key: plan.key, storeArgs: ['--data-dir', dir], seedArgs: plan.args, seedOutput, seedSeconds, cached: false };
}
