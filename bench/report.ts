import type { Measurement, Timing } from './load.js';

export type Format = 'json' | 'xml';
export const FORMATS: readonly Format[] = ['json', 'xml'];

export type TargetName = 'emrest' | 'fastify' | 'json-server' | 'prism';
export const TARGET_LABELS: Record<TargetName, string> = {
  emrest: 'emrest',
  fastify: 'Fastify static',
  'json-server': 'json-server',
  prism: 'Prism mock',
};

export interface BenchRequest {
  readonly id: string;
  readonly title: string;
  readonly method: 'GET' | 'POST';
  /** Path and query as sent to emrest (and to the static Fastify server and Prism). */
  readonly path: string;
  readonly expectStatus: number;
}

export interface HalfLoad {
  readonly rate: number;
  /** autocannon with `overallRate`. */
  readonly m: Measurement;
  /** The evenly paced generator at the same rate. */
  readonly paced?: Measurement;
}

export interface ScalingRow {
  readonly request: BenchRequest;
  readonly format: Format;
  readonly small: { readonly uncached: Timing; readonly cached: Timing };
  readonly large: { readonly uncached: Timing; readonly cached: Timing };
  /** The large dataset without response cache hits on a server that keeps no row texts (`--row-texts-mb 0`). */
  readonly largeRendered?: Timing;
  /** Rows the query matches in the small and the large dataset (queries only). */
  readonly matched: readonly [number | undefined, number | undefined];
}

export interface Report {
  readonly title: string;
  readonly date: string;
  readonly machine: string;
  readonly node: string;
  readonly dataset: string;
  readonly settings: string;
  readonly requests: readonly BenchRequest[];
  /** Rows each query request matches in the dataset. */
  readonly matched: ReadonlyMap<string, number>;
  /** emrest's body size per request and format. */
  readonly bodyBytes: ReadonlyMap<string, Record<Format, number>>;
  readonly targets: readonly TargetName[];
  /** `${target}|${request id}|${format}` → one measurement per round. */
  readonly results: ReadonlyMap<string, readonly Measurement[]>;
  /** Targets whose XML row is the JSON measurement (json-server serves only JSON). */
  readonly jsonOnly: ReadonlySet<TargetName>;
  /** `${request id}|${format}` → emrest at half its median throughput. */
  readonly halfLoad: ReadonlyMap<string, HalfLoad>;
  /** `${request id}|${format}` → emrest with a new Host per request (no response cache hits). */
  readonly uncached: ReadonlyMap<string, Measurement>;
  /** The same on a server that keeps no row texts (`--row-texts-mb 0`): every row rendered anew. */
  readonly rendered: ReadonlyMap<string, Measurement>;
  readonly rss: { readonly idleKiB: number; readonly maxKiB: number; readonly samples: number };
  readonly scaling?: { readonly smallLabel: string; readonly largeLabel: string; readonly rows: readonly ScalingRow[] };
  readonly notes: readonly string[];
  readonly elapsedSeconds: number;
}

export const resultKey = (target: TargetName, id: string, format: Format) => `${target}|${id}|${format}`;

const median = (xs: readonly number[]) => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};

const rps = (n: number) => (Number.isFinite(n) ? (n >= 100 ? Math.round(n).toString() : n.toFixed(1)) : '–');
const ms = (n: number) => (!Number.isFinite(n) ? '–' : n < 1 ? '<1' : n >= 100 ? Math.round(n).toString() : String(Math.round(n * 10) / 10));
const msFine = (n: number) => (!Number.isFinite(n) ? '–' : n >= 100 ? Math.round(n).toString() : n >= 10 ? n.toFixed(1) : n.toFixed(2));
const ratio = (n: number) => (!Number.isFinite(n) ? '–' : n >= 10 ? n.toFixed(1) : n >= 0.1 ? n.toFixed(2) : n.toFixed(3));
const fmtBytes = (n: number) => (n >= 10_240 ? `${Math.round(n / 1024)} KiB` : `${n} B`);
const mib = (kib: number) => `${Math.round(kib / 1024)} MiB`;

/** Cells of one target: median req/s, p50 and p99 (medians of the rounds), errors (sum). */
function targetCells(ms_: readonly Measurement[] | undefined, mark: string): string[] {
  if (!ms_ || ms_.length === 0) return ['–', '–', '–', '–'];
  return [
    rps(median(ms_.map((m) => m.rps))) + mark,
    ms(median(ms_.map((m) => m.p50))),
    ms(median(ms_.map((m) => m.p99))),
    String(ms_.reduce((a, m) => a + m.errors, 0)),
  ];
}

/** emrest req/s ÷ target req/s, per round (rounds pair up), as "median (min–max)". */
function ratioCell(emrest: readonly Measurement[] | undefined, other: readonly Measurement[] | undefined): string {
  if (!emrest || !other || emrest.length === 0 || other.length === 0) return '–';
  const n = Math.min(emrest.length, other.length);
  const rs = Array.from({ length: n }, (_, i) => emrest[i].rps / other[i].rps).filter(Number.isFinite);
  if (rs.length === 0) return '–';
  if (rs.length === 1) return ratio(rs[0]);
  return `${ratio(median(rs))} (${ratio(Math.min(...rs))}–${ratio(Math.max(...rs))})`;
}

const row = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;

/** The report as Markdown (printed to the console and written to RESULTS.md). */
export function renderReport(r: Report): string {
  const out: string[] = [];
  out.push(`## ${r.title}`, '');
  out.push(`- Date: ${r.date}`);
  out.push(`- Machine: ${r.machine}`);
  out.push(`- Node: ${r.node}`);
  out.push(`- Dataset: ${r.dataset}`);
  out.push(`- Settings: ${r.settings}`);
  out.push(`- Run time once emrest was up: ${Math.round(r.elapsedSeconds)} s`);
  out.push('');
  out.push('Requests (names and ids are real rows of the dataset; rows the query matches; emrest\'s body size in JSON / XML):', '');
  for (const q of r.requests) {
    const b = r.bodyBytes.get(q.id);
    const n = r.matched.get(q.id);
    const facts = [...(n === undefined ? [] : [`${n.toLocaleString('en-US')} rows match`]), ...(b ? [`${fmtBytes(b.json)} / ${fmtBytes(b.xml)}`] : [])];
    out.push(`- **${q.id}** ${q.title}: \`${q.method} ${q.path}\`` + (facts.length ? ` (${facts.join('; ')})` : ''));
  }
  out.push('');

  out.push('### Throughput and latency', '');
  out.push('req/s: median of the rounds; p50/p99: latency in ms (median of the rounds); err: non-2xx, wrong status, socket errors and timeouts (sum).', '');
  const head = ['Request', 'Format'];
  const rule = ['---', '---'];
  for (const t of r.targets) {
    head.push(`${TARGET_LABELS[t]} req/s`, 'p50', 'p99', 'err');
    rule.push('---:', '---:', '---:', '---:');
  }
  out.push(row(head), row(rule));
  for (const q of r.requests) {
    for (const f of FORMATS) {
      const cells = [q.id, f.toUpperCase()];
      for (const t of r.targets) {
        const reused = f === 'xml' && r.jsonOnly.has(t);
        cells.push(...targetCells(r.results.get(resultKey(t, q.id, reused ? 'json' : f)), reused ? ' †' : ''));
      }
      out.push(row(cells));
    }
  }
  if (r.targets.some((t) => r.jsonOnly.has(t))) {
    out.push('', '† json-server serves JSON only: its XML cells repeat its JSON measurement (the JSON equivalent of the XML body).');
  }
  out.push('');

  out.push('### Ratios and emrest at half load', '');
  out.push('Ratio = emrest req/s ÷ other req/s in the same round: median (min–max) of the rounds. Below 1, emrest is slower.');
  out.push('Half load: emrest driven at half its median req/s, p99 in ms. *autocannon* uses `overallRate`, which lets each connection ' +
    'send its per-second quota in a burst at the start of every second (so its p99 is close to the full-load p99); *paced* sends ' +
    'the same rate evenly spaced on up to the same number of keep-alive connections and counts latency from when each request was due.', '');
  const others = r.targets.filter((t) => t !== 'emrest');
  out.push(row(['Request', 'Format', ...others.map((t) => `emrest ÷ ${TARGET_LABELS[t]}`), '½ load req/s', 'p99 autocannon', 'p99 paced', 'paced req/s reached']));
  out.push(row(['---', '---', ...others.map(() => '---:'), '---:', '---:', '---:', '---:']));
  const err = (m: Measurement) => (m.errors ? ` (${m.errors} err)` : '');
  for (const q of r.requests) {
    for (const f of FORMATS) {
      const em = r.results.get(resultKey('emrest', q.id, f));
      const half = r.halfLoad.get(`${q.id}|${f}`);
      out.push(row([
        q.id, f.toUpperCase(),
        ...others.map((t) => ratioCell(em, r.results.get(resultKey(t, q.id, f === 'xml' && r.jsonOnly.has(t) ? 'json' : f)))),
        half ? String(half.rate) : '–',
        half ? ms(half.m.p99) + err(half.m) : '–',
        half?.paced ? msFine(half.paced.p99) + err(half.paced) : '–',
        half?.paced ? rps(half.paced.rps) : '–',
      ]));
    }
  }
  out.push('');
  out.push(`emrest memory (VmRSS of the server process, with any workers summed in, sampled every 250 ms over ${r.rss.samples} samples): ` +
    `${mib(r.rss.idleKiB)} after start, **${mib(r.rss.maxKiB)} max**.`);
  out.push('');

  if (r.uncached.size) {
    out.push('### emrest without response cache hits', '');
    out.push('The query requests again, each with a new `Host` (so a new link base and cache key): the revisions of the page\'s rows, the count, ' +
      'and the answer put together from the rows\' kept texts (rows unchanged since they were last rendered, as after a write that did not touch them); ' +
      '*rendered anew*: the same against a server started with `--row-texts-mb 0`, which reads and renders every row every time. One run each. ' +
      '÷ Fastify static: this req/s over the median req/s of the bare Fastify server sending the same bytes (the target: ≥ 0.25).', '');
    out.push(row(['Request', 'Format', 'req/s', 'p50', 'p99', 'err', '÷ Fastify static', '÷ with cache hits', 'rendered anew req/s', 'p99', '÷ Fastify static']));
    out.push(row(['---', '---', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:']));
    const medianRps = (t: TargetName, id: string, f: Format) => median((r.results.get(resultKey(t, id, f)) ?? []).map((c) => c.rps));
    for (const q of r.requests) {
      for (const f of FORMATS) {
        const m = r.uncached.get(`${q.id}|${f}`);
        if (!m) continue;
        const anew = r.rendered.get(`${q.id}|${f}`);
        out.push(row([q.id, f.toUpperCase(), rps(m.rps), ms(m.p50), ms(m.p99), String(m.errors),
          ratio(m.rps / medianRps('fastify', q.id, f)), ratio(m.rps / medianRps('emrest', q.id, f)),
          anew ? rps(anew.rps) + err(anew) : '–', anew ? ms(anew.p99) : '–', anew ? ratio(anew.rps / medianRps('fastify', q.id, f)) : '–']));
      }
    }
    out.push('');
  }

  if (r.scaling) {
    const s = r.scaling;
    out.push('### Time per query by dataset size', '');
    out.push(`One request at a time on one keep-alive connection (no queueing), ${s.smallLabel} vs ${s.largeLabel}: mean and p50 in ms ` +
      'without response cache hits (new `Host` per request; rows from kept texts), the mean of repeated identical requests (cache hits for a–d), ' +
      `and the ${s.largeLabel} mean with every row rendered anew (\`--row-texts-mb 0\`).`, '');
    out.push(row(['Request', 'Format', 'rows matched, small / large', `${s.smallLabel} mean`, 'p50', `${s.largeLabel} mean`, 'p50', 'large ÷ small', 'cache hit mean, small / large', 'rendered anew, large', 'samples']));
    out.push(row(['---', '---', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:']));
    for (const x of s.rows) {
      const errs = x.small.uncached.errors + x.large.uncached.errors + x.small.cached.errors + x.large.cached.errors + (x.largeRendered?.errors ?? 0);
      out.push(row([
        x.request.id, x.format.toUpperCase(),
        x.matched.every((n) => n === undefined) ? '–' : x.matched.map((n) => (n === undefined ? '?' : n.toLocaleString('en-US'))).join(' / '),
        msFine(x.small.uncached.mean), msFine(x.small.uncached.p50), msFine(x.large.uncached.mean), msFine(x.large.uncached.p50),
        ratio(x.large.uncached.mean / x.small.uncached.mean),
        `${msFine(x.small.cached.mean)} / ${msFine(x.large.cached.mean)}`,
        x.largeRendered ? msFine(x.largeRendered.mean) : '–',
        `${x.small.uncached.count} / ${x.large.uncached.count}` + (errs ? ` (${errs} err)` : ''),
      ]));
    }
    out.push('');
  }

  if (r.notes.length) {
    out.push('### Notes', '');
    for (const n of r.notes) out.push(`- ${n}`);
    out.push('');
  }
  return out.join('\n');
}
