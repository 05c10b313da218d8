import { MIN_TIME } from '../clock/clock.js';
import { Job } from '../model/all.js';
import { RESULT_MEMBERS } from '../model/fields.js';
import type { Row } from '../model/index.js';
import type { Store } from '../store/store.js';
import { formatDateTime, fromEpochMs } from '../util/datetime.js';
import { either, rowsOf } from './figures.js';
import { RUN_SIDES, sideOfJob, type RunSide } from './job-figures.js';
import { DAY_MS } from './period.js';

/** How many of a job's newest sessions are looked at for its VMs' latest states (retries of retries included). */
const SESSIONS_LOOKED_AT = 8;
/** Sessions of the last two days are read in one query a side; a job whose newest runs reach further back is read alone. */
const RECENT_MS = 2 * DAY_MS;
/** Sessions per task query (an OR of their UIDs; the filter language allows 256 comparisons). */
const SESSIONS_PER_QUERY = 200;

/** A VM's latest state in one job: its latest finished task session there. */
export interface VmState {
  readonly side: RunSide['side'];
  /** The VM's display name, lower-cased (EM compares names case-insensitively). */
  readonly vm: string;
  readonly result: (typeof RESULT_MEMBERS)[number];
  /** Bytes the task read (the VM's size as last processed). */
  readonly totalSize: number;
}

/** A job's newest sessions down to its newest finished run that is not a retry (which processed all its VMs). */
const downToFullRun = (newest: readonly Row[]): Row[] | undefined => {
  const cut = newest.slice(0, SESSIONS_LOOKED_AT).findIndex((s) => s.endTime !== null && s.isRetry === 0);
  return cut < 0 ? undefined : newest.slice(0, cut + 1);
};

/** Each job's sessions whose tasks hold its VMs' latest states (see `vmLatestStates`). */
async function sessionsByJob(store: Store, jobs: readonly Row[], now: number): Promise<Map<Row, Row[]>> {
  const recent = new Map<string, Row[]>();
  const since = formatDateTime(fromEpochMs(Math.max(MIN_TIME, now - RECENT_MS)));
  for (const side of RUN_SIDES) {
    for (const s of await rowsOf(store, { type: side.sessions, filter: `CreationTime>="${since}"` }, { sort: { name: 'CreationTime', desc: true } })) {
      const list = recent.get(s.jobId as string) ?? [];
      list.push(s);
      recent.set(s.jobId as string, list);
    }
  }
  const out = new Map<Row, Row[]>();
  for (const job of jobs) {
    const newest = recent.get(job.id as string) ?? [];
    const sessions = downToFullRun(newest) ?? (newest.length >= SESSIONS_LOOKED_AT ? newest.slice(0, SESSIONS_LOOKED_AT) : undefined);
    if (sessions) {
      out.set(job, sessions);
      continue;
    }
    const side = sideOfJob(job.jobType as number);
    const alone = await rowsOf(store, { type: side.sessions, filter: `JobUid==${job.id}` }, { sort: { name: 'CreationTime', desc: true }, limit: SESSIONS_LOOKED_AT });
    out.set(job, downToFullRun(alone) ?? alone);
  }
  return out;
}

/** The tasks of these sessions of one side, by session id. */
async function tasksOf(store: Store, side: RunSide, sessions: readonly Row[]): Promise<Map<string, Row[]>> {
  const bySession = new Map<string, Row[]>();
  for (let i = 0; i < sessions.length; i += SESSIONS_PER_QUERY) {
    const filter = either(...sessions.slice(i, i + SESSIONS_PER_QUERY).map((s) => `JobSessionUid==${s.id}`));
    // Ordered by session, so the engine walks the session index rather than the whole creation-time one.
    for (const t of await rowsOf(store, { type: side.tasks, filter }, { sort: { name: 'JobSessionUid', desc: false } })) {
      const list = bySession.get(t.sessionId as string) ?? [];
      list.push(t);
      bySession.set(t.sessionId as string, list);
    }
  }
  return bySession;
}

/** Newest end first, as `sortDesc=EndTime` orders (ties by the default order, descending too). */
const newestEndFirst = (a: Row, b: Row) =>
  String(b.endTime).localeCompare(String(a.endTime)) || String(b.creationTime).localeCompare(String(a.creationTime)) || String(b.id).localeCompare(String(a.id));

/**
 * The latest states of the VMs: for every job and every VM it processes, the result of that
 * VM's latest finished task session in the job. A run that is not a retry processes all of a
 * job's VMs, so only a job's newest sessions down to its newest finished run that is not a
 * retry are read; the retries after it hold the newer states of the VMs they processed again.
 * The last two days' sessions come in one query a side and their tasks in batches, so the cost
 * follows the jobs and a few days of runs, not the history's length.
 */
export async function vmLatestStates(store: Store, now: number): Promise<VmState[]> {
  const jobs = await rowsOf(store, { type: Job });
  const chosen = await sessionsByJob(store, jobs, now);
  const tasks = new Map<string, Row[]>();
  for (const side of RUN_SIDES) {
    const sessions = jobs.filter((j) => sideOfJob(j.jobType as number) === side).flatMap((j) => chosen.get(j) ?? []);
    for (const [id, list] of await tasksOf(store, side, sessions)) tasks.set(id, list);
  }
  const out: VmState[] = [];
  for (const job of jobs) {
    const side = sideOfJob(job.jobType as number);
    const finished = (chosen.get(job) ?? []).flatMap((s) => tasks.get(s.id as string) ?? []).filter((t) => t.endTime !== null);
    const seen = new Set<string>();
    for (const t of finished.sort(newestEndFirst)) {
      const vm = (t.vmDisplayName as string).toLowerCase();
      if (seen.has(vm)) continue;
      seen.add(vm);
      out.push({ side: side.side, vm, result: RESULT_MEMBERS[t.result as number], totalSize: Number(t.totalSize) });
    }
  }
  return out;
}
