import { BACKUP_START_HOURS } from './schedules.js';
import type { Theme } from './themes.js';

/**
 * What agent and file share backup jobs protect: physical servers and workstations (each with
 * the OS versions and agent build its kind runs) and file shares. Our own names and numbers.
 */

export interface AgentTheme extends Theme {
  readonly platform: 'AgentForWindows' | 'AgentForLinux';
  /** The protection group its computers are discovered in. */
  readonly group: string;
  readonly osVersions: readonly string[];
  readonly agentVersion: string;
  /** Hours (UTC) its daily runs start at. */
  readonly hours: readonly number[];
  /** Protected computers per job. */
  readonly computers: readonly [number, number];
  /** Share of its computers that are offline (a workstation at home, a server being rebuilt). */
  readonly offline: number;
  /** Runs on weekdays only (workstations are off at the weekend). */
  readonly weekdaysOnly: boolean;
}

const WINDOWS_AGENT = '6.3.0.177';
const LINUX_AGENT = '6.3.0.1083';

export const AGENT_THEMES: readonly AgentTheme[] = [
  {
    label: 'Windows Servers', names: ['Agent Backup - Windows Servers'], vms: ['srv-app', 'srv-print', 'srv-mgmt', 'srv-lic'],
    size: [60, 500], change: [0.01, 0.04], os: 'windows', platform: 'AgentForWindows', group: 'Windows Servers',
    osVersions: ['Microsoft Windows Server 2019 Standard (10.0.17763, 64-bit)', 'Microsoft Windows Server 2022 Standard (10.0.20348, 64-bit)',
      'Microsoft Windows Server 2016 Datacenter (10.0.14393, 64-bit)'],
    agentVersion: WINDOWS_AGENT, hours: BACKUP_START_HOURS, computers: [2, 6], offline: 0.05, weekdaysOnly: false,
  },
  {
    label: 'Linux Servers', names: ['Agent Backup - Linux Servers'], vms: ['lnx-db', 'lnx-app', 'lnx-git'],
    size: [40, 800], change: [0.01, 0.05], os: 'linux', platform: 'AgentForLinux', group: 'Linux Servers',
    osVersions: ['Red Hat Enterprise Linux 9.4 (64-bit)', 'Ubuntu 22.04.4 LTS (64-bit)', 'SUSE Linux Enterprise Server 15 SP5 (64-bit)'],
    agentVersion: LINUX_AGENT, hours: BACKUP_START_HOURS, computers: [2, 5], offline: 0.05, weekdaysOnly: false,
  },
  {
    label: 'Workstations', names: ['Agent Backup - Workstations'], vms: ['ws-fin', 'ws-eng', 'laptop-'],
    size: [120, 500], change: [0.005, 0.02], os: 'windows', platform: 'AgentForWindows', group: 'Workstations',
    osVersions: ['Microsoft Windows 11 Enterprise (10.0.22631, 64-bit)', 'Microsoft Windows 10 Enterprise (10.0.19045, 64-bit)'],
    agentVersion: WINDOWS_AGENT, hours: [11, 12, 12, 13], computers: [4, 10], offline: 0.25, weekdaysOnly: true,
  },
];

/** Agent states of discovered computers a job does not protect (yet). */
export const UNPROTECTED_STATES = [['NotInstalled', 5], ['UnsupportedOs', 2], ['Failed', 1]] as const;

/**
 * Kinds of file server (each job backs up one of its own, `fs01`, `fs02`, `nas01`, …): Windows
 * file servers share SMB paths, NAS filers NFS exports.
 */
export const FILE_SERVERS = [
  { stem: 'fs', os: 'windows', shares: ['Projects', 'Departments', 'Home', 'Scans', 'Finance'] },
  { stem: 'nas', os: 'linux', shares: ['/exports/engineering', '/exports/media', '/exports/archive', '/exports/home'] },
] as const;

export const shareName = (host: string, os: 'windows' | 'linux', share: string) => (os === 'windows' ? `\\\\${host}\\${share}` : `${host}:${share}`);

export const SHARE_THEME: Theme = {
  label: 'File Shares', names: ['File Share Backup'], vms: [], size: [200, 2000], change: [0.002, 0.012], os: 'windows',
};

/** File share jobs run nightly or every few hours. */
export const NAS_SCHEDULES = [[24, 50], [12, 20], [6, 20], [4, 10]] as const;
