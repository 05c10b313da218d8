import { clockFrom, DEFAULTS } from '../config.js';
import {
  BACKUP_SCHEDULES, DEMO_DEFAULTS, describeCounts, describeSchedules, generateDemo, parseScheduleMix, REPLICA_SCHEDULES,
  SQL_BACKUP_SCHEDULES, type DemoOptions, type DemoProgress,
} from '../demo/demo.js';
import { loadStore, storeLocation } from '../store/open.js';
import { intOption, parse, UsageError } from './args.js';
import { ensureDataDir, STORE_FLAGS, STORE_HELP, storeSettingsFrom } from './store-option.js';
import { createProgress } from './progress.js';

const fmt = (n: number) => n.toLocaleString('en-US');

/**
 * Upper bounds of the size options, at least ten times what the largest timed dataset (1M
 * sessions) needs: beyond them a typo would plan for minutes, then write for hours, or run
 * the clock out of range (`--days 1000000` starts before year 0).
 */
const MAX = { servers: 100_000, jobs: 100_000, vmsPerJob: 10_000, days: 3650, sessions: 10_000_000, retries: 1000 };

export const SEED_HELP = `Usage: emrest seed [options]

Writes a deterministic demo fleet (same options, same clock → same data): backup servers,
replication and backup jobs, their sessions and task sessions over the last N days, in one
transaction. Rows with the same UIDs are updated, so seeding twice with the same options
changes nothing. Into a data directory without a database the file is built aside (no
journal, indexes built at the end) and appears only when complete: the fast way to make a
large dataset (1M sessions in 55-90 s on 2 cores). Into an existing database the rows are
upserted (1M sessions into the demo database: about 2 minutes), or with --replace loaded
as into a new one.

Options:
${STORE_HELP}
  --seed N            random seed (default: ${DEMO_DEFAULTS.seed})
  --servers N         backup servers (default: ${DEMO_DEFAULTS.servers}; when --sessions scales the jobs,
                      one per 100 jobs, at least ${DEMO_DEFAULTS.servers})
  --jobs N            replication jobs (default: ${DEMO_DEFAULTS.jobs})
  --backup-jobs N     backup jobs, 1 in 4 of them backup copy jobs (default: ${DEMO_DEFAULTS.backupJobs})
  --vms-per-job N     mean VMs per job (default: 1-8 per job, mean 3.8; with N, each job
                      gets about 0.25-2 x N, at least 1)
  --days N            days of history up to now (default: ${DEMO_DEFAULTS.days})
  --sessions N        total job sessions (replication + backup) to aim for, e.g. 1000000
                      (at most ${fmt(MAX.sessions)}).
                      Without --jobs/--backup-jobs the job counts are scaled (as many backup
                      as replication jobs); with either, the schedules run more or less often
                      instead. Lands within a few % of N (see below).
  --schedules MIX     schedule mix of replication and backup jobs: NAME[:WEIGHT],... with
                      NAME daily, weekly, continuous, or a period Nd, Nh, Nm (e.g.
                      daily:60,4h:20,30m:10,continuous:10). Default: replication
                      ${describeSchedules(REPLICA_SCHEDULES)}, backup
                      ${describeSchedules(BACKUP_SCHEDULES)} (SQL ${describeSchedules(SQL_BACKUP_SCHEDULES)});
                      backup copy jobs always run every 1-4h
  --failure-rate P    fraction of sessions that fail, 0-1 or N% (each run and retry of an
                      ordinary job fails with chance P; flaky and broken jobs add a little;
                      0: no failures at all). Default: 3.5% of runs, 12% of retries
                      fail (4-6% of all sessions)
  --retries N         automatic retries after a failed run, at most N, each 10-30 minutes
                      after the failure (default: ${DEMO_DEFAULTS.retries}; the few always-failing jobs N+1)
  --replace           delete every backup server, job and session already in the database
                      first, in the same transaction (users and logon sessions stay); a
                      running server answers from the old data until the new is committed
  -h, --help          show this help

The fleet: daily jobs start in the evening or at night, others every few hours; a session
lasts as long as its VMs' changed data takes at the job's throughput on 2-6 parallel slots.
Backup jobs do a weekly active full, mostly at the weekend, that runs much longer; about 1 in
5 daily backup jobs skips weekends; 1 in 25 backup jobs is a long runner (2-6 hours a run).
1% of the jobs (at least one) fail every run lately and as many are flaky; 15-30% are
caught mid-run at "now"; a few are disabled.

How --sessions lands: every job's sessions are estimated from its schedule (counted exactly
over the window, weekends and disabling included) plus its expected retries and the runs it
skips while still busy. The job count (or the schedule density) is chosen so the estimate is
just above N; then a few jobs, picked by the seed, were created during the window (their
history starts later) until the estimate is N. Failures and run lengths are random, so the
result is within a few % of N (typically 1-2 %). Progress goes to stderr; the last line on
stdout says what was written.

Environment: EMREST_NOW pins "now" (e.g. 2021-06-18T00:00:00Z) for reproducible data.`;

function rateOption(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const m = /^(\d+(?:\.\d+)?|\.\d+)(%?)$/.exec(value.trim());
  const rate = m ? Number(m[1]) / (m[2] ? 100 : 1) : NaN;
  if (!(rate >= 0 && rate <= 1)) throw new UsageError(`--${name} must be a fraction from 0 to 1 (or 0% to 100%), got '${value}'`);
  return rate;
}

const optionalInt = (value: string | undefined, name: string, min: number, max: number) =>
  value === undefined ? undefined : intOption(value, name, 0, min, max);

export async function seed(argv: string[]): Promise<void> {
  const { values: o } = parse(argv, {
    ...STORE_FLAGS,
    seed: { type: 'string' },
    servers: { type: 'string' },
    jobs: { type: 'string' },
    'backup-jobs': { type: 'string' },
    'vms-per-job': { type: 'string' },
    days: { type: 'string' },
    sessions: { type: 'string' },
    schedules: { type: 'string' },
    'failure-rate': { type: 'string' },
    retries: { type: 'string' },
    replace: { type: 'boolean' },
  });
  if (o.help) return console.log(SEED_HELP);
  let schedules: DemoOptions['schedules'];
  try {
    schedules = o.schedules === undefined ? undefined : parseScheduleMix(o.schedules);
  } catch (e) {
    throw new UsageError(`--schedules: ${(e as Error).message}`);
  }
  const options: DemoOptions = {
    seed: intOption(o.seed, 'seed', DEMO_DEFAULTS.seed),
    servers: optionalInt(o.servers, 'servers', 1, MAX.servers),
    jobs: optionalInt(o.jobs, 'jobs', 0, MAX.jobs),
    backupJobs: optionalInt(o['backup-jobs'], 'backup-jobs', 0, MAX.jobs),
    vmsPerJob: optionalInt(o['vms-per-job'], 'vms-per-job', 1, MAX.vmsPerJob),
    days: intOption(o.days, 'days', DEMO_DEFAULTS.days, 1, MAX.days),
    sessions: optionalInt(o.sessions, 'sessions', 1, MAX.sessions),
    schedules,
    failureRate: rateOption(o['failure-rate'], 'failure-rate'),
    retries: intOption(o.retries, 'retries', DEMO_DEFAULTS.retries, 0, MAX.retries),
    now: clockFrom().now(),
    replace: o.replace === true,
  };
  const settings = storeSettingsFrom(o);
  ensureDataDir(settings);
  const progress = createProgress('seed', 'sessions');
  const onProgress = (e: DemoProgress) => {
    if (e.phase === 'planned') {
      const p = e.plan;
      if (p.target !== undefined) {
        progress.note(`aiming at ${fmt(p.target)} sessions: ${fmt(p.jobs)} replication and ${fmt(p.backupJobs)} backup jobs on ` +
          `${fmt(p.servers)} servers over ${p.days} days${p.density === 1 ? '' : `, schedules x${p.density.toFixed(3)}`} ` +
          `(expected ${fmt(p.expectedSessions)})`);
        if (Math.abs(p.expectedSessions - p.target) > p.target * 0.05) {
          progress.note(`warning: these options allow about ${fmt(p.expectedSessions)} sessions at most or least ` +
            '(schedules run at most every 5 minutes and continuous jobs back to back); change --jobs, --backup-jobs or --days');
        }
      }
    } else if (e.phase === 'sessions') progress.update(e.done, e.expected);
    else progress.phase(`building indexes and statistics for ${fmt(e.done)} sessions`, e.step);
  };
  // The rows go in one transaction, loaded as into a new database when there is no fleet to
  // upsert into (a new database appears only once complete).
  try {
    const made = await loadStore(settings, async (store) =>
      generateDemo(store, { ...options, replace: options.replace || (await store.isEmpty()), onProgress }));
    const seconds = progress.finish();
    if (options.sessions !== undefined) {
      const total = made.sessions + made.backupSessions;
      const off = ((total - options.sessions) / options.sessions) * 100;
      progress.note(`${fmt(total)} sessions (target ${fmt(options.sessions)}, ${off >= 0 ? '+' : ''}${off.toFixed(1)}%) in ${seconds.toFixed(1)} s`);
    }
    console.log(`Seeded ${describeCounts(made)} into ${storeLocation(settings)}`);
  } finally {
    progress.finish();
  }
}
