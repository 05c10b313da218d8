import type { JobRow, ServerRow } from '../model/rows.js';
import { makeAgentFleet, type AgentFleet } from './agents.js';
import { makeBackupJobs } from './backup-jobs.js';
import { FIRST_SERVER_DESCRIPTION, SITE_MIX, SITES, VERSIONS, type Site } from './names.js';
import type { Shape } from './options.js';
import { Random } from './random.js';
import { makeNasJobs } from './nas.js';
import { makeReplicaJobs } from './replica-jobs.js';
import { makeRepositories, type DemoRepository } from './repositories.js';
import type { Theme } from './themes.js';

/** The fleet: backup servers and the jobs of both sides, with everything their sessions depend on. */

export type Platform = 'VMware' | 'HyperV';

export interface Vm {
  readonly name: string;
  readonly size: number;
  /** Daily change rate. */
  readonly change: number;
  readonly theme: Theme;
  /** Datastore (VMware) or cluster shared volume (Hyper-V) of its disks. */
  readonly store: string;
}

export interface DemoJob {
  /** Its place among its side's jobs: names its session stream. */
  readonly index: number;
  readonly kind: 'replica' | 'backup' | 'copy' | 'agent' | 'nas';
  readonly row: JobRow;
  /** Who created it (its description names them). */
  readonly creator: string;
  readonly theme: Theme;
  /** The session rows' `jobType` ordinal (replica and backup session enums differ). */
  readonly sessionJobType: number;
  /** Fixed per-VM processing overhead (seconds) on top of the data transfer. */
  readonly overhead: readonly [number, number];
  /** The hypervisor of its VMs (agent and file share jobs have none: never read for them). */
  readonly platform: Platform;
  /** What its tasks process: VMs, or an agent job's computers, a file share job's shares. */
  readonly vms: readonly Vm[];
  /** Its hosts; when a broken job's host is down, it is the first. */
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
  /** Fails every run from this time on (a host is down, a repository full). */
  brokenFrom?: number;
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
  fullDay?: number;
  /** Skips Saturday and Sunday. */
  readonly weekdaysOnly?: boolean;
  /** Every run moves a large part of each VM, slowly: runs take hours. */
  longRun?: boolean;
  /** A copy job's source backup job. */
  readonly source?: DemoJob;
  /** End times of this backup job's finished, not failed sessions: new restore points to copy. */
  readonly points?: number[];
}

export interface Fleet {
  readonly servers: readonly ServerRow[];
  readonly replicas: readonly DemoJob[];
  readonly backups: readonly DemoJob[];
  /** Agent backup jobs with their protection groups and computers, and file share jobs (none in imported data). */
  readonly agents?: AgentFleet;
  readonly nas?: readonly DemoJob[];
  /** The backup repositories (the demo's; a fleet modelled on other data has none, and no storage chain). */
  readonly repositories?: readonly DemoRepository[];
}

/** Every job of the fleet, in the order their stories are told (a copy job after the job it copies). */
export const fleetJobs = (fleet: Fleet): DemoJob[] => [...fleet.replicas, ...fleet.backups, ...fleet.agents?.jobs ?? [], ...fleet.nas ?? []];

/** The fleet for a shape: servers, replication jobs, backup jobs (each from its own stream). */
export function makeFleet(shape: Shape): Fleet {
  const rng = Random.derive(shape.seed, 'fleet');
  const servers = makeServers(rng, shape.servers);
  const vmCounters = new Map<string, number>();
  const replicas = makeReplicaJobs(rng, shape, servers, vmCounters);
  // Its own stream: the replication side stays the same for a seed whatever the backup options.
  const backups = makeBackupJobs(Random.derive(shape.seed, 'backup-fleet'), shape, servers, replicas, vmCounters);
  // Streams of their own again: the VM jobs stay as they were before agent and file share jobs joined.
  const agents = makeAgentFleet(Random.derive(shape.seed, 'agent-fleet'), shape, servers);
  const nas = makeNasJobs(Random.derive(shape.seed, 'nas-fleet'), shape, servers);
  const repositories = makeRepositories(shape.seed, servers, backups);
  return { servers, replicas, backups, agents, nas, repositories };
}

function makeServers(rng: Random, count: number): ServerRow[] {
  const counters: Record<Site, number> = { hq: 1, branch: 1, dr: 1 };
  const out: ServerRow[] = [];
  for (let i = 0; i < count; i++) {
    const site: Site = i === 0 ? 'hq' : i === 1 ? 'branch' : rng.weighted(SITE_MIX);
    const n = counters[site]++;
    const name = SITES[site].host(n);
    const description = i === 0 ? FIRST_SERVER_DESCRIPTION : rng.pick(SITES[site].descriptions(n));
    out.push({ id: rng.guid(), name, description, port: 9392, version: rng.weighted(VERSIONS) });
  }
  return out;
}
