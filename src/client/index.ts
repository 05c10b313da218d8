/**
 * `emrest/client`: typed clients for test suites.
 *
 * - `EmrestAdmin`: the control plane (`/admin/v1`): clock, simulated estate, job scripts,
 *   fault rules, request journal, data import, reset.
 * - `EmClient`: a thin client of the EM API (`/api`): logon, the query service with a typed
 *   filter builder (`f`, `filterFor`), following links, logoff — XML or JSON.
 *
 * Depends on nothing but Node's `fetch`.
 */
export { EmrestAdmin, EmrestAdminError, guidOf, type EmrestAdminOptions, type ResetReport } from './admin.js';
export {
  EmApiError,
  EmClient,
  findLink,
  type EmClientOptions,
  type EmFormat,
  type EmResponse,
  type JobAction,
  type QueryFormat,
  type QueryOptions,
  type QueryPage,
  type QueryResultDocument,
} from './em.js';
export { f, Filter, FilterBuildError, filterFor, formatValue, type FilterBuilder, type FilterValue, type Operator } from './filter.js';
export type { FetchLike, TransportOptions } from './http.js';
export { parseXml, xmlToJson, XmlParseError, type XmlElement } from './xml.js';
export * from './types.js';
export * from './storage-types.js';
export * from './agents-nas-types.js';
