/**
 * The request journal (contract §5): what came in on the EM side and what went out, for a
 * test to assert afterwards what an integration did. A ring buffer of the last `capacity`
 * requests (0: off), each entered when it arrives and completed when its answer is (so a
 * request still being answered — a hung one — is listed with `status` and `ms` null).
 *
 * Never kept: request bodies, headers (so neither `Authorization` nor the session header or
 * cookie), and the values of query parameters whose names look like credentials (masked).
 * `at` is the one clock's now when the request arrived (the simulated time the estate and the
 * EM API answer in); `ms` is real elapsed time until the answer was complete.
 */
import type { ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { pathMatches } from './faults/match.js';
import type { TextMatch } from './faults/rule.js';
import type { QueryParam } from './query-string.js';

export interface JournalEntry {
  /** ISO-8601 (the clock's now on arrival). */
  readonly at: string;
  readonly method: string;
  readonly path: string;
  /** The query parameters (first occurrence of a name wins, as EM reads them); credential-like values masked. */
  readonly query: Readonly<Record<string, string>>;
  /** The status sent; null while unanswered, or when none was sent (reset, hang, a client that left first). */
  readonly status: number | null;
  /** Real milliseconds from arrival until the answer was complete (or the connection ended); null while in flight. */
  readonly ms: number | null;
  /** The logon session's user, else the user name of the Basic credentials (a logon's), else null. */
  readonly user: string | null;
  /** Response body bytes sent. */
  readonly bytes: number;
  /** The id of the fault rule the request met, or null. */
  readonly fault: string | null;
}

/** A journal entry being filled in while its request is answered. */
export interface JournalRecord {
  user: string | null;
  fault: string | null;
}

interface Entry extends JournalRecord {
  readonly atMs: number;
  /**
   * Arrival in µs on the host's monotonic clock, which every process of one host shares: it
   * orders the entries of several workers. (`performance.timeOrigin` is each process's own
   * reading of the wall clock at its start; two workers' differ by more than two requests apart.)
   */
  readonly arrived: number;
  readonly at: string;
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  status: number | null;
  ms: number | null;
  bytes: number;
}

export interface JournalFilter {
  readonly path?: TextMatch;
  readonly method?: string;
  /** An exact status, or a class (`5` for `5xx`). */
  readonly status?: { readonly exact?: number; readonly hundreds?: number };
  readonly user?: string;
  /** Epoch ms: entries at or after. */
  readonly since?: number;
  readonly fault?: string;
}

/** Parameter names whose values are never kept. */
const SECRET = /pass|pwd|token|secret|session|auth|cookie|credential|key/i;
export const MASK = '***';

/**
 * What an entry keeps of a path, a parameter name or value: at most this many characters (cut
 * ones end with `…`), and at most `KEPT_PARAMS` parameters, so 10,000 entries of maximal URLs
 * stay a few tens of MB.
 */
const KEPT_CHARS = 1024;
const KEPT_PARAMS = 32;
export const kept = (text: string): string => (text.length <= KEPT_CHARS ? text : `${text.slice(0, KEPT_CHARS - 1)}…`);

export function journalQuery(params: readonly QueryParam[]): Record<string, string> {
  const out: Record<string, string> = {};
  const seen = new Set<string>();
  for (const p of params) {
    const lower = p.name.toLowerCase();
    if (seen.has(lower)) continue;
    if (seen.size === KEPT_PARAMS) break;
    seen.add(lower);
    out[kept(p.name)] = SECRET.test(p.name) ? MASK : kept(p.value);
  }
  return out;
}

const view = (e: Entry): JournalEntry => ({
  at: e.at,
  method: e.method,
  path: e.path,
  query: e.query,
  status: e.status,
  ms: e.ms,
  user: e.user,
  bytes: e.bytes,
  fault: e.fault,
});

function matchesFilter(e: Entry, f: JournalFilter): boolean {
  if (f.method !== undefined && e.method !== f.method) return false;
  if (f.path !== undefined && !pathMatches(f.path, e.path)) return false;
  if (f.user !== undefined && (e.user === null || e.user.toLowerCase() !== f.user.toLowerCase())) return false;
  if (f.since !== undefined && e.atMs < f.since) return false;
  if (f.fault !== undefined && e.fault !== f.fault) return false;
  if (f.status !== undefined) {
    if (e.status === null) return false;
    if (f.status.exact !== undefined && e.status !== f.status.exact) return false;
    if (f.status.hundreds !== undefined && Math.floor(e.status / 100) !== f.status.hundreds) return false;
  }
  return true;
}

/** A page of the journal: at most `limit` entries, newest first, and how many matched. */
export interface JournalPage {
  readonly requests: JournalEntry[];
  readonly total: number;
}

/** What the admin API reads of the journal: this process's, or (worker processes) all of theirs merged. */
export interface JournalReader {
  readonly capacity: number;
  list(filter: JournalFilter, limit?: number): JournalPage | Promise<JournalPage>;
  count(filter: JournalFilter): number | Promise<number>;
  clear(): void | Promise<void>;
}

/** Entries with their real arrival time, so that pages of several processes merge in order. */
export interface TimedJournalPage {
  readonly requests: { readonly arrived: number; readonly entry: JournalEntry }[];
  readonly total: number;
}

export class Journal implements JournalReader {
  /** Ring storage: `size` entries ending at `head - 1`. */
  private readonly ring: (Entry | undefined)[];
  private head = 0;
  private size = 0;

  constructor(readonly capacity: number) {
    this.ring = new Array(capacity);
  }

  get enabled(): boolean {
    return this.capacity > 0;
  }

  /**
   * Enters an arriving request and watches its response (status, body bytes, end); returns
   * the record to complete (user, fault), or undefined when the journal is off.
   */
  begin(
    request: { readonly method: string; readonly path: string; readonly params: readonly QueryParam[]; readonly at: number },
    res: ServerResponse,
  ): JournalRecord | undefined {
    if (this.capacity === 0) return undefined;
    const entry: Entry = {
      atMs: request.at,
      arrived: Number(process.hrtime.bigint() / 1000n),
      at: new Date(request.at).toISOString(),
      method: request.method,
      path: kept(request.path),
      query: journalQuery(request.params),
      status: null,
      ms: null,
      user: null,
      bytes: 0,
      fault: null,
    };
    this.ring[this.head] = entry;
    this.head = (this.head + 1) % this.capacity;
    this.size = Math.min(this.size + 1, this.capacity);
    watch(res, entry, request.method === 'HEAD');
    return entry;
  }

  /** Entries matching the filter, most recent first: at most `limit`, and how many matched. */
  list(filter: JournalFilter, limit = Infinity): JournalPage {
    const { requests, total } = this.timed(filter, limit);
    return { requests: requests.map((r) => r.entry), total };
  }

  /** As `list`, each entry with its real arrival time. */
  timed(filter: JournalFilter, limit = Infinity): TimedJournalPage {
    const requests: TimedJournalPage['requests'][number][] = [];
    let total = 0;
    for (const e of this.newestFirst()) {
      if (!matchesFilter(e, filter)) continue;
      total++;
      if (requests.length < limit) requests.push({ arrived: e.arrived, entry: view(e) });
    }
    return { requests, total };
  }

  /** Pages of several journals as one: newest first over all, at most `limit`, totals summed. */
  static merge(pages: readonly TimedJournalPage[], limit = Infinity): JournalPage {
    const all = pages.flatMap((p) => p.requests).sort((a, b) => b.arrived - a.arrived);
    return { requests: all.slice(0, limit).map((r) => r.entry), total: pages.reduce((n, p) => n + p.total, 0) };
  }

  count(filter: JournalFilter): number {
    let n = 0;
    for (const e of this.newestFirst()) if (matchesFilter(e, filter)) n++;
    return n;
  }

  clear(): void {
    this.ring.fill(undefined);
    this.head = 0;
    this.size = 0;
  }

  private *newestFirst(): Generator<Entry> {
    for (let i = 1; i <= this.size; i++) yield this.ring[(this.head - i + this.capacity) % this.capacity]!;
  }
}

type Write = ServerResponse['write'];
type End = ServerResponse['end'];

const byteLength = (chunk: unknown, encoding?: unknown): number =>
  chunk === undefined || chunk === null || typeof chunk === 'function'
    ? 0
    : typeof chunk === 'string'
      ? Buffer.byteLength(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8')
      : (chunk as Uint8Array).byteLength;

/**
 * Counts the body bytes handed to `res` and completes the entry when the answer ends (or the
 * connection does): these wrappers sit under any a fault adds, so they count what was sent.
 */
function watch(res: ServerResponse, entry: Entry, head: boolean): void {
  const started = performance.now();
  const write = res.write as (...a: unknown[]) => boolean;
  const end = res.end as (...a: unknown[]) => ServerResponse;
  let done = false;
  const complete = () => {
    if (done) return;
    done = true;
    entry.ms = Math.round((performance.now() - started) * 10) / 10;
    entry.status = res.headersSent ? res.statusCode : null;
  };
  res.write = function (this: ServerResponse, ...args: unknown[]) {
    if (!head && !res.destroyed) entry.bytes += byteLength(args[0], args[1]);
    return write.apply(this, args);
  } as Write;
  res.end = function (this: ServerResponse, ...args: unknown[]) {
    if (!head && !res.destroyed && !res.writableEnded) entry.bytes += byteLength(args[0], args[1]);
    const r = end.apply(this, args);
    // Status and time as the answer is handed over (before the client can have read it).
    if (res.headersSent) complete();
    return r;
  } as End;
  res.once('close', complete);
}
