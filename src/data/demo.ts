import { BackupServer, Job, ReplicaJobSession, ReplicaTaskSession } from '../registry/all.js';
import { JOB_SESSION_STATES, RESULT_MEMBERS, TASK_STATES } from '../registry/fields.js';
import type { Row, TypeDecl } from '../registry/index.js';
import { JOB_TYPES, PLATFORMS } from '../registry/job.js';
import type { Store } from '../store/store.js';
import { fromEpochMs } from '../util/datetime.js';
import { Random } from './random.js';
import { sessionName, type JobRow, type JobSessionRow, type ServerRow, type TaskSessionRow } from './rows.js';

/**
 * A deterministic, realistic demo fleet: backup servers, replication jobs, and their job and
 * task sessions over the last `days` days up to `now`. The same options always produce the
 * same rows and GUIDs (all randomness comes from a seeded PRNG; nothing reads the clock).
 */
export interface DemoOptions {
  seed: number;
  servers: number;
  jobs: number;
  days: number;
  /** The generator's "now" (epoch ms): no session starts or ends after it. */
  now: number;
}

export const DEMO_DEFAULTS: Omit<DemoOptions, 'now'> = { seed: 1, servers: 3, jobs: 12, days: 30 };

export interface DemoCounts { servers: number; jobs: number; sessions: number; tasks: number }

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

// ---------------------------------------------------------------------------------------------
// Vocabulary

interface Theme {
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
  { names: ['Replication SQL Tier', 'DR Replica - SQL Cluster'], vms: ['sql', 'sql-ag'], size: [120, 2048], change: [0.04, 0.1], os: 'windows', app: 'sql' },
  { names: ['DR Replica - Exchange', 'Replication Exchange DAG'], vms: ['exch'], size: [250, 1800], change: [0.03, 0.08], os: 'windows', app: 'exchange' },
  { names: ['Replication Domain Controllers', 'DR Replica - Active Directory'], vms: ['dc'], size: [40, 120], change: [0.005, 0.02], os: 'windows' },
  { names: ['DR Replica - File Servers', 'Replication File Services'], vms: ['fileserver', 'fs-archive'], size: [300, 2048], change: [0.01, 0.03], os: 'windows' },
  { names: ['Replication Web Frontend', 'DR Replica - Web Farm'], vms: ['web-frontend-', 'web-api-'], size: [20, 100], change: [0.01, 0.04], os: 'linux' },
  { names: ['DR Replica - ERP', 'Replication ERP Production'], vms: ['erp-app', 'erp-db'], size: [100, 900], change: [0.03, 0.08], os: 'windows', app: 'sql' },
  { names: ['Replication SharePoint Farm', 'DR Replica - SharePoint'], vms: ['sp-web', 'sp-app', 'sp-sql'], size: [80, 600], change: [0.02, 0.06], os: 'windows', app: 'sql' },
  { names: ['DR Replica - Citrix', 'Replication Citrix Infrastructure'], vms: ['ctx-ddc', 'ctx-sf', 'ctx-lic'], size: [40, 160], change: [0.01, 0.03], os: 'windows' },
  { names: ['Replication Linux App Servers', 'DR Replica - Linux Apps'], vms: ['app-lnx', 'ubuntu-app'], size: [30, 250], change: [0.01, 0.05], os: 'linux' },
  { names: ['DR Replica - Infrastructure Services', 'Replication Core Services'], vms: ['print', 'wsus', 'pki', 'util'], size: [40, 400], change: [0.005, 0.03], os: 'windows' },
  { names: ['Replication Monitoring', 'DR Replica - Monitoring Stack'], vms: ['zabbix', 'grafana', 'elk'], size: [60, 700], change: [0.03, 0.09], os: 'linux' },
  { names: ['DR Replica - CRM', 'Replication CRM Platform'], vms: ['crm-app', 'crm-db'], size: [80, 800], change: [0.02, 0.07], os: 'windows', app: 'sql' },
  { names: ['Replication RDS Farm', 'DR Replica - Remote Desktop'], vms: ['rds', 'rds-gw'], size: [60, 300], change: [0.01, 0.04], os: 'windows' },
  { names: ['DR Replica - DevOps', 'Replication Build Infrastructure'], vms: ['gitlab', 'jenkins', 'nexus'], size: [80, 1000], change: [0.02, 0.08], os: 'linux' },
  { names: ['Replication HR Systems', 'DR Replica - HR & Payroll'], vms: ['hr-app', 'payroll-db'], size: [50, 400], change: [0.01, 0.04], os: 'windows', app: 'sql' },
  { names: ['DR Replica - Tier 1 Apps', 'Replication Tier-1 Applications'], vms: ['app', 'api'], size: [40, 500], change: [0.02, 0.06], os: 'linux' },
];

const VERSIONS: readonly (readonly [string, number])[] = [
  ['13.0.1.1071', 35], ['12.3.1.1139', 35], ['12.3.0.310', 10], ['12.2.0.334', 10], ['12.1.2.172', 10],
];

const CREATORS: readonly (readonly [string, number])[] = [
  ['CORP\\admin', 6], ['CORP\\veeam.admin', 2], ['CORP\\j.smith', 1], ['CORP\\svc-veeam', 1],
];

const DATASTORES = ['datastore1', 'datastore2', 'ds-prod-01', 'ds-prod-02', 'ds-ssd-01', 'vsan-prod'];
const CSVS = ['C:\\ClusterStorage\\Volume1', 'C:\\ClusterStorage\\Volume2', 'D:\\Hyper-V'];

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
  readonly row: JobRow;
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
}

const pad2 = (n: number) => String(n).padStart(2, '0');

function validate(o: DemoOptions): void {
  for (const key of ['servers', 'jobs', 'days'] as const) {
    if (!Number.isInteger(o[key]) || o[key] < 0) throw new RangeError(`demo ${key} must be a non-negative integer`);
  }
  if (!Number.isFinite(o.seed)) throw new RangeError('demo seed must be a finite number');
  if (!Number.isFinite(o.now)) throw new RangeError('demo now must be epoch milliseconds');
  if (o.jobs > 0 && o.servers === 0) throw new RangeError('demo jobs need at least one backup server');
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

function makeJobs(rng: Random, options: DemoOptions, servers: readonly ServerRow[]): DemoJob[] {
  const { jobs: count, now, days } = options;
  const windowStart = now - days * DAY;
  const themes = rng.shuffle(THEMES);
  const vmCounters = new Map<string, number>();
  const themeUses = new Map<Theme, number>();
  const esxHosts = Array.from({ length: 8 }, (_, i) => `esx${pad2(i + 1)}.corp.local`);
  const hvHosts = Array.from({ length: 4 }, (_, i) => `hv${pad2(i + 1)}.corp.local`);

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
    const hostPool = platform === 'VMware' ? esxHosts : hvHosts;
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
    const job: DemoJob = { index: i, row, platform, vms, hosts, period, phase, slots, throughput, forceRunning, disabledAt };
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

function warning(job: DemoJob, vms: readonly Vm[], rng: Random): Outcome {
  const first = rng.int(0, vms.length - 1);
  const affected = vms.length > 2 && rng.chance(0.2) ? [first, (first + 1) % vms.length] : [first];
  return {
    result: 'Warning', affected, hostWide: false,
    reasons: affected.map((i) => warningReason(job, vms[i], rng)),
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

// ---------------------------------------------------------------------------------------------
// Sessions

interface Emitted {
  readonly endMs: number;
  readonly running: boolean;
  readonly result: Outcome['result'];
  /** VMs whose tasks failed (what a retry processes again). */
  readonly failedVms: readonly Vm[];
}

class Writer {
  private sessions: JobSessionRow[] = [];
  private tasks: TaskSessionRow[] = [];
  readonly counts: DemoCounts = { servers: 0, jobs: 0, sessions: 0, tasks: 0 };

  constructor(private readonly store: Store) {}

  async put(type: TypeDecl, rows: readonly object[]): Promise<void> {
    for (let i = 0; i < rows.length; i += BATCH) {
      await this.store.upsertRows(type, rows.slice(i, i + BATCH) as unknown as Row[]);
    }
  }

  async session(row: JobSessionRow, tasks: readonly TaskSessionRow[]): Promise<void> {
    this.sessions.push(row);
    for (const t of tasks) this.tasks.push(t);
    this.counts.sessions++;
    this.counts.tasks += tasks.length;
    if (this.sessions.length >= BATCH || this.tasks.length >= BATCH) await this.flush();
  }

  /** Sessions before tasks: task rows reference their session. */
  async flush(): Promise<void> {
    if (this.sessions.length > 0) await this.put(ReplicaJobSession, this.sessions);
    if (this.tasks.length > 0) await this.put(ReplicaTaskSession, this.tasks);
    this.sessions = [];
    this.tasks = [];
  }
}

const stamp = (ms: number, rng: Random) => fromEpochMs(ms, rng.int(0, 9999));

/** Plans and writes one session (and its tasks); returns what the caller needs for retries. */
async function emitSession(
  out: Writer, job: DemoJob, vms: readonly Vm[], start: number, outcome: Outcome,
  isRetry: boolean, forceRunning: boolean, now: number, rng: Random,
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
      const bytes = Math.max(64 * 2 ** 20, vm.size * vm.change * share * busyDay * rng.logUniform(0.5, 1.8));
      // Transfer time, softly capped (big deltas get more proxy bandwidth, WAN acceleration, …).
      const transfer = MAX_TRANSFER * (1 - Math.exp(-((bytes / speed) * SEC) / MAX_TRANSFER));
      duration = rng.int(60, 240) * SEC + transfer;
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
    return {
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
  });
  const creationTime = stamp(start, rng);
  const row: JobSessionRow = {
    id,
    serverId: job.row.serverId,
    jobId: job.row.id,
    name: sessionName(job.row.name, creationTime),
    jobName: job.row.name,
    jobType: SESSION_JOB_TYPE,
    creationTime,
    endTime: running ? null : stamp(end, rng),
    state: running ? STATE_WORKING : STATE_STOPPED,
    result: running ? R('None') : R(outcome.result),
    progress: running ? Math.min(99, Math.max(1, Math.floor((100 * (now - start)) / (end - start)))) : 100,
    failureMessage: running ? null : outcome.sessionMessage,
    isRetry: isRetry ? 1 : 0,
  };
  await out.session(row, tasks);
  return {
    endMs: end,
    running,
    result: running ? 'Success' : outcome.result,
    failedVms: plans.filter((p) => p.result === 'Failed').map((p) => p.vm),
  };
}

async function emitJobSessions(out: Writer, job: DemoJob, options: DemoOptions): Promise<void> {
  const rng = Random.derive(options.seed, 'sessions', job.index);
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
    const outcome = forced ? SUCCESS : decideOutcome(job, job.vms, start, false, rng);
    let last = await emitSession(out, job, job.vms, start, outcome, false, forced, now, rng);
    busyUntil = last.endMs;
    if (last.running) break;

    // Automatic retries (VBR's default: up to 3, 10 minutes apart) re-process the failed VMs.
    const maxRetries = job.brokenFrom !== undefined && start >= job.brokenFrom ? 3 : 2;
    for (let retry = 0; last.result === 'Failed' && retry < maxRetries; retry++) {
      if (!rng.chance(retry === 0 ? 0.85 : 0.6)) break;
      const retryStart = last.endMs + rng.int(10, 30) * MIN + rng.int(0, 59) * SEC + rng.int(0, 999);
      if (retryStart > now - MIN_LEAD) break;
      const vms = last.failedVms;
      const retryOutcome = decideOutcome(job, vms, retryStart, true, rng);
      last = await emitSession(out, job, vms, retryStart, retryOutcome, true, false, now, rng);
      busyUntil = last.endMs;
      if (last.running) return;
    }
  }
}

/**
 * Writes a demo fleet into `store` (servers, replication jobs, their sessions and tasks), in
 * batches of at most 5000 rows per upsert. Deterministic: same options, same rows and GUIDs.
 */
export async function generateDemo(store: Store, options: DemoOptions): Promise<DemoCounts> {
  validate(options);
  const rng = Random.derive(options.seed, 'fleet');
  const out = new Writer(store);

  const servers = makeServers(rng, options.servers);
  await out.put(BackupServer, servers);
  out.counts.servers = servers.length;

  const jobs = makeJobs(rng, options, servers);
  await out.put(Job, jobs.map((j) => j.row));
  out.counts.jobs = jobs.length;

  for (const job of jobs) await emitJobSessions(out, job, options);
  await out.flush();
  return out.counts;
}
