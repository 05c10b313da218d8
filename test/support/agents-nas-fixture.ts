import { AGENT_JOB_TYPES, AGENT_PLATFORMS } from '../../src/model/agent-backup-job.js';
import { AgentBackupJob, AgentProtectionGroup, DiscoveredComputer, NasJob } from '../../src/model/all.js';
import { AGENT_STATUSES, HOST_STATUSES } from '../../src/model/discovered-computer.js';
import type { Row } from '../../src/model/index.js';
import type { StoreWriter } from '../../src/store/store.js';
import { parseDateTime } from '../../src/util/datetime.js';

/**
 * Beyond spec §7: one of each agent and file share resource on the fixture's first server, with
 * the values of EM's own examples (get_agents_jobs_id, get_nas_jobs_id,
 * get_query_agentprotectiongroup, get_query_discoveredcomputer). No sessions: the fixture's
 * backup session counts stay as §7 has them.
 */

const BS1 = '7445e6ce-86f5-4171-b909-dac209c66563';
export const AJ1 = 'a6deb158-b26c-4140-8b26-5a3cc344e8ec';
export const NJ1 = '93dfbb3e-f420-45cf-addc-4ee9297113f2';
export const PG1 = 'd0671b61-8f92-45a7-a199-ab2aad8037c6';
export const DC1 = '32ab8937-2c2f-46b9-a52a-cde852a3dda5';

const job = { serverId: BS1, scheduleConfigured: 1, scheduleEnabled: 1 };
export const agentJobs = [{
  ...job, id: AJ1, name: 'Server Backup', jobType: AGENT_JOB_TYPES.indexOf('AgentBackup'), platform: AGENT_PLATFORMS.indexOf('AgentForWindows'),
  description: 'Backup of physical server', nextRun: parseDateTime('2021-06-18T15:00:00Z'),
}];
export const nasJobs = [{ ...job, id: NJ1, name: 'Shared Files Backup', description: 'Backup of file share', nextRun: parseDateTime('2021-06-18T15:00:00Z') }];
export const protectionGroups = [{
  id: PG1, serverId: BS1, name: 'Protection Group 1', rescanScheduleEnabled: 1,
  hierarchyObjRef: 'urn:AgentForWindows:AgentProtectionGroup:00000000-0000-0000-0000-000000000000.400c385e-8a97-4d37-bac5-e6a2266a9ee5',
}];
export const computers = [{
  id: DC1, serverId: BS1, protectionGroupId: PG1, name: 'enterprise02.tech.local', hostStatus: HOST_STATUSES.indexOf('Offline'),
  agentVersion: '5.0.0.4301', agentStatus: AGENT_STATUSES.indexOf('Installed'), osVersion: 'Microsoft Windows Server 2016 (1607, 64-bit)',
  ipAddress: '172.17.53.55', hierarchyObjRef: `urn:AgentForWindows:VeeamAgent:00000000-0000-0000-0000-000000000000.${DC1}`,
}];

export async function writeAgentsNas(w: StoreWriter): Promise<void> {
  const rows = (list: object[]) => list as unknown as Row[];
  await w.upsert(AgentBackupJob, rows(agentJobs));
  await w.upsert(NasJob, rows(nasJobs));
  await w.upsert(AgentProtectionGroup, rows(protectionGroups));
  await w.upsert(DiscoveredComputer, rows(computers));
}
