import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runToEnd } from './processes.js';

/**
 * Job sessions (replica + backup) the demo generator writes per job and day when there are as
 * many backup jobs as replication jobs (measured: 3.2–3.4). Used only while `seed` has no
 * `--sessions` option, to size `--jobs/--backup-jobs/--days` for a target.
 */
const SESSIONS_PER_JOB_DAY = 3.2;

const MARKER = 'bench-dataset.json';

export interface Dataset {
  readonly dir: string;
  readonly key: string;
  /** The seed arguments used (after `seed --data-dir DIR`). */
  readonly seedArgs: readonly string[];
  /** True when `seed --sessions` did not exist and the size was approximated with jobs and days. */
  readonly approximated: boolean;
  /** What `seed` printed. */
  readonly seedOutput: string;
  /** Seconds the seeding took (when it was done). */
  readonly seedSeconds: number;
  /** Taken from the cache rather than seeded in this run. */
  readonly cached: boolean;
}

/** How `seed` will be asked for about `target` job sessions, and the cache key of that. */
export function seedPlan(target: number, now: string, hasSessionsOption: boolean): { key: string; args: string[]; approximated: boolean } {
  const stamp = now.replace(/[-:]/g, '').replace(/\.\d+/, '');
  if (hasSessionsOption) return { key: `s${target}-sessions-${stamp}`, args: ['--sessions', String(target)], approximated: false };
  const days = target >= 100_000 ? 365 : 30;
  const jobs = Math.max(1, Math.round(target / (2 * days * SESSIONS_PER_JOB_DAY)));
  return {
    key: `s${target}-j${jobs}-bj${jobs}-d${days}-${stamp}`,
    args: ['--jobs', String(jobs), '--backup-jobs', String(jobs), '--days', String(days)],
    approximated: true,
  };
}

/** Does this build's `seed` take `--sessions`? (Another change adds it; until then we approximate.) */
export async function seedHasSessionsOption(cli: string): Promise<boolean> {
  const help = await runToEnd('seed --help', process.execPath, [cli, 'seed', '--help'], { timeoutMs: 30_000 });
  return /--sessions\b/.test(help);
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
  o: { now: string; reseed: boolean; timeoutMs: number; hasSessionsOption: boolean },
): Promise<Dataset> {
  const plan = seedPlan(target, o.now, o.hasSessionsOption);
  const dir = join(cacheDir, plan.key);
  const marker = join(dir, MARKER);
  if (o.reseed) rmSync(dir, { recursive: true, force: true });
  if (existsSync(marker)) {
    const saved = JSON.parse(readFileSync(marker, 'utf8')) as { seedOutput: string; seedSeconds: number };
    return { dir, key: plan.key, seedArgs: plan.args, approximated: plan.approximated, seedOutput: saved.seedOutput, seedSeconds: saved.seedSeconds, cached: true };
  }
  mkdirSync(cacheDir, { recursive: true });
  sweepPartials(cacheDir);
  rmSync(dir, { recursive: true, force: true }); // an unfinished one (no marker)
  const partial = `${dir}.partial-${process.pid}`;
  const args = [cli, 'seed', '--data-dir', partial, ...plan.args];
  if (plan.approximated) {
    console.log(`seed has no --sessions option yet: approximating ${target.toLocaleString('en-US')} job sessions with ${plan.args.join(' ')}`);
  }
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
  return { dir, key: plan.key, seedArgs: plan.args, approximated: plan.approximated, seedOutput, seedSeconds, cached: false };
}
