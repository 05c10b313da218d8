import type { Shape } from './options.js';
import type { Random } from './random.js';
import type { DemoJob, Platform, Vm } from './fleet.js';
import { CSVS, DATASTORES, vmName } from './names.js';
import type { Theme } from './themes.js';
import { GiB } from './units.js';

/** The VMs of the fleet: how many a job has, their names, sizes, change rates and hypervisor ids. */

/** VMs per job when `vmsPerJob` is not given (mean 3.78). */
export const VM_MIX = [[1, 10], [2, 20], [3, 20], [4, 18], [5, 12], [6, 9], [7, 6], [8, 5]] as const;
const VM_MIX_MEAN = VM_MIX.reduce((s, [n, w]) => s + n * w, 0) / VM_MIX.reduce((s, [, w]) => s + w, 0);
/** VMs a mirroring backup job adds to its replication job's. */
export const EXTRA_VM_MIX = [[0, 4], [1, 3], [2, 2], [3, 1]] as const;

/**
 * A job's VM count: `drawn` from the default mix as is, or scaled so the mean is `vmsPerJob`
 * (stochastic rounding, one more draw, only then).
 */
export function vmCount(rng: Random, shape: Shape, drawn: number, min = 1): number {
  if (shape.vmsPerJob === undefined) return drawn;
  return Math.max(min, Math.floor((drawn * shape.vmsPerJob) / VM_MIX_MEAN + rng.next()));
}

/** Sizes as admins provision them: whole GiB, rounder the bigger, 20 GiB to 2 TiB. */
function roundSize(gib: number): number {
  const step = gib < 100 ? 1 : gib < 500 ? 5 : 10;
  return Math.min(2048, Math.max(20, Math.round(gib / step) * step)) * GiB;
}

/**
 * Appends `count` new VMs of a theme to `vms`, cycling through its name stems; each takes the
 * next free number of its stem (`counters`, shared by the whole fleet).
 */
export function addVms(
  rng: Random, vms: Vm[], count: number, theme: Theme, platform: Platform, counters: Map<string, number>,
): void {
  for (let v = 0; v < count; v++) {
    const stem = theme.vms[vms.length % theme.vms.length];
    const n = (counters.get(stem) ?? 0) + 1;
    counters.set(stem, n);
    vms.push({
      name: vmName(stem, n),
      size: roundSize(rng.logUniform(theme.size[0], theme.size[1])),
      change: rng.float(theme.change[0], theme.change[1]),
      theme,
      store: platform === 'VMware' ? rng.pick(DATASTORES) : rng.pick(CSVS),
    });
  }
}

/**
 * Gives each VM its hypervisor id (`vmUid`) once, the same in every job that protects it:
 * VMware managed-object ids counting up per vCenter (one per backup server), Hyper-V ids under
 * the host's id.
 */
export function vmUidIssuer(rng: Random) {
  const uids = new Map<Vm, string>();
  const vcenters = new Map<string, { guid: string; next: number }>();
  const hvHostIds = new Map<string, string>();
  const assign = (vm: Vm, job: Pick<DemoJob, 'row' | 'platform' | 'hosts'>) => {
    if (uids.has(vm)) return;
    if (job.platform === 'VMware') {
      let vc = vcenters.get(job.row.serverId);
      if (vc === undefined) vcenters.set(job.row.serverId, vc = { guid: rng.guid(), next: rng.int(100, 3000) });
      vc.next += rng.int(1, 25);
      uids.set(vm, `urn:VMware:Vm:${vc.guid}.vm-${vc.next}`);
    } else {
      const hostKey = `${job.row.serverId}/${rng.pick(job.hosts)}`;
      let host = hvHostIds.get(hostKey);
      if (host === undefined) hvHostIds.set(hostKey, host = rng.guid());
      uids.set(vm, `urn:HyperV:Vm:${host}.${rng.guid()}`);
    }
  };
  return { uids: uids as ReadonlyMap<Vm, string>, assign };
}
