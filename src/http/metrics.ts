import { AggregatorRegistry, collectDefaultMetrics, Counter, Histogram, Registry, type MetricObjectWithValues, type MetricValue } from 'prom-client';
import type { RunCounts } from '../estate/estate.js';

/** Why a logon was refused; a fixed set, so the label stays small and names no one. */
export type LogonFailure = 'missing_credentials' | 'invalid_credentials' | 'locked_out' | 'no_role';

/**
 * The process's own metrics (CPU, memory, event loop, GC) are one per process, not per app:
 * collected once, into a registry of their own, and merged into each app's answer. Collecting
 * them per app would start a GC observer and an event-loop monitor for every app a test builds.
 */
let processRegistry: Registry | undefined;
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/** One process's metrics with their values. */
export type MetricSnapshot = MetricObjectWithValues<MetricValue<string>>[];

/** Seconds since `start` (a `process.hrtime.bigint()` reading). */
export const secondsSince = (start: bigint): number => Number(process.hrtime.bigint() - start) / 1e9;

/**
 * One app's metrics, in a registry of its own (never prom-client's global one), so several
 * apps in one process (tests) count apart. Labels hold only bounded values: route patterns,
 * never raw URLs; reasons, never user names.
 */
export class Metrics {
  readonly registry = new Registry();

  private counter(name: string, help: string): Counter {
    return new Counter({ name, help, registers: [this.registry] });
  }

  private histogram<L extends string>(name: string, help: string, labelNames: readonly L[], buckets: number[]): Histogram<L> {
    return new Histogram({ name, help, labelNames, buckets, registers: [this.registry] });
  }
  private readonly requests = new Counter({
    name: 'emrest_http_requests_total',
    help: 'HTTP requests answered, by method, route pattern ("unmatched" when no route matched) and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });
  private readonly requestSeconds = this.histogram(
    'emrest_http_request_duration_seconds',
    'Time from receiving a request to finishing its answer, by method and route pattern',
    ['method', 'route'],
    [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  );
  private readonly cacheHits = this.counter('emrest_response_cache_hits_total', 'Query answers served from the response cache');
  private readonly cacheMisses = this.counter('emrest_response_cache_misses_total', 'Cacheable query answers not in the response cache (computed from the store)');
  private readonly rowTextsReused = this.counter('emrest_row_texts_reused_total', 'Rows of query answers written from kept texts (unchanged since last rendered)');
  private readonly rowTextsRendered = this.counter('emrest_row_texts_rendered_total', 'Rows of query answers read by revision and rendered (not kept, or changed since)');
  private readonly logonFailures = new Counter({
    name: 'emrest_logon_failures_total',
    help: 'Refused logons (POST /api/sessionMngr), by reason',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  private readonly catchUps = this.counter('emrest_simulation_catchups_total', 'Catch-ups of the live estate run by this node');
  private readonly sessionsStarted = this.counter('emrest_simulation_sessions_started_total', 'Job sessions the live estate started in catch-ups on this node');
  private readonly sessionsFinished = this.counter('emrest_simulation_sessions_finished_total', 'Job sessions the live estate finished in catch-ups on this node');
  private readonly storeSeconds = this.histogram(
    'emrest_store_query_duration_seconds',
    'Time spent in the store reading query rows (a cursor: its opening and reads, not the time its reader took between them)',
    ['operation'],
    [0.0005, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  );

  request(method: string, route: string, status: number, seconds: number): void {
    this.requests.inc({ method, route, status: String(status) });
    this.requestSeconds.observe({ method, route }, seconds);
  }

  cacheLookup(hit: boolean): void {
    (hit ? this.cacheHits : this.cacheMisses).inc();
  }

  rowTexts(reused: number, rendered: number): void {
    this.rowTextsReused.inc(reused);
    this.rowTextsRendered.inc(rendered);
  }

  logonFailed(reason: LogonFailure): void {
    this.logonFailures.inc({ reason });
  }

  simulationRan(counts: RunCounts): void {
    this.catchUps.inc();
    this.sessionsStarted.inc(counts.sessionsStarted);
    this.sessionsFinished.inc(counts.sessionsFinished);
  }

  storeQuery(operation: 'query' | 'cursor', seconds: number): void {
    this.storeSeconds.observe({ operation }, seconds);
  }

  /** Every process's snapshot, where several worker processes serve one server (absent: this one alone). */
  private gather: (() => Promise<MetricSnapshot[]>) | undefined;

  /** Answers for every worker process of the server: their snapshots, summed (process_* too, per metric's rule). */
  aggregateOver(gather: () => Promise<MetricSnapshot[]>): void {
    this.gather = gather;
  }

  /** This app's and process's metrics as values, to be aggregated with other processes'. */
  snapshot(): Promise<MetricSnapshot> {
    return Registry.merge([this.registry, processMetrics()]).getMetricsAsJSON();
  }

  /** The exposition text: this app's metrics and the process's (or all worker processes'). */
  async text(): Promise<{ body: string; contentType: string }> {
    const merged = this.gather ? AggregatorRegistry.aggregate(await this.gather()) : Registry.merge([this.registry, processMetrics()]);
    return { body: await merged.metrics(), contentType: merged.contentType };
  }
}
