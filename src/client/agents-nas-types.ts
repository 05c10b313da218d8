import type { Entity } from './types.js';

/**
 * The agent and file share (NAS) query types as the client sees them (docs/em-surface/agents-nas.md):
 * agent backup jobs, protection groups, discovered computers, file share jobs. Their sessions are
 * BackupJobSessions. Pure data; `types.ts` folds them into `QUERY_FIELDS`, `LIST_ELEMENTS` and `EntityOf`.
 */

export type AgentsNasQueryType = 'AgentBackupJob' | 'AgentProtectionGroup' | 'DiscoveredComputer' | 'NasJob';

export const AGENT_PLATFORMS = ['AgentForLinux', 'AgentForWindows'] as const;
export const AGENT_STATUSES = ['NotInstalled', 'Installed', 'UnsupportedOs', 'Failed', 'Exclude'] as const;

const ON_SERVER = { BackupServerUid: 'uid', BackupServerName: 'string' } as const;
const SCHEDULED = { Description: 'string', ScheduleConfigured: 'bool', ScheduleEnabled: 'bool' } as const;

export const AGENTS_NAS_QUERY_FIELDS = {
  AgentBackupJob: { Name: 'string', UID: 'uid', JobType: ['AgentBackup'] as const, Platform: AGENT_PLATFORMS, ...SCHEDULED, ...ON_SERVER },
  AgentProtectionGroup: { Name: 'string', UID: 'uid', ...ON_SERVER },
  DiscoveredComputer: {
    Name: 'string', UID: 'uid', AgentVersion: 'string', AgentStatus: AGENT_STATUSES, OsVersion: 'string', IpAddress: 'string',
    ProtectionGroupUid: 'uid', ProtectionGroupName: 'string', ...ON_SERVER,
  },
  NasJob: { Name: 'string', UID: 'uid', ...SCHEDULED, NextRun: 'datetime', ...ON_SERVER },
} as const;

export const AGENTS_NAS_LIST_ELEMENTS = {
  AgentBackupJob: 'AgentBackupJobs',
  AgentProtectionGroup: 'AgentProtectionGroups',
  DiscoveredComputer: 'DiscoveredComputers',
  // EM's element names: `<NASJobs><NASJob Type="NasJob">`.
  NasJob: 'NASJobs',
} as const;

interface ScheduledJobFields extends Entity {
  Description: string;
  ScheduleConfigured: boolean;
  ScheduleEnabled: boolean;
  /** Absent when the job has no next run. */
  NextRun?: string | null;
}
export interface AgentBackupJob extends ScheduledJobFields {
  JobType: 'AgentBackup';
  Platform: (typeof AGENT_PLATFORMS)[number];
}
export type NasJob = ScheduledJobFields;
export interface AgentProtectionGroup extends Entity {
  RescanScheduleEnabled: boolean;
  HierarchyObjRef: string;
}
export interface DiscoveredComputer extends Entity {
  HostStatus: 'Online' | 'Offline';
  AgentVersion: string;
  AgentStatus: (typeof AGENT_STATUSES)[number];
  OsVersion: string;
  IpAddress: string;
  HierarchyObjRef: string;
}

export interface AgentsNasEntityOf {
  AgentBackupJob: AgentBackupJob;
  AgentProtectionGroup: AgentProtectionGroup;
  DiscoveredComputer: DiscoveredComputer;
  NasJob: NasJob;
}
