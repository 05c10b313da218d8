import { parseFilter } from '../../src/filter/parse.js';
import type { TypeDecl } from '../../src/model/index.js';
import { planOrder, planPredicate, type QueryPlan } from '../../src/query/plan.js';

/** A query plan as the query route would make it from a filter and sort (defaults: all rows). */
export const plan = (type: TypeDecl, o: { filter?: string; sort?: { name: string; desc: boolean }; offset?: number; limit?: number } = {}): QueryPlan => ({
  type,
  where: o.filter === undefined ? undefined : planPredicate(type, parseFilter(o.filter)!),
  order: planOrder(type, o.sort),
  offset: o.offset ?? 0,
  limit: o.limit ?? -1,
});
