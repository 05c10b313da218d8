import { REPOSITORY_KINDS } from '../model/repository.js';
import type { ServerRow } from '../model/rows.js';
import type { DemoJob, Vm } from './fleet.js';
import { Random } from './random.js';
import { GiB } from './units.js';

/**
 * The backup repositories of the demo fleet: each server's default repository and those its
 * backup and backup copy jobs write to (their `repo`), and what each job keeps there. Drawn
 * from streams of their own, so every other row of the demo stays as it was without them.
 */

/** A Repository row in the stored form. */
export interface RepositoryRow {
  id: string; serverId: string; name: string; capacity: number; freeSpace: number; kind: number;
}

type Kind = (typeof REPOSITORY_KINDS)[number];

export interface DemoRepository {
  readonly row: RepositoryRow;
  /** The folder its backups are in (each job's in a folder of the job's name), and its separator. */
  readonly root: string;
  readonly separator: '\\' | '/';
}

/** What every backup server has, whether a job uses it or not. */
export const DEFAULT_REPOSITORY = 'Default Backup Repository';
const TiB = 1024 * GiB;

/** The kinds a repository of each demo name may be; scale-out ones are scale-out. */
const KINDS: Readonly<Record<string, readonly Kind[]>> = {
  [DEFAULT_REPOSITORY]: ['WindowsLocal'],
  'Repo-01': ['WindowsLocal', 'LinuxLocal', 'WindowsLocal'],
  'Repo-02': ['WindowsLocal', 'LinuxLocal', 'Cifs'],
  'SOBR-Primary': ['ExtendableRepository'],
  'SOBR-DR': ['ExtendableRepository'],
  'Repo-DR-01': ['LinuxLocal', 'WindowsLocal'],
  'Repo-Offsite': ['Cifs', 'Nfs'],
};

const ROOTS: Readonly<Record<Kind, { root: string; separator: '\\' | '/' }>> = {
  WindowsLocal: { root: 'D:\\Backups', separator: '\\' },
  LinuxLocal: { root: '/mnt/backups', separator: '/' },
  Cifs: { root: '\\\\nas01.corp.local\\Backups', separator: '\\' },
  Nfs: { root: '/mnt/nfs/backups', separator: '/' },
  DDBoost: { root: 'ddboost://dd01.corp.local/backups', separator: '/' },
  HPStoreOnce: { root: 'storeonce://so01.corp.local/catalyst', separator: '/' },
  ExaGrid: { root: '\\\\exagrid01.corp.local\\veeam', separator: '\\' },
  Cloud: { root: 'cloud://backups', separator: '/' },
  ExtendableRepository: { root: 'E:\\Backups', separator: '\\' },
};

/** What one job keeps: its retention in restore points, and how much its data compresses (BackupSize / DataSize). */
export interface Policy {
  readonly retention: number;
  readonly compression: number;
}

export function policyOf(seed: number, job: DemoJob): Policy {
  const rng = Random.derive(seed, 'retention', job.row.id);
  return { retention: rng.int(7, 14), compression: rng.float(0.45, 0.65) };
}

/** The share of a VM's size a full backup holds (what an active full moves: its used data). */
export const FULL_SHARE = 0.45;

/** The data a full restore point of a VM holds; an increment never holds more. */
export const fullData = (vm: Vm) => Math.round(vm.size * FULL_SHARE);

/** The largest file a job's restore point can make (a full of every VM, compressed). */
const largestFile = (job: DemoJob, policy: Policy) => Math.round(job.vms.reduce((sum, vm) => sum + fullData(vm), 0) * policy.compression);

/** Where a job's backups go: `<serverId>/<repository name>`. */
export const repositoryKey = (serverId: string, name: string) => `${serverId}/${name}`;

/**
 * Each server's repositories: the default one, then those its jobs name, in job order. A
 * repository is large enough for every point its jobs may keep (each a full), so its free
 * space never runs out: at least that, in whole TiB, or a size drawn like an admin's.
 */
export function makeRepositories(seed: number, servers: readonly ServerRow[], jobs: readonly DemoJob[]): DemoRepository[] {
  const rng = Random.derive(seed, 'repositories');
  const out: DemoRepository[] = [];
  for (const server of servers) {
    const writers = new Map<string, DemoJob[]>([[DEFAULT_REPOSITORY, []]]);
    for (const job of jobs) {
      if (job.row.serverId !== server.id || job.repo === undefined || job.kind === 'replica') continue;
      writers.set(job.repo, [...(writers.get(job.repo) ?? []), job]);
    }
    for (const [name, writing] of writers) {
      const need = writing.reduce((sum, job) => {
        const policy = policyOf(seed, job);
        return sum + policy.retention * largestFile(job, policy);
      }, 0);
      const drawn = rng.int(2, 16);
      const capacity = Math.max(drawn, Math.ceil(need / TiB)) * TiB;
      const id = rng.guid();
      const kind = rng.pick(KINDS[name] ?? ['WindowsLocal']);
      const { root, separator } = name === DEFAULT_REPOSITORY ? { root: 'C:\\Backup', separator: '\\' as const } : ROOTS[kind];
      out.push({
        row: { id, serverId: server.id, name, capacity, freeSpace: capacity, kind: REPOSITORY_KINDS.indexOf(kind) },
        root,
        separator,
      });
    }
  }
  return out;
}
