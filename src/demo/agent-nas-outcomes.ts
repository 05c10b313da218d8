import { repositoryFull, repositoryLow, type VmError } from './failure-texts.js';
import type { Vm } from './fleet.js';
import { everyVmFails, vmFails, type FailureModel } from './outcomes.js';
import type { Random } from './random.js';

/**
 * How agent and file share backup runs fail and warn. They share the decision (`decideOutcome`)
 * and the repository with VM backups; what goes wrong on a computer or a share is their own:
 * agents lose their computer (offline, rebooted) or its snapshot, shares their permissions.
 * Our own wording, in the style of the VM texts (`Error: …`).
 */

const error = (text: VmError['text'], named = true): VmError => ({ text, named });
const tenths = (rng: Random, min: number, max: number) => `${rng.int(min, max)}.${rng.int(0, 9)}`;

const AGENT_ERRORS: Readonly<Record<Vm['theme']['os'], readonly VmError[]>> = {
  windows: [
    error((vm) => `Error: Unable to connect to Veeam Agent on ${vm.name}: the computer is offline`, false),
    error(() => 'Error: Failed to create volume snapshot: VSS_E_INSUFFICIENT_STORAGE'),
    error(() => 'Error: VSS writer failed'),
    error(() => 'Error: Changed block tracking driver failed, the backup cannot be incremental'),
  ],
  linux: [
    error((vm) => `Error: Unable to connect to Veeam Agent on ${vm.name}: the computer is offline`, false),
    error(() => 'Error: Failed to create snapshot: veeamsnap module is not loaded'),
    error(() => 'Error: Failed to create LVM snapshot: insufficient free extents in the volume group'),
    error(() => 'Error: Pre-freeze script exited with code 1'),
  ],
};

const AGENT_WARNINGS: Readonly<Record<Vm['theme']['os'], readonly ((vm: Vm, rng: Random) => string)[]>> = {
  windows: [
    (vm) => `${vm.name} was rebooted during the backup, the backup was resumed`,
    () => 'Changed block tracking is not available, all data was read',
    (_vm, rng) => `${rng.int(2, 40)} files were skipped: access is denied`,
  ],
  linux: [
    () => 'Snapshot overflow: the backup was retried without changed block tracking',
    (_vm, rng) => `${rng.int(2, 40)} files were skipped: permission denied`,
  ],
};

const SHARE_ERRORS: readonly VmError[] = [
  error((vm) => `Error: Failed to enumerate files in ${vm.name}: access is denied`, false),
  error((vm) => `Error: The file share ${vm.name} is unavailable: the network path was not found`, false),
  error(() => 'Error: Failed to create storage snapshot of the share'),
];

const SHARE_WARNINGS: readonly ((vm: Vm, rng: Random) => string)[] = [
  (_vm, rng) => `${rng.int(3, 900)} files were skipped because they are locked by another process`,
  (vm, rng) => `${rng.int(1, 60)} files in ${vm.name} have paths longer than the supported limit and were skipped`,
  () => 'Some file attributes could not be read, the files were backed up without them',
];

/** A model whose single failures are `errors(vm)`, with the repository's own (full, nearly full) shared. */
function model(errors: (vm: Vm) => readonly VmError[], warnings: (vm: Vm) => readonly ((vm: Vm, rng: Random) => string)[], errorKinds: number): FailureModel {
  return {
    broken: (job, vms) => everyVmFails(vms, repositoryFull(job.repo!)),
    wide: (job, vms, rng) => (rng.chance(0.08) ? everyVmFails(vms, repositoryFull(job.repo!)) : undefined),
    vm: (_job, vm, index, rng, kindHint) => vmFails(errors(vm), vm, index, '', rng, kindHint),
    warningReason: (job, vm, rng) =>
      rng.chance(0.85) ? rng.pick(warnings(vm))(vm, rng) : repositoryLow(job.repo!, tenths(rng, 50, 950), rng.int(8, 40)),
    errorKinds,
  };
}

export const AGENT_FAILURES = model((vm) => AGENT_ERRORS[vm.theme.os], (vm) => AGENT_WARNINGS[vm.theme.os], AGENT_ERRORS.windows.length);
export const NAS_FAILURES = model(() => SHARE_ERRORS, () => SHARE_WARNINGS, SHARE_ERRORS.length);
