import { parseFilter } from '../../src/filter/parse.js';
import type { Row, TypeDecl } from '../../src/model/index.js';
import { planOrder, planPredicate, type QueryPlan } from '../../src/query/plan.js';
import type { Store } from '../../src/store/store.js';

/** A query plan as the query route would make it from a filter and sort (defaults: all rows). */
export const plan = (type: TypeDecl, o: { filter?: string; sort?: { name: string; desc: boolean }; offset?: number; limit?: number } = {}): QueryPlan => ({
  type,
  where: o.filter === undefined ? undefined : planPredicate(type, parseFilter(o.filter)!),
  order: planOrder(type, o.sort),
  offset: o.offset ?? 0,
  limit: o.limit ?? -1,
});

/** Every row of `type` the store holds (matching `filter`), in the type's default order. */
export const allRows = async (store: Store, type: TypeDecl, filter?: string): Promise<Row[]> => (await store.query(plan(type, { filter }))).rows;
