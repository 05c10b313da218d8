import http from 'node:http';
import { connect, type Socket } from 'node:net';
import autocannon from 'autocannon';

/** One autocannon run against one URL. */
export interface LoadSpec {
  readonly url: string;
  readonly method: 'GET' | 'POST';
  readonly headers: Record<string, string>;
  readonly connections: number;
  /** Seconds. */
  readonly duration: number;
  /** The status every response must have; others count as errors. */
  readonly expectStatus: number;
  /** Requests per second over all connections (autocannon `overallRate`), for the half-load run. */
  readonly overallRate?: number;
  /**
   * Send every request with a different `Host` (`u<N>.bench:<port>`). emrest keys its query
   * response cache on the link base, which follows `Host`, so no request is a cache hit.
   */
  readonly uniqueHost?: boolean;
  /**
   * Instead of `url`'s path alone, these requests in turn on every connection (its host and
   * port still come from `url`): a mix of repeated and, with `uniqueHost`, never-cached ones.
   */
  readonly mix?: readonly MixEntry[];
}

/** One request of a mix. */
export interface MixEntry {
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly uniqueHost?: boolean;
}

/** `u<N>.bench:<port>`, a new name each call (resolves nowhere; only the Host header carries it). */
function hostCounter(url: string): () => string {
  const port = new URL(url).port;
  let n = 0;
  return () => `u${n++}.bench:${port}`;
}

export interface Measurement {
  /** Completed requests per second. */
  readonly rps: number;
  /** Latency percentiles in ms (autocannon records whole milliseconds). */
  readonly p50: number;
  readonly p99: number;
  readonly mean: number;
  readonly requests: number;
  /** Connection errors, timeouts and responses with another status than expected. */
  readonly errors: number;
  readonly statuses: Record<string, number>;
}

/** Hard caps so that no run can go on: at most this many requests per second of duration. */
const MAX_REQUESTS_PER_SECOND = 200_000;

/** autocannon's `requests` option for a mix or a unique Host per request; none for one plain URL. */
function requestsOf(spec: LoadSpec): { requests?: object[] } {
  const next = hostCounter(spec.url);
  const withHost = (headers: Record<string, string>, unique: boolean | undefined) => (unique ? { ...headers, Host: next() } : headers);
  if (spec.mix) {
    return {
      requests: spec.mix.map((e) => ({
        method: spec.method,
        setupRequest: (req: object) => ({ ...req, path: e.path, headers: withHost(e.headers, e.uniqueHost) }),
      })),
    };
  }
  if (!spec.uniqueHost) return {};
  return { requests: [{ setupRequest: (req: { headers: Record<string, string> }) => ({ ...req, headers: withHost(req.headers, true) }) }] };
}

export async function measure(spec: LoadSpec): Promise<Measurement> {
  const instance = autocannon({
    url: spec.url,
    method: spec.method,
    headers: spec.headers,
    connections: spec.overallRate !== undefined ? Math.min(spec.connections, Math.max(1, spec.overallRate)) : spec.connections,
    pipelining: 1,
    duration: spec.duration,
    timeout: 10,
    overallRate: spec.overallRate,
    maxOverallRequests: Math.ceil(spec.duration * MAX_REQUESTS_PER_SECOND),
    ...requestsOf(spec),
    // Sample (and check the stop flag) every 100 ms, so sub-second durations end on time.
    ...({ sampleInt: 100 } as object),
  });
  // A second line of defence: whatever happens, stop a little after the planned duration.
  const guard = setTimeout(() => instance.stop(), (spec.duration + 15) * 1000);
  const r = await instance;
  clearTimeout(guard);
  const statuses: Record<string, number> = {};
  let wrong = 0;
  for (const [code, { count }] of Object.entries(r.statusCodeStats)) {
    statuses[code] = count;
    if (Number(code) !== spec.expectStatus) wrong += count;
  }
  const requests = Object.values(statuses).reduce((a, b) => a + b, 0);
  const seconds = r.duration > 0 ? r.duration : spec.duration;
  return {
    rps: requests / seconds,
    p50: r.latency.p50,
    p99: r.latency.p99,
    mean: r.latency.mean,
    requests,
    errors: r.errors + wrong,
    statuses,
  };
}

/**
 * Open-loop load at a constant `rate`: request k is due at start + k/rate and goes out on the
 * next idle one of `connections` keep-alive sockets; its latency counts from when it was due
 * (so waiting for a free connection counts too). Unlike autocannon's `overallRate`, which lets
 * every connection spend its per-second quota in one burst at the start of each second, this
 * spreads requests evenly. A raw-socket client (the request bytes prebuilt, responses framed by
 * Content-Length, bodies only counted) keeps the generator's own cost low: node:http could not
 * keep up with 100 KiB answers at a few thousand per second on a small machine.
 * Bounded by `duration` (then at most 10 s to drain) and by `rate × duration` requests.
 */
export async function measurePaced(spec: LoadSpec & { rate: number }): Promise<Measurement> {
  const url = new URL(spec.url);
  const head = (path: string, headers: Record<string, string>) =>
    Buffer.from(
      `${spec.method} ${path} HTTP/1.1\r\n` +
        Object.entries({ Host: url.host, ...headers }).map(([k, v]) => `${k}: ${v}\r\n`).join('') +
        (spec.method === 'POST' ? 'Content-Length: 0\r\n' : '') + '\r\n',
      'latin1',
    );
  // Request k is the mix's (k mod its length)-th, as autocannon takes a mix in turn; a
  // `uniqueHost` one is built when it goes out.
  const nextHost = hostCounter(spec.url);
  const entries = spec.mix ?? [{ path: url.pathname + url.search, headers: spec.headers, uniqueHost: spec.uniqueHost }];
  const built = entries.map((e) => (e.uniqueHost ? undefined : head(e.path, e.headers)));
  const requestOf = (k: number) => {
    const at = k % entries.length;
    return built[at] ?? head(entries[at].path, { ...entries[at].headers, Host: nextHost() });
  };
  const interval = 1000 / spec.rate;
  const total = Math.max(1, Math.floor(spec.rate * spec.duration));
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let errors = 0;
  let wrong = 0;
  let issued = 0;
  let settled = 0;
  let reconnects = 0;
  /** Requests due and not yet sent: their numbers (their due times follow from them). */
  const queue: number[] = [];
  const idle: Conn[] = [];
  const all = new Set<Conn>();

  interface Conn { socket: Socket; due: number; busy: boolean; head: Buffer | null; need: number; status: number }

  let finish: () => void = () => {};
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const settle = () => {
    settled++;
    if (issued === total && settled === total) finish();
  };
  const dispatch = () => {
    while (queue.length > 0 && idle.length > 0) {
      const c = idle.pop()!;
      const k = queue.shift()!;
      c.due = start + k * interval;
      c.busy = true;
      c.socket.write(requestOf(k));
    }
  };
  const complete = (c: Conn) => {
    const code = c.status;
    statuses[code] = (statuses[code] ?? 0) + 1;
    if (code === spec.expectStatus) latencies.push(performance.now() - c.due);
    else wrong++;
    c.busy = false;
    idle.push(c);
    settle();
    dispatch();
  };
  const open = (): void => {
    const c: Conn = { socket: connect(Number(url.port), url.hostname), due: 0, busy: false, head: null, need: -1, status: 0 };
    all.add(c);
    c.socket.setNoDelay(true);
    c.socket.once('connect', () => {
      idle.push(c);
      dispatch();
    });
    c.socket.on('data', (chunk: Buffer) => {
      let data = chunk;
      while (data.length > 0) {
        if (c.need < 0) {
          c.head = c.head ? Buffer.concat([c.head, data]) : data;
          const end = c.head.indexOf('\r\n\r\n');
          if (end < 0) return;
          const text = c.head.toString('latin1', 0, end);
          const length = /\r\ncontent-length:[ \t]*(\d+)/i.exec(text);
          if (!length) return void c.socket.destroy(new Error('response without Content-Length'));
          c.status = Number(text.slice(9, 12));
          c.need = Number(length[1]);
          data = c.head.subarray(end + 4);
          c.head = null;
        }
        const take = Math.min(c.need, data.length);
        c.need -= take;
        data = data.subarray(take);
        if (c.need === 0) {
          c.need = -1;
          complete(c);
        }
      }
    });
    c.socket.on('error', () => {});
    c.socket.once('close', () => {
      all.delete(c);
      const at = idle.indexOf(c);
      if (at >= 0) idle.splice(at, 1);
      if (c.busy) {
        errors++;
        settle();
      }
      if (settled < total && reconnects++ < 100) open();
    });
  };
  for (let i = 0; i < spec.connections; i++) open();

  const start = performance.now();
  const ticker = setInterval(() => {
    const now = performance.now();
    while (issued < total && start + issued * interval <= now) queue.push(issued++);
    if (issued === total) clearInterval(ticker);
    dispatch();
  }, 1);
  const drain = setTimeout(() => {
    errors += issued - settled;
    finish();
  }, (spec.duration + 10) * 1000);
  await finished;
  clearInterval(ticker);
  clearTimeout(drain);
  for (const c of all) c.socket.destroy();
  const elapsed = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q: number) => (latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] : NaN);
  const requests = Object.values(statuses).reduce((a, b) => a + b, 0);
  return {
    rps: requests / elapsed,
    p50: at(0.5),
    p99: at(0.99),
    mean: latencies.length ? latencies.reduce((a, b) => a + b, 0) / latencies.length : NaN,
    requests,
    errors: errors + wrong,
    statuses,
  };
}

export interface Timing {
  readonly count: number;
  /** Milliseconds, with sub-millisecond precision. */
  readonly mean: number;
  readonly p50: number;
  readonly p99: number;
  readonly errors: number;
}

/**
 * One request after the other on one keep-alive connection, for `seconds` or `maxCount`
 * requests, whichever comes first: the time of one query without queueing.
 */
export async function timeSequential(
  url: string, method: 'GET' | 'POST', headers: Record<string, string>, expectStatus: number, seconds: number,
  o: { maxCount?: number; uniqueHost?: boolean } = {},
): Promise<Timing> {
  const maxCount = o.maxCount ?? 5000;
  const nextHost = o.uniqueHost ? hostCounter(url) : undefined;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const times: number[] = [];
  let errors = 0;
  const until = performance.now() + seconds * 1000;
  try {
    while (times.length + errors < maxCount && performance.now() < until) {
      const t0 = performance.now();
      const status = await new Promise<number>((resolve) => {
        const h = nextHost ? { ...headers, Host: nextHost() } : headers;
        const req = http.request(url, { method, headers: h, agent, timeout: 10_000 }, (res) => {
          res.on('data', () => {});
          res.on('end', () => resolve(res.statusCode ?? 0));
          res.on('error', () => resolve(0));
        });
        req.on('timeout', () => req.destroy());
        req.on('error', () => resolve(0));
        req.end();
      });
      if (status === expectStatus) times.push(performance.now() - t0);
      else errors++;
    }
  } finally {
    agent.destroy();
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => (times.length ? times[Math.min(times.length - 1, Math.floor(q * times.length))] : NaN);
  return {
    count: times.length,
    mean: times.length ? times.reduce((a, b) => a + b, 0) / times.length : NaN,
    p50: at(0.5),
    p99: at(0.99),
    errors,
  };
}
