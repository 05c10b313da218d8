import { BackupJobSession, BackupServer, BackupTaskSession, Job, ReplicaJobSession, ReplicaTaskSession } from '../registry/all.js';
import { BACKUP_SESSION_JOB_TYPES } from '../registry/backup-job-session.js';
import { JOB_SESSION_STATES, RESULT_MEMBERS, TASK_STATES } from '../registry/fields.js';
import type { Row, TypeDecl } from '../registry/index.js';
import { JOB_TYPES, PLATFORMS } from '../registry/job.js';
import type { Store } from '../store/store.js';
import { fromEpochMs } from '../util/datetime.js';
import { Random } from './random.js';
import {
  sessionName, type BackupTaskSessionRow, type JobRow, type JobSessionRow, type ServerRow, type TaskSessionRow,
} from './rows.js';

/**
 * A deterministic, realistic demo fleet: backup servers, replication jobs and backup (and backup
 * copy) jobs, and their job and task sessions over the last `days` days up to `now`. The same
 * options always produce the same rows and GUIDs (all randomness comes from a seeded PRNG;
 * nothing reads the clock).
 */
export interface DemoOptions {
  seed: number;
  servers: number;
  /** Replication jobs. */
  jobs: number;
  /** Backup jobs (about 3/4 Backup, 1/4 BackupCopy); `DEMO_DEFAULTS.backupJobs` when omitted. */
  backupJobs?: number;
  days: number;
  /** The generator's "now" (epoch ms): no session starts or ends after it. */
  now: number;
}

export const DEMO_DEFAULTS: Required<Omit<DemoOptions, 'now'>> = { seed: 1, servers: 3, jobs: 12, backupJobs: 12, days: 30 };

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

type Resolved = Required<DemoOptions>;

const SEC = 1000;
const MIN = 60 * SEC;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const GiB = 1024 ** 3;
const MB = 1000 ** 2;

/** Rows per upsertRows call. */
const BATCH = 5000;
/** Sessions start at least this long before `now`, so all their task records exist by then. */
const MIN_LEAD = 2 * MIN;
/** Soft upper bound of one VM's data transfer time. */
const MAX_TRANSFER = 50 * MIN;

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

const pad2 = (n: number) => String(n).padStart(2, '0');

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
  readonly theme: Theme;
  /** The session rows' `jobType` ordinal (replica and backup session enums differ). */
  readonly sessionJobType: number;
  /** Fixed per-VM processing overhead (seconds) on top of the data transfer. */
  readonly overhead: readonly [number, number];
  readonly platform: 'VMware' | 'HyperV';
  readonly vms: readonly Vm[];
  readonly hosts: readonly string[];
  /** Schedule: runs at `phase + k * period` (epoch ms, UTC). */
  readonly period: number;
  readonly phase: number;
  /** Parallel VM tasks (proxy slots). */
  readonly slots: number;
  /** Job throughput in bytes/s. */
  readonly throughput: number;
  /** Its latest scheduled run is still going at `now`. */
  readonly forceRunning: boolean;
  /** Fails every run from this time on (a host is down). */
  readonly brokenFrom?: number;
  readonly brokenHost?: string;
  /** Fails often, mostly on one VM and mostly with the same error. */
  readonly flakyVm?: number;
  readonly flakyKind?: number;
  /** Schedule disabled at this time (no runs after it). */
  readonly disabledAt?: number;
  // Backup side only:
  /** The hypervisor's id of each VM (`vmUid`), stable across sessions and jobs. */
  readonly uids?: ReadonlyMap<Vm, string>;
  /** Target repository. */
  readonly repo?: string;
  /** Weekday (UTC, 0 = Sunday) of a weekly active full backup. */
  readonly fullDay?: number;
  /** A copy job's source backup job. */
  readonly source?: DemoJob;
  /** End times of this backup job's finished, not failed sessions: new restore points to copy. */
  readonly points?: number[];
}

function validate(o: Resolved): void {
  for (const key of ['servers', 'jobs', 'backupJobs', 'days'] as const) {
    if (!Number.isInteger(o[key]) || o[key] < 0) throw new RangeError(`demo ${key} must be a non-negative integer`);
  }
  if (!Number.isFinite(o.seed)) throw new RangeError('demo seed must be a finite number');
  if (!Number.isFinite(o.now)) throw new RangeError('demo now must be epoch milliseconds');
  if ((o.jobs > 0 || o.backupJobs > 0) && o.servers === 0) throw new RangeError('demo jobs need at least one backup server');
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

function roundSize(gib: number): number {
  const step = gib < 100 ? 1 : gib < 500 ? 5 : 10;
  return Math.min(2048, Math.max(20, Math.round(gib / step) * step)) * GiB;
}

/** Replication jobs; `vmCounters` (VM name stem → last number used) is shared with the backup side. */
function makeJobs(rng: Random, options: Resolved, servers: readonly ServerRow[], vmCounters: Map<string, number>): DemoJob[] {
  const { jobs: count, now, days } = options;
  const windowStart = now - days * DAY;
  const themes = rng.shuffle(THEMES);
  const themeUses = new Map<Theme, number>();

  // A few jobs are caught mid-run at `now`; one fails repeatedly, one is flaky; a few are disabled.
  const order = rng.shuffle(Array.from({ length: count }, (_, i) => i));
  const running = new Set(order.slice(0, count === 0 ? 0 : Math.max(1, Math.round(count * rng.float(0.15, 0.3)))));
  const rest = order.filter((i) => !running.has(i));
  const broken = count >= 4 && rest.length > 0 ? rest.shift() : undefined;
  const flaky = count >= 8 && rest.length > 0 ? rest.shift() : undefined;
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

    const vmCount = rng.weighted([[1, 10], [2, 20], [3, 20], [4, 18], [5, 12], [6, 9], [7, 6], [8, 5]] as const);
    const vms: Vm[] = [];
    for (let v = 0; v < vmCount; v++) {
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

    const period = rng.weighted([[DAY, 70], [12 * HOUR, 10], [6 * HOUR, 10], [4 * HOUR, 10]] as const);
    let phase: number;
    if (period === DAY) {
      const hour = rng.pick([18, 19, 20, 21, 22, 22, 23, 23, 0, 1, 2, 3, 4, 5]);
      const minute = rng.pick([0, 0, 0, 0, 30, 30, 15, 45, rng.int(0, 59)]);
      phase = hour * HOUR + minute * MIN;
    } else {
      phase = rng.int(0, period / HOUR - 1) * HOUR + rng.pick([0, 0, 15, 30, 45]) * MIN;
    }
    const forceRunning = running.has(i);
    if (forceRunning) {
      // Put the latest scheduled run a few minutes to an hour and a half before now.
      const ago = rng.int(4, Math.max(5, Math.min(90, Math.floor(period / MIN / 3))));
      const at = Math.floor((now - ago * MIN) / MIN) * MIN;
      phase = ((at % period) + period) % period;
    }

    const disabledAt = disabled.has(i) ? now - rng.int(1, Math.max(1, Math.floor(days / 2))) * DAY - rng.int(0, 12) * HOUR : undefined;
    const nextRun = disabledAt === undefined ? phase + Math.floor((now - phase) / period + 1) * period : undefined;
    const created = windowStart - rng.int(20, 900) * DAY - rng.int(0, 23) * HOUR - rng.int(0, 59) * MIN;

    const row: JobRow = {
      id: rng.guid(),
      serverId: server.id,
      name,
      jobType: REPLICA,
      platform: PLATFORMS.indexOf(platform),
      description: `Created by ${rng.weighted(CREATORS)} at ${usDate(created)}.`,
      scheduleConfigured: 1,
      scheduleEnabled: disabledAt === undefined ? 1 : 0,
      nextRun: nextRun === undefined ? null : fromEpochMs(nextRun),
    };
    const slots = rng.int(2, 4);
    // Replication traffic crosses to the DR site, often over a WAN link: tens of MB/s.
    const throughput = rng.logUniform(20, 90) * MB * (platform === 'HyperV' ? 0.8 : 1);
    const job: DemoJob = {
      index: i, kind: 'replica', row, theme, sessionJobType: SESSION_JOB_TYPE, overhead: [60, 240],
      platform, vms, hosts, period, phase, slots, throughput, forceRunning, disabledAt,
    };
    if (i === broken) {
      // A host went down a few scheduled runs ago and nobody has fixed it yet.
      const lastRun = phase + Math.floor((now - phase) / period) * period;
      Object.assign(job, { brokenFrom: lastRun - rng.int(2, 5) * period - rng.int(1, 50) * MIN, brokenHost: hosts[0] });
    }
    if (i === flaky) Object.assign(job, { flakyVm: rng.int(0, vms.length - 1), flakyKind: rng.int(0, 4) });
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
function uniqueName(name: string, taken: Set<string>): string {
  let out = name;
  for (let n = 2; taken.has(out); n++) out = `${name} ${n}`;
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
  rng: Random, options: Resolved, servers: readonly ServerRow[], replicas: readonly DemoJob[], vmCounters: Map<string, number>,
): DemoJob[] {
  const { backupJobs: count, now, days } = options;
  if (count === 0) return [];
  const windowStart = now - days * DAY;
  const copies = count >= 2 ? Math.max(1, Math.round(count / 4)) : 0;
  const backups = count - copies;
  const taken = new Set(replicas.map((j) => j.row.name));
  const serverOf = new Map(servers.map((s) => [s.id, s]));

  // Which backup jobs mirror a replication job, and the workloads of the others.
  const mirrors = rng.shuffle(replicas).slice(0, replicas.length === 0 ? 0 : Math.max(1, Math.round(backups * rng.float(0.5, 0.7))));
  const replicated = new Set(replicas.map((j) => j.theme));
  const freeThemes = rng.shuffle([...THEMES.filter((t) => !replicated.has(t)), ...BACKUP_ONLY_THEMES]);

  // A few jobs are caught mid-run at `now`; one Backup job keeps failing (its repository is full),
  // one is flaky; a few are disabled.
  const order = rng.shuffle(Array.from({ length: count }, (_, i) => i));
  const running = new Set(order.slice(0, Math.max(1, Math.round(count * rng.float(0.15, 0.3)))));
  const rest = order.filter((i) => !running.has(i));
  const brokenAt = count >= 4 ? rest.findIndex((i) => i < backups) : -1;
  const broken = brokenAt >= 0 ? rest.splice(brokenAt, 1)[0] : undefined;
  const flaky = count >= 8 && rest.length > 0 ? rest.shift() : undefined;
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
      const extra = mirror !== undefined
        ? rng.weighted([[0, 4], [1, 3], [2, 2], [3, 1]] as const)
        : rng.weighted([[1, 10], [2, 20], [3, 20], [4, 18], [5, 12], [6, 9], [7, 6], [8, 5]] as const);
      for (let v = 0; v < extra; v++) vms.push(newVm(rng, theme, theme.vms[vms.length % theme.vms.length], platform, vmCounters));
    }
    const name = uniqueName(rng.pick(copy ? COPY_NAMES : BACKUP_NAMES)(theme.label), taken);

    // Backups mostly run nightly (databases more often); copy jobs every 1–4 hours.
    let period: number, phase: number;
    if (copy) {
      period = rng.int(1, 4) * HOUR;
      phase = rng.int(0, period / HOUR - 1) * HOUR + rng.int(0, 59) * MIN;
    } else {
      period = rng.weighted<number>(theme.app === 'sql'
        ? [[DAY, 50], [12 * HOUR, 20], [6 * HOUR, 15], [4 * HOUR, 15]]
        : [[DAY, 80], [12 * HOUR, 10], [6 * HOUR, 5], [4 * HOUR, 5]]);
      if (period === DAY) {
        const hour = rng.pick([18, 19, 20, 21, 21, 22, 22, 23, 23, 0, 0, 1, 2, 3, 4, 5]);
        phase = hour * HOUR + rng.pick([0, 0, 0, 0, 30, 30, 15, 45, rng.int(0, 59)]) * MIN;
      } else {
        phase = rng.int(0, period / HOUR - 1) * HOUR + rng.pick([0, 0, 15, 30, 45]) * MIN;
      }
    }
    const forceRunning = running.has(i);
    if (forceRunning) {
      const ago = rng.int(4, Math.max(5, Math.min(90, Math.floor(period / MIN / 3))));
      const at = Math.floor((now - ago * MIN) / MIN) * MIN;
      phase = ((at % period) + period) % period;
    }
    const disabledAt = disabled.has(i) ? now - rng.int(1, Math.max(1, Math.floor(days / 2))) * DAY - rng.int(0, 12) * HOUR : undefined;
    const nextRun = disabledAt === undefined ? phase + Math.floor((now - phase) / period + 1) * period : undefined;
    const created = windowStart - rng.int(20, 900) * DAY - rng.int(0, 23) * HOUR - rng.int(0, 59) * MIN;

    const row: JobRow = {
      id: rng.guid(),
      serverId: server.id,
      name,
      jobType: copy ? BACKUP_COPY : BACKUP,
      platform: PLATFORMS.indexOf(platform),
      description: `Created by ${rng.weighted(CREATORS)} at ${usDate(created)}.`,
      scheduleConfigured: 1,
      scheduleEnabled: disabledAt === undefined ? 1 : 0,
      nextRun: nextRun === undefined ? null : fromEpochMs(nextRun),
    };
    // Backups go from a local proxy to a local repository (hundreds of MB/s); copies cross the WAN.
    const throughput = (copy ? rng.logUniform(20, 90) : rng.logUniform(80, 400)) * MB * (platform === 'HyperV' ? 0.8 : 1);
    const job: DemoJob = {
      index: i, kind: copy ? 'copy' : 'backup', row, theme,
      sessionJobType: copy ? BACKUP_COPY_SESSION : BACKUP_SESSION,
      overhead: copy ? [10, 45] : [45, 180],
      platform, vms, hosts, period, phase,
      slots: rng.int(2, 6), throughput, forceRunning, disabledAt,
      uids, repo: rng.pick(copy ? COPY_REPOS : REPOS),
      fullDay: !copy && period === DAY && rng.chance(0.35) ? rng.int(0, 6) : undefined,
      source, points: copy ? undefined : [],
    };
    for (const vm of vms) assignUid(vm, job);
    if (i === broken) {
      // The repository filled up a few runs ago and nobody has made room yet.
      const lastRun = phase + Math.floor((now - phase) / period) * period;
      Object.assign(job, { brokenFrom: lastRun - rng.int(2, 5) * period - rng.int(1, 50) * MIN });
    }
    if (i === flaky) Object.assign(job, { flakyVm: rng.int(0, vms.length - 1), flakyKind: rng.int(0, 5) });
    out.push(job);
  }
  return out;
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

function vmFailure(job: DemoJob, vm: Vm, index: number, rng: Random, kindHint?: number): Outcome {
  const host = rng.pick(job.hosts);
  let reason: string;
  let prefix = true;
  if (job.platform === 'VMware') {
    const kind = kindHint ?? rng.int(0, 4);
    if (kind === 0) {
      reason = `Error: Failed to open VDDK disk [[${vm.store}] ${vm.name}/${vm.name}.vmdk]`;
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
      reason = `Error: Failed to create VM recovery checkpoint (mode: Veeam application-aware processing) Details: Job failed ('Checkpoint operation for '${vm.name}' failed.').`;
    } else if (kind === 1) reason = 'Error: Snapshot creation failed';
    else {
      reason = `Error: Failed to open VHDX file [${vm.store}\\${vm.name}\\Virtual Hard Disks\\${vm.name}.vhdx]`;
      prefix = false;
    }
  }
  return {
    result: 'Failed', affected: [index], hostWide: false, reasons: [reason],
    sessionMessage: prefix ? `Processing ${vm.name} ${reason}` : reason,
  };
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

function warning(job: DemoJob, vms: readonly Vm[], rng: Random, reason = warningReason): Outcome {
  const first = rng.int(0, vms.length - 1);
  const affected = vms.length > 2 && rng.chance(0.2) ? [first, (first + 1) % vms.length] : [first];
  return {
    result: 'Warning', affected, hostWide: false,
    reasons: affected.map((i) => reason(job, vms[i], rng)),
    sessionMessage: rng.chance(0.5) ? '' : null,
  };
}

function decideOutcome(job: DemoJob, vms: readonly Vm[], start: number, retry: boolean, rng: Random): Outcome {
  if (job.brokenFrom !== undefined && start >= job.brokenFrom) return hostFailure(job, vms, job.brokenHost!, rng);
  const flaky = job.flakyVm !== undefined;
  const pFail = retry ? 0.12 : flaky ? 0.2 : 0.035;
  const pWarn = retry ? 0.07 : 0.09;
  const r = rng.next();
  if (r < pFail) {
    if (flaky && !retry && rng.chance(0.75)) {
      return vmFailure(job, vms[job.flakyVm!], job.flakyVm!, rng, rng.chance(0.8) ? job.flakyKind : undefined);
    }
    if (rng.chance(0.2)) return hostFailure(job, vms, rng.pick(job.hosts), rng);
    const index = rng.int(0, vms.length - 1);
    return vmFailure(job, vms[index], index, rng);
  }
  if (r < pFail + pWarn) return warning(job, vms, rng);
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
        reason = `Error: Failed to open VDDK disk [[${vm.store}] ${vm.name}/${vm.name}.vmdk]`;
        prefix = false;
      } else if (kind === 2) reason = 'Error: An error occurred while taking a snapshot: Failed to quiesce the virtual machine.';
      else reason = 'Error: Failed to create snapshot: The operation is not allowed in the current state.';
    } else if (kind === 0 || kind === 3) {
      reason = `Error: Failed to create VM recovery checkpoint (mode: Veeam application-aware processing) Details: Job failed ('Checkpoint operation for '${vm.name}' failed.').`;
    } else if (kind === 1 || kind === 4) reason = 'Error: Failed to create VM snapshot';
    else {
      reason = `Error: Failed to open VHDX file [${vm.store}\\${vm.name}\\Virtual Hard Disks\\${vm.name}.vhdx]`;
      prefix = false;
    }
  }
  return {
    result: 'Failed', affected: [index], hostWide: false, reasons: [reason],
    sessionMessage: prefix ? `Processing ${vm.name} ${reason}` : reason,
  };
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

function decideBackupOutcome(job: DemoJob, vms: readonly Vm[], start: number, retry: boolean, rng: Random): Outcome {
  if (job.brokenFrom !== undefined && start >= job.brokenFrom) return repositoryFull(job, vms);
  const flaky = job.flakyVm !== undefined;
  const pFail = retry ? 0.12 : flaky ? 0.2 : 0.035;
  const pWarn = retry ? 0.07 : 0.09;
  const r = rng.next();
  if (r < pFail) {
    if (flaky && !retry && rng.chance(0.75)) {
      return backupVmFailure(job, vms[job.flakyVm!], job.flakyVm!, rng, rng.chance(0.8) ? job.flakyKind : undefined);
    }
    const w = rng.next();
    if (w < 0.08) return repositoryFull(job, vms);
    if (w < 0.2) return job.kind === 'copy' ? targetUnreachable(job, vms, rng) : hostFailure(job, vms, rng.pick(job.hosts), rng);
    const index = rng.int(0, vms.length - 1);
    return backupVmFailure(job, vms[index], index, rng);
  }
  if (r < pFail + pWarn) return warning(job, vms, rng, backupWarningReason);
  return SUCCESS;
}

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

class Writer {
  private readonly buffers: Record<Side, { sessions: JobSessionRow[]; tasks: TaskSessionRow[] }> = {
    replica: { sessions: [], tasks: [] },
    backup: { sessions: [], tasks: [] },
  };
  readonly counts: DemoCounts = { servers: 0, jobs: 0, sessions: 0, tasks: 0, backupSessions: 0, backupTasks: 0 };

  constructor(private readonly store: Store) {}

  async put(type: TypeDecl, rows: readonly object[]): Promise<void> {
    for (let i = 0; i < rows.length; i += BATCH) {
      await this.store.upsertRows(type, rows.slice(i, i + BATCH) as unknown as Row[]);
    }
  }

  async session(side: Side, row: JobSessionRow, tasks: readonly TaskSessionRow[]): Promise<void> {
    const buffer = this.buffers[side];
    buffer.sessions.push(row);
    for (const t of tasks) buffer.tasks.push(t);
    if (side === 'replica') {
      this.counts.sessions++;
      this.counts.tasks += tasks.length;
    } else {
      this.counts.backupSessions++;
      this.counts.backupTasks += tasks.length;
    }
    if (buffer.sessions.length >= BATCH || buffer.tasks.length >= BATCH) await this.flush(side);
  }

  /** Sessions before tasks: task rows reference their session. */
  async flush(side: Side): Promise<void> {
    const buffer = this.buffers[side];
    const [sessionType, taskType] = SIDE_TYPES[side];
    if (buffer.sessions.length > 0) await this.put(sessionType, buffer.sessions);
    if (buffer.tasks.length > 0) await this.put(taskType, buffer.tasks);
    buffer.sessions = [];
    buffer.tasks = [];
  }
}

/** How much data one session moves, where it differs from a job's usual incremental run. */
interface SessionPlan {
  /** Data per VM as a multiple of the VM's daily change. */
  readonly volume?: (vm: Vm) => number;
  /** Soft cap of one VM's transfer time. */
  readonly maxTransfer?: number;
}

const stamp = (ms: number, rng: Random) => fromEpochMs(ms, rng.int(0, 9999));

/** Plans and writes one session (and its tasks); returns what the caller needs for retries. */
async function emitSession(
  out: Writer, job: DemoJob, vms: readonly Vm[], start: number, outcome: Outcome,
  isRetry: boolean, forceRunning: boolean, now: number, rng: Random, plan?: SessionPlan,
): Promise<Emitted> {
  const id = rng.guid();
  const speed = job.throughput * rng.float(0.6, 1.3);
  // Runs more often than daily move less data each time (but not proportionally less).
  const share = Math.pow(Math.min(job.period, DAY) / DAY, 0.6);
  const busyDay = rng.chance(0.06) ? rng.float(2, 4) : 1; // patch day, reindexing, …

  // All task records appear seconds after the session starts; proxy slots then process them.
  const slotFree: number[] = [];
  let created = start + rng.int(3, 15) * SEC + rng.int(0, 999);
  const plans = vms.map((vm, i) => {
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
      // Transfer time, softly capped (big deltas get more proxy bandwidth, WAN acceleration, …).
      const cap = plan?.maxTransfer ?? MAX_TRANSFER;
      const transfer = cap * (1 - Math.exp(-((bytes / speed) * SEC) / cap));
      duration = rng.int(job.overhead[0], job.overhead[1]) * SEC + transfer;
      if (failed) duration *= rng.float(0.1, 0.6);
    }
    const end = procStart + Math.round(duration);
    slotFree[slot] = end;
    return {
      vm, created, procStart, end,
      result: affected < 0 ? 'Success' as Result : outcome.result,
      reason: affected < 0 ? '' : outcome.reasons[affected],
    };
  });
  let end = Math.max(...plans.map((p) => p.end)) + rng.int(3, 25) * SEC + rng.int(0, 999);

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

  const tasks: TaskSessionRow[] = plans.map((p) => {
    const creationTime = stamp(p.created, rng);
    const done = p.end < now;
    const task: TaskSessionRow = {
      id: rng.guid(),
      sessionId: id,
      name: sessionName(p.vm.name, creationTime),
      vmDisplayName: p.vm.name,
      creationTime,
      endTime: done ? stamp(p.end, rng) : null,
      state: done ? TASK_COMPLETED : p.procStart <= now ? TASK_IN_PROGRESS : TASK_PENDING,
      result: done ? R(p.result) : R('None'),
      reason: done ? p.reason : '',
      totalSize: p.vm.size,
    };
    return job.uids === undefined ? task : { ...task, vmUid: job.uids.get(p.vm)! } satisfies BackupTaskSessionRow;
  });
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
    result: running ? R('None') : R(outcome.result),
    progress: running ? Math.min(99, Math.max(1, Math.floor((100 * (now - start)) / (end - start)))) : 100,
    failureMessage: running ? null : outcome.sessionMessage,
    isRetry: isRetry ? 1 : 0,
  };
  await out.session(sideOf(job), row, tasks);
  return {
    endMs: end,
    running,
    result: running ? 'Success' : outcome.result,
    failedVms: plans.filter((p) => p.result === 'Failed').map((p) => p.vm),
  };
}

/** An active full moves most of each VM's data, at most a few hours' worth per VM. */
const ACTIVE_FULL: SessionPlan = { volume: (vm) => 0.45 / vm.change, maxTransfer: 4 * HOUR };

/**
 * What a backup-side session moves: a weekly active full on the job's full day; for a copy job
 * the restore points its source made since the last successful copy (little or nothing if none).
 */
function backupPlanner(job: DemoJob): (start: number, succeeded: boolean) => SessionPlan | undefined {
  if (job.kind === 'backup') {
    return (start) => (job.fullDay !== undefined && new Date(start).getUTCDay() === job.fullDay ? ACTIVE_FULL : undefined);
  }
  const points = job.source?.points ?? [];
  const sourceShare = Math.pow(Math.min(job.source?.period ?? DAY, DAY) / DAY, 0.6);
  let next = 0;
  let pending = 0;
  return (start, succeeded) => {
    if (succeeded) pending = 0;
    for (; next < points.length && points[next] <= start; next++) pending++;
    const volume = pending === 0 ? 0.002 : sourceShare * Math.min(pending, 3);
    return { volume: () => volume };
  };
}

async function emitJobSessions(out: Writer, job: DemoJob, options: Resolved): Promise<void> {
  // Replica streams keep their original labels: the replica side is the same with or without backups.
  const rng = job.kind === 'replica' ? Random.derive(options.seed, 'sessions', job.index) : Random.derive(options.seed, 'backup-sessions', job.index);
  const decide = job.kind === 'replica' ? decideOutcome : decideBackupOutcome;
  const planner = job.kind === 'replica' ? undefined : backupPlanner(job);
  let copied = true;
  const planFor = (start: number) => planner?.(start, copied);
  const record = (e: Emitted) => {
    copied = !e.running && e.result !== 'Failed';
    if (copied) job.points?.push(e.endMs);
  };
  const { now } = options;
  const windowStart = now - options.days * DAY;
  const { period, phase } = job;
  let busyUntil = -Infinity;
  for (let t = phase + Math.ceil((windowStart - phase) / period) * period; t <= now; t += period) {
    if (job.disabledAt !== undefined && t >= job.disabledAt) break;
    const start = t + rng.int(2, 40) * SEC + rng.int(0, 999);
    if (start > now - MIN_LEAD) break;
    if (start < busyUntil) continue; // still busy with the previous run (or its retries): skipped
    const forced = job.forceRunning && t + period > now;
    const outcome = forced ? SUCCESS : decide(job, job.vms, start, false, rng);
    let last = await emitSession(out, job, job.vms, start, outcome, false, forced, now, rng, planFor(start));
    record(last);
    busyUntil = last.endMs;
    if (last.running) break;

    // Automatic retries (VBR's default: up to 3, 10 minutes apart) re-process the failed VMs.
    const maxRetries = job.brokenFrom !== undefined && start >= job.brokenFrom ? 3 : 2;
    for (let retry = 0; last.result === 'Failed' && retry < maxRetries; retry++) {
      if (!rng.chance(retry === 0 ? 0.85 : 0.6)) break;
      const retryStart = last.endMs + rng.int(10, 30) * MIN + rng.int(0, 59) * SEC + rng.int(0, 999);
      if (retryStart > now - MIN_LEAD) break;
      const vms = last.failedVms;
      const retryOutcome = decide(job, vms, retryStart, true, rng);
      last = await emitSession(out, job, vms, retryStart, retryOutcome, true, false, now, rng, planFor(retryStart));
      record(last);
      busyUntil = last.endMs;
      if (last.running) return;
    }
  }
}

/**
 * Writes a demo fleet into `store` (servers, replication and backup jobs, their sessions and
 * tasks), in batches of at most 5000 rows per upsert, referenced rows first. Deterministic: same
 * options, same rows and GUIDs; the replica side does not depend on `backupJobs`.
 */
export async function generateDemo(store: Store, input: DemoOptions): Promise<DemoCounts> {
  const options: Resolved = { ...input, backupJobs: input.backupJobs ?? DEMO_DEFAULTS.backupJobs };
  validate(options);
  const rng = Random.derive(options.seed, 'fleet');
  const out = new Writer(store);

  const servers = makeServers(rng, options.servers);
  await out.put(BackupServer, servers);
  out.counts.servers = servers.length;

  const vmCounters = new Map<string, number>();
  const replicas = makeJobs(rng, options, servers, vmCounters);
  const backups = makeBackupJobs(Random.derive(options.seed, 'backup-fleet'), options, servers, replicas, vmCounters);
  await out.put(Job, [...replicas, ...backups].map((j) => j.row));
  out.counts.jobs = replicas.length + backups.length;

  for (const job of replicas) await emitJobSessions(out, job, options);
  await out.flush('replica');
  // Backup jobs before copy jobs: a copy job copies the restore points its source made.
  for (const job of backups) await emitJobSessions(out, job, options);
  await out.flush('backup');
  return out.counts;
}

/** One line for people: what a generator run wrote. */
export const describeCounts = (c: DemoCounts) =>
  `${c.servers} backup servers, ${c.jobs} jobs, ${c.sessions} replica sessions with ${c.tasks} task sessions, ` +
  `${c.backupSessions} backup sessions with ${c.backupTasks} task sessions`;
