import { AgentBackupJob, AgentProtectionGroup, BackupServer, DiscoveredComputer, Job, NasJob, Repository, RestorePoint } from '../model/all.js';
import type { Store } from '../store/store.js';
import type { DemoCounts, DemoOptions, DemoPlan } from './options.js';
import { plan, planOf } from './plan.js';
import { Timeline } from './timeline.js';
import { sideOf, Writer } from './writer.js';

/**
 * A deterministic, realistic demo fleet: backup servers, replication jobs and backup (and backup
 * copy) jobs, and their job and task sessions over the last `days` days up to `now`. The same
 * options always produce the same rows and GUIDs (all randomness comes from seeded PRNGs;
 * nothing reads the clock).
 *
 * Shape of the data (see `emrest seed --help` for the options):
 * - Schedules: daily jobs start in the evening or at night; others run every 4, 6 or 12 hours
 *   (`schedules` replaces that mix for replication and backup jobs); backup copy jobs run every
 *   1–4 hours. `continuous` jobs start their next run minutes after the previous one ended.
 * - Durations follow the data moved: per VM its size × daily change rate × the share of a day
 *   since the last run, at the job's throughput (a soft cap per VM), on 2–6 parallel proxy
 *   slots, so jobs with more and bigger VMs run longer.
 * - Weekends (backup side): weekly active fulls mostly on Saturday or Sunday and much longer
 *   than the incrementals; some daily backup jobs run on weekdays only (those do their full on
 *   Friday). A few backup jobs are long runners (2–6 hours a run, slow target).
 * - Trouble: a few jobs (1 %, at least one per side) fail every run for their last runs (a host
 *   down, a repository full), as many are flaky; failed runs are retried (IsRetry) 10–30 minutes
 *   after the failure; 15–30 % of the jobs are caught mid-run at `now`; some are disabled.
 * - Agent and file share jobs come with the backup jobs (agents.ts, nas.ts): physical servers,
 *   workstations and file shares, from streams of their own, so the VM jobs stay as they were.
 * - The replication side is the same for a seed whatever the backup options are; the options
 *   `vmsPerJob`, `failureRate`, `schedules` and `sessions` change nothing when omitted.
 *
 * Where it lives: options.ts (what callers pass and get), plan.ts and estimate.ts (sizing to a
 * sessions target), fleet.ts with replica-jobs.ts, backup-jobs.ts, jobs.ts and vms.ts (the
 * fleet), runs.ts, session.ts, transfer.ts and outcomes.ts (the history), writer.ts (the
 * store), and the tables: themes.ts, names.ts, failure-texts.ts, schedules.ts.
 */

export { DEMO_DEFAULTS, type DemoCounts, type DemoOptions, type DemoPlan, type DemoProgress } from './options.js';
export {
  BACKUP_SCHEDULES, describeSchedules, parseScheduleMix, REPLICA_SCHEDULES, SQL_BACKUP_SCHEDULES, type ScheduleMix,
} from './schedules.js';

/** The meta entry (`Store.getMeta`) holding the options of the demo the data was generated from. */
export const DEMO_META = 'demo';

/** The options that decide the data (callbacks and write modes left out), as stored under `DEMO_META`. */
export function demoMeta(o: DemoOptions): DemoOptions {
  return {
    seed: o.seed, servers: o.servers, jobs: o.jobs, backupJobs: o.backupJobs, days: o.days, now: o.now,
    vmsPerJob: o.vmsPerJob, sessions: o.sessions, failureRate: o.failureRate, retries: o.retries, schedules: o.schedules,
  };
}

/** The fleet shape and expected sessions `generateDemo` would produce (no writes). */
export function planDemo(input: DemoOptions): DemoPlan {
  return planOf(plan(input), input.sessions);
}

/**
 * Writes a demo fleet into `store` (servers, replication and backup jobs, their sessions and
 * tasks) in ONE bulk write transaction (all or nothing; a store may defer indexing), in batches
 * of at most 5000 rows per upsert, referenced rows first, never holding more than a batch.
 * Deterministic: same options, same rows and GUIDs; the replica side does not depend on the
 * backup options.
 */
export async function generateDemo(store: Store, input: DemoOptions): Promise<DemoCounts> {
  const p = plan(input);
  const { shape, fleet } = p;
  const expected = Math.round(p.expected);
  const report = input.onProgress;
  report?.({ phase: 'planned', plan: planOf(p, input.sessions) });
  let written = 0;
  const onDeferred = report && ((done: number, total: number) => report({ phase: 'indexing', done: written, expected, step: { done, total } }));
  return store.write(async (w) => {
    const out = new Writer(w, report && ((done) => report({ phase: 'sessions', done, expected })));
    await out.put(BackupServer, fleet.servers);
    out.counts.servers = fleet.servers.length;
    await out.put(Job, [...fleet.replicas, ...fleet.backups].map((j) => j.row));
    out.counts.jobs = fleet.replicas.length + fleet.backups.length;
    // Agent and file share jobs have tables of their own (not counted as `jobs`); their sessions are backup sessions.
    await out.put(AgentProtectionGroup, fleet.agents?.groups ?? []);
    await out.put(DiscoveredComputer, fleet.agents?.computers ?? []);
    await out.put(AgentBackupJob, (fleet.agents?.jobs ?? []).map((j) => j.row));
    await out.put(NasJob, (fleet.nas ?? []).map((j) => j.row));
    out.counts.agentJobs = fleet.agents?.jobs.length ?? 0;
    out.counts.nasJobs = fleet.nas?.length ?? 0;

    // Replication jobs come first, then backup jobs, then the copy jobs that copy them.
    await new Timeline(fleet, shape).advance(shape.now, {
      session: async (job, row, tasks) => {
        const side = sideOf(job);
        out.add(side, row, tasks);
        if (out.due(side)) await out.flush(side);
      },
      // Repositories, backups and the restore points retention kept at `now` (one drain, so nothing to delete).
      storage: async ({ upserts }) => {
        for (const [type, rows] of upserts) {
          await out.put(type, rows);
          if (type === Repository) out.counts.repositories += rows.length;
          if (type === RestorePoint) out.counts.restorePoints += rows.length;
        }
      },
    });
    await out.flush('replica');
    await out.flush('backup');
    // What the data was generated from: the live estate tells the same story on from here.
    await w.putMeta(DEMO_META, JSON.stringify(demoMeta(input)));
    written = out.counts.sessions + out.counts.backupSessions;
    report?.({ phase: 'indexing', done: written, expected });
    return out.counts;
  }, { bulk: true, replace: input.replace, onDeferred });
}

/** One line for people: what a generator run wrote. */
export const describeCounts = (c: DemoCounts) =>
  `${c.servers} backup servers, ${c.jobs} jobs (and ${c.agentJobs} agent, ${c.nasJobs} file share), ` +
  `${c.sessions} replica sessions with ${c.tasks} task sessions, ` +
  `${c.backupSessions} backup sessions with ${c.backupTasks} task sessions, ` +
  `${c.repositories} repositories, ${c.restorePoints} restore points`;
