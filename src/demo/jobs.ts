import type { JobRow } from '../model/rows.js';
import { BACKUP_SESSION_JOB_TYPES } from '../model/backup-job-session.js';
import { JOB_TYPES, PLATFORMS } from '../model/job.js';
import { AgentBackupJob, Job, NasJob, ReplicaJobSession } from '../model/all.js';
import { AGENT_JOB_TYPES } from '../model/agent-backup-job.js';
import type { TypeDecl } from '../model/index.js';
import type { DemoJob, Platform } from './fleet.js';
import { CREATORS, ESX_HOSTS, HV_HOSTS } from './names.js';
import type { Rates, Shape } from './options.js';
import type { Random } from './random.js';
import { lastSlot, nextRunOf, runningPhase, type Schedule } from './schedules.js';
import { describeCreation } from './stamps.js';
import { DAY, HOUR, MB, MIN } from './units.js';

/** The steps of making a job that both sides share, each drawing in the order the seeded data depends on. */

/** Ordinal of `member` in the enum field `key` of `type`. */
function ordinal(type: TypeDecl, key: string, member: string): number {
  const field = type.fields.find((f) => f.key === key);
  const at = (field?.kind === 'enum' ? field.members : undefined)?.indexOf(member) ?? -1;
  if (at < 0) throw new Error(`${type.name}.${key} has no member '${member}'`);
  return at;
}

/** What differs between the kinds of job, besides their schedules and failures. */
export const KINDS = {
  // Replication traffic crosses to the DR site, often over a WAN link: tens of MB/s.
  replica: {
    decl: Job, jobType: JOB_TYPES.indexOf('Replica'), sessionJobType: ordinal(ReplicaJobSession, 'jobType', 'Replica'),
    overhead: [60, 240], slots: [2, 4], throughput: [20, 90],
  },
  // Backups go from a local proxy to a local repository: hundreds of MB/s.
  backup: {
    decl: Job, jobType: JOB_TYPES.indexOf('Backup'), sessionJobType: BACKUP_SESSION_JOB_TYPES.indexOf('Backup'),
    overhead: [45, 180], slots: [2, 6], throughput: [80, 400],
  },
  // Copies cross the WAN again.
  copy: {
    decl: Job, jobType: JOB_TYPES.indexOf('BackupCopy'), sessionJobType: BACKUP_SESSION_JOB_TYPES.indexOf('BackupCopy'),
    overhead: [10, 45], slots: [2, 6], throughput: [20, 90],
  },
  // Each computer's agent sends its own backup over the LAN: tasks run side by side.
  agent: {
    decl: AgentBackupJob, jobType: AGENT_JOB_TYPES.indexOf('AgentBackup'), sessionJobType: BACKUP_SESSION_JOB_TYPES.indexOf('AgentBackup'),
    overhead: [30, 150], slots: [3, 8], throughput: [30, 150],
  },
  // File shares are walked file by file: a long fixed part, then the changed files.
  nas: {
    decl: NasJob, jobType: 0, sessionJobType: BACKUP_SESSION_JOB_TYPES.indexOf('NasBackup'),
    overhead: [120, 600], slots: [1, 2], throughput: [40, 200],
  },
} as const satisfies Record<DemoJob['kind'], unknown>;

/** The declared type whose table holds a job's row. */
export const jobDeclOf = (job: DemoJob): TypeDecl => KINDS[job.kind].decl;

/** A job's throughput (bytes/s) in its kind's range; Hyper-V proxies are a little slower. */
export const drawThroughput = (rng: Random, kind: DemoJob['kind'], platform: Platform) =>
  rng.logUniform(KINDS[kind].throughput[0], KINDS[kind].throughput[1]) * MB * (platform === 'HyperV' ? 0.8 : 1);

export const drawSlots = (rng: Random, kind: DemoJob['kind']) => rng.int(KINDS[kind].slots[0], KINDS[kind].slots[1]);

export const drawPlatform = (rng: Random): Platform => (rng.chance(0.8) ? 'VMware' : 'HyperV');

/** Two neighbouring hosts of the platform's cluster. */
export function drawHosts(rng: Random, platform: Platform): string[] {
  const pool = platform === 'VMware' ? ESX_HOSTS : HV_HOSTS;
  const first = rng.int(0, pool.length - 1);
  return [pool[first], pool[(first + 1) % pool.length]];
}

/** Which of a side's jobs (by index) are caught mid-run at `now`, keep failing, are flaky, are disabled. */
export interface Troubles {
  /** The indices in the order the choice was made (later traits are handed out in it too). */
  readonly order: readonly number[];
  readonly running: ReadonlySet<number>;
  readonly broken: ReadonlySet<number>;
  readonly flaky: ReadonlySet<number>;
  readonly disabled: ReadonlySet<number>;
}

/** How many of `count` jobs are broken, and as many flaky: 1 %, at least one, in fleets of `min` jobs. */
const troubleCount = (count: number, min: number, rates: Rates) => (count >= min && rates.troubled ? Math.max(1, Math.round(count / 100)) : 0);

/** 15–30 % of the jobs run at `now`; of the others 1 % are broken (`canBreak` ones), as many flaky, 8 % disabled. */
export function chooseTroubles(rng: Random, count: number, rates: Rates, canBreak: (index: number) => boolean): Troubles {
  const order = rng.shuffle(Array.from({ length: count }, (_, i) => i));
  const running = new Set(order.slice(0, count === 0 ? 0 : Math.max(1, Math.round(count * rng.float(0.15, 0.3)))));
  const rest = order.filter((i) => !running.has(i));
  const broken = new Set<number>();
  for (let k = troubleCount(count, 4, rates); k > 0; k--) {
    const at = rest.findIndex(canBreak);
    if (at < 0) break;
    broken.add(rest.splice(at, 1)[0]);
  }
  const flaky = new Set(rest.splice(0, troubleCount(count, 8, rates)));
  const disabled = new Set(rest.filter(() => rng.chance(0.08)));
  return { order, running, broken, flaky, disabled };
}

/** A job's life: its schedule (moved if it is caught mid-run), when it was disabled and created. */
export interface Life extends Schedule {
  readonly forceRunning: boolean;
  readonly disabledAt?: number;
  readonly created: number;
}

export function drawLife(rng: Random, shape: Shape, index: number, troubles: Troubles, schedule: Schedule): Life {
  const { now, days } = shape;
  // Continuous jobs are mid-run most of the time anyway.
  const forceRunning = troubles.running.has(index) && schedule.period > 0;
  const phase = forceRunning ? runningPhase(rng, schedule.period, now) : schedule.phase;
  const disabledAt = troubles.disabled.has(index) ? now - rng.int(1, Math.max(1, Math.floor(days / 2))) * DAY - rng.int(0, 12) * HOUR : undefined;
  const created = now - days * DAY - rng.int(20, 900) * DAY - rng.int(0, 23) * HOUR - rng.int(0, 59) * MIN;
  return { ...schedule, phase, forceRunning, disabledAt, created };
}

/** The job's row and who created it. */
export function drawJobRow(
  rng: Random, shape: Shape, kind: DemoJob['kind'], serverId: string, name: string, platform: Platform, life: Life, weekdaysOnly = false,
): { row: JobRow; creator: string } {
  const id = rng.guid();
  const creator = rng.weighted(CREATORS);
  const row: JobRow = {
    id,
    serverId,
    name,
    jobType: KINDS[kind].jobType,
    platform: PLATFORMS.indexOf(platform),
    description: describeCreation(creator, life.created),
    scheduleConfigured: 1,
    scheduleEnabled: life.disabledAt === undefined ? 1 : 0,
    nextRun: nextRunOf(life.period, life.phase, shape.now, life.disabledAt, weekdaysOnly),
  };
  return { row, creator };
}

/**
 * Marks a broken job (it started failing a few scheduled runs ago and nobody has fixed it yet)
 * and a flaky one (its usual VM, its usual error: one of `errorKinds`).
 */
export function drawTrouble(rng: Random, job: DemoJob, troubles: Troubles, now: number, errorKinds: number): void {
  if (troubles.broken.has(job.index)) {
    const every = job.period || HOUR;
    job.brokenFrom = lastSlot(every, job.phase, now) - rng.int(2, 5) * every - rng.int(1, 50) * MIN;
  }
  if (troubles.flaky.has(job.index)) {
    job.flakyVm = rng.int(0, job.vms.length - 1);
    job.flakyKind = rng.int(0, errorKinds - 1);
  }
}
