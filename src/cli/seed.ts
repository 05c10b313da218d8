import { mkdirSync } from 'node:fs';
import { clockFrom, databasePath, dataDirFrom, DEFAULTS } from '../config.js';
import { DEMO_DEFAULTS, describeCounts, generateDemo } from '../data/demo.js';
import { openSqliteStore } from '../store/sqlite/sqlite-store.js';
import { intOption, parse } from './args.js';

export const SEED_HELP = `Usage: emrest seed [options]

Writes a deterministic demo fleet (same seed, same clock → same data): backup servers,
replication and backup jobs, their sessions and task sessions over the last N days. Rows with the same
UIDs are updated, so seeding twice with the same options changes nothing.

Options:
  --data-dir DIR      data directory (default: $EMREST_DATA_DIR or ./${DEFAULTS.dataDir})
  --seed N            random seed (default: ${DEMO_DEFAULTS.seed})
  --servers N         backup servers (default: ${DEMO_DEFAULTS.servers})
  --jobs N            replication jobs (default: ${DEMO_DEFAULTS.jobs})
  --backup-jobs N     backup and backup copy jobs (default: ${DEMO_DEFAULTS.backupJobs})
  --days N            days of history up to now (default: ${DEMO_DEFAULTS.days})
  -h, --help          show this help

Environment: EMREST_NOW pins "now" (e.g. 2021-06-18T00:00:00Z) for reproducible data.`;

export async function seed(argv: string[]): Promise<void> {
  const { values: o } = parse(argv, {
    'data-dir': { type: 'string' },
    seed: { type: 'string' },
    servers: { type: 'string' },
    jobs: { type: 'string' },
    'backup-jobs': { type: 'string' },
    days: { type: 'string' },
  });
  if (o.help) return console.log(SEED_HELP);
  const options = {
    seed: intOption(o.seed, 'seed', DEMO_DEFAULTS.seed),
    servers: intOption(o.servers, 'servers', DEMO_DEFAULTS.servers, 1),
    jobs: intOption(o.jobs, 'jobs', DEMO_DEFAULTS.jobs),
    backupJobs: intOption(o['backup-jobs'], 'backup-jobs', DEMO_DEFAULTS.backupJobs),
    days: intOption(o.days, 'days', DEMO_DEFAULTS.days, 1),
    now: clockFrom()(),
  };
  const dataDir = dataDirFrom(o['data-dir']);
  mkdirSync(dataDir, { recursive: true });
  const store = openSqliteStore(databasePath(dataDir));
  try {
    const made = await generateDemo(store, options);
    console.log(`Seeded ${describeCounts(made)} into ${databasePath(dataDir)}`);
  } finally {
    await store.close();
  }
}
