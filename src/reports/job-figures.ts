import { BackupJobSession, BackupTaskSession, Job, ReplicaJobSession, ReplicaTaskSession } from '../model/all.js';
import { JOB_TYPES } from '../model/job.js';
import type { Store } from '../store/store.js';
import { all, countOf, declaredType, type Question } from './figures.js';

/**
 * The job figures several reports share. EM splits jobs and runs two ways, backup and
 * replication: backup covers every job that is not a replication job (backup, backup copy,
 * agent and file share jobs), and its runs are the BackupJobSessions (their VMs' tasks
 * BackupTaskSessions); replication runs are the ReplicaJobSessions (ReplicaTaskSessions).
 */
export const RUN_SIDES = [
  { side: 'Backup', sessions: BackupJobSession, tasks: BackupTaskSession },
  { side: 'Replica', sessions: ReplicaJobSession, tasks: ReplicaTaskSession },
] as const;

export type RunSide = (typeof RUN_SIDES)[number];

/** The side of a Job row: its JobType enum ordinal names Replica or not. */
export const sideOfJob = (jobType: number): RunSide => (JOB_TYPES[jobType] === 'Replica' ? RUN_SIDES[1] : RUN_SIDES[0]);

/** A run still going: any state but Stopped (a job runs one session at a time, so one per running job). */
const RUNNING = 'State!=Stopped';

/** A job EM runs by itself: its schedule set up and not disabled. */
const SCHEDULED = 'ScheduleConfigured==true;ScheduleEnabled==true';

/**
 * Backup-side jobs of their own types (agent and file share jobs, once declared): their runs
 * are BackupJobSessions too, so their schedules count with the backup jobs'.
 */
const OTHER_BACKUP_JOBS = ['AgentBackupJob', 'NasJob'];

const scheduledBackupJobs = (): Question[] => [
  { type: Job, filter: all(SCHEDULED, 'JobType!=Replica') },
  ...OTHER_BACKUP_JOBS.flatMap((name) => {
    const type = declaredType(name);
    return type ? [{ type, filter: SCHEDULED }] : [];
  }),
];
const scheduledReplicaJobs: Question = { type: Job, filter: all(SCHEDULED, 'JobType==Replica') };

export interface JobCounts {
  readonly runningJobs: number;
  readonly scheduledJobs: number;
  readonly scheduledBackupJobs: number;
  readonly scheduledReplicaJobs: number;
}

export async function jobCounts(store: Store): Promise<JobCounts> {
  let runningJobs = 0;
  for (const { sessions } of RUN_SIDES) runningJobs += await countOf(store, { type: sessions, filter: RUNNING });
  let backup = 0;
  for (const q of scheduledBackupJobs()) backup += await countOf(store, q);
  const replica = await countOf(store, scheduledReplicaJobs);
  return { runningJobs, scheduledJobs: backup + replica, scheduledBackupJobs: backup, scheduledReplicaJobs: replica };
}
