import type { Random } from './random.js';
import type { Vm } from './fleet.js';

/** What failed and warning sessions and tasks say, worded as Veeam words them. */

/** A VM-level error: its text, and whether the session message names the VM before it. */
export interface VmError {
  /** `host` is one of the job's hosts; `rng` fills in the numbers some texts quote. */
  readonly text: (vm: Vm, host: string, rng: Random) => string;
  /** The session message is `Processing <vm> <text>` (texts that quote a path stand alone). */
  readonly named: boolean;
}

const error = (text: VmError['text'], named = true): VmError => ({ text, named });

const vddk = error((vm) => `Error: Failed to open VDDK disk [[${vm.store}] ${vm.name}/${vm.name}.vmdk]`, false);
const vhdx = error((vm) => `Error: Failed to open VHDX file [${vm.store}\\${vm.name}\\Virtual Hard Disks\\${vm.name}.vhdx]`, false);
const checkpoint = error((vm) =>
  `Error: Failed to create VM recovery checkpoint (mode: Veeam application-aware processing) Details: Job failed ('Checkpoint operation for '${vm.name}' failed.').`);
const nfc = error((_vm, host, rng) =>
  `Error: NFC storage connection is unavailable. Storage: [stg:datastore-${1000 + rng.int(1, 99)},nfchost:host-${rng.int(10, 99)},conn:${host}]`, false);
const snapshotFailed = error(() => 'Error: Snapshot creation failed');
const vmSnapshotFailed = error(() => 'Error: Failed to create VM snapshot');
const quiesce = error(() => 'Error: An error occurred while taking a snapshot: Failed to quiesce the virtual machine.');
const notAllowed = error(() => 'Error: Failed to create snapshot: The operation is not allowed in the current state.');
const vssWriter = error(() => 'Error: VSS writer failed');

/** One VM of a replication job fails, by platform. */
export const REPLICA_VM_ERRORS = {
  VMware: [vddk, snapshotFailed, quiesce, nfc, notAllowed],
  HyperV: [checkpoint, snapshotFailed, vhdx],
} as const;

/** One VM of a backup job fails, by platform (an error listed twice is twice as likely). */
export const BACKUP_VM_ERRORS = {
  VMware: [vmSnapshotFailed, vddk, quiesce, notAllowed, vmSnapshotFailed],
  HyperV: [checkpoint, vmSnapshotFailed, vhdx, checkpoint, vmSnapshotFailed],
} as const;

/** Windows guests can also fail application-aware processing. */
export const WINDOWS_GUEST_ERRORS = [vssWriter] as const;

/** One VM of a backup copy job fails: its source files or the network, never the VM itself. */
export const COPY_VM_ERRORS = [
  error(() => 'Error: The source backup file is locked by another job'),
  error(() => 'Error: An existing connection was forcibly closed by the remote host'),
  error(() => 'Error: Data integrity check failed: the source restore point is corrupted'),
] as const;

/** A host is down or refuses the connection, weighted, by platform. */
export const HOST_ERRORS: Record<'VMware' | 'HyperV', readonly (readonly [(host: string) => string, number])[]> = {
  VMware: [
    [(host) => `Error: Cannot connect to host ${host}`, 4],
    [(host) => `Error: Failed to login to "${host}" by SOAP, port 443, user "root", proxy srv: port:0`, 1],
  ],
  HyperV: [
    [(host) => `Error: Cannot connect to host ${host}`, 4],
    [(host) => `Error: The RPC server is unavailable. RPC function call failed. Function name: [GetSvcVersion]. Target machine: [${host}].`, 1],
  ],
};

export const repositoryFull = (repo: string) => `Error: Not enough free space on repository '${repo}'`;

/** A copy job's (DR) repository is out of reach. */
export const TARGET_UNREACHABLE: readonly ((repo: string) => string)[] = [
  (repo) => `Error: Failed to connect to repository '${repo}': The network path was not found.`,
  (repo) => `Error: Unable to establish connection to the target repository '${repo}'. Connection timed out.`,
];

/** Task warnings: guest processing by guest OS, log truncation by application, change tracking by platform. */
export const WARNINGS = {
  windowsVss: `Failed to prepare guest for hot backup. Error: VSSControl: -2147467259 Backup job failed. Cannot create a shadow copy of the volumes containing writer's data.`,
  windowsShare: 'Failed to inventory guest system: Cannot connect to the host\'s administrative share.',
  linuxTools: 'Guest processing skipped: VMware Tools are not running.',
  linuxSsh: 'Failed to connect to guest OS via SSH: authentication failed. Processing continues in crash-consistent mode.',
  sql: 'Unable to truncate Microsoft SQL Server transaction logs. Details: Failed to call RPC function \'Vss.TruncateSqlLogs\'.',
  exchange: 'Unable to truncate Exchange transaction logs. Details: Failed to call RPC function \'Vss.TruncateExchangeLogs\'.',
  cbt: 'CBT data is invalid, failing over to legacy incremental backup. No action is required, next job run should start using CBT again.',
  rct: 'Resilient change tracking data is invalid, failing over to full disk scan.',
  copyInterval: 'Copy interval has expired before the restore point was copied. It will be copied during the next interval.',
  sourceBusy: 'Source backup is being used by the backup job, waiting for the job to complete.',
} as const;

export const datastoreLow = (store: string, gbLeft: string, tbTotal: number) =>
  `Datastore ${store} is getting low on free disk space (${gbLeft} GB left of ${tbTotal}.0 TB).`;

export const repositoryLow = (repo: string, gbLeft: string, tbTotal: number) =>
  `Repository '${repo}' is getting low on free disk space (${gbLeft} GB left of ${tbTotal}.0 TB).`;
