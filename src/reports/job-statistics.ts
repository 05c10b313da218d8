import type { Store } from '../store/store.js';
import { toEpochMs } from '../util/datetime.js';
import { all, countOf, rowsOf, within, type Window } from './figures.js';
import { jobCounts, RUN_SIDES, type JobCounts, type RunSide } from './job-figures.js';

/** `GET /reports/summary/job_statistics`, computed (docs/em-surface/reports.md §job_statistics). */
export interface JobStatistics extends JobCounts {
  readonly totalJobRuns: number;
  readonly successfulJobRuns: number;
  readonly warningsJobRuns: number;
  readonly failedJobRuns: number;
  /** Seconds. */
  readonly maxJobDuration: number;
  readonly maxBackupJobDuration: number;
  readonly maxReplicaJobDuration: number;
  /** The job of the longest run; '' when there was none (as captured). */
  readonly maxDurationBackupJobName: string;
  readonly maxDurationReplicaJobName: string;
}

/** The runs that ended in the window: finished sessions only (a running one has no EndTime). */
const endedWithin = (w: Window) => within('EndTime', w);

/** The longest of a side's runs that ended in the window: whole seconds and its job's name (the first such run on a tie). */
async function longestRun(store: Store, side: RunSide, w: Window): Promise<{ seconds: number; jobName: string }> {
  let longest = { seconds: 0, jobName: '' };
  for (const row of await rowsOf(store, { type: side.sessions, filter: endedWithin(w) })) {
    const seconds = Math.floor((toEpochMs(row.endTime as string) - toEpochMs(row.creationTime as string)) / 1000);
    if (seconds > longest.seconds) longest = { seconds, jobName: row.jobName as string };
  }
  return longest;
}

export async function jobStatistics(store: Store, w: Window): Promise<JobStatistics> {
  const ended = endedWithin(w);
  const runs = { total: 0, Success: 0, Warning: 0, Failed: 0 };
  for (const { sessions } of RUN_SIDES) {
    runs.total += await countOf(store, { type: sessions, filter: ended });
    for (const result of ['Success', 'Warning', 'Failed'] as const) {
      runs[result] += await countOf(store, { type: sessions, filter: all(ended, `Result==${result}`) });
    }
  }
  const [backup, replica] = [await longestRun(store, RUN_SIDES[0], w), await longestRun(store, RUN_SIDES[1], w)];
  return {
    ...(await jobCounts(store)),
    totalJobRuns: runs.total,
    successfulJobRuns: runs.Success,
    warningsJobRuns: runs.Warning,
    failedJobRuns: runs.Failed,
    maxJobDuration: Math.max(backup.seconds, replica.seconds),
    maxBackupJobDuration: backup.seconds,
    maxReplicaJobDuration: replica.seconds,
    maxDurationBackupJobName: backup.jobName,
    maxDurationReplicaJobName: replica.jobName,
  };
}
