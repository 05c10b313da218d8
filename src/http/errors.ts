import http from 'node:http';
import { API_VERSIONS } from '../represent/documents.js';
import { invalidIdText, unknownIdText } from './id-texts.js';
import type { HeaderList } from './send.js';

/**
 * A failure the API reports, made only by an entry of `errors`: the entry's stable `code`
 * (for tests and logs; not sent), its status, the message of the EM `Error` body, and the
 * headers the entry adds.
 */
export class EmError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    readonly headers: HeaderList = [],
  ) {
    super(message);
  }
}

/** One kind of failure: called with its details, it makes the `EmError` to throw or send. */
export interface ErrorEntry<A extends unknown[]> {
  (...args: A): EmError;
  readonly code: string;
  /**
   * `'4xx'` only for the entry that passes on the status Fastify chose; `'4xx/5xx'` only for
   * the injected fault, whose status the fault rule chose.
   */
  readonly status: number | '4xx' | '4xx/5xx';
  /** Names of the headers it adds. */
  readonly headers: readonly string[];
}

function entry<A extends unknown[]>(
  code: string,
  status: number,
  message: (...args: A) => string,
  headers: Readonly<Record<string, (...args: A) => string>> = {},
): ErrorEntry<A> {
  const make = (...args: A) =>
    new EmError(code, status, message(...args), Object.entries(headers).map(([name, value]) => [name, value(...args)] as const));
  return Object.assign(make, { code, status, headers: Object.keys(headers) });
}

/** `latest, v1_7, v1_6 or v1_5`: newest first, as a logon may name them (the profile's versions). */
const versionChoices = (versions: readonly string[]) => {
  const all = ['latest', ...[...versions].reverse()];
  return `${all.slice(0, -1).join(', ')} or ${all[all.length - 1]}`;
};

/**
 * The one error registry (spec §3): every failure the API reports is made by one of these
 * entries, and README.md's error table lists them all (a test holds the two together). The
 * HTTP layer renders each as an EM `Error` body in the negotiated format.
 */
export const errors = {
  unauthorized: entry('unauthorized', 401, () => 'Authentication required: send a valid X-RestSvcSessionId'),
  logonFailed: entry('logon-failed', 401, (why: string) => `Logon failed: ${why}`, {
    'WWW-Authenticate': () => 'Basic Realm=RestSvc',
  }),
  adminUnauthorized: entry('admin-unauthorized', 401, () => 'Admin API: send Authorization: Bearer <admin token>', {
    'WWW-Authenticate': () => 'Bearer realm="emrest-admin"',
  }),
  forbidden: entry('forbidden', 403, (what: string) => `Access denied: ${what} requires the Portal Administrator role`),
  notFound: entry('not-found', 404, (what: string) => `Not found: ${what}`),
  /** A well-formed `{ID}` that no entity of the type (named as in the model) has: EM's text. */
  unknownId: entry('unknown-id', 404, (typeName: string, guid: string) => unknownIdText(typeName, guid)),
  /** An `{ID}` that is no GUID: EM's text. */
  invalidId: entry('invalid-id', 400, (typeName: string, rawId: string) => invalidIdText(typeName, rawId)),
  methodNotAllowed: entry('method-not-allowed', 405, (method: string, _allow: readonly string[]) => `Method ${method} is not allowed here`, {
    Allow: (_method, allow) => allow.join(', '),
  }),
  badVersion: entry('bad-version', 400, (v: string, versions: readonly string[] = API_VERSIONS) => `Unsupported API version '${v}'; use ${versionChoices(versions)}`),
  queryTypeMissing: entry('query-type-missing', 400, () => 'Query type is not specified'),
  unknownQueryType: entry('unknown-query-type', 400, (name: string) => `Unknown query type: ${name}`),
  badFormat: entry('bad-format', 400, (value: string | undefined) => `Unknown format '${value}'; use References or Entities`),
  badPaging: entry('bad-paging', 400, (name: string, text: string) => `Parameter ${name} must be an integer of at least 1, got '${text}'`),
  bothSorts: entry('both-sorts', 400, () => 'Use either sortAsc or sortDesc, not both'),
  /** The filter parser's message, with the 1-based position. */
  badFilter: entry('bad-filter', 400, (message: string) => message),
  /** The planner's message: a name the type lacks, or a value its field cannot hold. */
  badQuery: entry('bad-query', 400, (message: string) => message),
  /** The importer's positioned message. */
  badImport: entry('bad-import', 400, (message: string) => message),
  /** A control-plane request (e.g. POST /admin/v1/clock) that is not valid: the message names the field; nothing was changed. */
  adminBadRequest: entry('admin-bad-request', 400, (message: string) => message),
  badUrl: entry('bad-url', 400, (why: string) => `Malformed request URL: ${why}`),
  /** `POST /jobs/{ID}` without `action`, or with one EM's jobs do not have. */
  badAction: entry('bad-action', 400, (action: string | undefined) =>
    action === undefined ? 'Parameter action is required' : `Unknown action '${action}'; use start, stop, retry or toggleScheduleEnabled`),
  /** A coding list not ending in `chunked` has no knowable length: the connection cannot be reused. */
  badFraming: entry('bad-framing', 400, (te: string) => `Unsupported Transfer-Encoding '${te}'`, { Connection: () => 'close' }),
  malformedRequest: entry('malformed-request', 400, () => 'Malformed HTTP request'),
  headersTooLarge: entry('headers-too-large', 431, () => 'Malformed HTTP request'),
  connectRefused: entry('connect-refused', 400, () => 'CONNECT is not supported'),
  /** A client error Fastify found itself (a body over the limit: 413, …), passed on with its status. */
  requestRejected: Object.assign((status: number, message: string) => new EmError('request-rejected', status, message), {
    code: 'request-rejected',
    status: '4xx' as const,
    headers: [] as readonly string[],
  }),
  /**
   * A fault rule's `{"status":N,"message":…}` (contract §4): the rule's status (400–599) and
   * message (default: the status's reason phrase), as an EM Error in the negotiated format.
   */
  injectedFault: Object.assign((status: number, message?: string) => new EmError('injected-fault', status, message ?? http.STATUS_CODES[status] ?? `Error ${status}`), {
    code: 'injected-fault',
    status: '4xx/5xx' as const,
    headers: [] as readonly string[],
  }),
  /** A control-plane request about the simulated estate while the data is a snapshot (serve without --simulate). */
  estateOff: entry('estate-off', 409, () => 'The estate is not simulated: serve it with --simulate (on by default for demo data)'),
  notImplemented: entry('not-implemented', 501, (what: string) => `Not implemented in emrest: ${what}`),
  /** A lock another process holds did not come free in time: nothing was done; retry. */
  busy: entry('busy', 503, (why: string) => `Service temporarily unavailable: ${why}`, { 'Retry-After': () => '1' }),
  internal: entry('internal', 500, () => 'Internal server error'),
};
