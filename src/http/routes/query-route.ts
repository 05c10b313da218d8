import type { FastifyInstance } from 'fastify';
import { DEFAULTS } from '../../config.js';
import { parseFilter } from '../../filter/parse.js';
import { planOrder, planPredicate, type QueryPlan } from '../../query/plan.js';
import { lookupQueryType } from '../../model/index.js';
import { tablesRead } from '../../store/schema.js';
import { queryResult, rowShape, type Paging } from '../../represent/documents.js';
import { logonOf, type AppContext } from '../context.js';
import { errors } from '../errors.js';
import { param, rawQuery, rebuildQuery, type LinkEncoding, type QueryParam } from '../query-string.js';
import { ResponseCache } from '../response-cache.js';
import { resource } from '../route.js';
import type { Listings } from '../listing.js';
import { sendRaw } from '../send.js';
import { authorize, parseFormat } from './resource-routes.js';

const POSITIVE = /^\d{1,15}$/;

function positiveInt(params: readonly QueryParam[], name: string, fallback: number): number {
  const text = param(params, name);
  if (text === undefined) return fallback;
  const n = POSITIVE.test(text.trim()) ? Number(text.trim()) : 0;
  if (n < 1) throw errors.badPaging(name, text);
  return n;
}

function pagingLinks(
  base: string, params: readonly QueryParam[], pageSize: number, page: number, pages: number, encoding: LinkEncoding,
): Paging['links'] {
  const href = (n: number) => `${base}/query?${rebuildQuery(params, [['pageSize', String(pageSize)], ['page', String(n)]], encoding)}`;
  const links: [string, string][] = [['First', href(1)]];
  if (page > 1) links.push(['Previous', href(Math.min(page - 1, pages))]);
  if (page < pages) links.push(['Next', href(page + 1)]);
  links.push(['Last', href(pages)]);
  return links;
}

/** `GET /api/query` (spec §6): type, format, filter, sort, paging. */
export function queryRoute(app: FastifyInstance, ctx: AppContext, listings: Listings, cacheLooked?: (hit: boolean) => void): void {
  const cache = new ResponseCache(DEFAULTS.responseCacheBytes, cacheLooked);

  resource(app, '/api/query', {
    GET: async (req, reply) => {
      const params = req.em.params;
      const typeName = param(params, 'type');
      if (typeName === undefined || typeName === '') throw errors.queryTypeMissing();
      const lookup = lookupQueryType(typeName);
      if ('unknown' in lookup) throw errors.unknownQueryType(typeName);
      if ('unimplemented' in lookup) throw errors.notImplemented(`query type ${typeName}`);
      const type = lookup.found;
      authorize(type, logonOf(req).user);

      const { rendering, base } = req.em;
      // The answer depends on the data of the tables its type reads, and on nothing else: the
      // query service applies no 30-day window and filter values are absolute, so the clock
      // is no part of the key (the session collections, which do depend on it, are not cached).
      const key = `${rendering.json ? 'j' : 'x'}${rendering.jsonBom ? 'b' : ''} ${base} ${rawQuery(req.url)}`;
      const tables = tablesRead(type);
      // Read before the answer's own read, so what is cached is at least as new as its stamp.
      const generations = await ctx.store.dataGenerations();
      const cached = cache.get(key, tables, generations);
      if (cached) return sendRaw(reply, 200, [['Content-Type', cached.contentType]], cached.body);

      const format = parseFormat(param(params, 'format'));
      const sortAsc = param(params, 'sortAsc'), sortDesc = param(params, 'sortDesc');
      if (sortAsc !== undefined && sortDesc !== undefined) throw errors.bothSorts();
      const sortName = sortAsc ?? sortDesc;
      const pageSize = positiveInt(params, 'pageSize', ctx.settings.defaultPageSize);
      const page = positiveInt(params, 'page', 1);

      const ast = parseFilter(param(params, 'filter') ?? '');
      const sort = sortName === undefined || sortName === '' ? undefined : { name: sortName, desc: sortDesc !== undefined };
      const plan: QueryPlan = {
        type,
        where: ast && planPredicate(type, ast),
        order: planOrder(type, sort),
        offset: (page - 1) * pageSize,
        limit: pageSize,
      };
      // A page past any possible end still answers, with its PagingInfo and no rows.
      const pastEnd = !Number.isSafeInteger(plan.offset);
      await listings.send(reply, rendering, {
        plan: pastEnd ? { ...plan, offset: 0, limit: 0 } : plan,
        count: true,
        shape: rowShape(type, format, rendering.profile),
        base,
        document: (items, total) => {
          const pagesCount = Math.max(1, Math.ceil(total / pageSize));
          const links = pagingLinks(base, params, pageSize, page, pagesCount, rendering.profile.linkEncoding);
          return queryResult(type, items, format, { pageNum: page, pageSize, pagesCount, links });
        },
        whole: (rendered) => cache.set(key, tables, generations, rendered),
      });
    },
  });
}
