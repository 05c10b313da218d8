import { AGENT_PLATFORMS } from '../model/agent-backup-job.js';
import { AGENT_STATUSES, HOST_STATUSES } from '../model/discovered-computer.js';
import type { ServerRow } from '../model/rows.js';
import { AGENT_FAILURES } from './agent-nas-outcomes.js';
import { AGENT_THEMES, UNPROTECTED_STATES, type AgentTheme } from './agent-nas-themes.js';
import type { DemoJob, Vm } from './fleet.js';
import { chooseTroubles, drawJobRow, drawLife, drawSlots, drawThroughput, drawTrouble, KINDS } from './jobs.js';
import { REPOS, vmName } from './names.js';
import type { Shape } from './options.js';
import type { Random } from './random.js';
import { phaseFor, scaledSchedule } from './schedules.js';
import { DAY, GiB } from './units.js';

/**
 * Agent backup jobs (about one per six backup jobs, at least one when there are backup jobs),
 * each protecting the computers of a protection group of its backup server: physical Windows
 * and Linux servers, or workstations (some offline). A group also holds computers it discovered
 * but no job protects (no agent, an unsupported OS, a failed install). All from the agent
 * fleet's own stream; the order of the draws is part of the seeded output.
 */

export interface ProtectionGroupRow { id: string; serverId: string; name: string; rescanScheduleEnabled: number; hierarchyObjRef: string }
export interface ComputerRow {
  id: string; serverId: string; protectionGroupId: string; name: string; hostStatus: number; agentVersion: string;
  agentStatus: number; osVersion: string; ipAddress: string; hierarchyObjRef: string;
}

export interface AgentFleet {
  readonly groups: readonly ProtectionGroupRow[];
  readonly computers: readonly ComputerRow[];
  readonly jobs: readonly DemoJob[];
}

/** Agent jobs for `backupJobs` backup jobs. */
export const agentJobCount = (backupJobs: number) => (backupJobs === 0 ? 0 : Math.max(1, Math.round(backupJobs / 6)));

/** EM's hierarchy reference of an agent object (as the docs' examples print them: a zero GUID, then the object's). */
const hierarchyRef = (platform: string, kind: string, id: string) => `urn:${platform}:${kind}:00000000-0000-0000-0000-000000000000.${id}`;

export function makeAgentFleet(rng: Random, shape: Shape, servers: readonly ServerRow[]): AgentFleet {
  const count = agentJobCount(shape.backupJobs);
  const groups: ProtectionGroupRow[] = [];
  const computers: ComputerRow[] = [];
  const jobs: DemoJob[] = [];
  const troubles = chooseTroubles(rng, count, shape.rates, () => true);
  const counters = new Map<string, number>();
  const groupNames = new Set<string>();
  for (let i = 0; i < count; i++) {
    const theme = AGENT_THEMES[i % AGENT_THEMES.length];
    const server = servers[rng.int(0, servers.length - 1)];
    const group = drawGroup(rng, server, theme, groupNames);
    groups.push(group);
    const uids = new Map<Vm, string>();
    const vms: Vm[] = [];
    for (let k = rng.int(theme.computers[0], theme.computers[1]); k > 0; k--) {
      const computer = drawComputer(rng, group, theme, counters, 'Installed');
      computers.push(computer);
      const vm: Vm = { name: computer.name, size: Math.round(rng.logUniform(theme.size[0], theme.size[1])) * GiB, change: rng.float(theme.change[0], theme.change[1]), theme, store: '' };
      vms.push(vm);
      uids.set(vm, computer.hierarchyObjRef);
    }
    for (let k = rng.int(0, 2); k > 0; k--) computers.push(drawComputer(rng, group, theme, counters, rng.weighted(UNPROTECTED_STATES)));

    const life = drawLife(rng, shape, i, troubles, scaledSchedule(shape.density, DAY, phaseFor(rng, DAY, theme.hours)));
    // Agent and file share jobs have no hypervisor: the `platform` argument and field are never read for them.
    const { row, creator } = drawJobRow(rng, shape, 'agent', server.id, theme.names[0] + suffix(i, AGENT_THEMES.length), 'VMware', life, theme.weekdaysOnly);
    row.platform = AGENT_PLATFORMS.indexOf(theme.platform);
    const job: DemoJob = {
      index: i, kind: 'agent', row, creator, theme, sessionJobType: KINDS.agent.sessionJobType, overhead: KINDS.agent.overhead,
      platform: 'VMware', vms, hosts: [], drawn: life.drawn, period: life.period, phase: life.phase,
      slots: drawSlots(rng, 'agent'), throughput: drawThroughput(rng, 'agent', 'VMware'), forceRunning: life.forceRunning,
      disabledAt: life.disabledAt, uids, repo: rng.pick(REPOS), weekdaysOnly: theme.weekdaysOnly,
    };
    drawTrouble(rng, job, troubles, shape.now, AGENT_FAILURES.errorKinds);
    jobs.push(job);
  }
  return { groups, computers, jobs };
}

/** ` 2`, ` 3`, … for the second and later jobs of a theme. */
const suffix = (i: number, themes: number) => (i < themes ? '' : ` ${Math.floor(i / themes) + 1}`);

function drawGroup(rng: Random, server: ServerRow, theme: AgentTheme, taken: Set<string>): ProtectionGroupRow {
  let name = theme.group;
  for (let n = 2; taken.has(`${server.id}/${name}`); n++) name = `${theme.group} ${n}`;
  taken.add(`${server.id}/${name}`);
  const id = rng.guid();
  return { id, serverId: server.id, name, rescanScheduleEnabled: rng.chance(0.8) ? 1 : 0, hierarchyObjRef: hierarchyRef(theme.platform, 'AgentProtectionGroup', rng.guid()) };
}

/** What a computer the agent does not support runs. */
const OUTDATED_OS = { windows: 'Microsoft Windows Server 2008 R2 Standard (6.1.7601, 64-bit)', linux: 'CentOS 6.10 (64-bit)' } as const;

function drawComputer(rng: Random, group: ProtectionGroupRow, theme: AgentTheme, counters: Map<string, number>, state: (typeof AGENT_STATUSES)[number]): ComputerRow {
  const stem = rng.pick(theme.vms);
  const n = (counters.get(stem) ?? 0) + 1;
  counters.set(stem, n);
  const id = rng.guid();
  const installed = state === 'Installed' || state === 'Failed';
  return {
    id, serverId: group.serverId, protectionGroupId: group.id, name: `${vmName(stem, n)}.corp.local`,
    hostStatus: HOST_STATUSES.indexOf(rng.chance(theme.offline) ? 'Offline' : 'Online'),
    agentVersion: installed ? theme.agentVersion : '', agentStatus: AGENT_STATUSES.indexOf(state),
    osVersion: state === 'UnsupportedOs' ? OUTDATED_OS[theme.os] : rng.pick(theme.osVersions), ipAddress: `10.${rng.int(10, 40)}.${rng.int(0, 255)}.${rng.int(2, 254)}`,
    hierarchyObjRef: hierarchyRef(theme.platform, 'VeeamAgent', id),
  };
}
