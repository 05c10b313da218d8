/**
 * `--workers 1,2`: the uncached a–d queries against `serve --workers N` for each N, side by
 * side, with the ratio to the first and the memory of all the server's processes.
 */
import type { Measurement } from './load.js';
import { FORMATS, type BenchRequest } from './report.js';

export interface WorkersRun {
  readonly workers: number;
  /** `${request id}|${format}` → one run with a new Host per request. */
  readonly uncached: ReadonlyMap<string, Measurement>;
  /** Peak VmRSS summed over primary and workers, KiB, and how many processes there were. */
  readonly rssKiB: number;
  readonly processes: number;
}

const cell = (m: Measurement | undefined) =>
  m ? `${Math.round(m.rps).toLocaleString('en-US')}/s, p99 ${m.p99 < 1 ? '<1' : m.p99} ms${m.errors ? `, ${m.errors} err` : ''}` : '–';

/** The comparison as a Markdown section of the results file. */
export function renderWorkers(runs: readonly WorkersRun[], queries: readonly BenchRequest[], setting: string): string {
  const [first, ...rest] = runs;
  const lines = [
    '### `serve --workers N` without response cache hits', '',
    setting, '',
    `| Request | Format | ${runs.map((r) => `${r.workers} worker(s)`).join(' | ')} | ${rest.map((r) => `${r.workers} ÷ ${first.workers}`).join(' | ')} |`,
    `| --- | --- | ${runs.map(() => '---:').join(' | ')} | ${rest.map(() => '---:').join(' | ')} |`,
  ];
  for (const q of queries) {
    for (const f of FORMATS) {
      const key = `${q.id}|${f}`;
      const base = first.uncached.get(key);
      lines.push(`| ${q.id} | ${f.toUpperCase()} | ${runs.map((r) => cell(r.uncached.get(key))).join(' | ')} | ` +
        `${rest.map((r) => { const m = r.uncached.get(key); return m && base && base.rps > 0 ? (m.rps / base.rps).toFixed(2) : '–'; }).join(' | ')} |`);
    }
  }
  lines.push('', 'Memory (peak VmRSS of the primary and its workers together over the run; per process in brackets): ' +
    runs.map((r) => `${r.workers} worker(s): ${Math.round(r.rssKiB / 1024)} MiB in ${r.processes} process(es) (${Math.round(r.rssKiB / 1024 / r.processes)} MiB each)`).join('; ') + '.');
  return lines.join('\n') + '\n';
}
