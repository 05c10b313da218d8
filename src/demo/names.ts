import { pad2 } from './units.js';

/** The names the fleet is made of: servers, jobs, repositories, hosts, datastores, people. */

/** Backup server sites: the first server is the head office, the second a branch. */
export type Site = 'hq' | 'branch' | 'dr';
export const SITE_MIX = [['branch', 6], ['dr', 2], ['hq', 2]] as const;
export const FIRST_SERVER_DESCRIPTION = 'Head office';
/** A site's `n`th server: its host name and the descriptions admins give it. */
export const SITES: Record<Site, { readonly host: (n: number) => string; readonly descriptions: (n: number) => readonly string[] }> = {
  hq: { host: (n) => `vbr${pad2(n)}.corp.local`, descriptions: () => ['Head office', '', 'Head office - secondary'] },
  branch: {
    host: (n) => `vbr-branch${pad2(n + 1)}.corp.local`,
    descriptions: (n) => ['Branch office', 'Branch office', '', `Branch office ${pad2(n + 1)}`],
  },
  dr: { host: (n) => `vbr-dr${pad2(n)}.corp.local`, descriptions: () => ['DR site', 'Disaster recovery site', ''] },
};

export const VERSIONS: readonly (readonly [string, number])[] = [
  ['13.0.1.1071', 35], ['12.3.1.1139', 35], ['12.3.0.310', 10], ['12.2.0.334', 10], ['12.1.2.172', 10],
];

export const CREATORS: readonly (readonly [string, number])[] = [
  ['CORP\\admin', 6], ['CORP\\veeam.admin', 2], ['CORP\\j.smith', 1], ['CORP\\svc-veeam', 1],
];

/** Backup and backup copy job names, by what they protect (replication job names are in the themes). */
export const BACKUP_NAMES: readonly ((label: string) => string)[] = [
  (l) => `Backup ${l}`, (l) => `Daily Backup - ${l}`, (l) => `Nightly Backup - ${l}`, (l) => `${l} Backup`,
];
export const COPY_NAMES: readonly ((label: string) => string)[] = [
  (l) => `Backup Copy to DR - ${l}`, (l) => `Offsite Copy - ${l}`, (l) => `Backup Copy - ${l}`,
];

/** Backup targets; Repo-01 twice, as most shops have one main repository. */
export const REPOS = ['Repo-01', 'Repo-01', 'Repo-02', 'SOBR-Primary'];
export const COPY_REPOS = ['Repo-DR-01', 'Repo-Offsite', 'SOBR-DR'];

/** Where VM disks live: VMware datastores, Hyper-V cluster shared volumes. */
export const DATASTORES = ['datastore1', 'datastore2', 'ds-prod-01', 'ds-prod-02', 'ds-ssd-01', 'vsan-prod'];
export const CSVS = ['C:\\ClusterStorage\\Volume1', 'C:\\ClusterStorage\\Volume2', 'D:\\Hyper-V'];

export const ESX_HOSTS = Array.from({ length: 8 }, (_, i) => `esx${pad2(i + 1)}.corp.local`);
export const HV_HOSTS = Array.from({ length: 4 }, (_, i) => `hv${pad2(i + 1)}.corp.local`);

/** A VM is its theme's stem and a number (`sql03`, `web-api-12`). */
export const vmName = (stem: string, n: number) => `${stem}${pad2(n)}`;
