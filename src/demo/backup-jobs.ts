import type { ServerRow } from '../model/rows.js';
import type { DemoJob, Platform, Vm } from './fleet.js';
import {
  chooseTroubles, drawHosts, drawJobRow, drawLife, drawPlatform, drawSlots, drawThroughput, drawTrouble, KINDS, type Troubles,
} from './jobs.js';
import { BACKUP_NAMES, COPY_NAMES, COPY_REPOS, REPOS } from './names.js';
import type { Shape } from './options.js';
import { BACKUP_FAILURES } from './outcomes.js';
import { Random } from './random.js';
import {
  BACKUP_SCHEDULES, BACKUP_START_HOURS, FULL_DAYS, phaseFor, scaledSchedule, SQL_BACKUP_SCHEDULES, type Schedule,
} from './schedules.js';
import { BACKUP_ONLY_THEMES, THEMES, type Theme } from './themes.js';
import { LONG_RUN_SHARE } from './transfer.js';
import { DAY, HOUR, MIN, SEC } from './units.js';
import { addVms, EXTRA_VM_MIX, VM_MIX, vmCount, vmUidIssuer } from './vms.js';

/**
 * Backup jobs (about 3/4) and backup copy jobs (1/4). Many backup jobs protect the VMs of a
 * replication job on the same server (plus a few VMs that are only backed up); the rest protect
 * workloads that are only backed up. Each copy job copies one backup job's VMs to a DR repository.
 * The order of the draws is part of the seeded output.
 */
export function makeBackupJobs(
  rng: Random, shape: Shape, servers: readonly ServerRow[], replicas: readonly DemoJob[], vmCounters: Map<string, number>,
): DemoJob[] {
  const count = shape.backupJobs;
  if (count === 0) return [];
  const copies = count >= 2 ? Math.max(1, Math.round(count / 4)) : 0;
  const backups = count - copies;
  const name = uniqueNamer(replicas.map((j) => j.row.name));

  const mirrors = rng.shuffle(replicas).slice(0, replicas.length === 0 ? 0 : Math.max(1, Math.round(backups * rng.float(0.5, 0.7))));
  const replicated = new Set(replicas.map((j) => j.theme));
  const freeThemes = rng.shuffle([...THEMES.filter((t) => !replicated.has(t)), ...BACKUP_ONLY_THEMES]);
  // Only Backup jobs break (their repository fills up).
  const troubles = chooseTroubles(rng, count, shape.rates, (i) => i < backups);
  const uids = vmUidIssuer(rng);

  const out: DemoJob[] = [];
  for (let i = 0; i < count; i++) {
    const kind = i >= backups ? 'copy' : 'backup';
    // A copy job copies a backup job, a mirroring job backs up a replication job's VMs.
    const source = kind === 'copy' ? out[(i - backups) % backups] : undefined;
    const mirror = kind === 'copy' ? undefined : mirrors[i];
    const base = source ?? mirror;
    const theme = base?.theme ?? freeThemes[(i - mirrors.length) % freeThemes.length];
    const platform = base?.platform ?? drawPlatform(rng);
    const hosts = base?.hosts ?? drawHosts(rng, platform);
    const vms = source !== undefined ? [...source.vms] : drawVms(rng, shape, mirror, theme, platform, vmCounters);
    const jobName = name(rng.pick(kind === 'copy' ? COPY_NAMES : BACKUP_NAMES)(theme.label));
    const life = drawLife(rng, shape, i, troubles, drawSchedule(rng, shape, kind, theme));
    const { fullDay, weekdaysOnly } = drawWeek(rng, kind, life.drawn);
    const serverId = base?.row.serverId ?? servers[i % servers.length].id;
    const { row, creator } = drawJobRow(rng, shape, kind, serverId, jobName, platform, life, weekdaysOnly);
    const throughput = drawThroughput(rng, kind, platform);
    const job: DemoJob = {
      index: i, kind, row, creator, theme, sessionJobType: KINDS[kind].sessionJobType, overhead: KINDS[kind].overhead,
      platform, vms, hosts, drawn: life.drawn, period: life.period, phase: life.phase,
      slots: drawSlots(rng, kind), throughput, forceRunning: life.forceRunning, disabledAt: life.disabledAt,
      uids: uids.uids, repo: rng.pick(kind === 'copy' ? COPY_REPOS : REPOS),
      fullDay, weekdaysOnly, source, points: kind === 'copy' ? undefined : [],
    };
    for (const vm of vms) uids.assign(vm, job);
    drawTrouble(rng, job, troubles, shape.now, BACKUP_FAILURES.errorKinds);
    out.push(job);
  }
  markLongRunners(shape.seed, out, troubles, backups);
  return out;
}

/**
 * A backup job's VMs: a mirroring job backs up the replicated VMs and maybe some that are only
 * backed up (test instances, …); the others back up VMs of their own.
 */
function drawVms(rng: Random, shape: Shape, mirror: DemoJob | undefined, theme: Theme, platform: Platform, counters: Map<string, number>): Vm[] {
  const vms = [...mirror?.vms ?? []];
  const extra = mirror !== undefined ? vmCount(rng, shape, rng.weighted(EXTRA_VM_MIX), 0) : vmCount(rng, shape, rng.weighted(VM_MIX));
  addVms(rng, vms, extra, theme, platform, counters);
  return vms;
}

/** Backups mostly run nightly (databases more often); copy jobs every 1–4 hours. */
function drawSchedule(rng: Random, shape: Shape, kind: 'backup' | 'copy', theme: Theme): Schedule {
  if (kind === 'copy') {
    const drawn = rng.int(1, 4) * HOUR;
    return scaledSchedule(shape.density, drawn, rng.int(0, drawn / HOUR - 1) * HOUR + rng.int(0, 59) * MIN);
  }
  const drawn = rng.weighted(shape.schedules ?? (theme.app === 'sql' ? SQL_BACKUP_SCHEDULES : BACKUP_SCHEDULES));
  return scaledSchedule(shape.density, drawn, phaseFor(rng, drawn, BACKUP_START_HOURS));
}

/** Daily backup jobs: a weekly active full (mostly at the weekend); some skip weekends (and do their full on Friday). */
function drawWeek(rng: Random, kind: 'backup' | 'copy', drawn: number): { fullDay?: number; weekdaysOnly: boolean } {
  const daily = kind === 'backup' && drawn === DAY;
  const fullDay = daily && rng.chance(0.35) ? rng.weighted(FULL_DAYS) : undefined;
  const weekdaysOnly = daily && rng.chance(0.2);
  return { fullDay: weekdaysOnly && (fullDay === 0 || fullDay === 6) ? 5 : fullDay, weekdaysOnly };
}

/** `name`, or `name 2`, `name 3`, … whichever is not taken yet (and takes it). */
function uniqueNamer(taken: readonly string[]): (name: string) => string {
  const used = new Set(taken);
  const next = new Map<string, number>();
  return (name) => {
    let out = name;
    let n = next.get(name) ?? 2;
    while (used.has(out)) out = `${name} ${n++}`;
    next.set(name, n);
    used.add(out);
    return out;
  };
}

/**
 * Long runners: a few daily Backup jobs (neither broken nor flaky) on a slow target (tape-like,
 * an overloaded or remote repository) move a large part of each VM every run, on one slot, 2–6
 * hours a run. Drawn from their own stream, so the other jobs stay as they are.
 */
function markLongRunners(seed: number, jobs: DemoJob[], troubles: Troubles, backups: number): void {
  const traits = Random.derive(seed, 'long-runners');
  let long = backups >= 4 ? Math.max(1, Math.round(backups / 25)) : 0;
  for (const i of troubles.order) {
    if (long === 0) break;
    const job = jobs[i];
    if (job.kind !== 'backup' || job.drawn !== DAY || troubles.broken.has(i) || troubles.flaky.has(i)) continue;
    const bytes = job.vms.reduce((sum, vm) => sum + vm.size * LONG_RUN_SHARE, 0);
    job.longRun = true;
    job.slots = 1;
    job.fullDay = undefined;
    job.throughput = bytes / (traits.float(2.5, 6) * HOUR / SEC);
    long--;
  }
}
