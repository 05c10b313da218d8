import type { ServerRow } from '../model/rows.js';
import { NAS_FAILURES } from './agent-nas-outcomes.js';
import { FILE_SERVERS, NAS_SCHEDULES, SHARE_THEME, shareName } from './agent-nas-themes.js';
import type { DemoJob, Vm } from './fleet.js';
import { chooseTroubles, drawJobRow, drawLife, drawSlots, drawThroughput, drawTrouble, KINDS } from './jobs.js';
import { REPOS, vmName } from './names.js';
import type { Shape } from './options.js';
import type { Random } from './random.js';
import { BACKUP_START_HOURS, phaseFor, scaledSchedule } from './schedules.js';
import { GiB, HOUR } from './units.js';

/**
 * File share backup jobs (about one per twelve backup jobs, at least one when there are backup
 * jobs), each backing up one to four shares of a file server, nightly or every few hours. From
 * the file share fleet's own stream; the order of the draws is part of the seeded output.
 */

export const nasJobCount = (backupJobs: number) => (backupJobs === 0 ? 0 : Math.max(1, Math.round(backupJobs / 12)));

export function makeNasJobs(rng: Random, shape: Shape, servers: readonly ServerRow[]): DemoJob[] {
  const count = nasJobCount(shape.backupJobs);
  const troubles = chooseTroubles(rng, count, shape.rates, () => true);
  const jobs: DemoJob[] = [];
  const counters = new Map<string, number>();
  for (let i = 0; i < count; i++) {
    const fileServer = FILE_SERVERS[i % FILE_SERVERS.length];
    const number = (counters.get(fileServer.stem) ?? 0) + 1;
    counters.set(fileServer.stem, number);
    const host = `${vmName(fileServer.stem, number)}.corp.local`;
    const theme = { ...SHARE_THEME, os: fileServer.os };
    const shares = rng.shuffle(fileServer.shares).slice(0, rng.int(1, Math.min(4, fileServer.shares.length)));
    const uids = new Map<Vm, string>();
    const vms: Vm[] = shares.map((share) => {
      const vm: Vm = { name: shareName(host, fileServer.os, share), size: Math.round(rng.logUniform(theme.size[0], theme.size[1])) * GiB, change: rng.float(theme.change[0], theme.change[1]), theme, store: '' };
      uids.set(vm, `urn:NasBackup:FileShare:${rng.guid()}`);
      return vm;
    });
    const drawn = rng.weighted(NAS_SCHEDULES) * HOUR;
    const life = drawLife(rng, shape, i, troubles, scaledSchedule(shape.density, drawn, phaseFor(rng, drawn, BACKUP_START_HOURS)));
    const name = `File Share Backup - ${vmName(fileServer.stem, number)}`;
    // No hypervisor: the `platform` argument and field are never read for file share jobs.
    const { row, creator } = drawJobRow(rng, shape, 'nas', servers[rng.int(0, servers.length - 1)].id, name, 'VMware', life);
    const job: DemoJob = {
      index: i, kind: 'nas', row, creator, theme, sessionJobType: KINDS.nas.sessionJobType, overhead: KINDS.nas.overhead,
      platform: 'VMware', vms, hosts: [], drawn: life.drawn, period: life.period, phase: life.phase,
      slots: drawSlots(rng, 'nas'), throughput: drawThroughput(rng, 'nas', 'VMware'), forceRunning: life.forceRunning,
      disabledAt: life.disabledAt, uids, repo: rng.pick(REPOS),
    };
    drawTrouble(rng, job, troubles, shape.now, NAS_FAILURES.errorKinds);
    jobs.push(job);
  }
  return jobs;
}
