import { BACKUP_FILE_TYPES } from '../model/backup-file.js';
import { sessionName } from '../model/rows.js';
import { BACKUP_ALGORITHMS, POINT_TYPES } from '../model/vm-restore-point.js';
import type { DateTime } from '../util/datetime.js';
import type { DemoJob } from './fleet.js';
import { namedGuid } from './random.js';
import type { DemoRepository } from './repositories.js';
import type { PlannedSession, PlannedTask } from './session.js';

/**
 * The rows of the storage chain in the stored form (enum ordinals, canonical DateTimes, bare
 * GUIDs), named as Veeam names them. Ids are drawn from streams named by the session or task
 * that made the row, so a row is the same whenever and however often it is made.
 */

export interface BackupRow { id: string; name: string; platform: number; serverId: string; repositoryId: string; jobId: string }
export interface RestorePointRow { id: string; name: string; backupDate: DateTime; backupId: string; sessionId: string }
export interface BackupFileRow {
  id: string; name: string; filePath: string; backupSize: number; dataSize: number; creationTime: DateTime; fileType: number; backupId: string;
}
export interface VmRestorePointRow {
  id: string; name: string; vmDisplayName: string; creationTime: DateTime; vmName: string; algorithm: number; pointType: number;
  hierarchyObjRef: string; restorePointId: string; backupFileId: string;
}

/** A restore point's rows: the point, its file, and one VM restore point per VM it holds. */
export interface PointRows {
  readonly point: RestorePointRow;
  readonly file: BackupFileRow;
  readonly vms: readonly VmRestorePointRow[];
}

const idOf = (seed: number, what: string, of: string) => namedGuid(seed, what, of);

export const backupRow = (seed: number, job: DemoJob, repository: DemoRepository): BackupRow => ({
  id: idOf(seed, 'backup', job.row.id),
  name: job.row.name,
  platform: job.row.platform,
  serverId: job.row.serverId,
  repositoryId: repository.row.id,
  jobId: job.row.id,
});

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `Oct  6 2016  1:59PM`: SQL Server's default date style, which EM names restore points in. */
export function restorePointName(ms: number): string {
  const d = new Date(ms);
  const h = d.getUTCHours();
  const pad = (n: number) => String(n).padStart(2, ' ');
  return `${MONTHS[d.getUTCMonth()]} ${pad(d.getUTCDate())} ${d.getUTCFullYear()} ${pad(h % 12 === 0 ? 12 : h % 12)}:` +
    `${String(d.getUTCMinutes()).padStart(2, '0')}${h < 12 ? 'AM' : 'PM'}`;
}

/** `2016-09-20T175902` of a canonical DateTime: the stamp in a backup file's name. */
const fileStamp = (t: DateTime) => `${t.slice(0, 10)}T${t.slice(11, 13)}${t.slice(14, 16)}${t.slice(17, 19)}`;

/** What a restore point holds, decided when its session ended. */
export interface PointFacts {
  readonly session: PlannedSession;
  /** The tasks whose VM it holds. */
  readonly tasks: readonly PlannedTask[];
  readonly full: boolean;
  readonly dataSize: number;
  readonly backupSize: number;
}

/** The ids of a restore point's rows: the point's, its file's, its VM points' (in `facts.tasks` order). */
export interface PointIds {
  readonly point: string;
  readonly file: string;
  readonly vms: readonly string[];
}

/** The ids of the rows of the point made by session `sessionId` of tasks `taskIds` (the tasks whose VM it holds). */
export const pointIds = (seed: number, sessionId: string, taskIds: readonly string[]): PointIds => ({
  point: idOf(seed, 'restore-point', sessionId),
  file: idOf(seed, 'backup-file', sessionId),
  vms: taskIds.map((id) => idOf(seed, 'vm-restore-point', id)),
});

/** The rows of a restore point of `backup` on `repository`. */
export function pointRows(seed: number, facts: PointFacts, backup: BackupRow, repository: DemoRepository): PointRows {
  const { session: s, full } = facts;
  const job = s.job;
  const ids = pointIds(seed, s.id, facts.tasks.map((t) => t.id));
  const pointId = ids.point;
  const fileType = full ? 'vbk' : 'vib';
  const fileName = `${job.row.name}D${fileStamp(s.startStamp)}.${fileType}`;
  const sep = repository.separator;
  const file: BackupFileRow = {
    id: ids.file,
    name: fileName,
    filePath: `${repository.root}${sep}${job.row.name}${sep}${fileName}`,
    backupSize: facts.backupSize,
    dataSize: facts.dataSize,
    creationTime: s.startStamp,
    fileType: BACKUP_FILE_TYPES.indexOf(fileType),
    backupId: backup.id,
  };
  const point: RestorePointRow = { id: pointId, name: restorePointName(s.start), backupDate: s.startStamp, backupId: backup.id, sessionId: s.id };
  const vms = facts.tasks.map((t, i): VmRestorePointRow => ({
    id: ids.vms[i],
    name: sessionName(t.vm.name, t.createdStamp),
    vmDisplayName: t.vm.name,
    creationTime: t.createdStamp,
    vmName: t.vm.name,
    algorithm: BACKUP_ALGORITHMS.indexOf(full ? 'Full' : 'Incremental'),
    pointType: POINT_TYPES.indexOf(full ? 'Full' : 'Increment'),
    hierarchyObjRef: job.uids?.get(t.vm) ?? '',
    restorePointId: pointId,
    backupFileId: file.id,
  }));
  return { point, file, vms };
}
