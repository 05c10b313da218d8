import { BackupJobSession, BackupServer, BackupTaskSession, Job, ReplicaJobSession, ReplicaTaskSession } from '../model/all.js';
import { BACKUP_SESSION_JOB_TYPES } from '../model/backup-job-session.js';
import { JOB_SESSION_STATES, RESULT_MEMBERS, TASK_STATES } from '../model/fields.js';
import type { Row, TypeDecl } from '../model/index.js';
import { JOB_TYPES, PLATFORMS } from '../model/job.js';
import type { Store, StoreWriter } from '../store/store.js';
import { fromEpochMs, type DateTime } from '../util/datetime.js';
import { Random } from './random.js';
import {
  sessionName, type BackupTaskSessionRow, type JobRow, type JobSessionRow, type ServerRow, type TaskSessionRow,
} from '../../test/support/rows.js';

/**
 * A deterministic, realistic demo fleet: backup servers, replication jobs and backup (and backup
 * copy) jobs, and their job and task sessions over the last `days` days up to `now`. The same
 * options always produce the same rows and GUIDs (all randomness comes from seeded PRNGs;
 * nothing reads the clock).
 *
 * Shape of the data (see `emrest seed --help` for the options):
 * - Schedules: daily jobs start in the evening or at night; others run every 4, 6 or 12 hours
 *   (`schedules` replaces that mix for replication and backup jobs); backup copy jobs run every
 *   1–4 hours. `continuous` jobs start their next run minutes after the previous one ended.
 * - Durations follow the data moved: per VM its size × daily change rate × the share of a day
 *   since the last run, at the job's throughput (a soft cap per VM), on 2–6 parallel proxy
 *   slots, so jobs with more and bigger VMs run longer.
 * - Weekends (backup side): weekly active fulls mostly on Saturday or Sunday and much longer
 *   than the incrementals; some daily backup jobs run on weekdays only (those do their full on
 *   Friday). A few backup jobs are long runners (2–6 hours a run, slow target).
 * - Trouble: a few jobs (1 %, at least one per side) fail every run for their last runs (a host
 *   down, a repository full), as many are flaky; failed runs are retried (IsRetry) 10–30 minutes
 *   after the failure; 15–30 % of the jobs are caught mid-run at `now`; some are disabled.
 * - The replication side is the same for a seed whatever the backup options are; the new
 *   options (`vmsPerJob`, `failureRate`, `schedules`, `sessions`) change nothing when omitted.
 */
export interface DemoOptions {
  /** Random seed (default 1). */
  seed?: number;
  /** Backup servers (default 3; scaled with the job count when `sessions` scales the jobs). */
  servers?: number;
  /** Replication jobs (default 12). */
  jobs?: number;
  /** Backup jobs (about 3/4 Backup, 1/4 BackupCopy; default 12). */
  backupJobs?: number;
  /** Days of history up to `now` (default 30). */
  days?: number;
  /** The generator's "now" (epoch ms): no session starts or ends after it. */
  now: number;
  /**
   * Mean VMs per job. Default: 1–8 per job, mean ≈ 3.8. With a value each job gets about
   * 0.26–2.1 × N VMs (the default mix, scaled), at least one.
   */
  vmsPerJob?: number;
  /**
   * Total job sessions (replica + backup) to aim for. Without `jobs` and `backupJobs` the job
   * counts are scaled (as many backup as replication jobs, servers scaled along unless given);
   * with either given the job counts stay and the schedules get denser or sparser instead.
   * The generator estimates each job's sessions from its schedule (exactly) and its expected
   * failures, retries and run lengths, picks the job count (or density) whose estimate is just
   * above the target, then lets a few jobs (picked by the seed) have been created during the
   * window until the estimate is the target: the result lands within a few % (typically 1–2 %).
   */
  sessions?: number;
  /**
   * Chance that a run (scheduled or retry) of an ordinary job fails, 0–1, so about this
   * fraction of all sessions fail (a little more: flaky jobs fail at least 20 % of their runs
   * and the few broken ones every run; 0 means no failures at all). Default: 3.5 % of scheduled
   * runs and 12 % of retries fail (with the broken and flaky jobs about 4–6 % of all sessions).
   */
  failureRate?: number;
  /** At most this many automatic retries after a failed run (default 2; broken jobs N + 1). */
  retries?: number;
  /** Schedule mix of replication and backup jobs: `[period ms (0 = continuous), weight]`. */
  schedules?: ScheduleMix;
  /** Called once the fleet is planned, after every batch of rows, and as the indexes are built. */
  onProgress?: (event: DemoProgress) => void;
  /**
   * Deletes every server, job and session of the store in the same transaction first (users
   * and logons stay), so the fleet loads as into a new database instead of row by row upserts.
   */
  replace?: boolean;
}

/** Weighted schedules: `[period in ms, or 0 for continuous, weight]`. */
export type ScheduleMix = readonly (readonly [period: number, weight: number])[];

export type DemoProgress =
  | { readonly phase: 'planned'; readonly plan: DemoPlan }
  | { readonly phase: 'sessions'; readonly done: number; readonly expected: number }
  /** The rows are written; then, if the store reports them, the steps of its deferred work (indexes, statistics). */
  | { readonly phase: 'indexing'; readonly done: number; readonly expected: number; readonly step?: { done: number; total: number } };

export const DEMO_DEFAULTS = Object.freeze({ seed: 1, servers: 3, jobs: 12, backupJobs: 12, days: 30, retries: 2 });

export interface DemoCounts {
  servers: number;
  /** All jobs (replication and backup). */
  jobs: number;
  /** Replica job and task sessions. */
  sessions: number;
  tasks: number;
  /** Backup job and task sessions. */
  backupSessions: number;
  backupTasks: number;
}

/** What a generator run will write: the fleet shape and the sessions it expects. */
export interface DemoPlan {
  readonly seed: number;
  readonly servers: number;
  readonly jobs: number;
  readonly backupJobs: number;
  readonly days: number;
  /** Schedule density factor: 2 = twice as many scheduled runs as the schedules say. */
  readonly density: number;
  /** Expected job sessions (replica + backup), the progress denominator. */
  readonly expectedSessions: number;
  /** The `sessions` target, if any. */
  readonly target?: number;
}

const SEC = 1000;
const MIN = 60 * SEC;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const GiB = 1024 ** 3;
const MB = 1000 ** 2;

/** At most this many rows per upsert call. */
const BATCH = 5000;
/**
 * A side's buffered rows are written once there are this many: rows then die young (V8's
 * scavenger frees them cheaply), while larger buffers get promoted to the old generation and
 * make GC cost several times the generation itself (measured: 26 s instead of 7 s of CPU for
 * 1M sessions with 5000-row buffers).
 */
const FLUSH_ROWS = 256;
/** Sessions start at least this long before `now`, so all their task records exist by then. */
const MIN_LEAD = 2 * MIN;
/** Soft upper bound of one VM's data transfer time. */
const MAX_TRANSFER = 50 * MIN;
/** Shortest schedule period density scaling produces. */
const MIN_PERIOD = 5 * MIN;
/** How much data a continuous job's run moves: as if it ran this often. */
const CONTINUOUS_INTERVAL = HOUR;

const REPLICA = JOB_TYPES.indexOf('Replica');
const BACKUP = JOB_TYPES.indexOf('Backup');
const BACKUP_COPY = JOB_TYPES.indexOf('BackupCopy');
// The job and backup-session enums differ (ImmediateBackupCopyWorker, Agent…): map by name.
const BACKUP_SESSION = BACKUP_SESSION_JOB_TYPES.indexOf('Backup');
const BACKUP_COPY_SESSION = BACKUP_SESSION_JOB_TYPES.indexOf('BackupCopy');
const SESSION_JOB_TYPE = (() => {
  const members = ReplicaJobSession.fields.find((f) => f.key === 'jobType')?.members ?? ['Replica'];
  return members.indexOf('Replica');
})();
const STATE_WORKING = JOB_SESSION_STATES.indexOf('Working');
const STATE_STOPPED = JOB_SESSION_STATES.indexOf('Stopped');
const TASK_IN_PROGRESS = TASK_STATES.indexOf('InProgress');
const TASK_PENDING = TASK_STATES.indexOf('Pending');
const TASK_COMPLETED = TASK_STATES.indexOf('Completed');
type Result = (typeof RESULT_MEMBERS)[number];
const R = (r: Result) => RESULT_MEMBERS.indexOf(r);
const RESULT_NONE = R('None');

const pad2 = (n: number) => String(n).padStart(2, '0');
/** UTC weekday (0 = Sunday) of epoch ms; 1970-01-01 was a Thursday. */
const weekday = (ms: number) => (((Math.floor(ms / DAY) + 4) % 7) + 7) % 7;
const isWeekend = (ms: number) => {
  const d = weekday(ms);
  return d === 0 || d === 6;
};

/** VMs per job when `vmsPerJob` is not given (mean 3.78). */
const VM_MIX = [[1, 10], [2, 20], [3, 20], [4, 18], [5, 12], [6, 9], [7, 6], [8, 5]] as const;
const VM_MIX_MEAN = VM_MIX.reduce((s, [n, w]) => s + n * w, 0) / VM_MIX.reduce((s, [, w]) => s + w, 0);
/** VMs a mirroring backup job adds to its replication job's. */
const EXTRA_VM_MIX = [[0, 4], [1, 3], [2, 2], [3, 1]] as const;

/** Default schedule mixes (see `describeSchedules`). */
export const REPLICA_SCHEDULES: ScheduleMix = [[DAY, 70], [12 * HOUR, 10], [6 * HOUR, 10], [4 * HOUR, 10]];
export const BACKUP_SCHEDULES: ScheduleMix = [[DAY, 80], [12 * HOUR, 10], [6 * HOUR, 5], [4 * HOUR, 5]];
/** Backup jobs of databases run more often. */
export const SQL_BACKUP_SCHEDULES: ScheduleMix = [[DAY, 50], [12 * HOUR, 20], [6 * HOUR, 15], [4 * HOUR, 15]];
/** Weekday of a weekly active full: mostly the weekend. */
const FULL_DAYS = [[6, 55], [0, 30], [5, 15]] as const;

/**
 * Parses a schedule mix: comma-separated `NAME[:WEIGHT]` with NAME `daily`, `weekly`,
 * `continuous` or a period `Nd`, `Nh`, `Nm` (e.g. `daily:70,4h:20,30m:5,continuous:5`).
 */
export function parseScheduleMix(text: string): ScheduleMix {
  const out: [number, number][] = [];
  for (const part of text.split(',')) {
    const m = /^\s*(daily|weekly|continuous|(\d+)([dhm]))\s*(?::\s*(\d+(?:\.\d+)?)\s*)?$/i.exec(part);
    if (!m) throw new RangeError(`schedule '${part.trim()}' is not daily, weekly, continuous, Nd, Nh or Nm (with an optional :WEIGHT)`);
    const name = m[1].toLowerCase();
    const period = name === 'daily' ? DAY : name === 'weekly' ? 7 * DAY : name === 'continuous' ? 0
      : Number(m[2]) * (m[3].toLowerCase() === 'd' ? DAY : m[3].toLowerCase() === 'h' ? HOUR : MIN);
    if (name !== 'continuous' && (period < MIN_PERIOD || period > 28 * DAY)) {
      throw new RangeError(`schedule '${part.trim()}': the period must be 5m to 28d`);
    }
    const weight = m[4] === undefined ? 1 : Number(m[4]);
    if (weight > 0) out.push([period, weight]);
  }
  if (out.length === 0) throw new RangeError('the schedule mix has no schedule with a weight above 0');
  return out;
}

/** A schedule mix as text (`daily:70,12h:10`), the inverse of `parseScheduleMix`. */
export function describeSchedules(mix: ScheduleMix): string {
  const name = (p: number) => p === 0 ? 'continuous' : p === DAY ? 'daily' : p === 7 * DAY ? 'weekly'
    : p % DAY === 0 ? `${p / DAY}d` : p % HOUR === 0 ? `${p / HOUR}h` : `${Math.round(p / MIN)}m`;
  return mix.map(([p, w]) => `${name(p)}:${w}`).join(',');
}

/** Failure probabilities of a run. */
interface Rates {
  /** A scheduled run of an ordinary job. */
  readonly first: number;
  /** A retry. */
  readonly retry: number;
  /** A scheduled run of a flaky job. */
  readonly flaky: number;
  /** There are broken and flaky jobs at all. */
  readonly troubled: boolean;
}

const DEFAULT_RATES: Rates = { first: 0.035, retry: 0.12, flaky: 0.2, troubled: true };

function ratesFor(failureRate: number | undefined): Rates {
  if (failureRate === undefined) return DEFAULT_RATES;
  return { first: failureRate, retry: failureRate, flaky: Math.min(0.9, Math.max(0.2, 2 * failureRate)), troubled: failureRate > 0 };
}

/** Options with every default applied and the fleet shape decided. */
interface Shape {
  readonly seed: number;
  readonly servers: number;
  readonly jobs: number;
  readonly backupJobs: number;
  readonly days: number;
  readonly now: number;
  readonly vmsPerJob?: number;
  readonly retries: number;
  readonly rates: Rates;
  readonly schedules?: ScheduleMix;
  /** Schedule periods are divided by this (1: as drawn). */
  readonly density: number;
}

// ---------------------------------------------------------------------------------------------
// Vocabulary

interface Theme {
  /** What the jobs protect, for backup job names ("Backup SQL Tier"). */
  readonly label: string;
  /** Job names for the first job of this theme; later ones get a number. */
  readonly names: readonly string[];
  /** VM name stems; a VM is `<stem><nn>`. */
  readonly vms: readonly string[];
  /** Total VM size range in GiB (log-uniform). */
  readonly size: readonly [number, number];
  /** Daily change rate range (fraction of the VM's size). */
  readonly change: readonly [number, number];
  readonly os: 'windows' | 'linux';
  /** Runs an application whose logs can be truncated (SQL/Exchange). */
  readonly app?: 'sql' | 'exchange';
}

const THEMES: readonly Theme[] = [
  { label: 'SQL Tier', names: ['Replication SQL Tier', 'DR Replica - SQL Cluster'], vms: ['sql', 'sql-ag'], size: [120, 2048], change: [0.04, 0.1], os: 'windows', app: 'sql' },
  { label: 'Exchange', names: ['DR Replica - Exchange', 'Replication Exchange DAG'], vms: ['exch'], size: [250, 1800], change: [0.03, 0.08], os: 'windows', app: 'exchange' },
  { label: 'Domain Controllers', names: ['Replication Domain Controllers', 'DR Replica - Active Directory'], vms: ['dc'], size: [40, 120], change: [0.005, 0.02], os: 'windows' },
  { label: 'File Servers', names: ['DR Replica - File Servers', 'Replication File Services'], vms: ['fileserver', 'fs-archive'], size: [300, 2048], change: [0.01, 0.03], os: 'windows' },
  { label: 'Web Frontend', names: ['Replication Web Frontend', 'DR Replica - Web Farm'], vms: ['web-frontend-', 'web-api-'], size: [20, 100], change: [0.01, 0.04], os: 'linux' },
  { label: 'ERP', names: ['DR Replica - ERP', 'Replication ERP Production'], vms: ['erp-app', 'erp-db'], size: [100, 900], change: [0.03, 0.08], os: 'windows', app: 'sql' },
  { label: 'SharePoint Farm', names: ['Replication SharePoint Farm', 'DR Replica - SharePoint'], vms: ['sp-web', 'sp-app', 'sp-sql'], size: [80, 600], change: [0.02, 0.06], os: 'windows', app: 'sql' },
  { label: 'Citrix', names: ['DR Replica - Citrix', 'Replication Citrix Infrastructure'], vms: ['ctx-ddc', 'ctx-sf', 'ctx-lic'], size: [40, 160], change: [0.01, 0.03], os: 'windows' },
  { label: 'Linux App Servers', names: ['Replication Linux App Servers', 'DR Replica - Linux Apps'], vms: ['app-lnx', 'ubuntu-app'], size: [30, 250], change: [0.01, 0.05], os: 'linux' },
  { label: 'Infrastructure Services', names: ['DR Replica - Infrastructure Services', 'Replication Core Services'], vms: ['print', 'wsus', 'pki', 'util'], size: [40, 400], change: [0.005, 0.03], os: 'windows' },
  { label: 'Monitoring', names: ['Replication Monitoring', 'DR Replica - Monitoring Stack'], vms: ['zabbix', 'grafana', 'elk'], size: [60, 700], change: [0.03, 0.09], os: 'linux' },
  { label: 'CRM', names: ['DR Replica - CRM', 'Replication CRM Platform'], vms: ['crm-app', 'crm-db'], size: [80, 800], change: [0.02, 0.07], os: 'windows', app: 'sql' },
  { label: 'RDS Farm', names: ['Replication RDS Farm', 'DR Replica - Remote Desktop'], vms: ['rds', 'rds-gw'], size: [60, 300], change: [0.01, 0.04], os: 'windows' },
  { label: 'DevOps', names: ['DR Replica - DevOps', 'Replication Build Infrastructure'], vms: ['gitlab', 'jenkins', 'nexus'], size: [80, 1000], change: [0.02, 0.08], os: 'linux' },
  { label: 'HR Systems', names: ['Replication HR Systems', 'DR Replica - HR & Payroll'], vms: ['hr-app', 'payroll-db'], size: [50, 400], change: [0.01, 0.04], os: 'windows', app: 'sql' },
  { label: 'Tier-1 Apps', names: ['DR Replica - Tier 1 Apps', 'Replication Tier-1 Applications'], vms: ['app', 'api'], size: [40, 500], change: [0.02, 0.06], os: 'linux' },
];

/** Workloads that are backed up but not replicated. */
const BACKUP_ONLY_THEMES: readonly Theme[] = [
  { label: 'Dev/Test', names: [], vms: ['dev-app', 'test-sql', 'qa-web'], size: [30, 400], change: [0.02, 0.08], os: 'windows' },
  { label: 'Jump Hosts', names: [], vms: ['jump', 'bastion'], size: [40, 100], change: [0.005, 0.02], os: 'windows' },
  { label: 'Legacy Apps', names: [], vms: ['legacy-app', 'w2k12-app'], size: [60, 500], change: [0.005, 0.02], os: 'windows' },
  { label: 'Test Lab', names: [], vms: ['lab-dc', 'lab-sql', 'lab-web'], size: [30, 200], change: [0.01, 0.05], os: 'windows' },
  { label: 'Mail Gateways', names: [], vms: ['smtp-gw', 'mail-relay'], size: [20, 60], change: [0.01, 0.03], os: 'linux' },
];

const BACKUP_NAMES: readonly ((label: string) => string)[] = [
  (l) => `Backup ${l}`, (l) => `Daily Backup - ${l}`, (l) => `Nightly Backup - ${l}`, (l) => `${l} Backup`,
];
const COPY_NAMES: readonly ((label: string) => string)[] = [
  (l) => `Backup Copy to DR - ${l}`, (l) => `Offsite Copy - ${l}`, (l) => `Backup Copy - ${l}`,
];
const REPOS = ['Repo-01', 'Repo-01', 'Repo-02', 'SOBR-Primary'];
const COPY_REPOS = ['Repo-DR-01', 'Repo-Offsite', 'SOBR-DR'];

const VERSIONS: readonly (readonly [string, number])[] = [
  ['13.0.1.1071', 35], ['12.3.1.1139', 35], ['12.3.0.310', 10], ['12.2.0.334', 10], ['12.1.2.172', 10],
];

const CREATORS: readonly (readonly [string, number])[] = [
  ['CORP\\admin', 6], ['CORP\\veeam.admin', 2], ['CORP\\j.smith', 1], ['CORP\\svc-veeam', 1],
];

const DATASTORES = ['datastore1', 'datastore2', 'ds-prod-01', 'ds-prod-02', 'ds-ssd-01', 'vsan-prod'];
const CSVS = ['C:\\ClusterStorage\\Volume1', 'C:\\ClusterStorage\\Volume2', 'D:\\Hyper-V'];
const ESX_HOSTS = Array.from({ length: 8 }, (_, i) => `esx${pad2(i + 1)}.corp.local`);
const HV_HOSTS = Array.from({ length: 4 }, (_, i) => `hv${pad2(i + 1)}.corp.local`);

// ---------------------------------------------------------------------------------------------
// Fleet model

interface Vm {
  readonly name: string;
  readonly size: number;
  /** Daily change rate. */
  readonly change: number;
  readonly theme: Theme;
  readonly store: string;
}

interface DemoJob {
  readonly index: number;
  readonly kind: 'replica' | 'backup' | 'copy';
  readonly row: JobRow;
  /** Who created it (its description names them). */
  readonly creator: string;
  readonly theme: Theme;
  /** The session rows' `jobType` ordinal (replica and backup session enums differ). */
  readonly sessionJobType: number;
  /** Fixed per-VM processing overhead (seconds) on top of the data transfer. */
  readonly overhead: readonly [number, number];
  readonly platform: 'VMware' | 'HyperV';
  readonly vms: readonly Vm[];
  readonly hosts: readonly string[];
  /** The schedule period as drawn from the mix, before density scaling. */
  readonly drawn: number;
  /** Schedule: runs at `phase + k * period` (epoch ms, UTC); 0 = continuous (back to back). */
  readonly period: number;
  readonly phase: number;
  /** Parallel VM tasks (proxy slots). */
  slots: number;
  /** Job throughput in bytes/s. */
  throughput: number;
  /** Its latest scheduled run is still going at `now`. */
  readonly forceRunning: boolean;
  /** Fails every run from this time on (a host is down). */
  brokenFrom?: number;
  brokenHost?: string;
  /** Fails often, mostly on one VM and mostly with the same error. */
  flakyVm?: number;
  flakyKind?: number;
  /** Schedule disabled at this time (no runs after it). */
  readonly disabledAt?: number;
  /** Created during the window: its history starts here (only to meet a `sessions` target). */
  since?: number;
  // Backup side only:
  /** The hypervisor's id of each VM (`vmUid`), stable across sessions and jobs. */
  readonly uids?: ReadonlyMap<Vm, string>;
  /** Target repository. */
  readonly repo?: string;
  /** Weekday (UTC, 0 = Sunday) of a weekly active full backup. */
  readonly fullDay?: number;
  /** Skips Saturday and Sunday. */
  readonly weekdaysOnly?: boolean;
  /** Every run moves a large part of each VM, slowly: runs take hours. */
  longRun?: boolean;
  /** A copy job's source backup job. */
  readonly source?: DemoJob;
  /** End times of this backup job's finished, not failed sessions: new restore points to copy. */
  readonly points?: number[];
}

interface Fleet {
  readonly servers: readonly ServerRow[];
  readonly replicas: readonly DemoJob[];
  readonly backups: readonly DemoJob[];
}

function validate(o: Shape): void {
  for (const key of ['servers', 'jobs', 'backupJobs', 'days', 'retries'] as const) {
    if (!Number.isInteger(o[key]) || o[key] < 0) throw new RangeError(`demo ${key} must be a non-negative integer`);
  }
  if (!Number.isFinite(o.seed)) throw new RangeError('demo seed must be a finite number');
  if (!Number.isFinite(o.now)) throw new RangeError('demo now must be epoch milliseconds');
  if ((o.jobs > 0 || o.backupJobs > 0) && o.servers === 0) throw new RangeError('demo jobs need at least one backup server');
  if (o.vmsPerJob !== undefined && !(Number.isFinite(o.vmsPerJob) && o.vmsPerJob >= 1)) throw new RangeError('demo vmsPerJob must be at least 1');
  const { first } = o.rates;
  if (!(first >= 0 && first <= 1)) throw new RangeError('demo failureRate must be between 0 and 1');
  for (const [period, weight] of o.schedules ?? []) {
    if (!(Number.isFinite(period) && (period === 0 || period >= MIN_PERIOD) && weight > 0)) {
      throw new RangeError('demo schedules need periods of 0 (continuous) or at least 5 minutes, and positive weights');
    }
  }
}

function makeServers(rng: Random, count: number): ServerRow[] {
  const counters = { hq: 1, branch: 1, dr: 1 };
  const out: ServerRow[] = [];
  for (let i = 0; i < count; i++) {
    const kind = i === 0 ? 'hq' : i === 1 ? 'branch' : rng.weighted([['branch', 6], ['dr', 2], ['hq', 2]] as const);
    const n = counters[kind]++;
    let name: string, description: string;
    if (kind === 'hq') {
      name = `vbr${pad2(n)}.corp.local`;
      description = i === 0 ? 'Head office' : rng.pick(['Head office', '', 'Head office - secondary']);
    } else if (kind === 'branch') {
      name = `vbr-branch${pad2(n + 1)}.corp.local`;
      description = rng.pick(['Branch office', 'Branch office', '', `Branch office ${pad2(n + 1)}`]);
    } else {
      name = `vbr-dr${pad2(n)}.corp.local`;
      description = rng.pick(['DR site', 'Disaster recovery site', '']);
    }
    out.push({ id: rng.guid(), name, description, port: 9392, version: rng.weighted(VERSIONS) });
  }
  return out;
}

/** `3/14/2024 10:21 AM`, the way VBR stamps a job's creation in its description. */
function usDate(ms: number): string {
  const d = new Date(ms);
  const h = d.getUTCHours();
  return `${d.getUTCMonth() + 1}/${d.getUTCDate()}/${d.getUTCFullYear()} ${h % 12 === 0 ? 12 : h % 12}:` +
    `${pad2(d.getUTCMinutes())} ${h < 12 ? 'AM' : 'PM'}`;
}

/** A job's description, as VBR writes it. */
const describeCreation = (creator: string, at: number) => `Created by ${creator} at ${usDate(at)}.`;

function roundSize(gib: number): number {
  const step = gib < 100 ? 1 : gib < 500 ? 5 : 10;
  return Math.min(2048, Math.max(20, Math.round(gib / step) * step)) * GiB;
}

/**
 * A job's VM count: `drawn` from the default mix as is, or scaled so the mean is `vmsPerJob`
 * (stochastic rounding, one more draw, only then). Mirroring backup jobs add 0–3 (scaled) VMs.
 */
function vmCount(rng: Random, shape: Shape, drawn: number, min = 1): number {
  if (shape.vmsPerJob === undefined) return drawn;
  return Math.max(min, Math.floor((drawn * shape.vmsPerJob) / VM_MIX_MEAN + rng.next()));
}

/** The scheduled period after density scaling (continuous stays continuous). */
function scaledPeriod(shape: Shape, period: number): number {
  if (shape.density === 1 || period === 0) return period;
  return Math.max(MIN_PERIOD, Math.round(period / shape.density / MIN) * MIN);
}

/** A phase drawn for the `drawn` period, at the same place in the density-scaled `period`. */
function scaledPhase(phase: number, drawn: number, period: number): number {
  return period === drawn || period === 0 ? phase : Math.floor((phase * period) / drawn / MIN) * MIN;
}

/** Where in its period a job starts: evenings and nights for daily jobs, whole hours (or minutes) otherwise. */
function phaseFor(rng: Random, period: number, dailyHours: readonly number[]): number {
  if (period === 0) return 0;
  if (period === DAY) {
    const hour = rng.pick(dailyHours);
    const minute = rng.pick([0, 0, 0, 0, 30, 30, 15, 45, rng.int(0, 59)]);
    return hour * HOUR + minute * MIN;
  }
  if (period % HOUR === 0) return rng.int(0, period / HOUR - 1) * HOUR + rng.pick([0, 0, 15, 30, 45]) * MIN;
  return rng.int(0, Math.floor(period / MIN) - 1) * MIN;
}

/** Moves a job's phase so its latest scheduled run was a few minutes to an hour and a half ago. */
function runningPhase(rng: Random, period: number, now: number): number {
  const ago = rng.int(4, Math.max(5, Math.min(90, Math.floor(period / MIN / 3))));
  const at = Math.floor((now - ago * MIN) / MIN) * MIN;
  return ((at % period) + period) % period;
}

/** The next scheduled run after `now` (null for disabled and continuous jobs). */
function nextRunOf(period: number, phase: number, now: number, disabledAt: number | undefined, weekdaysOnly = false): DateTime | null {
  if (disabledAt !== undefined || period === 0) return null;
  let next = phase + Math.floor((now - phase) / period + 1) * period;
  while (weekdaysOnly && isWeekend(next)) next += period;
  return fromEpochMs(next);
}

/** How many of `count` jobs are broken (fail every run lately), and as many flaky: 1 %, at least one. */
const troubleCount = (count: number, min: number, rates: Rates) => (count >= min && rates.troubled ? Math.max(1, Math.round(count / 100)) : 0);

/** Replication jobs; `vmCounters` (VM name stem → last number used) is shared with the backup side. */
function makeJobs(rng: Random, shape: Shape, servers: readonly ServerRow[], vmCounters: Map<string, number>): DemoJob[] {
  const { jobs: count, now, days } = shape;
  const windowStart = now - days * DAY;
  const themes = rng.shuffle(THEMES);
  const themeUses = new Map<Theme, number>();

  // A few jobs are caught mid-run at `now`; some fail repeatedly, as many are flaky; a few are disabled.
  const order = rng.shuffle(Array.from({ length: count }, (_, i) => i));
  const running = new Set(order.slice(0, count === 0 ? 0 : Math.max(1, Math.round(count * rng.float(0.15, 0.3)))));
  const rest = order.filter((i) => !running.has(i));
  const broken = new Set(rest.splice(0, troubleCount(count, 4, shape.rates)));
  const flaky = new Set(rest.splice(0, troubleCount(count, 8, shape.rates)));
  const disabled = new Set(rest.filter(() => rng.chance(0.08)));

  const out: DemoJob[] = [];
  for (let i = 0; i < count; i++) {
    const theme = themes[i % themes.length];
    const use = themeUses.get(theme) ?? 0;
    themeUses.set(theme, use + 1);
    const base = theme.names[use % theme.names.length];
    const name = use < theme.names.length ? base : `${base} ${Math.floor(use / theme.names.length) + 1}`;
    const server = servers[i % servers.length];
    const platform = rng.chance(0.8) ? 'VMware' : 'HyperV';

    const vmTotal = vmCount(rng, shape, rng.weighted(VM_MIX));
    const vms: Vm[] = [];
    for (let v = 0; v < vmTotal; v++) {
      const stem = theme.vms[v % theme.vms.length];
      const n = (vmCounters.get(stem) ?? 0) + 1;
      vmCounters.set(stem, n);
      vms.push({
        name: `${stem}${pad2(n)}`,
        size: roundSize(rng.logUniform(theme.size[0], theme.size[1])),
        change: rng.float(theme.change[0], theme.change[1]),
        theme,
        store: platform === 'VMware' ? rng.pick(DATASTORES) : rng.pick(CSVS),
      });
    }
    const hostPool = platform === 'VMware' ? ESX_HOSTS : HV_HOSTS;
    const firstHost = rng.int(0, hostPool.length - 1);
    const hosts = [hostPool[firstHost], hostPool[(firstHost + 1) % hostPool.length]];

    // Draws do not depend on the density (so the fleet is the same, only denser or sparser).
    const drawn = rng.weighted(shape.schedules ?? REPLICA_SCHEDULES);
    const period = scaledPeriod(shape, drawn);
    let phase = scaledPhase(phaseFor(rng, drawn, [18, 19, 20, 21, 22, 22, 23, 23, 0, 1, 2, 3, 4, 5]), drawn, period);
    // Continuous jobs are mid-run most of the time anyway.
    const forceRunning = running.has(i) && period > 0;
    if (forceRunning) phase = runningPhase(rng, period, now);

    const disabledAt = disabled.has(i) ? now - rng.int(1, Math.max(1, Math.floor(days / 2))) * DAY - rng.int(0, 12) * HOUR : undefined;
    const created = windowStart - rng.int(20, 900) * DAY - rng.int(0, 23) * HOUR - rng.int(0, 59) * MIN;

    const id = rng.guid();
    const creator = rng.weighted(CREATORS);
    const row: JobRow = {
      id,
      serverId: server.id,
      name,
      jobType: REPLICA,
      platform: PLATFORMS.indexOf(platform),
      description: describeCreation(creator, created),
      scheduleConfigured: 1,
      scheduleEnabled: disabledAt === undefined ? 1 : 0,
      nextRun: nextRunOf(period, phase, now, disabledAt),
    };
    const slots = rng.int(2, 4);
    // Replication traffic crosses to the DR site, often over a WAN link: tens of MB/s.
    const throughput = rng.logUniform(20, 90) * MB * (platform === 'HyperV' ? 0.8 : 1);
    const job: DemoJob = {
      index: i, kind: 'replica', row, creator, theme, sessionJobType: SESSION_JOB_TYPE, overhead: [60, 240],
      platform, vms, hosts, drawn, period, phase, slots, throughput, forceRunning, disabledAt,
    };
    if (broken.has(i)) {
      // A host went down a few scheduled runs ago and nobody has fixed it yet.
      const every = period || HOUR;
      const lastRun = phase + Math.floor((now - phase) / every) * every;
      job.brokenFrom = lastRun - rng.int(2, 5) * every - rng.int(1, 50) * MIN;
      job.brokenHost = hosts[0];
    }
    if (flaky.has(i)) {
      job.flakyVm = rng.int(0, vms.length - 1);
      job.flakyKind = rng.int(0, 4);
    }
    out.push(job);
  }
  return out;
}

/** A new VM of a theme, named by the next free number of one of its stems. */
function newVm(rng: Random, theme: Theme, stem: string, platform: DemoJob['platform'], vmCounters: Map<string, number>): Vm {
  const n = (vmCounters.get(stem) ?? 0) + 1;
  vmCounters.set(stem, n);
  return {
    name: `${stem}${pad2(n)}`,
    size: roundSize(rng.logUniform(theme.size[0], theme.size[1])),
    change: rng.float(theme.change[0], theme.change[1]),
    theme,
    store: platform === 'VMware' ? rng.pick(DATASTORES) : rng.pick(CSVS),
  };
}

/** `name`, or `name 2`, `name 3`, … whichever is not taken yet (and takes it). */
function uniqueName(name: string, taken: Set<string>, next: Map<string, number>): string {
  let out = name;
  let n = next.get(name) ?? 2;
  while (taken.has(out)) out = `${name} ${n++}`;
  next.set(name, n);
  taken.add(out);
  return out;
}

/**
 * Backup jobs (about 3/4) and backup copy jobs (1/4) from their own PRNG stream, so the
 * replication side stays the same for a seed. Many backup jobs protect the VMs of a replication
 * job on the same server (plus a few VMs that are only backed up); the rest protect workloads
 * that are only backed up. Each copy job copies one backup job's VMs to a DR repository.
 */
function makeBackupJobs(
  rng: Random, shape: Shape, servers: readonly ServerRow[], replicas: readonly DemoJob[], vmCounters: Map<string, number>,
): DemoJob[] {
  const { backupJobs: count, now, days } = shape;
  if (count === 0) return [];
  const windowStart = now - days * DAY;
  const copies = count >= 2 ? Math.max(1, Math.round(count / 4)) : 0;
  const backups = count - copies;
  const taken = new Set(replicas.map((j) => j.row.name));
  const nextNumber = new Map<string, number>();
  const serverOf = new Map(servers.map((s) => [s.id, s]));

  // Which backup jobs mirror a replication job, and the workloads of the others.
  const mirrors = rng.shuffle(replicas).slice(0, replicas.length === 0 ? 0 : Math.max(1, Math.round(backups * rng.float(0.5, 0.7))));
  const replicated = new Set(replicas.map((j) => j.theme));
  const freeThemes = rng.shuffle([...THEMES.filter((t) => !replicated.has(t)), ...BACKUP_ONLY_THEMES]);

  // A few jobs are caught mid-run at `now`; some Backup jobs keep failing (their repository is
  // full), as many are flaky; a few are disabled; a few are long runners.
  const order = rng.shuffle(Array.from({ length: count }, (_, i) => i));
  const running = new Set(order.slice(0, Math.max(1, Math.round(count * rng.float(0.15, 0.3)))));
  const rest = order.filter((i) => !running.has(i));
  const broken = new Set<number>();
  for (let k = troubleCount(count, 4, shape.rates); k > 0; k--) {
    const at = rest.findIndex((i) => i < backups);
    if (at < 0) break;
    broken.add(rest.splice(at, 1)[0]);
  }
  const flaky = new Set(rest.splice(0, troubleCount(count, 8, shape.rates)));
  const disabled = new Set(rest.filter(() => rng.chance(0.08)));

  const uids = new Map<Vm, string>();
  const vcenters = new Map<string, { guid: string; next: number }>();
  const hvHostIds = new Map<string, string>();
  const assignUid = (vm: Vm, job: { row: JobRow; platform: DemoJob['platform']; hosts: readonly string[] }) => {
    if (uids.has(vm)) return;
    if (job.platform === 'VMware') {
      let vc = vcenters.get(job.row.serverId);
      if (vc === undefined) vcenters.set(job.row.serverId, vc = { guid: rng.guid(), next: rng.int(100, 3000) });
      vc.next += rng.int(1, 25);
      uids.set(vm, `urn:VMware:Vm:${vc.guid}.vm-${vc.next}`);
    } else {
      const hostKey = `${job.row.serverId}/${rng.pick(job.hosts)}`;
      let host = hvHostIds.get(hostKey);
      if (host === undefined) hvHostIds.set(hostKey, host = rng.guid());
      uids.set(vm, `urn:HyperV:Vm:${host}.${rng.guid()}`);
    }
  };

  const out: DemoJob[] = [];
  for (let i = 0; i < count; i++) {
    const copy = i >= backups;
    const source = copy ? out[(i - backups) % backups] : undefined;
    const mirror = copy ? undefined : mirrors[i];
    const theme = source?.theme ?? mirror?.theme ?? freeThemes[(i - mirrors.length) % freeThemes.length];
    const server = source !== undefined ? serverOf.get(source.row.serverId)! :
      mirror !== undefined ? serverOf.get(mirror.row.serverId)! : servers[i % servers.length];
    const base = source ?? mirror;
    const platform = base?.platform ?? (rng.chance(0.8) ? 'VMware' : 'HyperV');
    let hosts = base?.hosts;
    if (hosts === undefined) {
      const pool = platform === 'VMware' ? ESX_HOSTS : HV_HOSTS;
      const first = rng.int(0, pool.length - 1);
      hosts = [pool[first], pool[(first + 1) % pool.length]];
    }

    // VMs: a copy job copies its source's; a mirroring job backs up the replicated VMs and maybe
    // some that are only backed up (test instances, …); the others back up VMs of their own.
    let vms: Vm[];
    if (source !== undefined) vms = [...source.vms];
    else {
      vms = mirror !== undefined ? [...mirror.vms] : [];
      const extra = mirror !== undefined ? vmCount(rng, shape, rng.weighted(EXTRA_VM_MIX), 0) : vmCount(rng, shape, rng.weighted(VM_MIX));
      for (let v = 0; v < extra; v++) vms.push(newVm(rng, theme, theme.vms[vms.length % theme.vms.length], platform, vmCounters));
    }
    const name = uniqueName(rng.pick(copy ? COPY_NAMES : BACKUP_NAMES)(theme.label), taken, nextNumber);

    // Backups mostly run nightly (databases more often); copy jobs every 1–4 hours.
    let drawn: number, period: number, phase: number;
    if (copy) {
      drawn = rng.int(1, 4) * HOUR;
      period = scaledPeriod(shape, drawn);
      phase = scaledPhase(rng.int(0, drawn / HOUR - 1) * HOUR + rng.int(0, 59) * MIN, drawn, period);
    } else {
      drawn = rng.weighted(shape.schedules ?? (theme.app === 'sql' ? SQL_BACKUP_SCHEDULES : BACKUP_SCHEDULES));
      period = scaledPeriod(shape, drawn);
      phase = scaledPhase(phaseFor(rng, drawn, [18, 19, 20, 21, 21, 22, 22, 23, 23, 0, 0, 1, 2, 3, 4, 5]), drawn, period);
    }
    const forceRunning = running.has(i) && period > 0;
    if (forceRunning) phase = runningPhase(rng, period, now);
    const disabledAt = disabled.has(i) ? now - rng.int(1, Math.max(1, Math.floor(days / 2))) * DAY - rng.int(0, 12) * HOUR : undefined;
    const created = windowStart - rng.int(20, 900) * DAY - rng.int(0, 23) * HOUR - rng.int(0, 59) * MIN;
    // Daily backup jobs: a weekly active full (mostly at the weekend); some skip weekends
    // (and do their full on Friday).
    const daily = !copy && drawn === DAY;
    let fullDay = daily && rng.chance(0.35) ? rng.weighted(FULL_DAYS) : undefined;
    const weekdaysOnly = daily && rng.chance(0.2);
    if (weekdaysOnly && fullDay !== undefined && (fullDay === 0 || fullDay === 6)) fullDay = 5;

    const id = rng.guid();
    const creator = rng.weighted(CREATORS);
    const row: JobRow = {
      id,
      serverId: server.id,
      name,
      jobType: copy ? BACKUP_COPY : BACKUP,
      platform: PLATFORMS.indexOf(platform),
      description: describeCreation(creator, created),
      scheduleConfigured: 1,
      scheduleEnabled: disabledAt === undefined ? 1 : 0,
      nextRun: nextRunOf(period, phase, now, disabledAt, weekdaysOnly),
    };
    // Backups go from a local proxy to a local repository (hundreds of MB/s); copies cross the WAN.
    const throughput = (copy ? rng.logUniform(20, 90) : rng.logUniform(80, 400)) * MB * (platform === 'HyperV' ? 0.8 : 1);
    const job: DemoJob = {
      index: i, kind: copy ? 'copy' : 'backup', row, creator, theme,
      sessionJobType: copy ? BACKUP_COPY_SESSION : BACKUP_SESSION,
      overhead: copy ? [10, 45] : [45, 180],
      platform, vms, hosts, drawn, period, phase,
      slots: rng.int(2, 6), throughput, forceRunning, disabledAt,
      uids, repo: rng.pick(copy ? COPY_REPOS : REPOS),
      fullDay, weekdaysOnly, source, points: copy ? undefined : [],
    };
    for (const vm of vms) assignUid(vm, job);
    if (broken.has(i)) {
      // The repository filled up a few runs ago and nobody has made room yet.
      const every = period || HOUR;
      const lastRun = phase + Math.floor((now - phase) / every) * every;
      job.brokenFrom = lastRun - rng.int(2, 5) * every - rng.int(1, 50) * MIN;
    }
    if (flaky.has(i)) {
      job.flakyVm = rng.int(0, vms.length - 1);
      job.flakyKind = rng.int(0, 5);
    }
    out.push(job);
  }

  // Long runners: a few daily Backup jobs on a slow target (tape-like, an overloaded or remote
  // repository) move a large part of each VM every run, on one slot, 2–6 hours a run.
  const traits = Random.derive(shape.seed, 'long-runners');
  let long = backups >= 4 ? Math.max(1, Math.round(backups / 25)) : 0;
  for (const i of order) {
    if (long === 0) break;
    const job = out[i];
    if (job.kind !== 'backup' || job.drawn !== DAY || broken.has(i) || flaky.has(i)) continue;
    const bytes = job.vms.reduce((sum, vm) => sum + vm.size * LONG_RUN_SHARE, 0);
    Object.assign(job, { longRun: true, slots: 1, fullDay: undefined, throughput: bytes / (traits.float(2.5, 6) * HOUR / SEC) });
    long--;
  }
  return out;
}

/** The share of each VM a long runner moves per run. */
const LONG_RUN_SHARE = 0.3;

/** The fleet for a shape: servers, replication jobs, backup jobs (each from its own stream). */
function makeFleet(shape: Shape): Fleet {
  const rng = Random.derive(shape.seed, 'fleet');
  const servers = makeServers(rng, shape.servers);
  const vmCounters = new Map<string, number>();
  const replicas = makeJobs(rng, shape, servers, vmCounters);
  const backups = makeBackupJobs(Random.derive(shape.seed, 'backup-fleet'), shape, servers, replicas, vmCounters);
  return { servers, replicas, backups };
}

// ---------------------------------------------------------------------------------------------
// Outcomes

interface Outcome {
  readonly result: 'Success' | 'Warning' | 'Failed';
  /** Indices (into the session's VM list) of the VMs that warn or fail. */
  readonly affected: readonly number[];
  /** The whole host is unreachable: every affected task fails fast. */
  readonly hostWide: boolean;
  readonly reasons: readonly string[];
  readonly sessionMessage: string | null;
}

const SUCCESS: Outcome = { result: 'Success', affected: [], hostWide: false, reasons: [], sessionMessage: null };

function hostFailure(job: DemoJob, vms: readonly Vm[], host: string, rng: Random): Outcome {
  const message = rng.weighted<string>(job.platform === 'VMware'
    ? [[`Error: Cannot connect to host ${host}`, 4],
       [`Error: Failed to login to "${host}" by SOAP, port 443, user "root", proxy srv: port:0`, 1]]
    : [[`Error: Cannot connect to host ${host}`, 4],
       [`Error: The RPC server is unavailable. RPC function call failed. Function name: [GetSvcVersion]. Target machine: [${host}].`, 1]]);
  const affected = vms.map((_, i) => i);
  return { result: 'Failed', affected, hostWide: true, reasons: affected.map(() => message), sessionMessage: message };
}

/** Failure texts both the replica and the backup side report, as Veeam words them. */
const vddkError = (vm: Vm) => `Error: Failed to open VDDK disk [[${vm.store}] ${vm.name}/${vm.name}.vmdk]`;
const checkpointError = (vm: Vm) =>
  `Error: Failed to create VM recovery checkpoint (mode: Veeam application-aware processing) Details: Job failed ('Checkpoint operation for '${vm.name}' failed.').`;
const vhdxError = (vm: Vm) => `Error: Failed to open VHDX file [${vm.store}\\${vm.name}\\Virtual Hard Disks\\${vm.name}.vhdx]`;

/** One VM failed; the session message names it unless the reason already does. */
const vmFailed = (vm: Vm, index: number, reason: string, prefix: boolean): Outcome => ({
  result: 'Failed', affected: [index], hostWide: false, reasons: [reason],
  sessionMessage: prefix ? `Processing ${vm.name} ${reason}` : reason,
});

function vmFailure(job: DemoJob, vm: Vm, index: number, rng: Random, kindHint?: number): Outcome {
  const host = rng.pick(job.hosts);
  let reason: string;
  let prefix = true;
  if (job.platform === 'VMware') {
    const kind = kindHint ?? rng.int(0, 4);
    if (kind === 0) {
      reason = vddkError(vm);
      prefix = false;
    } else if (kind === 1) reason = 'Error: Snapshot creation failed';
    else if (kind === 2) reason = 'Error: An error occurred while taking a snapshot: Failed to quiesce the virtual machine.';
    else if (kind === 3) {
      reason = `Error: NFC storage connection is unavailable. Storage: [stg:datastore-${1000 + rng.int(1, 99)},nfchost:host-${rng.int(10, 99)},conn:${host}]`;
      prefix = false;
    } else reason = 'Error: Failed to create snapshot: The operation is not allowed in the current state.';
  } else {
    const kind = kindHint === undefined ? rng.int(0, 2) : kindHint % 3;
    if (kind === 0) {
      reason = checkpointError(vm);
    } else if (kind === 1) reason = 'Error: Snapshot creation failed';
    else {
      reason = vhdxError(vm);
      prefix = false;
    }
  }
  return vmFailed(vm, index, reason, prefix);
}

function warningReason(job: DemoJob, vm: Vm, rng: Random): string {
  const options: (readonly [string, number])[] = [];
  if (vm.theme.os === 'windows') {
    options.push([`Failed to prepare guest for hot backup. Error: VSSControl: -2147467259 Backup job failed. Cannot create a shadow copy of the volumes containing writer's data.`, 2]);
    options.push(['Failed to inventory guest system: Cannot connect to the host\'s administrative share.', 1]);
  } else {
    options.push(['Guest processing skipped: VMware Tools are not running.', job.platform === 'VMware' ? 2 : 0]);
    options.push(['Failed to connect to guest OS via SSH: authentication failed. Processing continues in crash-consistent mode.', 2]);
  }
  if (vm.theme.app === 'sql') options.push(['Unable to truncate Microsoft SQL Server transaction logs. Details: Failed to call RPC function \'Vss.TruncateSqlLogs\'.', 3]);
  if (vm.theme.app === 'exchange') options.push(['Unable to truncate Exchange transaction logs. Details: Failed to call RPC function \'Vss.TruncateExchangeLogs\'.', 3]);
  if (job.platform === 'VMware') {
    options.push(['CBT data is invalid, failing over to legacy incremental backup. No action is required, next job run should start using CBT again.', 2]);
    options.push([`Datastore ${vm.store} is getting low on free disk space (${rng.int(20, 95)}.${rng.int(0, 9)} GB left of ${rng.int(1, 8)}.0 TB).`, 2]);
  } else {
    options.push(['Resilient change tracking data is invalid, failing over to full disk scan.', 2]);
  }
  return rng.weighted(options);
}

function warning(job: DemoJob, vms: readonly Vm[], rng: Random, reason: FailureModel['warningReason']): Outcome {
  const first = rng.int(0, vms.length - 1);
  const affected = vms.length > 2 && rng.chance(0.2) ? [first, (first + 1) % vms.length] : [first];
  return {
    result: 'Warning', affected, hostWide: false,
    reasons: affected.map((i) => reason(job, vms[i], rng)),
    sessionMessage: rng.chance(0.5) ? '' : null,
  };
}

/** How runs of one side fail: the decision (`decideOutcome`) is shared, the failures differ. */
interface FailureModel {
  /** A job that has been broken since `brokenFrom`. */
  broken(job: DemoJob, vms: readonly Vm[], rng: Random): Outcome;
  /** A failure wider than one VM (host, repository, target), or undefined: one VM fails. */
  wide(job: DemoJob, vms: readonly Vm[], rng: Random): Outcome | undefined;
  vm(job: DemoJob, vm: Vm, index: number, rng: Random, kindHint?: number): Outcome;
  warningReason(job: DemoJob, vm: Vm, rng: Random): string;
}

const REPLICA_FAILURES: FailureModel = {
  broken: (job, vms, rng) => hostFailure(job, vms, job.brokenHost!, rng),
  wide: (job, vms, rng) => (rng.chance(0.2) ? hostFailure(job, vms, rng.pick(job.hosts), rng) : undefined),
  vm: vmFailure,
  warningReason,
};

/** The outcome of one run or retry (every random draw in a fixed order: seeded data depends on it). */
function decideOutcome(
  model: FailureModel, job: DemoJob, vms: readonly Vm[], start: number, retry: boolean, rng: Random, rates: Rates,
): Outcome {
  if (job.brokenFrom !== undefined && start >= job.brokenFrom) return model.broken(job, vms, rng);
  const flaky = job.flakyVm !== undefined;
  const pFail = retry ? rates.retry : flaky ? rates.flaky : rates.first;
  const pWarn = retry ? 0.07 : 0.09;
  const r = rng.next();
  if (r < pFail) {
    if (flaky && !retry && rng.chance(0.75)) {
      return model.vm(job, vms[job.flakyVm!], job.flakyVm!, rng, rng.chance(0.8) ? job.flakyKind : undefined);
    }
    const wide = model.wide(job, vms, rng);
    if (wide) return wide;
    const index = rng.int(0, vms.length - 1);
    return model.vm(job, vms[index], index, rng);
  }
  if (r < pFail + pWarn) return warning(job, vms, rng, model.warningReason);
  return SUCCESS;
}

// Backup side

/** The job's repository is full: every VM fails right away. */
function repositoryFull(job: DemoJob, vms: readonly Vm[]): Outcome {
  const message = `Error: Not enough free space on repository '${job.repo}'`;
  const affected = vms.map((_, i) => i);
  return { result: 'Failed', affected, hostWide: true, reasons: affected.map(() => message), sessionMessage: message };
}

/** A copy job cannot reach its (DR) repository: every VM fails right away. */
function targetUnreachable(job: DemoJob, vms: readonly Vm[], rng: Random): Outcome {
  const message = rng.pick([
    `Error: Failed to connect to repository '${job.repo}': The network path was not found.`,
    `Error: Unable to establish connection to the target repository '${job.repo}'. Connection timed out.`,
  ]);
  const affected = vms.map((_, i) => i);
  return { result: 'Failed', affected, hostWide: true, reasons: affected.map(() => message), sessionMessage: message };
}

function backupVmFailure(job: DemoJob, vm: Vm, index: number, rng: Random, kindHint?: number): Outcome {
  let reason: string;
  let prefix = true;
  if (job.kind === 'copy') {
    reason = rng.pick([
      'Error: The source backup file is locked by another job',
      'Error: An existing connection was forcibly closed by the remote host',
      'Error: Data integrity check failed: the source restore point is corrupted',
    ]);
  } else {
    // Windows guests can also fail application-aware processing.
    const kinds = vm.theme.os === 'windows' ? 6 : 5;
    const kind = kindHint === undefined ? rng.int(0, kinds - 1) : kindHint % kinds;
    if (kind === 5) reason = 'Error: VSS writer failed';
    else if (job.platform === 'VMware') {
      if (kind === 0 || kind === 4) reason = 'Error: Failed to create VM snapshot';
      else if (kind === 1) {
        reason = vddkError(vm);
        prefix = false;
      } else if (kind === 2) reason = 'Error: An error occurred while taking a snapshot: Failed to quiesce the virtual machine.';
      else reason = 'Error: Failed to create snapshot: The operation is not allowed in the current state.';
    } else if (kind === 0 || kind === 3) {
      reason = checkpointError(vm);
    } else if (kind === 1 || kind === 4) reason = 'Error: Failed to create VM snapshot';
    else {
      reason = vhdxError(vm);
      prefix = false;
    }
  }
  return vmFailed(vm, index, reason, prefix);
}

function backupWarningReason(job: DemoJob, vm: Vm, rng: Random): string {
  const lowSpace = () => `Repository '${job.repo}' is getting low on free disk space (${rng.int(50, 950)}.${rng.int(0, 9)} GB left of ${rng.int(8, 40)}.0 TB).`;
  if (job.kind === 'copy') {
    return rng.weighted<() => string>([
      [() => 'Copy interval has expired before the restore point was copied. It will be copied during the next interval.', 3],
      [() => 'Source backup is being used by the backup job, waiting for the job to complete.', 2],
      [lowSpace, 1],
    ])();
  }
  return rng.chance(0.8) ? warningReason(job, vm, rng) : lowSpace();
}

const BACKUP_FAILURES: FailureModel = {
  broken: (job, vms) => repositoryFull(job, vms),
  wide: (job, vms, rng) => {
    const w = rng.next();
    if (w < 0.08) return repositoryFull(job, vms);
    if (w < 0.2) return job.kind === 'copy' ? targetUnreachable(job, vms, rng) : hostFailure(job, vms, rng.pick(job.hosts), rng);
    return undefined;
  },
  vm: backupVmFailure,
  warningReason: backupWarningReason,
};

// ---------------------------------------------------------------------------------------------
// Sessions

interface Emitted {
  readonly endMs: number;
  readonly running: boolean;
  readonly result: Outcome['result'];
  /** VMs whose tasks failed (what a retry processes again). */
  readonly failedVms: readonly Vm[];
}

type Side = 'replica' | 'backup';
const SIDE_TYPES: Record<Side, readonly [TypeDecl, TypeDecl]> = {
  replica: [ReplicaJobSession, ReplicaTaskSession],
  backup: [BackupJobSession, BackupTaskSession],
};
const sideOf = (job: DemoJob): Side => (job.kind === 'replica' ? 'replica' : 'backup');

/** Buffers rows and hands them to the store writer in small batches, sessions before their tasks. */
class Writer {
  private readonly sessions: Record<Side, Row[]> = { replica: [], backup: [] };
  private readonly tasks: Record<Side, Row[]> = { replica: [], backup: [] };
  readonly counts: DemoCounts = { servers: 0, jobs: 0, sessions: 0, tasks: 0, backupSessions: 0, backupTasks: 0 };

  constructor(private readonly w: StoreWriter, private readonly progress?: (sessions: number) => void) {}

  async put(type: TypeDecl, rows: readonly object[]): Promise<void> {
    for (let i = 0; i < rows.length; i += BATCH) await this.w.upsert(type, rows.slice(i, i + BATCH) as unknown as Row[]);
  }

  /** Buffers a session and its tasks. */
  add(side: Side, row: JobSessionRow, tasks: readonly TaskSessionRow[]): void {
    const sessions = this.sessions[side], buffer = this.tasks[side];
    sessions.push(row as unknown as Row);
    for (let i = 0; i < tasks.length; i++) buffer.push(tasks[i] as unknown as Row);
    if (side === 'replica') {
      this.counts.sessions++;
      this.counts.tasks += tasks.length;
    } else {
      this.counts.backupSessions++;
      this.counts.backupTasks += tasks.length;
    }
  }

  /** Enough rows are buffered to write them. */
  due(side: Side): boolean {
    return this.sessions[side].length + this.tasks[side].length >= FLUSH_ROWS;
  }

  async flush(side: Side): Promise<void> {
    const [sessionType, taskType] = SIDE_TYPES[side];
    const sessions = this.sessions[side], tasks = this.tasks[side];
    this.sessions[side] = [];
    this.tasks[side] = [];
    if (sessions.length > 0) await this.put(sessionType, sessions);
    if (tasks.length > 0) await this.put(taskType, tasks);
    this.progress?.(this.counts.sessions + this.counts.backupSessions);
  }
}

/** How much data one session moves, where it differs from a job's usual incremental run. */
interface SessionPlan {
  /** Data per VM as a multiple of the VM's daily change. */
  readonly volume?: (vm: Vm) => number;
  /** Soft cap of one VM's transfer time. */
  readonly maxTransfer?: number;
}

// `fromEpochMs(ms, ticks)`, without a Date per call: sessions come in time order, so the date
// part is cached. (The tests hold the two to the same output.)
const P2 = Array.from({ length: 60 }, (_, i) => pad2(i));
const P3 = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));
const P4 = Array.from({ length: 10000 }, (_, i) => String(i).padStart(4, '0'));
let stampDay = NaN;
let stampPrefix = '';

/** The canonical DateTime of epoch ms plus 0–9999 ticks of 100 ns (equal to `fromEpochMs`). */
export function demoStamp(ms: number, ticks: number): DateTime {
  const whole = Math.floor(ms);
  const day = Math.floor(whole / DAY);
  if (day !== stampDay) {
    stampPrefix = fromEpochMs(day * DAY).slice(0, 11);
    stampDay = day;
  }
  let r = whole - day * DAY;
  const h = Math.floor(r / HOUR);
  r -= h * HOUR;
  const m = Math.floor(r / MIN);
  r -= m * MIN;
  const s = Math.floor(r / SEC);
  r -= s * SEC;
  return stampPrefix + P2[h] + ':' + P2[m] + ':' + P2[s] + '.' + P3[r] + P4[ticks] + 'Z';
}

const stamp = (ms: number, rng: Random) => demoStamp(ms, rng.int(0, 9999));

interface TaskPlan {
  readonly vm: Vm;
  readonly created: number;
  procStart: number;
  end: number;
  readonly result: Result;
  readonly reason: string;
}

/** Plans and buffers one session (and its tasks); returns what the caller needs for retries. */
function emitSession(
  out: Writer, job: DemoJob, vms: readonly Vm[], start: number, outcome: Outcome,
  isRetry: boolean, forceRunning: boolean, now: number, rng: Random, plan?: SessionPlan,
): Emitted {
  const id = rng.guid();
  const speed = job.throughput * rng.float(0.6, 1.3);
  // Runs more often than daily move less data each time (but not proportionally less).
  const share = Math.pow(Math.min(job.period || CONTINUOUS_INTERVAL, DAY) / DAY, 0.6);
  const busyDay = rng.chance(0.06) ? rng.float(2, 4) : 1; // patch day, reindexing, …
  // Transfer time is softly capped (big deltas get more proxy bandwidth, WAN acceleration, …).
  const cap = plan?.maxTransfer ?? MAX_TRANSFER;

  // All task records appear seconds after the session starts; proxy slots then process them.
  const slotFree: number[] = [];
  let created = start + rng.int(3, 15) * SEC + rng.int(0, 999);
  const plans: TaskPlan[] = [];
  let lastEnd = -Infinity;
  for (let i = 0; i < vms.length; i++) {
    const vm = vms[i];
    if (i > 0) created += rng.int(0, 3) * SEC + rng.int(0, 999);
    const slot = i < job.slots ? i : slotFree.indexOf(Math.min(...slotFree));
    const procStart = Math.max(created, slotFree[slot] ?? 0) + rng.int(1, 8) * SEC + rng.int(0, 999);
    const affected = outcome.affected.indexOf(i);
    const failed = affected >= 0 && outcome.result === 'Failed';
    let duration: number;
    if (failed && outcome.hostWide) duration = rng.int(15, 120) * SEC;
    else {
      let bytes = Math.max(64 * 2 ** 20, vm.size * vm.change * (plan?.volume?.(vm) ?? share) * busyDay * rng.logUniform(0.5, 1.8));
      if (plan !== undefined) bytes = Math.min(bytes, vm.size);
      const transfer = cap * (1 - Math.exp(-((bytes / speed) * SEC) / cap));
      duration = rng.int(job.overhead[0], job.overhead[1]) * SEC + transfer;
      if (failed) duration *= rng.float(0.1, 0.6);
    }
    const end = procStart + Math.round(duration);
    slotFree[slot] = end;
    if (end > lastEnd) lastEnd = end;
    plans.push({
      vm, created, procStart, end,
      result: affected < 0 ? 'Success' : outcome.result,
      reason: affected < 0 ? '' : outcome.reasons[affected],
    });
  }
  let end = lastEnd + rng.int(3, 25) * SEC + rng.int(0, 999);

  if (forceRunning && end < now + 2 * MIN) {
    // Caught mid-run: stretch the plan so it finishes a while after now.
    const f = (now + rng.int(5, 60) * MIN - start) / (end - start);
    for (const p of plans) {
      p.procStart = start + Math.round((p.procStart - start) * f);
      p.end = start + Math.round((p.end - start) * f);
    }
    end = start + Math.round((end - start) * f);
  }
  const running = end >= now;

  const tasks: (TaskSessionRow | BackupTaskSessionRow)[] = [];
  const failedVms: Vm[] = [];
  for (const p of plans) {
    const creationTime = stamp(p.created, rng);
    const done = p.end < now;
    const taskId = rng.guid();
    const endTime = done ? stamp(p.end, rng) : null;
    const state = done ? TASK_COMPLETED : p.procStart <= now ? TASK_IN_PROGRESS : TASK_PENDING;
    const result = done ? R(p.result) : RESULT_NONE;
    const reason = done ? p.reason : '';
    const name = sessionName(p.vm.name, creationTime);
    if (job.uids === undefined) {
      tasks.push({
        id: taskId, sessionId: id, name, vmDisplayName: p.vm.name, creationTime, endTime, state, result, reason, totalSize: p.vm.size,
      });
    } else {
      const task: BackupTaskSessionRow = {
        id: taskId, sessionId: id, name, vmDisplayName: p.vm.name, creationTime, endTime, state, result, reason, totalSize: p.vm.size,
        vmUid: job.uids.get(p.vm)!,
      };
      tasks.push(task);
    }
    if (p.result === 'Failed') failedVms.push(p.vm);
  }
  const creationTime = stamp(start, rng);
  const row: JobSessionRow = {
    id,
    serverId: job.row.serverId,
    jobId: job.row.id,
    name: sessionName(job.row.name, creationTime),
    jobName: job.row.name,
    jobType: job.sessionJobType,
    creationTime,
    endTime: running ? null : stamp(end, rng),
    state: running ? STATE_WORKING : STATE_STOPPED,
    result: running ? RESULT_NONE : R(outcome.result),
    progress: running ? Math.min(99, Math.max(1, Math.floor((100 * (now - start)) / (end - start)))) : 100,
    failureMessage: running ? null : outcome.sessionMessage,
    isRetry: isRetry ? 1 : 0,
  };
  out.add(sideOf(job), row, tasks);
  return { endMs: end, running, result: running ? 'Success' : outcome.result, failedVms };
}

/** An active full moves most of each VM's data, at most a few hours' worth per VM. */
const ACTIVE_FULL: SessionPlan = { volume: (vm) => 0.45 / vm.change, maxTransfer: 4 * HOUR };
/** A long runner's run. */
const LONG_RUN: SessionPlan = { volume: (vm) => LONG_RUN_SHARE / vm.change, maxTransfer: 12 * HOUR };

/** What a job's scheduled runs and retries move. */
interface Planner {
  run(start: number, succeeded: boolean): SessionPlan | undefined;
  retry(start: number, succeeded: boolean, run: SessionPlan | undefined): SessionPlan | undefined;
}

const NO_PLAN: Planner = { run: () => undefined, retry: () => undefined };

/**
 * What a backup-side session moves: a weekly active full on the first run of the job's full
 * day (its retries too); a long runner's large share; for a copy job the restore points its
 * source made since the last successful copy (little or nothing if none).
 */
function backupPlanner(job: DemoJob): Planner {
  if (job.kind === 'backup') {
    if (job.longRun) return { run: () => LONG_RUN, retry: () => LONG_RUN };
    let lastFull = NaN;
    return {
      run: (start) => {
        if (job.fullDay === undefined || weekday(start) !== job.fullDay || Math.floor(start / DAY) === lastFull) return undefined;
        lastFull = Math.floor(start / DAY);
        return ACTIVE_FULL;
      },
      retry: (_start, _succeeded, run) => run,
    };
  }
  const points = job.source?.points ?? [];
  const sourceShare = Math.pow(Math.min(job.source?.period || DAY, DAY) / DAY, 0.6);
  let next = 0;
  let pending = 0;
  const plan = (start: number, succeeded: boolean) => {
    if (succeeded) pending = 0;
    for (; next < points.length && points[next] <= start; next++) pending++;
    const volume = pending === 0 ? 0.002 : sourceShare * Math.min(pending, 3);
    return { volume: () => volume };
  };
  return { run: plan, retry: (start, succeeded) => plan(start, succeeded) };
}

/** Where a job's sessions begin: the window start, or its creation during the window. */
const historyStart = (job: DemoJob, shape: Shape) => Math.max(shape.now - shape.days * DAY, job.since ?? -Infinity);

/** The most retries after a failed run that started at `start`. */
const maxRetriesOf = (job: DemoJob, shape: Shape, start: number) =>
  job.brokenFrom !== undefined && start >= job.brokenFrom && shape.retries > 0 ? shape.retries + 1 : shape.retries;

async function emitJobSessions(out: Writer, job: DemoJob, shape: Shape): Promise<void> {
  // Replica streams keep their original labels: the replica side is the same with or without backups.
  const rng = job.kind === 'replica' ? Random.derive(shape.seed, 'sessions', job.index) : Random.derive(shape.seed, 'backup-sessions', job.index);
  const side = sideOf(job);
  const failures = job.kind === 'replica' ? REPLICA_FAILURES : BACKUP_FAILURES;
  const planner = job.kind === 'replica' ? NO_PLAN : backupPlanner(job);
  let copied = true;
  const emit = async (vms: readonly Vm[], start: number, outcome: Outcome, isRetry: boolean, forced: boolean, plan?: SessionPlan) => {
    const e = emitSession(out, job, vms, start, outcome, isRetry, forced, now, rng, plan);
    copied = !e.running && e.result !== 'Failed';
    if (copied) job.points?.push(e.endMs);
    busyUntil = e.endMs;
    if (out.due(side)) await out.flush(side);
    return e;
  };
  const { now, rates } = shape;
  const windowStart = historyStart(job, shape);
  const { period, phase } = job;
  const continuous = period === 0;
  let busyUntil = -Infinity;
  let t = continuous ? windowStart + rng.int(0, 59) * MIN : phase + Math.ceil((windowStart - phase) / period) * period;
  for (; t <= now; t = continuous ? busyUntil + rng.int(1, 5) * MIN + rng.int(0, 59) * SEC : t + period) {
    if (job.disabledAt !== undefined && t >= job.disabledAt) break;
    if (job.weekdaysOnly && isWeekend(t)) continue;
    const start = t + rng.int(2, 40) * SEC + rng.int(0, 999);
    if (start > now - MIN_LEAD) break;
    if (start < busyUntil) continue; // still busy with the previous run (or its retries): skipped
    const forced = job.forceRunning && t + period > now;
    const outcome = forced ? SUCCESS : decideOutcome(failures, job, job.vms, start, false, rng, rates);
    const plan = planner.run(start, copied);
    let last = await emit(job.vms, start, outcome, false, forced, plan);
    if (last.running) break;

    // Automatic retries (10–30 minutes after the failure) re-process the failed VMs.
    const maxRetries = maxRetriesOf(job, shape, start);
    for (let retry = 0; last.result === 'Failed' && retry < maxRetries; retry++) {
      if (!rng.chance(retry === 0 ? 0.85 : 0.6)) break;
      const retryStart = last.endMs + rng.int(10, 30) * MIN + rng.int(0, 59) * SEC + rng.int(0, 999);
      if (retryStart > now - MIN_LEAD) break;
      const vms = last.failedVms;
      const retryOutcome = decideOutcome(failures, job, vms, retryStart, true, rng, rates);
      last = await emit(vms, retryStart, retryOutcome, true, false, planner.retry(retryStart, copied, plan));
      if (last.running) return;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Estimates: how many sessions a job will have, without generating them

/** A session's expected length (ms), by the same model as `emitSession` with mean draws. */
function expectedDuration(job: DemoJob, vms: readonly Vm[], plan: SessionPlan | undefined): number {
  const speed = job.throughput * 0.95;
  const share = Math.pow(Math.min(job.period || CONTINUOUS_INTERVAL, DAY) / DAY, 0.6);
  const cap = plan?.maxTransfer ?? MAX_TRANSFER;
  const busyDay = 0.94 + 0.06 * 3;
  const spread = 1.3 / Math.log(1.8 / 0.5); // mean of logUniform(0.5, 1.8)
  const slotFree: number[] = [];
  let created = 9.5 * SEC;
  let last = 0;
  for (let i = 0; i < vms.length; i++) {
    const vm = vms[i];
    if (i > 0) created += 2 * SEC;
    const slot = i < job.slots ? i : slotFree.indexOf(Math.min(...slotFree));
    const procStart = Math.max(created, slotFree[slot] ?? 0) + 5 * SEC;
    let bytes = Math.max(64 * 2 ** 20, vm.size * vm.change * (plan?.volume?.(vm) ?? share) * busyDay * spread);
    if (plan !== undefined) bytes = Math.min(bytes, vm.size);
    const transfer = cap * (1 - Math.exp(-((bytes / speed) * SEC) / cap));
    const end = procStart + ((job.overhead[0] + job.overhead[1]) / 2) * SEC + transfer;
    slotFree[slot] = end;
    last = Math.max(last, end);
  }
  return last + 14.5 * SEC;
}

/**
 * Expected sessions of a job over the window: its scheduled runs are counted exactly (window,
 * weekdays, disabling, runs skipped while the previous one is still busy, using expected run
 * lengths); retries by their expected number after each run's failure probability.
 */
function expectedSessions(job: DemoJob, shape: Shape): number {
  const { now, rates } = shape;
  const windowStart = historyStart(job, shape);
  const { period, phase } = job;
  const incremental = expectedDuration(job, job.vms, job.longRun ? LONG_RUN : undefined);
  const full = job.fullDay !== undefined ? expectedDuration(job, job.vms, ACTIVE_FULL) : incremental;
  const oneVm = expectedDuration(job, job.vms.slice(0, 1), job.longRun ? LONG_RUN : undefined);
  // Expected retries after a run (ordinary or broken), and how long they keep the job busy.
  const chain = (first: number, again: number, max: number) => {
    let reach = first, count = 0, busy = 0;
    for (let k = 0; k < max; k++) {
      reach *= k === 0 ? 0.85 : 0.6 * again;
      count += reach;
      busy += reach * (20.5 * MIN + oneVm);
    }
    return { count, busy };
  };
  const ordinary = chain(job.flakyVm !== undefined ? rates.flaky : rates.first, rates.retry, shape.retries);
  const broken = job.brokenFrom === undefined ? ordinary : chain(1, 1, shape.retries > 0 ? shape.retries + 1 : 0);
  const isBroken = (start: number) => job.brokenFrom !== undefined && start >= job.brokenFrom;
  const jitter = 21 * SEC;

  if (period === 0) {
    // Back-to-back runs: the count depends on the run lengths, whose random spread makes the
    // last slot finish later than the mean durations say (calibrated: +6 %).
    const length = incremental * 1.06;
    let total = 0;
    for (let t = windowStart + 30 * MIN; ;) {
      if (job.disabledAt !== undefined && t >= job.disabledAt) break;
      const start = t + jitter;
      if (start > now - MIN_LEAD) break;
      total++;
      const end = start + length;
      if (end >= now) break;
      const r = isBroken(start) ? broken : ordinary;
      total += r.count;
      t = end + r.busy + 3.5 * MIN;
    }
    return total;
  }

  const first = phase + Math.ceil((windowStart - phase) / period) * period;
  const lastSlot = Math.min(now - MIN_LEAD - jitter, job.disabledAt === undefined ? Infinity : job.disabledAt - 1, now);
  // Runs never overlap the next slot: count slots (and broken ones) arithmetically.
  if (!job.weekdaysOnly && Math.max(incremental, full) + Math.max(ordinary.busy, broken.busy) + 2 * jitter < period) {
    const runs = lastSlot >= first ? Math.floor((lastSlot - first) / period) + 1 : 0;
    if (runs === 0) return 0;
    let brokenRuns = 0;
    if (job.brokenFrom !== undefined) {
      const from = Math.max(first, phase + Math.ceil((job.brokenFrom - jitter - phase) / period) * period);
      brokenRuns = lastSlot >= from ? Math.floor((lastSlot - from) / period) + 1 : 0;
    }
    const forced = job.forceRunning ? 1 : 0; // the last run, still going: no retries
    return runs + (runs - brokenRuns - forced) * ordinary.count + brokenRuns * broken.count;
  }
  let lastFull = NaN;
  let total = 0;
  let busyUntil = -Infinity;
  for (let t = first; t <= now; t += period) {
    if (job.disabledAt !== undefined && t >= job.disabledAt) break;
    if (job.weekdaysOnly && isWeekend(t)) continue;
    const start = t + jitter;
    if (start > now - MIN_LEAD) break;
    if (start < busyUntil) continue;
    total++;
    if (job.forceRunning && t + period > now) break;
    const isFull = job.fullDay !== undefined && weekday(start) === job.fullDay && Math.floor(start / DAY) !== lastFull;
    if (isFull) lastFull = Math.floor(start / DAY);
    const end = start + (isFull ? full : incremental);
    if (end >= now) break;
    const r = isBroken(start) ? broken : ordinary;
    total += r.count;
    busyUntil = end + r.busy;
  }
  return total;
}

const expectedOf = (fleet: Fleet, shape: Shape) =>
  [...fleet.replicas, ...fleet.backups].reduce((sum, job) => sum + expectedSessions(job, shape), 0);

// ---------------------------------------------------------------------------------------------
// Planning: options → fleet shape (scaled to a sessions target)

/** Jobs per backup server when `sessions` scales the fleet and `servers` is not given. */
const JOBS_PER_SERVER = 100;
/** Job sessions per job and day of the default fleet (both sides; a first guess only). */
const SESSIONS_PER_JOB_DAY = 3.3;

interface Planned {
  readonly shape: Shape;
  readonly fleet: Fleet;
  readonly expected: number;
}

function shapeOf(input: DemoOptions): Shape {
  return {
    seed: input.seed ?? DEMO_DEFAULTS.seed,
    servers: input.servers ?? DEMO_DEFAULTS.servers,
    jobs: input.jobs ?? DEMO_DEFAULTS.jobs,
    backupJobs: input.backupJobs ?? DEMO_DEFAULTS.backupJobs,
    days: input.days ?? DEMO_DEFAULTS.days,
    now: input.now,
    vmsPerJob: input.vmsPerJob,
    retries: input.retries ?? DEMO_DEFAULTS.retries,
    rates: ratesFor(input.failureRate),
    schedules: input.schedules,
    density: 1,
  };
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

function plan(input: DemoOptions): Planned {
  const base = shapeOf(input);
  validate(base);
  const target = input.sessions;
  if (target === undefined) return planned(base);
  if (!Number.isInteger(target) || target < 1) throw new RangeError('demo sessions must be a positive integer');
  return input.jobs === undefined && input.backupJobs === undefined
    ? scaleJobs(base, target, input.servers === undefined)
    : scaleDensity(base, target);
}

const planOf = (p: Planned, target: number | undefined): DemoPlan => ({
  seed: p.shape.seed, servers: p.shape.servers, jobs: p.shape.jobs, backupJobs: p.shape.backupJobs, days: p.shape.days,
  density: p.shape.density, expectedSessions: Math.round(p.expected), target,
});

/** The fleet shape and expected sessions `generateDemo` would produce (no writes). */
export function planDemo(input: DemoOptions): DemoPlan {
  return planOf(plan(input), input.sessions);
}

/**
 * Writes a demo fleet into `store` (servers, replication and backup jobs, their sessions and
 * tasks) in ONE bulk write transaction (all or nothing; a store may defer indexing), in batches
 * of at most 5000 rows per upsert, referenced rows first, never holding more than a batch.
 * Deterministic: same options, same rows and GUIDs; the replica side does not depend on the
 * backup options.
 */
export async function generateDemo(store: Store, input: DemoOptions): Promise<DemoCounts> {
  const p = plan(input);
  const { shape, fleet } = p;
  const expected = Math.round(p.expected);
  const report = input.onProgress;
  report?.({ phase: 'planned', plan: planOf(p, input.sessions) });
  let written = 0;
  const onDeferred = report && ((done: number, total: number) => report({ phase: 'indexing', done: written, expected, step: { done, total } }));
  return store.write(async (w) => {
    const out = new Writer(w, report && ((done) => report({ phase: 'sessions', done, expected })));
    await out.put(BackupServer, fleet.servers);
    out.counts.servers = fleet.servers.length;
    await out.put(Job, [...fleet.replicas, ...fleet.backups].map((j) => j.row));
    out.counts.jobs = fleet.replicas.length + fleet.backups.length;

    for (const job of fleet.replicas) await emitJobSessions(out, job, shape);
    await out.flush('replica');
    // Backup jobs before copy jobs: a copy job copies the restore points its source made.
    for (const job of fleet.backups) await emitJobSessions(out, job, shape);
    await out.flush('backup');
    written = out.counts.sessions + out.counts.backupSessions;
    report?.({ phase: 'indexing', done: written, expected });
    return out.counts;
  }, { bulk: true, replace: input.replace, onDeferred });
}

/** One line for people: what a generator run wrote. */
export const describeCounts = (c: DemoCounts) =>
  `${c.servers} backup servers, ${c.jobs} jobs, ${c.sessions} replica sessions with ${c.tasks} task sessions, ` +
  `${c.backupSessions} backup sessions with ${c.backupTasks} task sessions`;
