import { BackupServer } from '../model/all.js';
import type { Store } from '../store/store.js';
import { countOf, declaredType } from './figures.js';
import { jobCounts, type JobCounts } from './job-figures.js';
import { vmLatestStates } from './vm-states.js';

/** `GET /reports/summary/overview`, computed (docs/em-surface/reports.md §overview). */
export interface Overview extends Pick<JobCounts, 'runningJobs' | 'scheduledJobs'> {
  readonly backupServers: number;
  readonly proxyServers: number;
  readonly repositoryServers: number;
  readonly successfulVmLastestStates: number;
  readonly warningVmLastestStates: number;
  readonly failedVmLastestStates: number;
}

/** Repositories, once the registry declares them (until then an estate without any). */
export async function repositoryCount(store: Store): Promise<number> {
  const type = declaredType('Repository');
  return type ? countOf(store, { type }) : 0;
}

export async function overview(store: Store, now: number): Promise<Overview> {
  const backupServers = await countOf(store, { type: BackupServer });
  const { runningJobs, scheduledJobs } = await jobCounts(store);
  const states = await vmLatestStates(store, now);
  const withResult = (result: string) => states.filter((s) => s.result === result).length;
  return {
    backupServers,
    // The store holds no proxies. Every backup server is a backup proxy itself (VBR installs its
    // default VMware/Hyper-V proxy role on the backup server), so each counts as one: the least
    // an estate of these servers has, and what `query?type=BackupServer` counts.
    proxyServers: backupServers,
    repositoryServers: await repositoryCount(store),
    runningJobs,
    scheduledJobs,
    successfulVmLastestStates: withResult('Success'),
    warningVmLastestStates: withResult('Warning'),
    failedVmLastestStates: withResult('Failed'),
  };
}
