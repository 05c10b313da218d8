import { expectedOf, expectedSessions } from './estimate.js';
import { makeFleet, type Fleet } from './fleet.js';
import { shapeOf, type DemoOptions, type DemoPlan, type Shape } from './options.js';
import { Random } from './random.js';
import { describeCreation } from './stamps.js';
import { DAY, HOUR, MIN } from './units.js';

/** Options → fleet: the shape as given, or scaled (job counts or schedule density) to a sessions target. */

/** Jobs per backup server when `sessions` scales the fleet and `servers` is not given. */
const JOBS_PER_SERVER = 100;
/** Job sessions per job and day of the default fleet (both sides; a first guess only). */
const SESSIONS_PER_JOB_DAY = 3.3;

export interface Planned {
  readonly shape: Shape;
  readonly fleet: Fleet;
  readonly expected: number;
}

function planned(shape: Shape): Planned {
  const fleet = makeFleet(shape);
  return { shape, fleet, expected: expectedOf(fleet, shape) };
}

/**
 * Fine-tunes a fleet whose estimate is above the target down to it: some jobs (in a seeded
 * order) were created during the window, so their history starts later, at most 90 % of the
 * window later. Each job's estimate is recomputed, so the total lands on the target.
 */
function trim(p: Planned, target: number): Planned {
  let excess = p.expected - target;
  if (excess < 1) return p;
  const { shape } = p;
  const rng = Random.derive(shape.seed, 'created-in-window');
  const windowStart = shape.now - shape.days * DAY;
  for (const job of rng.shuffle([...p.fleet.replicas, ...p.fleet.backups])) {
    if (excess < 0.5) break;
    const before = expectedSessions(job, shape);
    if (before < 1) continue;
    const since = windowStart + Math.round((Math.min(0.9, excess / before) * shape.days * DAY) / MIN) * MIN;
    job.since = since;
    job.row.description = describeCreation(job.creator, since - rng.int(1, 48) * HOUR - rng.int(0, 59) * MIN);
    excess -= before - expectedSessions(job, shape);
  }
  return { ...p, expected: target + excess };
}

/** The candidate to trim: the least estimate at or above the target (else the largest). */
class Candidates {
  above: Planned | undefined;
  below: Planned | undefined;
  constructor(private readonly target: number) {}
  offer(p: Planned): number {
    if (p.expected >= this.target) {
      if (this.above === undefined || p.expected < this.above.expected) this.above = p;
    } else if (this.below === undefined || p.expected > this.below.expected) this.below = p;
    return p.expected;
  }
  /** Found one at most `slack` above the target. */
  good(slack: number): boolean {
    return this.above !== undefined && this.above.expected <= this.target * (1 + slack);
  }
  best(): Planned {
    return this.above ?? this.below!;
  }
}

/**
 * As many replication as backup jobs, `j` each (servers along, unless given): Newton steps on
 * the estimate, then nearby counts until one is at most 3 % above the target (fleets of
 * neighbouring sizes differ by up to 20 % in small fleets), which `trim` brings down.
 */
function scaleJobs(base: Shape, target: number, scaleServers: boolean): Planned {
  const candidates = new Candidates(target);
  const tried = new Map<number, number>();
  const at = (j: number) => {
    let expected = tried.get(j);
    if (expected === undefined) {
      const servers = scaleServers ? Math.max(base.servers, Math.round((2 * j) / JOBS_PER_SERVER)) : base.servers;
      tried.set(j, expected = candidates.offer(planned({ ...base, jobs: j, backupJobs: j, servers })));
    }
    return expected;
  };
  let j = Math.max(1, Math.round(target / (2 * base.days * SESSIONS_PER_JOB_DAY)));
  for (let k = 0; k < 6; k++) {
    const next = Math.max(1, Math.round((j * target * 1.01) / Math.max(1, at(j))));
    if (tried.has(next)) break;
    j = next;
  }
  for (let d = 1; d <= 8 && !candidates.good(0.03); d++) for (const c of [j - d, j + d]) if (c >= 1) at(c);
  // All below the target (or far above): grow until one is above.
  for (let c = Math.max(...tried.keys()) + 1; candidates.above === undefined && c < 4 * j + 16; c++) at(c);
  return trim(candidates.best(), target);
}

/**
 * The given jobs, their schedules denser or sparser (the same fleet, as the draws do not depend
 * on the density): Newton steps to just above the target, which `trim` brings down.
 */
function scaleDensity(base: Shape, target: number): Planned {
  const candidates = new Candidates(target);
  let density = base.density;
  let expected = candidates.offer(planned(base));
  const goal = target * 1.005;
  for (let k = 0; k < 16 && expected > 0 && !candidates.good(0.02); k++) {
    const next = Math.min(4096, Math.max(1 / 64, (density * goal) / expected));
    if (Math.abs(next - density) / density < 1e-4) break;
    density = next;
    expected = candidates.offer(planned({ ...base, density }));
  }
  return trim(candidates.best(), target);
}

/** The fleet for the options: as given, or scaled to the `sessions` target. */
export function plan(input: DemoOptions): Planned {
  const base = shapeOf(input);
  const target = input.sessions;
  if (target === undefined) return planned(base);
  if (!Number.isInteger(target) || target < 1) throw new RangeError('demo sessions must be a positive integer');
  return input.jobs === undefined && input.backupJobs === undefined
    ? scaleJobs(base, target, input.servers === undefined)
    : scaleDensity(base, target);
}

/** What a plan tells the caller. */
export const planOf = (p: Planned, target: number | undefined): DemoPlan => ({
  seed: p.shape.seed, servers: p.shape.servers, jobs: p.shape.jobs, backupJobs: p.shape.backupJobs, days: p.shape.days,
  density: p.shape.density, expectedSessions: Math.round(p.expected), target,
});
