import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { MIN_TIME } from '../../clock/clock.js';
import type { Predicate, QueryPlan } from '../../query/plan.js';
import { planOrder } from '../../query/plan.js';
import { fieldByKey, TYPES, typeNamed, VIEWS, type Row, type TypeDecl, type ViewDecl } from '../../model/index.js';
import { collection, item, rowShape, type Format } from '../../represent/documents.js';
import type { EntityWire } from '../../represent/entities.js';
import type { Store, User } from '../../store/store.js';
import { fromEpochMs } from '../../util/datetime.js';
import { parseGuid } from '../../util/uid.js';
import { logonOf, type AppContext } from '../context.js';
import { errors } from '../errors.js';
import { param } from '../query-string.js';
import type { Listing, Listings } from '../listing.js';
import { resource } from '../route.js';
import { sendDocument } from '../send.js';

type RouteHandler = (req: FastifyRequest, reply: FastifyReply) => Promise<void>;

/** `format`: absent or References → references; Entity/Entities → entities (case-insensitive). */
export function parseFormat(value: string | undefined): Format {
  const v = value?.toLowerCase();
  if (v === undefined || v === 'references') return 'references';
  if (v === 'entities' || v === 'entity') return 'entities';
  throw errors.badFormat(value);
}

export function authorize(type: TypeDecl, user: User): void {
  if (type.adminOnly && user.role !== 'PortalAdministrator') throw errors.forbidden(type.listElement);
}

const cmp = (type: TypeDecl, key: string, op: '==' | '>=', value: string): Predicate => ({
  kind: 'cmp',
  field: fieldByKey(type, key),
  op,
  value,
});

const all = (type: TypeDecl, where: Predicate[]): QueryPlan => ({
  type,
  where: where.length === 0 ? undefined : { kind: 'and', items: where },
  order: planOrder(type),
  offset: 0,
  limit: -1,
});

/** A whole collection (unpaged, as EM answers it). */
const listingOf = (type: TypeDecl, where: Predicate[], format: Format, base: string, wire: EntityWire): Listing => ({
  plan: all(type, where),
  count: false,
  shape: rowShape(type, format, wire),
  base,
  document: (items) => collection(type, items, format),
});

/** One key resource's row by the `{ID}` of a path (and `where`, a view's); 400 when the ID is no GUID, 404 when no row has it. */
export async function findRow(store: Store, type: TypeDecl, rawId: string, where: Predicate[] = []): Promise<Row> {
  const id = parseGuid(rawId);
  if (id === undefined) throw errors.invalidId(type.name, rawId);
  const rows = (await store.query({ ...all(type, [cmp(type, 'id', '==', id), ...where]), limit: 1 })).rows;
  if (rows.length === 0) throw errors.unknownId(type.name, id);
  return rows[0];
}

/** A view's restriction: each of its enum fields equal to its member. */
function viewWhere(type: TypeDecl, view: ViewDecl): Predicate[] {
  return Object.entries(view.where).map(([key, member]) => {
    const field = fieldByKey(type, key);
    const ordinal = field.kind === 'enum' ? field.members.indexOf(member) : -1;
    if (ordinal < 0) throw new Error(`view ${view.path}: ${type.name}.${key} has no member ${member}`);
    return { kind: 'cmp', field, op: '==', value: ordinal };
  });
}

/** Methods other than GET that a type's `/{collection}/{ID}` has (job actions: `POST /jobs/{ID}?action=…`), by type name. */
export type ItemHandlers = Readonly<Record<string, Partial<Record<'POST' | 'DELETE', RouteHandler>>>>;

/**
 * The key-resource collections (spec §4.6), derived from the registry: `/{collection}`,
 * `/{collection}/{ID}` (with the item's other methods from `itemHandlers`) and each declared
 * child collection `/{collection}/{ID}/{path}`.
 */
export function resourceRoutes(app: FastifyInstance, ctx: AppContext, listings: Listings, itemHandlers: ItemHandlers = {}): void {
  const windowed = (type: TypeDecl): Predicate[] =>
    type.windowField ? [cmp(type, type.windowField, '>=', fromEpochMs(Math.max(MIN_TIME, ctx.clock.now() - ctx.settings.windowMs)))] : [];

  const findOne = (type: TypeDecl, rawId: string, where: Predicate[] = []) => findRow(ctx.store, type, rawId, where);

  const context = (req: FastifyRequest, type: TypeDecl) => {
    authorize(type, logonOf(req).user);
    return { format: parseFormat(param(req.em.params, 'format')), id: (req.params as { id?: string }).id ?? '' };
  };

  for (const type of TYPES) {
    const path = `/api/${type.collection}`;
    resource(app, path, {
      GET: async (req, reply) => {
        const { format } = context(req, type);
        await listings.send(reply, req.em.rendering, listingOf(type, windowed(type), format, req.em.base, req.em.rendering.profile));
      },
    });
    resource(app, `${path}/:id`, {
      GET: async (req, reply) => {
        const { format, id } = context(req, type);
        sendDocument(reply, 200, item(type, await findOne(type, id), format, req.em.base, req.em.rendering.profile), req.em.rendering);
      },
      ...itemHandlers[type.name],
    });
    for (const child of type.children ?? []) {
      const childType = typeNamed(child.type);
      resource(app, `${path}/:id/${child.path}`, {
        GET: async (req, reply) => {
          const { format, id } = context(req, type);
          authorize(childType, logonOf(req).user);
          const parent = await findOne(type, id);
          const where = [cmp(childType, child.parentKey, '==', parent.id as string), ...windowed(childType)];
          await listings.send(reply, req.em.rendering, listingOf(childType, where, format, req.em.base, req.em.rendering.profile));
        },
      });
    }
  }

  // A view answers as its type's collection and items do, over its rows only.
  for (const view of VIEWS) {
    const type = typeNamed(view.type);
    const where = viewWhere(type, view);
    resource(app, `/api/${view.path}`, {
      GET: async (req, reply) => {
        const { format } = context(req, type);
        await listings.send(reply, req.em.rendering, listingOf(type, [...where, ...windowed(type)], format, req.em.base, req.em.rendering.profile));
      },
    });
    resource(app, `/api/${view.path}/:id`, {
      GET: async (req, reply) => {
        const { format, id } = context(req, type);
        sendDocument(reply, 200, item(type, await findOne(type, id, where), format, req.em.base, req.em.rendering.profile), req.em.rendering);
      },
    });
  }
}
