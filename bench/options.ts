import { parseArgs } from 'node:util';

export const HELP = `Usage: npm run bench -- [options]     (or: node dist/bench/run.js [options] after a build)

Seeds a dataset (cached in bench/.cache/), starts emrest and, for comparison, a bare Fastify
server returning emrest's captured bytes, json-server 0.17.4 and Prism 5.14.2 (installed on
first use into bench/.peers/), drives each with autocannon on 127.0.0.1 in interleaved rounds
and prints a table (also written to bench/RESULTS.md).

Options:
  --sessions N        job sessions to seed, replica + backup (default 1000000)
  --duration S        seconds per measurement (default 1.5)
  --warmup S          warm-up seconds per target, request and format (default 0.5)
  --rounds R          interleaved rounds (default 3)
  --connections C     autocannon connections, keep-alive (default 32)
  --quick             --duration 1 --rounds 1 --warmup 0.25
  --smoke             tiny run for CI: --sessions 10000, 0.3 s per measurement, no warm-up,
                      one round, no peers, nothing written (unless --out is given)
  --scaling           also seed a dataset a tenth the size and compare the time per query
  --peers, --no-peers compare with json-server and Prism or not (default: yes, no with --smoke)
  --no-install        never run npm install for the peers (skip them if missing)
  --now DATETIME      EMREST_NOW of the dataset and the server (default 2024-06-18T00:00:00Z)
  --reseed            ignore a cached dataset and seed again
  --seed-only         only make sure the dataset(s) are in the cache, then exit
  --out FILE          results file (default bench/RESULTS.md; --smoke: none)
  --no-write          do not write a results file
  --time-limit S      time budget in seconds once emrest is up (default 340, 460 with --scaling,
                      more with --live and --workers);
                      what no longer fits is skipped, and the run stops at the budget + 60 s
                      regardless
  --seed-timeout S    give up seeding after this many seconds (default 3600)
  --backend B         sqlite (default) or postgres: the store emrest serves the dataset from.
                      postgres seeds it into a database of its own on --postgres (kept for later
                      runs) and adds a table of SQLite vs PostgreSQL with 1 and 2 nodes
  --postgres URL      the PostgreSQL server's maintenance database
                      (default postgres://postgres@127.0.0.1:5432/postgres)
  --live              also the live scenario: emrest on a copy of the dataset with the estate
                      simulated at --speed 600 from --now, polled with a mix of the a–d
                      queries (per URL four repeats to one distinct, i.e. 20 % never cached):
                      first unthrottled (the maximum rate), then at half of it; req/s, p50/p99,
                      cache hit rate (from /metrics), job sessions written, RSS of the server
  --live-duration S   seconds of each of the two live phases (default 10)
  --workers LIST      comma-separated worker counts, e.g. 1,2: the uncached a–d queries (and
                      with --live the live scenario) against \`serve --workers N\` for each,
                      side by side, with the ratios and the RSS of primary plus workers.
                      Without it emrest runs with serve's default
  -h, --help          show this help`;

export interface BenchOptions {
  sessions: number;
  duration: number;
  warmup: number;
  rounds: number;
  connections: number;
  smoke: boolean;
  quick: boolean;
  scaling: boolean;
  peers: boolean;
  install: boolean;
  now: string;
  reseed: boolean;
  seedOnly: boolean;
  out: string | undefined;
  timeLimit: number;
  seedTimeout: number;
  backend: 'sqlite' | 'postgres';
  postgres: string;
  live: boolean;
  liveDuration: number;
  /** Worker counts to compare; empty: serve's default only. */
  workers: readonly number[];
}

export class UsageError extends Error {}

function num(value: string | undefined, name: string, fallback: number, min: number, integer = false): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < min || (integer && !Number.isInteger(n))) {
    throw new UsageError(`--${name} must be ${integer ? 'an integer' : 'a number'} ≥ ${min}, got '${value}'`);
  }
  return n;
}

/** Parses the command line; `undefined` means --help was printed. */
export function parseOptions(argv: string[], defaultOut: string): BenchOptions | undefined {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        sessions: { type: 'string' },
        duration: { type: 'string' },
        warmup: { type: 'string' },
        rounds: { type: 'string' },
        connections: { type: 'string' },
        quick: { type: 'boolean' },
        smoke: { type: 'boolean' },
        scaling: { type: 'boolean' },
        peers: { type: 'boolean' },
        'no-peers': { type: 'boolean' },
        'no-install': { type: 'boolean' },
        now: { type: 'string' },
        reseed: { type: 'boolean' },
        'seed-only': { type: 'boolean' },
        out: { type: 'string' },
        'no-write': { type: 'boolean' },
        'time-limit': { type: 'string' },
        'seed-timeout': { type: 'string' },
        backend: { type: 'string' },
        postgres: { type: 'string' },
        live: { type: 'boolean' },
        'live-duration': { type: 'string' },
        workers: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (values.help) {
    console.log(HELP);
    return undefined;
  }
  if (values.peers && values['no-peers']) throw new UsageError('--peers and --no-peers contradict each other');
  const smoke = values.smoke ?? false;
  const quick = values.quick ?? false;
  const preset = smoke ? { sessions: 10_000, duration: 0.3, warmup: 0, rounds: 1 }
    : quick ? { sessions: 1_000_000, duration: 1, warmup: 0.25, rounds: 1 }
    : { sessions: 1_000_000, duration: 1.5, warmup: 0.5, rounds: 3 };
  const now = values.now ?? '2024-06-18T00:00:00Z';
  const backend = values.backend ?? 'sqlite';
  if (backend !== 'sqlite' && backend !== 'postgres') throw new UsageError(`--backend must be sqlite or postgres, got '${backend}'`);
  const workers = values.workers === undefined ? [] : values.workers.split(',').map((w) => num(w, 'workers', 1, 1, true));
  const live = values.live ?? false;
  const liveDuration = num(values['live-duration'], 'live-duration', 10, 1);
  if (Number.isNaN(Date.parse(now))) throw new UsageError(`--now must be a date and time, got '${now}'`);
  return {
    sessions: num(values.sessions, 'sessions', preset.sessions, 100, true),
    duration: num(values.duration, 'duration', preset.duration, 0.25),
    warmup: num(values.warmup, 'warmup', preset.warmup, 0),
    rounds: num(values.rounds, 'rounds', preset.rounds, 1, true),
    connections: num(values.connections, 'connections', 32, 1, true),
    smoke,
    quick,
    scaling: values.scaling ?? false,
    peers: values.peers ? true : values['no-peers'] ? false : !smoke,
    install: !values['no-install'],
    now: new Date(Date.parse(now)).toISOString().replace(/\.000Z$/, 'Z'),
    reseed: values.reseed ?? false,
    seedOnly: values['seed-only'] ?? false,
    out: values['no-write'] ? undefined : values.out ?? (smoke ? undefined : defaultOut),
    timeLimit: num(values['time-limit'], 'time-limit',
      340 + (values.scaling ? 120 : 0) + (live ? 60 + 3 * liveDuration : 0) * Math.max(1, workers.length) + 20 * workers.length, 10),
    seedTimeout: num(values['seed-timeout'], 'seed-timeout', 3600, 10),
    backend,
    postgres: values.postgres ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    live,
    liveDuration,
    workers,
  };
}
