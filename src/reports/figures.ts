import { parseFilter } from '../filter/parse.js';
import { lookupQueryType, type Row, type TypeDecl } from '../model/index.js';
import { planOrder, planPredicate, type QueryPlan } from '../query/plan.js';
import type { Store } from '../store/store.js';
import { formatDateTime, type DateTime } from '../util/datetime.js';

/**
 * The one way a report reads the store: a declared type and a filter in EM's own filter
 * language, planned exactly as `GET /api/query?type=…&filter=…` plans it. So every figure of a
 * report is, by construction, what the query service answers over the same data (the
 * agreement test asks the query service the same questions over HTTP).
 */
export interface Question {
  readonly type: TypeDecl;
  /** EM filter text (`;` AND, `,` OR); absent = every row. */
  readonly filter?: string;
}

/** The plan the query route would make of a question, sorted as asked, at most `limit` rows (-1: all). */
export function planOf(q: Question, o: { sort?: { name: string; desc: boolean }; limit?: number } = {}): QueryPlan {
  const where = q.filter === undefined ? undefined : parseFilter(q.filter);
  return {
    type: q.type,
    where: where === undefined ? undefined : planPredicate(q.type, where),
    order: planOrder(q.type, o.sort),
    offset: 0,
    limit: o.limit ?? -1,
  };
}

/** How many rows answer the question (the query service's total). */
export async function countOf(store: Store, q: Question): Promise<number> {
  return (await store.query(planOf(q, { limit: 0 }), { count: true })).total ?? 0;
}

/** The rows that answer the question, in the order asked. */
export async function rowsOf(store: Store, q: Question, o: { sort?: { name: string; desc: boolean }; limit?: number } = {}): Promise<Row[]> {
  return (await store.query(planOf(q, o))).rows;
}

/** Filter parts joined with AND (empty parts dropped). */
export const all = (...parts: (string | undefined)[]): string => parts.filter((p) => p !== undefined && p !== '').join(';');

/** Filter parts joined with OR, parenthesised so it can stand inside an AND. */
export const either = (...parts: string[]): string => `(${parts.join(',')})`;

/** A closed window of time, both ends included. */
export interface Window {
  readonly from: DateTime;
  readonly to: DateTime;
}

/** `field` within the window, as filter text (EM's rendering of the instants, quoted). */
export const within = (field: string, w: Window): string =>
  `${field}>="${formatDateTime(w.from)}";${field}<="${formatDateTime(w.to)}"`;

/**
 * A type the registry declares by that query name, or undefined while it is still one EM has
 * and emrest does not (its figures are then 0, as over an estate without such objects).
 */
export function declaredType(name: string): TypeDecl | undefined {
  const found = lookupQueryType(name);
  return 'found' in found ? found.found : undefined;
}
