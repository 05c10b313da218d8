import { nameStamp, type DateTime } from '../util/datetime.js';

/**
 * Row constructors in the stored form the registry declares (enum ordinals, 0/1 booleans,
 * canonical DateTimes, bare GUIDs), shared by the fixture and the demo generator.
 */
export interface ServerRow { id: string; name: string; description: string; port: number; version: string }
export interface JobRow {
  id: string; serverId: string; name: string; jobType: number; platform: number; description: string;
  scheduleConfigured: number; scheduleEnabled: number; nextRun: DateTime | null;
}
export interface JobSessionRow {
  id: string; serverId: string; jobId: string; name: string; jobName: string; jobType: number;
  creationTime: DateTime; endTime: DateTime | null; state: number; result: number; progress: number;
  failureMessage: string | null; isRetry: number;
}
export interface TaskSessionRow {
  id: string; sessionId: string; name: string; vmDisplayName: string; creationTime: DateTime;
  endTime: DateTime | null; state: number; result: number; reason: string; totalSize: number;
}
/** A BackupTaskSession: a task row plus the hypervisor's id of the VM. */
export interface BackupTaskSessionRow extends TaskSessionRow { vmUid: string }

/** EM names a session `<JobName>@<yyyy-MM-dd HH:mm:ss>` and a task `<VmDisplayName>@…`. */
export const sessionName = (owner: string, start: DateTime) => `${owner}@${nameStamp(start)}`;
