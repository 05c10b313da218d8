/**
 * `EmClient`: a thin client of the EM API (`/api`, em-api.md) for tests — logon, the query
 * service with typed filters, following links, logoff. No retries and no re-logon: a test of
 * an integration's own retry logic sees every status as it came (`EmApiError`, with status,
 * headers and body). Network failures (a reset, a truncated body, a timeout) are `fetch`'s own
 * errors, untouched.
 *
 * Both formats give the same objects: JSON is parsed as EM sends it; XML is read by a small
 * built-in reader into the shape EM's JSON gives the same document (`xml.ts`), and the raw
 * text is always at hand (`response.body`).
 */
import { Filter, filterFor, type FilterBuilder } from './filter.js';
import { errorMessageOf, originOf, signalOf, type FetchLike, type TransportOptions } from './http.js';
import { xmlToJson } from './xml.js';
import { LIST_ELEMENTS, type EmErrorDocument, type EntityOf, type FieldOf, type FilterFields, type Link, type LogonSession, type PagingInfo, type QueryType, type Reference, type Task } from './types.js';

export type EmFormat = 'xml' | 'json';

export interface EmClientOptions extends TransportOptions {
  /** The server, e.g. `http://127.0.0.1:9399` or `https://localhost:9398` (a trailing `/api` is ignored). */
  readonly baseUrl: string;
  /** The format asked for (`Accept`); default `json`. */
  readonly format?: EmFormat;
}

/** An answer of the EM API. */
export interface EmResponse<T = unknown> {
  readonly status: number;
  readonly headers: Headers;
  readonly url: string;
  /** The body as sent. */
  readonly body: string;
  /** The body parsed (JSON as is; XML in EM's JSON shape); undefined when empty or unreadable. */
  readonly data: T;
}

/** An EM API answer with a status of 400 or more. */
export class EmApiError extends Error {
  override readonly name = 'EmApiError';
  constructor(
    readonly status: number,
    /** EM's `Message` (the `Error` document), or the body. */
    readonly emMessage: string,
    readonly method: string,
    readonly url: string,
    readonly headers: Headers,
    readonly body: string,
    /** The parsed `Error` document, when the body was one. */
    readonly document?: EmErrorDocument,
  ) {
    super(`${method} ${url}: ${status} ${emMessage}`);
  }
}

export type QueryFormat = 'Entities' | 'References';

export interface QueryOptions<T extends QueryType> {
  /** Filter text, a built `Filter`, or a function of the builder typed for `T`. */
  readonly filter?: string | Filter | ((f: FilterBuilder<FilterFields<T>>) => Filter);
  readonly sortAsc?: FieldOf<T>;
  readonly sortDesc?: FieldOf<T>;
  readonly pageSize?: number;
  readonly page?: number;
  /** Default `Entities` (EM's own default, when the parameter is absent, is References). */
  readonly format?: QueryFormat;
}

/** The `QueryResult` document. */
export interface QueryResultDocument {
  Entities?: Record<string, Record<string, unknown[] | null> | null> | null;
  Refs?: { Refs: Reference[] | null } | null;
  PagingInfo: PagingInfo;
}

/** One page of a query. */
export interface QueryPage<I> {
  readonly items: I[];
  readonly paging: PagingInfo;
  readonly document: QueryResultDocument;
  readonly response: EmResponse<QueryResultDocument>;
  /** Whether a `Next` paging link exists. */
  readonly hasNext: boolean;
  /** The next page (its `Next` link followed), or undefined on the last. */
  next(): Promise<QueryPage<I> | undefined>;
}

export type JobAction = 'start' | 'stop' | 'retry' | 'toggleScheduleEnabled';

const ACCEPT: Record<EmFormat, string> = { json: 'application/json', xml: 'application/xml' };

/** The first link of `resource` with this `Rel` (and `Type`, when given). */
export function findLink(resource: { Links?: Link[] | null }, rel: string, type?: string): Link | undefined {
  return (resource.Links ?? []).find((l) => l.Rel === rel && (type === undefined || l.Type === type));
}

export class EmClient {
  readonly baseUrl: string;
  readonly format: EmFormat;
  /** The logon token (`X-RestSvcSessionId`) sent with every request; set it to use another. */
  token: string | undefined;
  /** The logon session's id (what `logoff` deletes). */
  sessionId: string | undefined;
  readonly #fetch: FetchLike;
  readonly #timeoutMs?: number;

  constructor(options: EmClientOptions) {
    this.baseUrl = originOf(options.baseUrl, '/api');
    const format = options.format ?? 'json';
    if (format !== 'json' && format !== 'xml') throw new TypeError(`format: "json" or "xml", got ${JSON.stringify(format)}`);
    this.format = format;
    this.#fetch = options.fetch ?? globalThis.fetch;
    this.#timeoutMs = options.timeoutMs;
  }

  /** An absolute URL for a link's Href, a path under the server (`/api/…`), or one relative to `/api/`. */
  url(hrefOrPath: string): string {
    if (/^https?:\/\//i.test(hrefOrPath)) return hrefOrPath;
    if (hrefOrPath.startsWith('/')) return `${this.baseUrl}${hrefOrPath}`;
    return `${this.baseUrl}/api/${hrefOrPath}`;
  }

  /**
   * Any request, answered whatever its status (no `EmApiError`): the token goes along when
   * there is one, `Accept` follows the client's format unless `options.format` says otherwise.
   */
  async request<T = unknown>(
    method: string,
    hrefOrPath: string,
    options: { format?: EmFormat; headers?: Record<string, string>; anonymous?: boolean } = {},
  ): Promise<EmResponse<T>> {
    const format = options.format ?? this.format;
    const headers: Record<string, string> = { Accept: ACCEPT[format], ...options.headers };
    const hasToken = Object.keys(headers).some((h) => h.toLowerCase() === 'x-restsvcsessionid');
    if (this.token !== undefined && !options.anonymous && !hasToken) headers['X-RestSvcSessionId'] = this.token;
    const url = this.url(hrefOrPath);
    const res = await this.#fetch(url, { method, headers, signal: signalOf(this.#timeoutMs) });
    const body = await res.text();
    return { status: res.status, headers: res.headers, url, body, data: parseBody(body, res.headers.get('content-type')) as T };
  }

  /** `request`, with a status of 400 or more thrown as `EmApiError`. */
  async #checked<T>(method: string, hrefOrPath: string, options: { headers?: Record<string, string> } = {}): Promise<EmResponse<T>> {
    const r = await this.request<T>(method, hrefOrPath, options);
    if (r.status >= 400) throw apiError(method, r);
    return r;
  }

  /**
   * Logs on (`POST /api/sessionMngr/?v=latest`, Basic auth) and keeps the session's token for
   * the requests that follow. `version`: `latest` (default), `v1_7`, `v1_6`, `v1_5`.
   */
  async logon(user: string, password: string, options: { version?: string } = {}): Promise<LogonSession & { token: string }> {
    const basic = Buffer.from(`${user}:${password}`, 'utf8').toString('base64');
    const path = `/api/sessionMngr/?v=${encodeURIComponent(options.version ?? 'latest')}`;
    const r = await this.request<LogonSession>('POST', path, { headers: { Authorization: `Basic ${basic}` }, anonymous: true });
    if (r.status >= 400) throw apiError('POST', r);
    const token = r.headers.get('x-restsvcsessionid');
    if (!token) throw new EmApiError(r.status, 'the logon answer has no X-RestSvcSessionId header', 'POST', r.url, r.headers, r.body);
    this.token = token;
    this.sessionId = r.data?.SessionId ?? Buffer.from(token, 'base64').toString('ascii');
    return { ...r.data, token };
  }

  /** Logs off (`DELETE /api/logonSessions/{SessionId}`); the token dies at once. */
  async logoff(): Promise<void> {
    if (this.sessionId === undefined) throw new Error('logoff: not logged on');
    await this.#checked('DELETE', `/api/logonSessions/${encodeURIComponent(this.sessionId)}`);
    this.token = undefined;
    this.sessionId = undefined;
  }

  /** The query string of a query, as `query` sends it (`type`, `format`, `filter`, sort, paging). */
  static queryString<T extends QueryType>(type: T, options: QueryOptions<T> = {}): string {
    const p = new URLSearchParams();
    p.set('type', type);
    p.set('format', options.format ?? 'Entities');
    const filter = typeof options.filter === 'function' ? options.filter(filterFor(type)) : options.filter;
    if (filter !== undefined && String(filter) !== '') p.set('filter', String(filter));
    if (options.sortAsc !== undefined && options.sortDesc !== undefined) throw new TypeError('query: give sortAsc or sortDesc, not both');
    if (options.sortAsc !== undefined) p.set('sortAsc', options.sortAsc);
    if (options.sortDesc !== undefined) p.set('sortDesc', options.sortDesc);
    if (options.pageSize !== undefined) p.set('pageSize', String(options.pageSize));
    if (options.page !== undefined) p.set('page', String(options.page));
    return p.toString();
  }

  /** One page of the query service (`GET /api/query?type=…`): entities, or references with `format: 'References'`. */
  query<T extends QueryType>(type: T, options: QueryOptions<T> & { format: 'References' }): Promise<QueryPage<Reference>>;
  query<T extends QueryType>(type: T, options?: QueryOptions<T> & { format?: 'Entities' }): Promise<QueryPage<EntityOf[T]>>;
  async query<T extends QueryType>(type: T, options: QueryOptions<T> = {}): Promise<QueryPage<EntityOf[T] | Reference>> {
    const format = options.format ?? 'Entities';
    return this.#page(type, format, `/api/query?${EmClient.queryString(type, options)}`);
  }

  /** Every item of a query, following `Next` links from the first page. */
  queryAll<T extends QueryType>(type: T, options: QueryOptions<T> & { format: 'References' }): Promise<Reference[]>;
  queryAll<T extends QueryType>(type: T, options?: QueryOptions<T> & { format?: 'Entities' }): Promise<EntityOf[T][]>;
  async queryAll<T extends QueryType>(type: T, options: QueryOptions<T> = {}): Promise<(EntityOf[T] | Reference)[]> {
    const all: (EntityOf[T] | Reference)[] = [];
    let page: QueryPage<EntityOf[T] | Reference> | undefined = await this.query(type, options as QueryOptions<T> & { format?: 'Entities' });
    while (page) {
      all.push(...page.items);
      page = await page.next();
    }
    return all;
  }

  async #page<I>(type: QueryType, format: QueryFormat, hrefOrPath: string): Promise<QueryPage<I>> {
    const response = await this.#checked<QueryResultDocument>('GET', hrefOrPath);
    const document = response.data;
    if (document === undefined || document === null || typeof document !== 'object' || !('PagingInfo' in document)) {
      throw new EmApiError(response.status, 'the answer is not a QueryResult', 'GET', response.url, response.headers, response.body);
    }
    const list = LIST_ELEMENTS[type];
    const items = (format === 'References' ? document.Refs?.Refs : document.Entities?.[list]?.[list]) ?? [];
    const nextLink = findLink(document.PagingInfo, 'Next');
    return {
      items: items as I[],
      paging: document.PagingInfo,
      document,
      response,
      hasNext: nextLink !== undefined,
      next: async () => (nextLink ? this.#page<I>(type, format, nextLink.Href) : undefined),
    };
  }

  /**
   * Follows a link (or an Href, or a path such as `/api/backupServers`): the document parsed
   * (XML in EM's JSON shape). A status of 400 or more is an `EmApiError`.
   */
  async get<T = unknown>(link: string | Link): Promise<T> {
    return (await this.#checked<T>('GET', typeof link === 'string' ? link : link.Href)).data;
  }

  /** Follows the first link of `resource` with this `Rel` (and `Type`); an Error when it has none. */
  async follow<T = unknown>(resource: { Links?: Link[] | null }, rel: string, type?: string): Promise<T> {
    const link = findLink(resource, rel, type);
    if (!link) throw new Error(`no ${rel}${type ? ` ${type}` : ''} link (links: ${(resource.Links ?? []).map((l) => `${l.Rel} ${l.Type ?? ''}`.trim()).join(', ') || 'none'})`);
    return this.get<T>(link);
  }

  /** A job action (`POST /api/jobs/{id}?action=…`, Portal Administrator): the EM `Task` (202). */
  async jobAction(jobId: string, action: JobAction): Promise<Task> {
    const id = /^urn:veeam:[A-Za-z]+:(.+)$/i.exec(jobId)?.[1] ?? jobId;
    return (await this.#checked<Task>('POST', `/api/jobs/${encodeURIComponent(id)}?action=${encodeURIComponent(action)}`)).data;
  }
}

/**
 * A 12/13 EM writes every member of its classes, `null` when empty; a 9.5 EM and XML leave
 * them out. Dropping nulls gives callers one shape whichever server answered.
 */
const dropNull = (_key: string, value: unknown) => (value === null ? undefined : value);

function parseBody(body: string, contentType: string | null): unknown {
  const text = body.replace(/^\uFEFF/, '');
  if (text.trim() === '') return undefined;
  const ct = (contentType ?? '').toLowerCase();
  const looksJson = ct.includes('json') || (!ct.includes('xml') && /^\s*[[{]/.test(text));
  try {
    return looksJson ? JSON.parse(text, dropNull) : xmlToJson(text);
  } catch {
    return undefined;
  }
}

function apiError(method: string, r: EmResponse): EmApiError {
  const doc = r.data !== null && typeof r.data === 'object' && 'StatusCode' in r.data ? (r.data as EmErrorDocument) : undefined;
  const message = (typeof doc?.Message === 'string' ? doc.Message : undefined) ?? errorMessageOf(r.body) ?? '';
  return new EmApiError(r.status, message, method, r.url, r.headers, r.body, doc);
}
