import type { ServerRow } from '../model/rows.js';
import type { DemoJob, Vm } from './fleet.js';
import { chooseTroubles, drawHosts, drawJobRow, drawLife, drawPlatform, drawSlots, drawThroughput, drawTrouble, KINDS } from './jobs.js';
import type { Shape } from './options.js';
import { REPLICA_FAILURES } from './outcomes.js';
import type { Random } from './random.js';
import { phaseFor, REPLICA_SCHEDULES, REPLICA_START_HOURS, scaledSchedule } from './schedules.js';
import { THEMES, type Theme } from './themes.js';
import { addVms, VM_MIX, vmCount } from './vms.js';

/**
 * Replication jobs, themes in a seeded order; `vmCounters` (VM name stem → last number used) is
 * shared with the backup side. The order of the draws is part of the seeded output.
 */
export function makeReplicaJobs(rng: Random, shape: Shape, servers: readonly ServerRow[], vmCounters: Map<string, number>): DemoJob[] {
  const count = shape.jobs;
  const themes = rng.shuffle(THEMES);
  const name = themeNamer();
  const troubles = chooseTroubles(rng, count, shape.rates, () => true);
  const out: DemoJob[] = [];
  for (let i = 0; i < count; i++) {
    const theme = themes[i % themes.length];
    const platform = drawPlatform(rng);
    const vms: Vm[] = [];
    addVms(rng, vms, vmCount(rng, shape, rng.weighted(VM_MIX)), theme, platform, vmCounters);
    const hosts = drawHosts(rng, platform);
    const drawn = rng.weighted(shape.schedules ?? REPLICA_SCHEDULES);
    const life = drawLife(rng, shape, i, troubles, scaledSchedule(shape.density, drawn, phaseFor(rng, drawn, REPLICA_START_HOURS)));
    const { row, creator } = drawJobRow(rng, shape, 'replica', servers[i % servers.length].id, name(theme), platform, life);
    const slots = drawSlots(rng, 'replica');
    const job: DemoJob = {
      index: i, kind: 'replica', row, creator, theme, sessionJobType: KINDS.replica.sessionJobType, overhead: KINDS.replica.overhead,
      platform, vms, hosts, drawn, period: life.period, phase: life.phase, slots, throughput: drawThroughput(rng, 'replica', platform),
      forceRunning: life.forceRunning, disabledAt: life.disabledAt,
    };
    drawTrouble(rng, job, troubles, shape.now, REPLICA_FAILURES.errorKinds);
    out.push(job);
  }
  return out;
}

/** Names jobs after their theme's job names in turn, then numbered (`… 2`, `… 3`). */
function themeNamer(): (theme: Theme) => string {
  const uses = new Map<Theme, number>();
  return (theme) => {
    const use = uses.get(theme) ?? 0;
    uses.set(theme, use + 1);
    const base = theme.names[use % theme.names.length];
    return use < theme.names.length ? base : `${base} ${Math.floor(use / theme.names.length) + 1}`;
  };
}
