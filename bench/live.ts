/**
 * The `live` scenario (`--live`): emrest on a copy of the dataset with the estate simulated at
 * `--speed 600` from the dataset's instant (ten simulated minutes per second: jobs start,
 * sessions are written and every write moves the data generations the response cache keys
 * on), polled with a mix of the a–d queries as monitoring tools send them: mostly the same
 * URLs again, a share distinct. First unthrottled (the maximum rate), then at half of it.
 */
import { measure, measurePaced, type MixEntry, type Measurement } from './load.js';
import type { RssSampler } from './processes.js';
import { FORMATS, type BenchRequest, type Format } from './report.js';

/** Simulated seconds per real second while the scenario runs. */
export const LIVE_SPEED = 600;
/** Seconds of simulated idle time a logon session lasts in the scenario: at 600× EM's 900 would be 1.5 real seconds. */
export const LIVE_SESSION_TIMEOUT = 86_400;

/**
 * Per cycle, every a–d URL (JSON and XML) four times exactly as before, as pollers repeat
 * them, and once with a new `Host`, a query nobody asked before (never a cache hit): 20 %
 * distinct.
 */
const REPEATS = 4;

/** The poll mix: the a–d queries in both formats, repeated, then each once distinct. */
export function liveMix(queries: readonly BenchRequest[], headers: (r: BenchRequest, f: Format) => Record<string, string>): MixEntry[] {
  const all = queries.flatMap((r) => FORMATS.map((f) => ({ path: r.path, headers: headers(r, f) })));
  return [...Array.from({ length: REPEATS }, () => all).flat(), ...all.map((e) => ({ ...e, uniqueHost: true }))];
}

/** What the scenario needs of the server under test. */
export interface LiveTarget {
  readonly base: string;
  /** Headers of the session count queries. */
  readonly headers: Record<string, string>;
  readonly rss: RssSampler;
}

export interface LivePhase {
  readonly m: Measurement;
  /** Cache hits ÷ (hits + misses) over the phase, from /metrics. */
  readonly hitRate: number;
  /** Rows of the answers computed that came from kept texts ÷ all their rows read by revision, from /metrics. */
  readonly rowReuse: number;
}

export interface LiveResult {
  readonly max: LivePhase;
  /** At half the maximum rate, evenly paced (`measurePaced`). */
  readonly half: LivePhase & { readonly rate: number };
  /** Job sessions the simulation added over both phases. */
  readonly sessionsWritten: number;
  /** Peak VmRSS summed over the server's processes, KiB, and how many there were. */
  readonly rssKiB: number;
  readonly processes: number;
}

/** Sums a counter over every series of it in a Prometheus exposition. */
function counter(text: string, name: string): number {
  let sum = 0;
  for (const m of text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'gm'))) sum += Number(m[1]);
  return sum;
}

async function cacheCounters(base: string): Promise<{ hits: number; misses: number; reused: number; rendered: number }> {
  const text = await (await fetch(`${base}/metrics`)).text();
  return {
    hits: counter(text, 'emrest_response_cache_hits_total'),
    misses: counter(text, 'emrest_response_cache_misses_total'),
    reused: counter(text, 'emrest_row_texts_reused_total'),
    rendered: counter(text, 'emrest_row_texts_rendered_total'),
  };
}

/** Replica plus backup job sessions stored now. */
async function sessions(t: LiveTarget): Promise<number> {
  let n = 0;
  for (const type of ['ReplicaJobSession', 'BackupJobSession']) {
    const res = await fetch(`${t.base}/api/query?type=${type}&pageSize=1`, { headers: { ...t.headers, Accept: 'application/json' } });
    const doc = JSON.parse((await res.text()).replace(/^\uFEFF/, '')) as { PagingInfo?: { PagesCount?: number } };
    n += Number(doc.PagingInfo?.PagesCount ?? NaN);
  }
  return n;
}

async function phase(t: LiveTarget, run: () => Promise<Measurement>): Promise<LivePhase> {
  const before = await cacheCounters(t.base);
  const m = await run();
  const after = await cacheCounters(t.base);
  const share = (k: 'hits' | 'reused', other: 'misses' | 'rendered') => {
    const yes = after[k] - before[k];
    return yes / (yes + after[other] - before[other]);
  };
  return { m, hitRate: share('hits', 'misses'), rowReuse: share('reused', 'rendered') };
}

/** Runs the scenario for `duration` seconds at full load and as long at half of the rate reached. */
export async function runLive(
  t: LiveTarget, mix: readonly MixEntry[], o: { connections: number; duration: number },
): Promise<LiveResult> {
  const spec = { url: t.base + mix[0].path, method: 'GET', headers: {}, connections: o.connections, duration: o.duration, expectStatus: 200, mix } as const;
  const sessionsBefore = await sessions(t);
  const max = await phase(t, () => measure(spec));
  // Evenly paced: autocannon's overallRate would send each second's quota in one burst.
  const rate = Math.max(1, Math.floor(max.m.rps / 2));
  const half = await phase(t, () => measurePaced({ ...spec, rate }));
  return {
    max,
    half: { ...half, rate },
    sessionsWritten: (await sessions(t)) - sessionsBefore,
    rssKiB: t.rss.max,
    processes: t.rss.processes,
  };
}

const fmtRate = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–');
const fmtMs = (n: number) => (!Number.isFinite(n) ? '–' : n < 1 ? '<1' : String(Math.round(n)));
const percent = (x: number) => (Number.isFinite(x) ? `${(x * 100).toFixed(1)} %` : '–');

/** The scenario's section of the results file, one row per server setting (`label`). */
export function renderLive(runs: readonly { label: string; r: LiveResult }[], setting: string): string {
  const lines = [
    '### Live estate under polling', '',
    setting, '',
    '| Server | Load | req/s | p50 ms | p99 ms | err | cache hit rate | rows from kept texts | job sessions written | RSS (processes) |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const { label, r } of runs) {
    const rss = `${Math.round(r.rssKiB / 1024)} MiB (${r.processes})`;
    lines.push(`| ${label} | maximum | ${fmtRate(r.max.m.rps)} | ${fmtMs(r.max.m.p50)} | ${fmtMs(r.max.m.p99)} | ${r.max.m.errors} | ${percent(r.max.hitRate)} | ${percent(r.max.rowReuse)} | ${fmtRate(r.sessionsWritten)} | ${rss} |`);
    lines.push(`| ${label} | half: ${fmtRate(r.half.rate)}/s | ${fmtRate(r.half.m.rps)} | ${fmtMs(r.half.m.p50)} | **${fmtMs(r.half.m.p99)}** | ${r.half.m.errors} | ${percent(r.half.hitRate)} | ${percent(r.half.rowReuse)} | (both phases) | |`);
  }
  return lines.join('\n') + '\n';
}
