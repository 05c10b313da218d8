/**
 * `npm run bench`: emrest against a bare Fastify server replaying its bytes, json-server and
 * Prism, on a seeded dataset, with autocannon over loopback. See `--help` and README "Benchmarks".
 *
 * Everything is bounded: seeding by --seed-timeout, the rest by --time-limit (what no longer
 * fits is skipped, and a hard stop follows 60 s later), each load run by its duration (plus a
 * guard) and a request cap. Every child process is killed on the way out.
 */
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CapturedResponse } from './captured.js';
import { compareBackends, ensurePostgresDataset, renderBackendTable } from './backends.js';
import { ensureDataset, type Dataset } from './dataset.js';
import { measure, measurePaced, timeSequential, type LoadSpec, type Measurement } from './load.js';
import { HELP, parseOptions, UsageError, type BenchOptions } from './options.js';
import { ensurePeers, startJsonServer, startPrism, type PeerRoute } from './peers.js';
import { LIVE_SESSION_TIMEOUT, LIVE_SPEED, liveMix, renderLive, runLive, type LiveResult } from './live.js';
import { killAll, RssSampler, runToEnd, start, waitForLine, type Child } from './processes.js';
import {
  FORMATS, renderReport, resultKey, TARGET_LABELS,
  type BenchRequest, type Format, type HalfLoad, type ScalingRow, type TargetName,
} from './report.js';
import { renderWorkers, type WorkersRun } from './workers.js';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
// Beside this file, so a build into another directory (tsc --outDir dist-x) runs its own server.
const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const STATIC_SERVER = fileURLToPath(new URL('./static-server.js', import.meta.url));
const CACHE = join(ROOT, 'bench/.cache');
const PEERS_DIR = join(ROOT, 'bench/.peers');

const ACCEPT: Record<Format, string> = { json: 'application/json', xml: 'application/xml' };
const BENCH_USER = 'bench';
/**
 * The logon benchmark's own user: its thousands of logons would otherwise push the query
 * session out of the per-user cap of logon sessions while it waits for the next table.
 */
const LOGON_USER = 'bench-logon';

// ---------------------------------------------------------------------------------------------
// emrest

interface Emrest {
  readonly child: Child;
  readonly base: string;
  readonly token: string;
  /** Basic credentials of the logon benchmark (f). */
  readonly basic: string;
  readonly dataset: Dataset;
  readonly password: string;
}

/**
 * Starts emrest on the dataset, its bench users added and logged on; with `peer`, a second
 * node of the same database, which takes the first one's users and logon session as they are.
 */
async function startEmrest(dataset: Dataset, now: string, peer?: Emrest, serveArgs: readonly string[] = []): Promise<Emrest> {
  const env = { ...process.env, EMREST_NOW: now };
  const password = peer?.password ?? randomBytes(12).toString('base64url');
  // Opening the store may migrate an older cached database: allow for it.
  for (const user of peer ? [] : [BENCH_USER, LOGON_USER]) {
    await runToEnd('users add', process.execPath, [CLI, 'users', 'add', user, `--password=${password}`, ...dataset.storeArgs], { env, timeoutMs: 900_000 });
  }
  const child = start('emrest', process.execPath, [
    CLI, 'serve', ...dataset.storeArgs, '--host', '127.0.0.1', '--http-port', '0', '--no-https', '--page-size', '100', ...serveArgs,
  ], { env });
  const m = await waitForLine(child, /listening (http:\/\/127\.0\.0\.1:\d+)\/api\//, 300_000);
  const base = m[1];
  const basicOf = (user: string) => 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64');
  if (peer) return { ...peer, child, base };
  const res = await fetch(`${base}/api/sessionMngr/?v=latest`, { method: 'POST', headers: { Authorization: basicOf(BENCH_USER) } });
  await res.arrayBuffer();
  const token = res.headers.get('x-restsvcsessionid');
  if (res.status !== 201 || !token) throw new Error(`emrest logon failed: HTTP ${res.status}`);
  return { child, base, token, basic: basicOf(LOGON_USER), dataset, password };
}

async function getJson(em: Emrest, path: string): Promise<Record<string, unknown>> {
  const res = await fetch(em.base + path, { headers: { 'X-RestSvcSessionId': em.token, Accept: 'application/json' } });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`GET ${path}: HTTP ${res.status} ${text.slice(0, 300)}`);
  return JSON.parse(text.replace(/^\uFEFF/, '')) as Record<string, unknown>;
}

/** Total rows of a query type (PagingInfo.PagesCount at pageSize=1). */
async function countOf(em: Emrest, type: string): Promise<number> {
  const doc = await getJson(em, `/api/query?type=${type}&pageSize=1`);
  return Number((doc.PagingInfo as { PagesCount?: number } | undefined)?.PagesCount ?? NaN);
}

interface DatasetFacts {
  readonly serverName: string;
  readonly jobName: string;
  /** Path of a real replica session, with `?format=Entity`. */
  readonly sessionPath: string;
  readonly counts: { replica: number; backup: number; replicaTasks: number; backupTasks: number };
}

interface Link { Rel?: string; Type?: string; Name?: string; Href?: string }

/** Real values from the dataset: the most recent successful replica session, its job and backup server. */
async function discover(em: Emrest): Promise<DatasetFacts> {
  const doc = await getJson(em, '/api/query?type=ReplicaJobSession&format=Entities&filter=Result==Success&sortDesc=EndTime&pageSize=1');
  const entities = (doc.Entities as Record<string, Record<string, unknown[]>> | undefined)?.ReplicaJobSessions?.ReplicaJobSessions;
  const s = entities?.[0] as { JobName?: string; Href?: string; Links?: Link[] } | undefined;
  const serverName = s?.Links?.find((l) => l.Type === 'BackupServerReference')?.Name;
  if (!s?.JobName || !s.Href || !serverName) throw new Error('the dataset has no successful replica session to take real names from');
  const href = new URL(s.Href);
  const [replica, backup, replicaTasks, backupTasks] = await Promise.all(
    ['ReplicaJobSession', 'BackupJobSession', 'ReplicaTaskSession', 'BackupTaskSession'].map((t) => countOf(em, t)),
  );
  return { serverName, jobName: s.JobName, sessionPath: href.pathname + href.search, counts: { replica, backup, replicaTasks, backupTasks } };
}

/** Rows a query request matches (its PagesCount at pageSize=1); undefined for other requests. */
async function matches(em: Emrest, r: BenchRequest): Promise<number | undefined> {
  if (!isCachedQuery(r)) return undefined;
  const [path, query] = r.path.split('?');
  const params = query.split('&').filter((p) => !/^(pageSize|page)=/i.test(p));
  const doc = await getJson(em, `${path}?${[...params, 'pageSize=1'].join('&')}`);
  return Number((doc.PagingInfo as { PagesCount?: number } | undefined)?.PagesCount ?? NaN);
}

/** A filter value in a URL: percent-encoded, but with `=;,:` left readable as EM clients send them. */
const enc = (text: string) =>
  encodeURIComponent(text).replace(/%3D/g, '=').replace(/%3B/g, ';').replace(/%2C/g, ',').replace(/%3A/g, ':');

function requestsFor(facts: DatasetFacts, now: string): BenchRequest[] {
  const dayAgo = new Date(Date.parse(now) - 86_400_000).toISOString().replace(/\.000Z$/, 'Z');
  const q = 'type=ReplicaJobSession';
  return [
    { id: 'a', title: 'seed query (successful sessions of one backup server, Entities, default page of 100)', method: 'GET',
      path: `/api/query?${q}&format=Entities&filter=${enc(`BackupServerName=="${facts.serverName}";Result==Success`)}`, expectStatus: 200 },
    { id: 'b', title: 'unsuccessful sessions of the last 24 h, newest first', method: 'GET',
      path: `/api/query?${q}&format=Entities&filter=${enc(`CreationTime>=${dayAgo};Result!=Success`)}&sortDesc=EndTime&pageSize=100`, expectStatus: 200 },
    { id: 'c', title: 'Zabbix pattern: last successful session of one job (References)', method: 'GET',
      path: `/api/query?${q}&filter=${enc(`JobName=="${facts.jobName}";Result==Success`)}&sortDesc=EndTime&pageSize=1`, expectStatus: 200 },
    { id: 'd', title: 'page 50 of an unfiltered References query', method: 'GET',
      path: `/api/query?${q}&pageSize=100&page=50`, expectStatus: 200 },
    { id: 'e', title: 'one replica session by id', method: 'GET', path: facts.sessionPath, expectStatus: 200 },
    { id: 'f', title: 'logon with Basic auth (peers: a static 201 body)', method: 'POST', path: '/api/sessionMngr/?v=latest', expectStatus: 201 },
  ];
}

/** Answers emrest keeps in its response cache (the query service; resources by id are not cached). */
const isCachedQuery = (r: BenchRequest) => r.method === 'GET' && r.path.startsWith('/api/query?');

function emrestHeaders(em: Emrest, r: BenchRequest, f: Format): Record<string, string> {
  return r.method === 'POST'
    ? { Accept: ACCEPT[f], Authorization: em.basic }
    : { Accept: ACCEPT[f], 'X-RestSvcSessionId': em.token };
}

/** emrest's answer to each request and format, checked for the expected status. */
async function capture(em: Emrest, requests: readonly BenchRequest[]): Promise<CapturedResponse[]> {
  const out: CapturedResponse[] = [];
  for (const r of requests) {
    for (const f of FORMATS) {
      const res = await fetch(em.base + r.path, { method: r.method, headers: emrestHeaders(em, r, f) });
      const body = Buffer.from(await res.arrayBuffer());
      if (res.status !== r.expectStatus) {
        throw new Error(`emrest answered ${r.method} ${r.path} (${f}) with ${res.status}, not ${r.expectStatus}: ${body.toString('utf8').slice(0, 300)}`);
      }
      out.push({
        method: r.method, url: r.path, json: f === 'json', status: res.status,
        headers: { 'Content-Type': res.headers.get('content-type') ?? 'application/octet-stream' },
        body: body.toString('base64'),
      });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Run

const fmtInt = (n: number) => (Number.isFinite(n) ? n.toLocaleString('en-US') : '?');

function machine(): string {
  let model = cpus()[0]?.model?.trim() ?? 'unknown CPU';
  try {
    const m = readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.+)$/m);
    if (m) model = m[1].trim();
  } catch { /* not Linux */ }
  return `${model}, ${cpus().length} cores (load generator, emrest and the other servers share them)`;
}

function describeDataset(ds: Dataset, facts: DatasetFacts): string {
  const c = facts.counts;
  const total = c.replica + c.backup;
  const how = `\`seed ${ds.seedArgs.join(' ')}\``;
  return `${fmtInt(total)} job sessions (${fmtInt(c.replica)} replica + ${fmtInt(c.backup)} backup) with ` +
    `${fmtInt(c.replicaTasks + c.backupTasks)} task sessions; ${how}, EMREST_NOW pinned; ` +
    `${ds.cached ? 'from the cache' : `seeded in ${ds.seedSeconds} s`} (bench/.cache/${ds.key})`;
}

async function main(o: BenchOptions): Promise<number> {
  if (!existsSync(CLI) || !existsSync(STATIC_SERVER)) throw new Error(`build first (npm run build): ${relative(ROOT, CLI)} or ${relative(ROOT, STATIC_SERVER)} missing`);
  const notes: string[] = [];
  const seedOpts = { now: o.now, reseed: o.reseed, timeoutMs: o.seedTimeout * 1000 };
  const sqliteDataset = await ensureDataset(CLI, CACHE, o.sessions, seedOpts);
  const dataset = o.backend === 'postgres' ? await ensurePostgresDataset(CLI, CACHE, o.sessions, o.postgres, seedOpts) : sqliteDataset;
  const smallTarget = Math.max(100, Math.round(o.sessions / 10));
  const smallDataset = !o.scaling ? undefined
    : o.backend === 'postgres' ? await ensurePostgresDataset(CLI, CACHE, smallTarget, o.postgres, seedOpts)
    : await ensureDataset(CLI, CACHE, smallTarget, seedOpts);
  if (o.seedOnly) return 0;

  const work = mkdtempSync(join(tmpdir(), 'emrest-bench-'));
  const stops: (() => Promise<void>)[] = [];
  let hard: NodeJS.Timeout | undefined;
  try {
    console.log(`starting emrest on ${dataset.key}`);
    const em = await startEmrest(dataset, o.now);
    stops.push(() => em.child.stop());

    // From here on (emrest is up: any migration of a cached database is done), the time budget applies.
    const t0 = Date.now();
    const loadAtStart = loadavg()[0];
    const softDeadline = t0 + o.timeLimit * 1000;
    hard = setTimeout(() => {
      console.error(`bench: hard time limit (${o.timeLimit + 60} s after emrest started) reached; stopping`);
      killAll();
      process.exit(3);
    }, (o.timeLimit + 60) * 1000);
    hard.unref();
    let skipped = 0;
    const fits = (seconds: number) => Date.now() + seconds * 1000 <= softDeadline;

    const rss = new RssSampler(em.child.pid).start();
    const facts = await discover(em);
    const requests = requestsFor(facts, o.now);
    const captured = await capture(em, requests);
    const matched = new Map<string, number>();
    for (const r of requests) {
      const n = await matches(em, r);
      if (n !== undefined) matched.set(r.id, n);
    }
    const datasetLine = describeDataset(dataset, facts);
    console.log(`dataset: ${datasetLine}`);

    // Targets
    const targets: TargetName[] = ['emrest'];
    const bases: Partial<Record<TargetName, string>> = { emrest: em.base };
    writeFileSync(join(work, 'responses.json'), JSON.stringify(captured));
    const fastify = start('fastify-static', process.execPath, [STATIC_SERVER, join(work, 'responses.json')]);
    stops.push(() => fastify.stop());
    bases.fastify = `http://127.0.0.1:${(await waitForLine(fastify, /listening (\d+)/, 30_000))[1]}`;
    targets.push('fastify');

    const peerRoutes: PeerRoute[] = requests.map((r) => {
      const body = (f: Format) => Buffer.from(captured.find((c) => c.url === r.path && c.json === (f === 'json'))!.body, 'base64').toString('utf8');
      return { id: r.id, method: r.method, url: r.path, status: r.expectStatus, json: body('json'), xml: body('xml') };
    });
    if (o.peers) {
      const { ready, notes: peerNotes } = await ensurePeers(PEERS_DIR, o.install);
      for (const n of peerNotes) {
        console.log(`peers: ${n}`);
        notes.push(n);
      }
      if (ready.has('json-server')) {
        try {
          const js = await startJsonServer(PEERS_DIR, work, peerRoutes);
          stops.push(() => js.child.stop());
          bases['json-server'] = `http://127.0.0.1:${js.port}`;
          targets.push('json-server');
          notes.push('json-server 0.17.4 serves each GET from a db.json singular resource `/<id>` (it re-serialises the body with 2-space indentation) and the logon POST from a static-body middleware; for XML rows it was measured once on the JSON equivalent.');
        } catch (e) {
          const msg = `json-server could not be started, skipped: ${(e as Error).message.split('\n')[0]}`;
          console.log(msg);
          notes.push(msg);
        }
      }
      if (ready.has('@stoplight/prism-cli')) {
        try {
          const prism = await startPrism(PEERS_DIR, work, peerRoutes);
          stops.push(() => prism.child.stop());
          bases.prism = `http://127.0.0.1:${prism.port}`;
          targets.push('prism');
          notes.push('Prism 5.14.2 `prism mock` serves a generated OpenAPI 3 document with one named static example per request and format (the same URLs; `Prefer: example=<id>` picks the example; `--verboseLevel error`).');
        } catch (e) {
          const msg = `Prism could not be started, skipped: ${(e as Error).message.split('\n')[0]}`;
          console.log(msg);
          notes.push(msg);
        }
      }
    } else {
      notes.push('json-server and Prism were not run (--no-peers' + (o.smoke ? ', implied by --smoke' : '') + ').');
    }
    const jsonOnly = new Set<TargetName>(targets.includes('json-server') ? ['json-server'] : []);

    const specFor = (t: TargetName, r: BenchRequest, f: Format, duration: number): LoadSpec | undefined => {
      if (f === 'xml' && jsonOnly.has(t)) return undefined; // measured once, as JSON
      const base = bases[t]!;
      const common = { method: r.method, connections: o.connections, duration, expectStatus: r.expectStatus } as const;
      switch (t) {
        case 'emrest': return { ...common, url: base + r.path, headers: emrestHeaders(em, r, f) };
        case 'fastify': return { ...common, url: base + r.path, headers: emrestHeaders(em, r, f) };
        case 'json-server': return { ...common, url: `${base}/${r.id}`, headers: { Accept: ACCEPT[f] } };
        case 'prism': return { ...common, url: base + r.path, headers: { ...emrestHeaders(em, r, f), Prefer: `example=${r.id}` } };
      }
    };

    const perRound = targets.reduce((n, t) => n + requests.length * (jsonOnly.has(t) ? 1 : 2), 0);
    const estimate = perRound * (o.warmup + o.rounds * o.duration) + requests.length * 4 * o.duration + requests.filter(isCachedQuery).length * 2 * 2 * o.duration +
      (o.scaling ? requests.length * 2 * 4 * Math.max(0.5, o.duration / 2) : 0);
    console.log(`targets: ${targets.map((t) => TARGET_LABELS[t]).join(', ')}; ${perRound} measurements per round × ${o.rounds} rounds ` +
      `of ${o.duration} s, ${o.connections} connections; about ${Math.round(estimate + perRound * o.rounds * 0.15)} s of load (budget ${o.timeLimit} s)`);

    // Warm-up, then interleaved rounds: per request and format, every target in turn (rotated each round).
    const results = new Map<string, Measurement[]>();
    const badStatus = (t: TargetName, m: Measurement) => {
      if (t === 'emrest' && m.errors > 0) console.log(`  ! emrest errors: ${JSON.stringify(m.statuses)}`);
    };
    if (o.warmup > 0) {
      console.log(`warm-up (${o.warmup} s per target, request and format)`);
      for (const t of targets) {
        for (const r of requests) {
          for (const f of FORMATS) {
            const spec = specFor(t, r, f, o.warmup);
            if (!spec) continue;
            if (!fits(o.warmup + 1)) { skipped++; continue; }
            await measure(spec);
          }
        }
      }
    }
    for (let round = 0; round < o.rounds; round++) {
      console.log(`round ${round + 1}/${o.rounds}`);
      const order = targets.map((_, i) => targets[(i + round) % targets.length]);
      for (const r of requests) {
        for (const f of FORMATS) {
          const line: string[] = [];
          for (const t of order) {
            const spec = specFor(t, r, f, o.duration);
            if (!spec) continue;
            if (!fits(o.duration + 1)) { skipped++; continue; }
            const m = await measure(spec);
            badStatus(t, m);
            const key = resultKey(t, r.id, f);
            results.set(key, [...(results.get(key) ?? []), m]);
            line.push(`${TARGET_LABELS[t]} ${Math.round(m.rps)}/s p99 ${m.p99} ms${m.errors ? ` ${m.errors} err` : ''}`);
          }
          console.log(`  ${r.id} ${f.padEnd(4)} ${line.join(' · ')}`);
        }
      }
    }

    // emrest at half its throughput.
    const halfLoad = new Map<string, HalfLoad>();
    console.log('emrest at half load');
    for (const r of requests) {
      for (const f of FORMATS) {
        const full = results.get(resultKey('emrest', r.id, f));
        if (!full?.length) continue;
        const sorted = full.map((m) => m.rps).sort((a, b) => a - b);
        const rate = Math.max(1, Math.floor(sorted[Math.floor(sorted.length / 2)] / 2));
        // overallRate allows a quota per started second: whole seconds keep the achieved rate on target.
        const whole = o.duration >= 1 ? Math.round(o.duration) : o.duration;
        if (!fits(whole + 1)) { skipped++; continue; }
        const spec = specFor('emrest', r, f, o.duration)!;
        const m = await measure({ ...spec, duration: whole, overallRate: rate });
        badStatus('emrest', m);
        const paced = fits(o.duration + 1) ? await measurePaced({ ...spec, rate }) : undefined;
        if (paced) badStatus('emrest', paced);
        halfLoad.set(`${r.id}|${f}`, { rate, m, paced });
        console.log(`  ${r.id} ${f.padEnd(4)} ${rate}/s: autocannon ${Math.round(m.rps)}/s p99 ${m.p99} ms` +
          (paced ? ` · paced ${Math.round(paced.rps)}/s p99 ${paced.p99.toFixed(1)} ms` : ''));
      }
    }

    const queries = requests.filter(isCachedQuery);
    // emrest with its query response cache defeated (a new Host, so a new link base, per request).
    const measureUncached = async (e: Emrest): Promise<Map<string, Measurement>> => {
      const out = new Map<string, Measurement>();
      for (const r of queries) {
        for (const f of FORMATS) {
          if (!fits(o.duration + 1)) { skipped++; continue; }
          const m = await measure({
            url: e.base + r.path, method: r.method, headers: emrestHeaders(e, r, f), connections: o.connections,
            duration: o.duration, expectStatus: r.expectStatus, uniqueHost: true,
          });
          badStatus('emrest', m);
          out.set(`${r.id}|${f}`, m);
          console.log(`  ${r.id} ${f.padEnd(4)} ${Math.round(m.rps)}/s p50 ${m.p50} ms p99 ${m.p99} ms`);
        }
      }
      return out;
    };
    console.log('emrest without response cache hits (unique Host per request)');
    const uncached = await measureUncached(em);

    // Extra servers of the dataset (rows rendered anew, live, worker counts): started one at a time, each stopped after use.
    const withServer = async <T>(label: string, ds: Dataset, serveArgs: readonly string[], fn: (e: Emrest, rss: RssSampler) => Promise<T>): Promise<T> => {
      console.log(`starting emrest (${label})`);
      const e = await startEmrest(ds, o.now, undefined, serveArgs);
      stops.push(() => e.child.stop());
      const sampler = new RssSampler(e.child.pid).start();
      try {
        return await fn(e, sampler);
      } finally {
        sampler.stop();
        await e.child.stop();
      }
    };

    // The same without kept row texts: every row read and rendered for every answer.
    const RENDER_ANEW = ['--row-texts-mb', '0'];
    const rendered = fits(queries.length * 2 * (o.duration + 1) + 10)
      ? await withServer('--row-texts-mb 0', dataset, RENDER_ANEW, (e) => measureUncached(e))
      : new Map<string, Measurement>();

    const workerArgs = (n: number | undefined) => (n === undefined ? [] : ['--workers', String(n)]);

    // The live estate under polling: a copy of the dataset, as the simulation writes into it.
    const liveRuns: { label: string; r: LiveResult }[] = [];
    const liveArgs = ['--now', o.now, '--clock', 'real', '--speed', String(LIVE_SPEED), '--session-timeout', String(LIVE_SESSION_TIMEOUT), '--simulate'];
    if (o.live) {
      const copy = join(work, 'live');
      for (const n of o.workers.length ? o.workers : [undefined]) {
        if (!fits(2 * o.liveDuration + 30)) { skipped++; continue; }
        rmSync(copy, { recursive: true, force: true });
        cpSync(dataset.dir, copy, { recursive: true });
        const label = n === undefined ? 'emrest' : `--workers ${n}`;
        const r = await withServer(`live, ${label}`, { ...dataset, dir: copy, storeArgs: ['--data-dir', copy] },
          [...liveArgs, ...workerArgs(n)],
          (e, sampler) => runLive({ base: e.base, headers: { 'X-RestSvcSessionId': e.token }, rss: sampler },
            liveMix(queries, (q, f) => emrestHeaders(e, q, f)), { connections: o.connections, duration: o.liveDuration }));
        liveRuns.push({ label, r });
        console.log(`  ${label}: max ${Math.round(r.max.m.rps)}/s p99 ${r.max.m.p99} ms, hits ${(r.max.hitRate * 100).toFixed(1)} %; ` +
          `half ${r.half.rate}/s: ${Math.round(r.half.m.rps)}/s p99 ${Math.round(r.half.m.p99)} ms, hits ${(r.half.hitRate * 100).toFixed(1)} %; ` +
          `${r.sessionsWritten} sessions written; RSS ${Math.round(r.rssKiB / 1024)} MiB in ${r.processes} process(es)`);
      }
      rmSync(copy, { recursive: true, force: true });
    }
    const liveSection = liveRuns.length === 0 ? undefined : renderLive(liveRuns,
      `emrest \`serve ${liveArgs.join(' ')}\` on a copy of the dataset: the estate runs ten simulated ` +
      `minutes per real second from the dataset's instant, writing sessions (each write moves the data generations the response cache keys on); ` +
      `the logon session's idle timeout is a simulated day, as EM's 15 minutes would pass in 1.5 real seconds and autocannon does not log on again. ` +
      `autocannon, ${o.connections} connections, cycles per connection through the a–d queries in JSON and XML, each URL four times as before ` +
      `and once with a new \`Host\` (20 % of requests never cached); ${o.liveDuration} s unthrottled (maximum), then ${o.liveDuration} s ` +
      `at half that rate, evenly paced over ${o.connections} keep-alive connections (the same mix in turn; latency counted from when each request was due). Cache hit rate: \`emrest_response_cache_hits_total\` ÷ (hits + misses) from /metrics over the phase; rows from kept texts: \`emrest_row_texts_reused_total\` ÷ (reused + rendered), the rows of the answers not cached that were unchanged since last rendered.`);

    // serve --workers N side by side, without response cache hits.
    const workerRuns: WorkersRun[] = [];
    for (const n of o.workers) {
      if (!fits(queries.length * 2 * (o.duration + 1) + 20)) { skipped++; continue; }
      workerRuns.push(await withServer(`--workers ${n}`, dataset, workerArgs(n), async (e, sampler) => {
        const u = await measureUncached(e);
        return { workers: n, uncached: u, rssKiB: sampler.max, processes: sampler.processes };
      }));
    }
    const workersSection = workerRuns.length === 0 ? undefined : renderWorkers(workerRuns, queries,
      `The a–d queries, each with a new \`Host\` per request (no response cache hits), ${o.duration} s of ${o.connections} connections each, ` +
      `against \`serve --workers N\` on the same dataset. The machine has ${cpus().length} cores and autocannon runs on them too, in the benchmark's process: ` +
      'with 2 cores, 2 workers compete with the load generator for the second core.');

    // SQLite vs PostgreSQL, one node and two.
    let backendTable: string | undefined;
    if (o.backend === 'postgres') {
      console.log('SQLite vs PostgreSQL (1 and 2 nodes)');
      const onSqlite = await startEmrest(sqliteDataset, o.now);
      stops.push(() => onSqlite.child.stop());
      const second = await startEmrest(dataset, o.now, em);
      stops.push(() => second.child.stop());
      const node = (e: Emrest) => ({ base: e.base, headers: (r: BenchRequest, f: Format) => emrestHeaders(e, r, f) });
      const rows = await compareBackends(requests, node(onSqlite), [node(em), node(second)], { connections: o.connections, duration: o.duration, fits });
      backendTable = renderBackendTable(rows,
        `The same dataset (${fmtInt(o.sessions)} sessions asked for) seeded into SQLite and into PostgreSQL on the same machine; each cell one ${o.duration} s autocannon run ` +
        `of ${o.connections} connections (two nodes: two runs at once, ${Math.floor(o.connections / 2)} connections each, rates added, worst p99). ` +
        'Everything (PostgreSQL, both nodes, autocannon) shares this machine\'s cores: two nodes here show contention, not what two machines would do. ' +
        '"none": a new Host per request, so no answer comes from the response cache (each reads its page\'s revisions and count, and puts the rows\' kept texts together); "hits": the same URL again.');
      await onSqlite.child.stop();
      await second.child.stop();
    }

    // Time per query, small vs large dataset.
    let scaling: { smallLabel: string; largeLabel: string; rows: ScalingRow[] } | undefined;
    if (smallDataset) {
      const per = Math.max(0.5, o.duration / 2);
      console.log(`time per query: ${smallDataset.key} vs ${dataset.key}`);
      const small = await startEmrest(smallDataset, o.now);
      stops.push(() => small.child.stop());
      const anew = await startEmrest(dataset, o.now, undefined, RENDER_ANEW);
      stops.push(() => anew.child.stop());
      const smallFacts = await discover(small);
      const smallRequests = requestsFor(smallFacts, o.now);
      const rows: ScalingRow[] = [];
      const label = (c: DatasetFacts['counts']) => {
        const n = c.replica + c.backup;
        return Math.round(n / 1e3) >= 1000 ? `${Math.round(n / 1e5) / 10}M` : n >= 1e3 ? `${Math.round(n / 1e3)}k` : String(n);
      };
      for (const [i, r] of requests.entries()) {
        if (r.method !== 'GET') continue; // logon time does not depend on the data
        for (const f of FORMATS) {
          if (!fits(4 * per + 2)) { skipped++; continue; }
          const sr = smallRequests[i];
          const time = (e: Emrest, q: BenchRequest, seconds: number, o2: { maxCount?: number; uniqueHost?: boolean } = {}) =>
            timeSequential(e.base + q.path, q.method, emrestHeaders(e, q, f), q.expectStatus, seconds, o2);
          const both = async (e: Emrest, q: BenchRequest) => {
            await time(e, q, 0.2, { maxCount: 50 }); // warm-up: statement cache, JIT, page cache
            return { uncached: await time(e, q, per, { uniqueHost: true }), cached: await time(e, q, per / 2) };
          };
          const s = await both(small, sr);
          const l = await both(em, r);
          await time(anew, r, 0.2, { maxCount: 50 });
          const largeRendered = await time(anew, r, per, { uniqueHost: true });
          rows.push({ request: r, format: f, small: s, large: l, largeRendered, matched: [await matches(small, sr), matched.get(r.id)] });
          console.log(`  ${r.id} ${f.padEnd(4)} ${s.uncached.mean.toFixed(2)} ms → ${l.uncached.mean.toFixed(2)} ms (cache hits ${s.cached.mean.toFixed(2)} → ${l.cached.mean.toFixed(2)} ms; ` +
            `rendered anew ${largeRendered.mean.toFixed(2)} ms)`);
        }
      }
      scaling = { smallLabel: `${label(smallFacts.counts)} sessions`, largeLabel: `${label(facts.counts)} sessions`, rows };
      await small.child.stop();
      await anew.child.stop();
    }
    rss.stop();
    rss.sample();

    if (skipped > 0) notes.push(`${skipped} measurements were skipped: the time budget (--time-limit ${o.timeLimit} s) ran out.`);
    if (!o.peers) { /* already noted */ }
    notes.push(`autocannon runs in the benchmark's own process on the same ${cpus().length} cores as the servers; latencies are whole milliseconds (autocannon's histogram), "<1" is below 1 ms.`);
    notes.push('emrest caches rendered query answers (keyed by query string, format and link base; emptied by any write to a table the answer reads), so repeated identical queries (a–d) are mostly cache hits, as with a monitoring tool polling the same URL; the "without response cache" table and the time-per-query table send a new `Host` per request to miss that cache. Below it, emrest keeps each row\'s rendered text for as long as the row\'s revision is unchanged (`--row-texts-mb`), so those answers read the rows\' revisions and put kept texts together; the "rendered anew" columns measure a server that keeps none. Logons (f) verify the password with scrypt once, then against emrest\'s credential cache.');
    notes.push('Fastify static: the project\'s Fastify, default options, one wildcard route replaying the exact status, Content-Type and body emrest returned for each request (captured first).');

    const report = renderReport({
      title: o.smoke ? 'emrest benchmark (smoke run)' : 'emrest benchmark',
      date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      machine: `${machine()}; 1-minute load average ${loadAtStart.toFixed(1)} just before the load started` +
        (loadAtStart > cpus().length * 0.75 ? ' (other work was running on the machine: expect noise)' : ''),
      node: process.version,
      dataset: datasetLine,
      settings: `${o.rounds} round(s) × ${o.duration} s per target, request and format after ${o.warmup} s warm-up; ${o.connections} keep-alive connections; emrest \`serve --no-https --page-size 100\`, EMREST_NOW=${o.now}`,
      requests,
      matched,
      bodyBytes: new Map(requests.map((r) => [r.id, Object.fromEntries(FORMATS.map((f) => [f,
        Buffer.from(captured.find((c) => c.url === r.path && c.json === (f === 'json'))!.body, 'base64').length])) as Record<Format, number>])),
      targets,
      results,
      jsonOnly,
      halfLoad,
      uncached,
      rendered,
      rss: { idleKiB: rss.first, maxKiB: rss.max, samples: rss.samples },
      scaling,
      notes,
      elapsedSeconds: (Date.now() - t0) / 1000,
    });
    const sections = [liveSection, workersSection, backendTable].filter((x) => x !== undefined).map((x) => `\n${x}`).join('');
    console.log('\n' + report + sections);
    if (o.out) {
      const file = resolve(o.out);
      writeFileSync(file, `# Benchmark results\n\nWritten by \`npm run bench\` (bench/run.ts); see README.md, "Benchmarks".\n\n${report}${sections}`);
      const shown = relative(process.cwd(), file);
      console.log(`written to ${shown && !shown.startsWith('..') ? shown : file}`);
    }
    return 0;
  } finally {
    clearTimeout(hard);
    for (const stop of stops.reverse()) await stop().catch(() => {});
    rmSync(work, { recursive: true, force: true });
  }
}

process.once('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    killAll();
    process.exit(130);
  });
}

let options: BenchOptions | undefined;
try {
  options = parseOptions(process.argv.slice(2), join(ROOT, 'bench/RESULTS.md'));
} catch (e) {
  if (e instanceof UsageError) {
    console.error(`bench: ${e.message}\n\n${HELP}`);
    process.exit(2);
  }
  throw e;
}
if (options) {
  main(options).then(
    (code) => process.exit(code),
    (e: unknown) => {
      console.error(`bench: ${(e as Error).stack ?? e}`);
      killAll();
      process.exit(1);
    },
  );
}
