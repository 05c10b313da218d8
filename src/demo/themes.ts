/**
 * The workloads the fleet protects: what the VMs are called, how big they are, how fast they
 * change, and the names of the replication jobs that protect them.
 */

export interface Theme {
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

export const THEMES: readonly Theme[] = [
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
export const BACKUP_ONLY_THEMES: readonly Theme[] = [
  { label: 'Dev/Test', names: [], vms: ['dev-app', 'test-sql', 'qa-web'], size: [30, 400], change: [0.02, 0.08], os: 'windows' },
  { label: 'Jump Hosts', names: [], vms: ['jump', 'bastion'], size: [40, 100], change: [0.005, 0.02], os: 'windows' },
  { label: 'Legacy Apps', names: [], vms: ['legacy-app', 'w2k12-app'], size: [60, 500], change: [0.005, 0.02], os: 'windows' },
  { label: 'Test Lab', names: [], vms: ['lab-dc', 'lab-sql', 'lab-web'], size: [30, 200], change: [0.01, 0.05], os: 'windows' },
  { label: 'Mail Gateways', names: [], vms: ['smtp-gw', 'mail-relay'], size: [20, 60], change: [0.01, 0.03], os: 'linux' },
];
