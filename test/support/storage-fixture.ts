import { BACKUP_FILE_TYPES } from '../../src/model/backup-file.js';
import { PLATFORMS } from '../../src/model/job.js';
import { Backup, BackupFile, Repository, RestorePoint, VmRestorePoint } from '../../src/model/all.js';
import type { Row } from '../../src/model/index.js';
import { REPOSITORY_KINDS } from '../../src/model/repository.js';
import { BACKUP_ALGORITHMS, POINT_TYPES } from '../../src/model/vm-restore-point.js';
import type { StoreWriter } from '../../src/store/store.js';
import { parseDateTime } from '../../src/util/datetime.js';

/**
 * Beyond spec §7: the storage chain of the fixture's `Backup Job 1` (J3) on its first server: a
 * repository, the job's backup, and the restore point its successful session B1 made, with its
 * full backup file and the VM point of B1's one task (dc01). Values in the shape of EM's docs
 * examples (docs/em-surface/storage.md).
 */

const BS1 = '7445e6ce-86f5-4171-b909-dac209c66563';
const J3 = '0a6262a1-8add-49c5-85ea-0b1ba9361a3b';
const B1 = '8c9d0e1f-2a3b-4c5d-9e6f-7a8b9c0d1e2f';
export const R1 = 'c1d2e3f4-a5b6-4c7d-8e9f-a0b1c2d3e4f5';
export const BK1 = 'b1c2d3e4-f5a6-4b7c-8d9e-f0a1b2c3d4e5';
export const P1 = 'a1b2c3d4-e5f6-4a7b-8c9d-e0f1a2b3c4d5';
export const F1 = 'f1e2d3c4-b5a6-4978-8695-a4b3c2d1e0f9';
export const V1 = 'e1d2c3b4-a5f6-4e7d-9c8b-a7f6e5d4c3b2';

const CAPACITY = 1099511627776;
const FILE_SIZE = 5368709120;
const B1_START = parseDateTime('2021-06-16T20:00:00.1234567Z')!;

export const repositories = [{
  id: R1, serverId: BS1, name: 'Backup Volume 01', capacity: CAPACITY, freeSpace: CAPACITY - FILE_SIZE, kind: REPOSITORY_KINDS.indexOf('WindowsLocal'),
}];
export const backups = [{ id: BK1, name: 'Backup Job 1', platform: PLATFORMS.indexOf('VMware'), serverId: BS1, repositoryId: R1, jobId: J3 }];
export const restorePoints = [{ id: P1, name: 'Jun 16 2021  8:00PM', backupDate: B1_START, backupId: BK1, sessionId: B1 }];
export const backupFiles = [{
  id: F1, name: 'Backup Job 1D2021-06-16T200000.vbk', filePath: 'D:\\Backups\\Backup Job 1\\Backup Job 1D2021-06-16T200000.vbk',
  backupSize: FILE_SIZE, dataSize: 24159191040, creationTime: B1_START, fileType: BACKUP_FILE_TYPES.indexOf('vbk'), backupId: BK1,
}];
export const vmRestorePoints = [{
  id: V1, name: 'dc01@2021-06-16 20:00:31', vmDisplayName: 'dc01', creationTime: parseDateTime('2021-06-16T20:00:31.77Z')!, vmName: 'dc01',
  algorithm: BACKUP_ALGORITHMS.indexOf('Full'), pointType: POINT_TYPES.indexOf('Full'),
  hierarchyObjRef: 'urn:VMware:Vm:7f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d.vm-21', restorePointId: P1, backupFileId: F1,
}];

/** Writes the fixture's storage chain (after its servers, jobs and sessions). */
export async function writeStorage(w: StoreWriter): Promise<void> {
  const rows = (list: object[]) => list as unknown as Row[];
  await w.upsert(Repository, rows(repositories));
  await w.upsert(Backup, rows(backups));
  await w.upsert(RestorePoint, rows(restorePoints));
  await w.upsert(BackupFile, rows(backupFiles));
  await w.upsert(VmRestorePoint, rows(vmRestorePoints));
}
