import cluster from 'node:cluster';
import { randomBytes } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { IdleTimers } from '../auth/idle-timers.js';
import { hashPassword } from '../auth/password.js';
import { clockFrom, DEFAULTS } from '../config.js';
import type { Clock } from '../clock/clock.js';
import { EstateLeader, type EstateLoader } from '../estate/leader.js';
import { EstateThread } from '../estate/thread.js';
import { SharedClock } from '../clock/shared-clock.js';
import { Primary } from '../cluster/primary.js';
import { ClusterMember } from '../cluster/worker.js';
import { Simulation } from '../estate/simulation.js';
import { DEMO_DEFAULTS, describeCounts, generateDemo } from '../demo/demo.js';
import { WriterThread } from '../io/writer-thread.js';
import pretty from 'pino-pretty';
import type { FastifyServerOptions } from 'fastify';
import { buildApp } from '../http/app.js';
import { Journal } from '../http/journal.js';
import { Metrics } from '../http/metrics.js';
import { appContext } from '../http/context.js';
import { listen, tlsMaterial } from '../http/listen.js';
import { SERVE_FLAGS, settingsFrom, type Settings } from '../settings.js';
import type { Store } from '../store/store.js';
import { openStore } from '../store/open.js';
import { parse, UsageError } from './args.js';
import { ensureDataDir, STORE_HELP } from './store-option.js';

export const SERVE_HELP = `Usage: emrest serve [options]

Serves the Enterprise Manager REST API. On an empty data directory it first creates demo
data and a user "administrator" with a random password, printed once. A data directory
without backup servers (only users, say) gets the demo data too, unless --no-demo.

Options:
${STORE_HELP}
  --no-demo           do not create demo data: without backup servers, serve an empty fleet
                      (to load your own with import or the ingest API)
  --host H            address to bind (default: ${DEFAULTS.host})
  --http-port N       HTTP port, 0-65535 (0: any free port; default: ${DEFAULTS.httpPort})
  --https-port N      HTTPS port, 0-65535 (0: any free port; default: ${DEFAULTS.httpsPort})
  --no-http           do not serve HTTP
  --no-https          do not serve HTTPS
  --public-url URL    base for link hrefs instead of the request's scheme and Host
                      (e.g. https://em.example.com:9398)
  --tls-cert FILE     PEM certificate (default: self-signed, generated into DATA_DIR/tls)
  --tls-key FILE      PEM private key for --tls-cert
  --page-size N       default page size of queries (default: ${DEFAULTS.defaultPageSize})
  --json-bom          prefix JSON bodies with a UTF-8 BOM, as 9.5-era servers did
  --em-version V      the Enterprise Manager version whose wire details to speak: 9.5, 12 or
                      13 (default: $EMREST_EM_VERSION or 12)
  --log-level LEVEL   fatal, error, warn, info, debug (default: ${DEFAULTS.logLevel}); info logs one
                      line per request (method, route, status, ms, user; never a credential)
  --log-format F      json (one JSON object a line, the default) or pretty (human lines)
  --logon-lockout N/W after N failed logons of one user name from one client address within
                      W (e.g. 10/60s, 10/1m), refuse that pair's logons without checking the
                      password, first for W, then twice as long each time up to 15 minutes;
                      a successful logon resets it. 0 turns it off (default: ${DEFAULTS.logonLockout})
  --admin-token T     enable the admin API (POST /admin/v1/import, DELETE /admin/v1/data,
                      /admin/v1/clock, simulation, jobs/{id}/script, faults, requests, …) for requests with "Authorization: Bearer T" (default: $EMREST_ADMIN_TOKEN;
                      unset: the API is off and /admin answers 404)
  --admin-token-file FILE
                      read T from FILE instead (surrounding whitespace ignored), so that it
                      does not show in the process list
  --clock real|frozen time runs (real, the default) or stands still (frozen) until the admin
                      API moves it (POST /admin/v1/clock)
  --now ISO           start the clock at this instant (e.g. 2026-12-01T10:00:00Z), running
                      unless --clock frozen (default: the real now)
  --speed N           simulated seconds per real second, greater than 0 and at most 86400
                      (default: 1)
  --simulate          run the estate live: jobs start on schedule, sessions progress, fail and
                      are retried as the clock moves (default for demo data: the first start's
                      fleet and 'emrest seed'; other data runs only when asked, each job
                      modelled from its latest run and NextRun the first time)
  --no-simulate       serve the data as a snapshot: nothing runs
  --faults FILE       fault rules in force from the start: a JSON list of rules as
                      POST /admin/v1/faults takes them (they apply to /api only); a file
                      with an error refuses to start, naming the rule and field
  --journal N         requests the request journal keeps (GET /admin/v1/requests), the
                      oldest dropped first; 0 turns it off (default: ${DEFAULTS.journalEntries})
                      (with --workers, per worker process)
  --row-texts-mb N    memory for rendered rows kept for reuse while unchanged, so that an
                      answer not in the response cache (a new query, or one after a write)
                      renders only the rows that changed; MiB per process, 0 turns it off
                      (default: ${DEFAULTS.rowTextsMb}, about 25,000 entity rows)
  --session-timeout S idle timeout of a logon session in seconds of the simulated clock, 1 to
                      ${DEFAULTS.maxSessionTimeoutSeconds} (default: $EMREST_SESSION_TIMEOUT or ${DEFAULTS.sessionTimeoutSeconds}, EM's 15 minutes);
                      with --speed 600 the default passes in 1.5 real seconds
  --workers N         processes serving HTTP on the same ports from the same store (1-${DEFAULTS.maxWorkers};
                      default: $EMREST_WORKERS or ${DEFAULTS.workers}). One of them runs the live estate; the
                      others ask it, and share the clock, fault rules, journal, logon lockout and
                      metrics through the primary process (docs/WORKERS.md). The default stays 1:
                      several processes contend for SQLite's one writer, and a session's use on
                      one worker reaches the others up to 250 ms late (docs/WORKERS.md says why).
                      Try \`--workers $(nproc)\` for read-heavy loads
  -h, --help          show this help

Environment: EMREST_DATA_DIR, EMREST_DATABASE, EMREST_NOW (start the clock frozen at that instant, e.g.
2021-06-18T00:00:00Z; --now and --clock win over it), EMREST_ADMIN_TOKEN, EMREST_WORKERS.`;

/** Resolved now, because listening fails only after the administrator and demo data are written. */
async function checkHost(host: string): Promise<void> {
  try {
    await lookup(host);
  } catch {
    throw new UsageError(`--host: cannot resolve '${host}'`);
  }
}

/** An administrator for a directory without users; demo data for one without a fleet, if `demo`. */
async function prepare(store: Store, now: number, demo: boolean): Promise<void> {
  const hadUsers = (await store.listUsers()).length > 0;
  if (!hadUsers) {
    const password = randomBytes(12).toString('base64url');
    await store.putUser({ name: 'administrator', passwordHash: await hashPassword(password), role: 'PortalAdministrator' });
    console.log(`Created user "administrator" (Portal Administrator) with password: ${password}`);
    console.log('It is shown only this once; change it with: emrest users add administrator --password NEW');
  }
  if (!demo || !(await store.isEmpty())) return;
  const made = describeCounts(await generateDemo(store, { ...DEMO_DEFAULTS, now }));
  // Users without servers is what `users add` before a first import leaves: the demo fleet
  // would then be mixed into the imported one, so say how to avoid it.
  console.log(
    hadUsers
      ? `The data directory has users but no backup servers: created demo data (${made}); start with --no-demo to keep it empty`
      : `Created demo data: ${made}`,
  );
}

/**
 * How this node comes by the live estate (`simulate` absent: demo data only; true: any data,
 * its jobs modelled from the store the first time), caught up with the clock before it runs;
 * none for a snapshot. Only the node that leads prepares an empty store, at its start, so
 * nodes starting together on a new database make one administrator and one demo (and, of a
 * node's worker processes, only its first leader: `prepares`).
 */
function estateLoader(store: Store, clock: Clock, settings: Settings, prepares: boolean): EstateLoader {
  const imported = settings.simulate === true;
  return {
    load: async (first) => {
      if (first && prepares) await prepare(store, clock.now(), settings.demo);
      if (settings.simulate === false) return undefined;
      const estate = await EstateThread.start({ store: settings.store, imported, now: clock.now() });
      if (estate) console.log(`Simulating ${(await estate.status()).jobs} jobs (--no-simulate serves a snapshot)`);
      return estate;
    },
    simulated: async () => settings.simulate !== false && Simulation.simulates(store, { imported }),
    until: () => Simulation.storedUntil(store),
  };
}

/**
 * pino as `--log-format` asks: its own JSON lines on stdout, or those lines made human by
 * pino-pretty in this thread (a worker-thread transport could lose the last lines when a
 * signal stops the process), written synchronously for the same reason.
 */
function loggerOptions(settings: Settings): FastifyServerOptions['logger'] {
  const level = settings.logLevel;
  if (settings.logFormat === 'json') return { level };
  return { level, stream: pretty({ sync: true, ignore: 'pid,hostname', translateTime: 'SYS:yyyy-mm-dd HH:MM:ss.l' }) };
}

export async function serve(argv: string[]): Promise<void> {
  const { values: flags } = parse(argv, SERVE_FLAGS);
  if (flags.help) return console.log(SERVE_HELP);
  const settings = settingsFrom(flags, process.env);
  if (cluster.isWorker) return serveNode(settings, true);
  await checkHost(settings.host);
  ensureDataDir(settings.store);
  if (settings.workers > 1) return Primary.run(settings);
  return serveNode(settings, false);
}

/** Serves HTTP in this process: the whole server, or (`worker`) one of the primary's worker processes. */
async function serveNode(settings: Settings, worker: boolean): Promise<void> {
  const store = await openStore(settings.store);
  const clock = clockFrom(settings);
  const member = worker ? await ClusterMember.join(settings, clock) : undefined;
  // Until the app's logger exists, on stderr.
  let warn = (message: string, e: unknown) => console.error(`emrest: ${message} (${(e as Error).message})`);
  const report = (e: unknown) => warn('the estate could not catch up; trying again', e);
  // Made before the app, so the estate's catch-ups from the start are counted.
  const metrics = new Metrics();
  // Of a node's worker processes only the leader runs (and may write) the estate.
  const leader = member && !member.setup.leader
    ? undefined
    : new EstateLeader(store, clock, estateLoader(store, clock, settings, member?.setup.first ?? true), {
        tickMs: DEFAULTS.estateTickMs,
        report,
        onRun: (counts) => metrics.simulationRan(counts),
      });
  await leader?.start();
  if (leader && !leader.leading && leader.current) console.log('The live estate runs on another node of this database; this node takes it over if that one stops');
  if (leader) member?.runEstateFor(() => leader.current);
  // Nodes of one database share one clock: the first node's, as its flags set it.
  const shared = settings.store.databaseUrl === undefined ? undefined : new SharedClock(store, clock, (e) => warn('the shared clock could not be read or written; trying again', e));
  await shared?.start(leader?.leading ?? false);
  // Only the admin API and the estate write data while serving; the API's writes run off the event loop.
  const dataWriter = settings.adminToken === undefined ? undefined : new WriterThread(settings.store);

  const journal = new Journal(settings.journalSize);
  const idleTimers = new IdleTimers(store, member ? DEFAULTS.clusterIdleTimerFlushMs : DEFAULTS.idleTimerFlushMs);
  member?.answer(journal, metrics, idleTimers);
  const ctx = appContext(settings, store, {
    clock,
    dataWriter,
    estate: member?.estateProxy ?? (() => leader?.current),
    clockSettled: member && (() => member.clockSettled()),
  });
  const app = buildApp(ctx, { logger: loggerOptions(settings), metrics, journal, idleTimers, shared: member });
  warn = (message, e) => app.log.warn({ err: e }, message);
  const { host, httpPort, httpsPort } = settings;
  const tls = httpsPort === undefined ? undefined : member?.setup.tls ?? settings.tls ?? (await tlsMaterial(settings.store.dataDir));
  const urls = await listen(app, { host, httpPort, httpsPort, tls });

  // Once, however many ways it is asked (a worker hears Ctrl-C, its primary's SIGTERM, the primary leaving).
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      leader?.stop();
      shared?.stop();
      await app.close();
      await dataWriter?.close();
      await store.close();
      process.exit(0);
    })());
  // Before "listening" is printed: whoever waits for that line may signal at once, and a
  // signal without a handler yet would kill the process instead of stopping it.
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  if (!member) {
    for (const url of urls) console.log(`listening ${url}`);
    return;
  }
  // A worker whose primary is gone has nobody to share with: it stops too.
  process.once('disconnect', stop);
  await member.ready({ urls, estate: leader?.current !== undefined });
}
