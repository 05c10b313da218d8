import {
  BACKUP_VM_ERRORS, COPY_VM_ERRORS, datastoreLow, HOST_ERRORS, REPLICA_VM_ERRORS, repositoryFull, repositoryLow,
  TARGET_UNREACHABLE, WARNINGS, WINDOWS_GUEST_ERRORS, type VmError,
} from './failure-texts.js';
import type { DemoJob, Vm } from './fleet.js';
import type { Rates } from './options.js';
import type { Random } from './random.js';

/** How a run ends: success, a warning on some VMs, or a failure of one VM or of all of them. */

export interface Outcome {
  readonly result: 'Success' | 'Warning' | 'Failed';
  /** Indices (into the session's VM list) of the VMs that warn or fail. */
  readonly affected: readonly number[];
  /** The whole host (or target) is unreachable: every affected task fails fast. */
  readonly hostWide: boolean;
  readonly reasons: readonly string[];
  readonly sessionMessage: string | null;
}

export const SUCCESS: Outcome = { result: 'Success', affected: [], hostWide: false, reasons: [], sessionMessage: null };

/** How runs of one side fail: the decision (`decideOutcome`) is shared, the failures differ. */
export interface FailureModel {
  /** A job that has been broken since `brokenFrom`. */
  broken(job: DemoJob, vms: readonly Vm[], rng: Random): Outcome;
  /** A failure wider than one VM (host, repository, target), or undefined: one VM fails. */
  wide(job: DemoJob, vms: readonly Vm[], rng: Random): Outcome | undefined;
  /** One VM fails, with the error `kindHint` (a flaky job's usual one) if given. */
  vm(job: DemoJob, vm: Vm, index: number, rng: Random, kindHint?: number): Outcome;
  warningReason(job: DemoJob, vm: Vm, rng: Random): string;
  /** How many VM errors a job of this side can have at most: a flaky job's usual one is among them. */
  readonly errorKinds: number;
}

/** The outcome of one run or retry (every random draw in a fixed order: seeded data depends on it). */
export function decideOutcome(
  model: FailureModel, job: DemoJob, vms: readonly Vm[], start: number, retry: boolean, rng: Random, rates: Rates,
): Outcome {
  if (job.brokenFrom !== undefined && start >= job.brokenFrom) return model.broken(job, vms, rng);
  const flaky = job.flakyVm !== undefined;
  const pFail = retry ? rates.retry : flaky ? rates.flaky : rates.first;
  const pWarn = retry ? 0.07 : 0.09;
  const r = rng.next();
  if (r < pFail) {
    if (flaky && !retry && rng.chance(0.75)) {
      return model.vm(job, vms[job.flakyVm!], job.flakyVm!, rng, rng.chance(0.8) ? job.flakyKind : undefined);
    }
    const wide = model.wide(job, vms, rng);
    if (wide) return wide;
    const index = rng.int(0, vms.length - 1);
    return model.vm(job, vms[index], index, rng);
  }
  if (r < pFail + pWarn) return warning(job, vms, rng, model.warningReason);
  return SUCCESS;
}

/** Every VM fails right away with the same message (host down, repository full, target gone). */
export function everyVmFails(vms: readonly Vm[], message: string): Outcome {
  const affected = vms.map((_, i) => i);
  return { result: 'Failed', affected, hostWide: true, reasons: affected.map(() => message), sessionMessage: message };
}

const hostDown = (job: DemoJob, vms: readonly Vm[], host: string, rng: Random) =>
  everyVmFails(vms, rng.weighted(HOST_ERRORS[job.platform])(host));

/** One VM fails with one of `errors` (the hinted one if given). */
export function vmFails(errors: readonly VmError[], vm: Vm, index: number, host: string, rng: Random, kindHint: number | undefined): Outcome {
  const error = errors[kindHint === undefined ? rng.int(0, errors.length - 1) : kindHint % errors.length];
  const reason = error.text(vm, host, rng);
  return {
    result: 'Failed', affected: [index], hostWide: false, reasons: [reason],
    sessionMessage: error.named ? `Processing ${vm.name} ${reason}` : reason,
  };
}

function warning(job: DemoJob, vms: readonly Vm[], rng: Random, reason: FailureModel['warningReason']): Outcome {
  const first = rng.int(0, vms.length - 1);
  const affected = vms.length > 2 && rng.chance(0.2) ? [first, (first + 1) % vms.length] : [first];
  return {
    result: 'Warning', affected, hostWide: false,
    reasons: affected.map((i) => reason(job, vms[i], rng)),
    sessionMessage: rng.chance(0.5) ? '' : null,
  };
}

/** `12.3`: a random amount with one decimal. */
const tenths = (rng: Random, min: number, max: number) => `${rng.int(min, max)}.${rng.int(0, 9)}`;

/** A task warning of a VM on either side: guest processing, log truncation, change tracking, space. */
function vmWarning(job: DemoJob, vm: Vm, rng: Random): string {
  const options: (readonly [string, number])[] = [];
  if (vm.theme.os === 'windows') options.push([WARNINGS.windowsVss, 2], [WARNINGS.windowsShare, 1]);
  else options.push([WARNINGS.linuxTools, job.platform === 'VMware' ? 2 : 0], [WARNINGS.linuxSsh, 2]);
  if (vm.theme.app !== undefined) options.push([WARNINGS[vm.theme.app], 3]);
  if (job.platform === 'VMware') options.push([WARNINGS.cbt, 2], [datastoreLow(vm.store, tenths(rng, 20, 95), rng.int(1, 8)), 2]);
  else options.push([WARNINGS.rct, 2]);
  return rng.weighted(options);
}

export const REPLICA_FAILURES: FailureModel = {
  broken: (job, vms, rng) => hostDown(job, vms, job.hosts[0], rng),
  wide: (job, vms, rng) => (rng.chance(0.2) ? hostDown(job, vms, rng.pick(job.hosts), rng) : undefined),
  vm: (job, vm, index, rng, kindHint) => {
    const host = rng.pick(job.hosts);
    return vmFails(REPLICA_VM_ERRORS[job.platform], vm, index, host, rng, kindHint);
  },
  warningReason: vmWarning,
  errorKinds: Math.max(REPLICA_VM_ERRORS.VMware.length, REPLICA_VM_ERRORS.HyperV.length),
};

const BACKUP_VM_ERROR_LISTS = {
  windows: { VMware: [...BACKUP_VM_ERRORS.VMware, ...WINDOWS_GUEST_ERRORS], HyperV: [...BACKUP_VM_ERRORS.HyperV, ...WINDOWS_GUEST_ERRORS] },
  linux: BACKUP_VM_ERRORS,
};

export const BACKUP_FAILURES: FailureModel = {
  broken: (job, vms) => everyVmFails(vms, repositoryFull(job.repo!)),
  wide: (job, vms, rng) => {
    const w = rng.next();
    if (w < 0.08) return everyVmFails(vms, repositoryFull(job.repo!));
    if (w < 0.2) return job.kind === 'copy' ? everyVmFails(vms, rng.pick(TARGET_UNREACHABLE)(job.repo!)) : hostDown(job, vms, rng.pick(job.hosts), rng);
    return undefined;
  },
  // A copy job's errors do not depend on the VM: a flaky copy job has no usual one.
  vm: (job, vm, index, rng, kindHint) => job.kind === 'copy'
    ? vmFails(COPY_VM_ERRORS, vm, index, '', rng, undefined)
    : vmFails(BACKUP_VM_ERROR_LISTS[vm.theme.os][job.platform], vm, index, '', rng, kindHint),
  warningReason: (job, vm, rng) => {
    const lowSpace = () => repositoryLow(job.repo!, tenths(rng, 50, 950), rng.int(8, 40));
    if (job.kind === 'copy') {
      return rng.weighted<() => string>([[() => WARNINGS.copyInterval, 3], [() => WARNINGS.sourceBusy, 2], [lowSpace, 1]])();
    }
    return rng.chance(0.8) ? vmWarning(job, vm, rng) : lowSpace();
  },
  errorKinds: BACKUP_VM_ERRORS.VMware.length + WINDOWS_GUEST_ERRORS.length,
};
