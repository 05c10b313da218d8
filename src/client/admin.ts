/**
 * `EmrestAdmin`: the control plane (`/admin/v1`, control-plane.md) for test suites. JSON over
 * `fetch`, `Authorization: Bearer <token>`; every non-2xx answer is an `EmrestAdminError`
 * carrying the status and the server's `error` message. Network failures are `fetch`'s own
 * errors, untouched.
 */
import { errorMessageOf, originOf, signalOf, type FetchLike, type TransportOptions } from './http.js';
import type {
  ClockChange,
  ClockMove,
  ClockState,
  FaultRule,
  FaultRuleInput,
  Health,
  ImportResult,
  JobScript,
  JournalFilter,
  JournalPage,
  ScriptedJob,
  SimulationState,
} from './types.js';

export interface EmrestAdminOptions extends TransportOptions {
  /** The server, e.g. `http://127.0.0.1:9399` (a trailing `/admin/v1` is ignored). */
  readonly baseUrl: string;
  /** The admin token (`serve --admin-token T` / `EMREST_ADMIN_TOKEN`). */
  readonly token: string;
}

/** A control-plane answer that was not a success. */
export class EmrestAdminError extends Error {
  override readonly name = 'EmrestAdminError';
  constructor(
    /** The HTTP status (400 bad input naming the field, 401 token, 404 unknown, 409 estate off, …). */
    readonly status: number,
    /** The server's message (`{"error":"…"}`), or the body when it was not one. */
    readonly error: string,
    readonly method: string,
    readonly path: string,
    /** The raw answer body. */
    readonly body: string,
  ) {
    super(`${method} ${path}: ${status} ${error}`);
  }
}

/** What `reset()` did. */
export interface ResetReport {
  /** Fault rules deleted (`DELETE /admin/v1/faults`). */
  readonly faultsCleared: true;
  /** Journal emptied (`DELETE /admin/v1/requests`). */
  readonly journalCleared: true;
  /** Job scripts this client had set that were taken back (`DELETE …/jobs/{id}/script`). */
  readonly scriptsCleared: number;
  /** Servers this client had made unreachable that were made reachable again. */
  readonly serversRestored: number;
  /** `resumed`: the simulation runs (and caught up); `off`: the server has no live estate. */
  readonly simulation: 'resumed' | 'off';
}

type Method = 'GET' | 'POST' | 'DELETE';

/** The bare GUID of a GUID or `urn:veeam:<Kind>:<guid>` UID (what the admin paths take). */
export function guidOf(idOrUid: string): string {
  if (typeof idOrUid !== 'string' || idOrUid === '') throw new TypeError(`expected an id (GUID or urn:veeam:… UID), got ${JSON.stringify(idOrUid)}`);
  const m = /^urn:veeam:[A-Za-z]+:(.+)$/i.exec(idOrUid);
  return m ? m[1] : idOrUid;
}

const isoOf = (when: string | Date, what: string): string => {
  if (when instanceof Date) {
    if (Number.isNaN(when.getTime())) throw new TypeError(`${what}: an invalid Date`);
    return when.toISOString();
  }
  if (typeof when !== 'string') throw new TypeError(`${what}: expected an ISO-8601 string or a Date`);
  return when;
};

export class EmrestAdmin {
  readonly baseUrl: string;
  readonly #token: string;
  readonly #fetch: FetchLike;
  readonly #timeoutMs?: number;
  /** Jobs scripted and servers switched off through this client, for `reset()`. */
  readonly #scripted = new Set<string>();
  readonly #unreachable = new Set<string>();

  constructor(options: EmrestAdminOptions) {
    if (typeof options?.token !== 'string' || options.token === '') throw new TypeError('token: the admin token is required');
    this.baseUrl = originOf(options.baseUrl, '/admin/v1');
    this.#token = options.token;
    this.#fetch = options.fetch ?? globalThis.fetch;
    this.#timeoutMs = options.timeoutMs;
  }

  /** One control-plane request; the parsed JSON answer (undefined for 204). */
  async #call<T>(method: Method, path: string, body?: unknown, raw?: string | Uint8Array): Promise<T> {
    const headers: Record<string, string> = { Authorization: `Bearer ${this.#token}`, Accept: 'application/json' };
    let payload: string | Uint8Array | undefined;
    if (raw !== undefined) {
      headers['Content-Type'] = 'application/octet-stream';
      payload = raw;
    } else if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      payload = JSON.stringify(body);
    }
    const res = await this.#fetch(`${this.baseUrl}/admin/v1${path}`, { method, headers, body: payload as RequestInit['body'], signal: signalOf(this.#timeoutMs) });
    const text = await res.text();
    if (res.status >= 400) throw new EmrestAdminError(res.status, errorMessageOf(text) ?? res.statusText, method, `/admin/v1${path}`, text);
    if (text === '') return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new EmrestAdminError(res.status, `the answer is not JSON: ${text.slice(0, 200)}`, method, `/admin/v1${path}`, text);
    }
  }

  /** `GET /admin/v1/health`: answers once the server can query its store. */
  health(): Promise<Health> {
    return this.#call('GET', '/health');
  }

  /** The clock (contract §1). */
  readonly clock = {
    /** `GET /admin/v1/clock` */
    get: (): Promise<ClockState> => this.#call('GET', '/clock'),
    /**
     * Jumps to an instant. Forward runs everything scheduled in between; backward needs
     * `{force: true}` and runs nothing.
     */
    set: (when: string | Date, options: { force?: boolean } = {}): Promise<ClockMove> =>
      this.#call('POST', '/clock', options.force === undefined ? { now: isoOf(when, 'clock.set') } : { now: isoOf(when, 'clock.set'), force: options.force }),
    /** Moves forward by an ISO-8601 duration (`"PT36H"`, `"P1DT12H"`) or seconds, running what fell due. */
    advance: (by: string | number): Promise<ClockMove> => this.#call('POST', '/clock', { advance: by }),
    /** Stops time (advance still works). */
    freeze: (): Promise<ClockState> => this.#call('POST', '/clock', { frozen: true }),
    /** Lets time run again. */
    unfreeze: (): Promise<ClockState> => this.#call('POST', '/clock', { frozen: false }),
    /** Simulated seconds per real second (0 < n ≤ 86400). */
    speed: (n: number): Promise<ClockState> => this.#call('POST', '/clock', { speed: n }),
    /** Several changes at once, applied frozen, speed, then the move: `{now, frozen: true}` stands exactly there. */
    update: (change: ClockChange): Promise<ClockState & { ran?: ClockMove['ran'] }> =>
      this.#call('POST', '/clock', change.now === undefined ? change : { ...change, now: isoOf(change.now, 'clock.update') }),
  };

  /** The simulated estate's engine (contract §2). A server serving a snapshot answers 409. */
  readonly simulation = {
    get: (): Promise<SimulationState> => this.#call('GET', '/simulation'),
    /** Nothing runs or changes while time passes. */
    pause: (): Promise<SimulationState> => this.#call('POST', '/simulation', { enabled: false }),
    /** Runs again, catching up with what fell due meanwhile. */
    resume: (): Promise<SimulationState> => this.#call('POST', '/simulation', { enabled: true }),
  };

  /** Job scripts (contract §2); a job is its GUID or UID (`urn:veeam:Job:…`). */
  readonly jobs = {
    /** The job's next runs end as scripted, then its model decides again. */
    script: async (jobId: string, script: JobScript): Promise<ScriptedJob> => {
      const id = guidOf(jobId);
      const answer = await this.#call<ScriptedJob>('POST', `/jobs/${encodeURIComponent(id)}/script`, script);
      this.#scripted.add(id);
      return answer;
    },
    /** Back to the job's model. */
    clearScript: async (jobId: string): Promise<void> => {
      const id = guidOf(jobId);
      await this.#call('DELETE', `/jobs/${encodeURIComponent(id)}/script`);
      this.#scripted.delete(id);
    },
  };

  /** Backup servers (contract §2). */
  readonly servers = {
    /** `false`: as when EM loses the VBR server (its jobs start nothing); `true`: they catch up. */
    setReachable: async (serverId: string, reachable: boolean): Promise<{ id: string; reachable: boolean }> => {
      const id = guidOf(serverId);
      const answer = await this.#call<{ id: string; reachable: boolean }>('POST', `/backupServers/${encodeURIComponent(id)}/state`, { reachable });
      if (reachable) this.#unreachable.delete(id);
      else this.#unreachable.add(id);
      return answer;
    },
  };

  /** Fault rules (contract §4): they apply to the EM API (`/api`), never to `/admin`. */
  readonly faults = {
    /** Adds a rule; answers it as listed (`id`, `hits: 0`, normalised fields). */
    add: (rule: FaultRuleInput): Promise<FaultRule> => this.#call('POST', '/faults', rule),
    /** Adds several rules, all or none. */
    addAll: async (rules: FaultRuleInput[]): Promise<FaultRule[]> => (await this.#call<{ faults: FaultRule[] }>('POST', '/faults', rules)).faults,
    /** Every rule, in the order they apply, with `hits` (exhausted rules stay until deleted). */
    list: async (): Promise<FaultRule[]> => (await this.#call<{ faults: FaultRule[] }>('GET', '/faults')).faults,
    get: (id: string): Promise<FaultRule> => this.#call('GET', `/faults/${encodeURIComponent(id)}`),
    remove: async (id: string): Promise<void> => {
      await this.#call('DELETE', `/faults/${encodeURIComponent(id)}`);
    },
    clear: async (): Promise<void> => {
      await this.#call('DELETE', '/faults');
    },
  };

  /** The request journal (contract §5): what came in on the EM API, most recent first. */
  readonly requests = {
    list: (filter: JournalFilter = {}): Promise<JournalPage & { capacity?: number }> => this.#call('GET', `/requests${journalQuery(filter, true)}`),
    count: async (filter: Omit<JournalFilter, 'limit'> = {}): Promise<number> => (await this.#call<{ count: number }>('GET', `/requests/count${journalQuery(filter, false)}`)).count,
    clear: async (): Promise<void> => {
      await this.#call('DELETE', '/requests');
    },
  };

  /**
   * Loads anything `emrest import` reads (EM XML/JSON documents, NDJSON), upserting by UID;
   * queryable at once. A malformed body is a 400 and nothing of it is stored.
   */
  importData(body: string | Uint8Array | ArrayBuffer): Promise<ImportResult> {
    const bytes = typeof body === 'string' ? body : body instanceof ArrayBuffer ? new Uint8Array(body) : body;
    return this.#call('POST', '/import', undefined, bytes);
  }

  /**
   * Deletes every backup server, job and session (users and logon sessions stay). The live
   * estate pauses, since its jobs are gone.
   */
  async deleteData(): Promise<void> {
    await this.#call('DELETE', '/data');
  }

  /**
   * Puts the control plane back as a test expects to find it, without touching data or the
   * clock: deletes every fault rule, empties the request journal, takes back the job scripts
   * and makes reachable again the servers that *this client* scripted or switched off (the
   * server cannot list them; a job or server gone since is skipped), and resumes the
   * simulation (which catches up with what fell due while it was paused) unless the server
   * serves a snapshot. Data, users, logon sessions, the clock (time, speed, frozen) and
   * scripts set by other clients stay as they are; `deleteData()` empties the data.
   */
  async reset(): Promise<ResetReport> {
    await this.faults.clear();
    await this.requests.clear();
    let scriptsCleared = 0;
    for (const id of [...this.#scripted]) {
      try {
        await this.jobs.clearScript(id);
        scriptsCleared++;
      } catch (e) {
        if (!(e instanceof EmrestAdminError && (e.status === 404 || e.status === 409))) throw e;
        this.#scripted.delete(id);
      }
    }
    let serversRestored = 0;
    for (const id of [...this.#unreachable]) {
      try {
        await this.servers.setReachable(id, true);
        serversRestored++;
      } catch (e) {
        if (!(e instanceof EmrestAdminError && (e.status === 404 || e.status === 409))) throw e;
        this.#unreachable.delete(id);
      }
    }
    let simulation: ResetReport['simulation'] = 'resumed';
    try {
      await this.simulation.resume();
    } catch (e) {
      if (!(e instanceof EmrestAdminError && e.status === 409)) throw e;
      simulation = 'off';
    }
    return { faultsCleared: true, journalCleared: true, scriptsCleared, serversRestored, simulation };
  }
}

function journalQuery(filter: JournalFilter, withLimit: boolean): string {
  const p = new URLSearchParams();
  if (filter.path !== undefined) p.set('path', filter.path);
  if (filter.method !== undefined) p.set('method', filter.method);
  if (filter.status !== undefined) p.set('status', String(filter.status));
  if (filter.user !== undefined) p.set('user', filter.user);
  if (filter.since !== undefined) p.set('since', isoOf(filter.since, 'since'));
  if (filter.fault !== undefined) p.set('fault', filter.fault);
  if (withLimit && filter.limit !== undefined) p.set('limit', String(filter.limit));
  const q = p.toString();
  return q === '' ? '' : `?${q}`;
}
