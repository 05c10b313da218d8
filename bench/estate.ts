/**
 * `npm run bench:estate`: how fast the live estate runs time forward. Seeds a fleet into a new
 * data directory, resumes the simulation from it and advances it by `--hours` in one catch-up
 * (everything due in between, in order, written in one transaction), then again in 10-minute
 * steps on a second copy: the times, the sessions created and the peak RSS.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { generateDemo, type DemoOptions } from '../src/demo/demo.js';
import { Simulation } from '../src/estate/simulation.js';
import { openStore } from '../src/store/open.js';

const HELP = `Usage: npm run bench:estate -- [--jobs N] [--hours H] [--servers N]

Seeds N jobs (half replication, half backup; default 10000) with one day of history, then
advances the live estate by H hours (default 24): once in one jump, once in 10-minute steps.`;

const { values } = parseArgs({ options: { jobs: { type: 'string' }, hours: { type: 'string' }, servers: { type: 'string' }, help: { type: 'boolean' } } });
if (values.help) {
  console.log(HELP);
  process.exit(0);
}
const jobs = Number(values.jobs ?? 10_000);
const hours = Number(values.hours ?? 24);
const servers = Number(values.servers ?? Math.max(3, Math.round(jobs / 100)));
if (!(jobs >= 2 && hours > 0 && servers >= 1)) {
  console.error(HELP);
  process.exit(2);
}
const NOW = Date.parse('2026-11-02T06:00:00Z');
const demo: DemoOptions = { seed: 1, servers, jobs: Math.floor(jobs / 2), backupJobs: Math.ceil(jobs / 2), days: 1, now: NOW };

const mib = (n: number) => `${(n / 2 ** 20).toFixed(0)} MiB`;
/** Peak RSS of the process so far (the catch-ups run synchronously for long stretches: no sampling). */
const peak = () => process.resourceUsage().maxRSS * 1024;

async function run(label: string, step: number | undefined): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'emrest-estate-'));
  try {
    const store = await openStore({ dataDir: dir });
    let t0 = performance.now();
    const seeded = await generateDemo(store, demo);
    const seedMs = performance.now() - t0;
    t0 = performance.now();
    const sim = await Simulation.resume(store, { demo, until: NOW });
    const resumeMs = performance.now() - t0;
    const target = NOW + hours * 3_600_000;
    let started = 0;
    let finished = 0;
    let catchUps = 0;
    t0 = performance.now();
    for (let now = step === undefined ? target : NOW + step; ; now = Math.min(target, now + step!)) {
      const ran = await sim.catchUp(now);
      started += ran.sessionsStarted;
      finished += ran.sessionsFinished;
      catchUps++;
      if (now >= target) break;
    }
    const runMs = performance.now() - t0;
    console.log(
      `${label}: ${jobs} jobs (${seeded.sessions + seeded.backupSessions} seeded sessions in ${(seedMs / 1000).toFixed(1)} s; ` +
        `resumed in ${(resumeMs / 1000).toFixed(2)} s) advanced ${hours} h in ${catchUps} catch-up(s): ${(runMs / 1000).toFixed(2)} s, ` +
        `${started} sessions started, ${finished} finished, peak RSS so far ${mib(peak())}`,
    );
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await run('one jump', undefined);
await run('10-minute steps', 10 * 60_000);
