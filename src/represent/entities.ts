import { codecOf } from '../model/codecs.js';
import { isRendered, referenceType, TYPES, type FieldDecl, type Row, type TypeDecl } from '../model/index.js';
import type { WireProfile } from '../profile/profiles.js';
import { formatDateTimeAt } from '../util/datetime.js';
import { uidOf } from '../util/uid.js';
import { declaredLinks } from './links.js';
import { list, node, xmlOrder, type Node, type Prop, type Scalar } from './model.js';
import type { LinksMember, Member, RowShape, ScalarMember } from './row-shape.js';
import { escapeAttr, escapeText } from './xml.js';
import { jsonString } from './json.js';

/** What of a version profile an entity's values depend on. */
export type EntityWire = Pick<WireProfile, 'timePrecision' | 'failureMessageTypes'>;

/** Every stored value as it is (exports, which must import back unchanged). */
export const LOSSLESS: EntityWire = { timePrecision: 'ticks', failureMessageTypes: TYPES.map((t) => t.name) };

/** Text that neither writer changes: written without the escaping check. */
const inert = (s: string) => escapeAttr(s) === s && escapeText(s) === s && jsonString(s) === `"${s}"`;

/** Whether a field's rendered text never needs escaping: all but free strings (enum members are checked once). */
function plainKind(field: FieldDecl): boolean {
  if (field.kind === 'string') return false;
  return field.kind !== 'enum' || field.members.every(inert);
}

/**
 * A field's member under a profile: DateTimes at the profile's precision; a FailureMessage
 * only for the session types the profile shows it on (the row keeps it either way); absent
 * values undefined (omitted).
 */
function fieldMember(type: TypeDecl, field: FieldDecl & { render: { name: string } }, attr: boolean, x: number, wire: EntityWire): ScalarMember {
  const { key } = field;
  const codec = codecOf(field);
  let read: (row: Row) => Scalar | undefined;
  if (key === 'failureMessage' && !wire.failureMessageTypes.includes(type.name)) read = () => undefined;
  else if (field.kind === 'datetime') read = (row) => (row[key] == null ? undefined : formatDateTimeAt(String(row[key]), wire.timePrecision));
  else read = (row) => (row[key] == null ? undefined : codec.toWire(row[key]!));
  return { kind: 'scalar', name: field.render.name, attr, x, read, plain: plainKind(field) };
}

/** Row keys whose values never need escaping in an href. */
const plainKeys = (type: TypeDecl) => new Set(type.fields.filter(plainKind).map((f) => f.key));

const constant = (name: string, x: number, value: string): ScalarMember => ({ kind: 'scalar', name, attr: true, x, read: () => value, plain: inert(value) });

/**
 * The entity form of a type under a profile, computed once: XML ranks follow the declaration
 * (base class first); JSON order puts the most derived class first, each class's elements
 * before its attributes, then the base resource members `Links, Href, Type`.
 */
function entityShapeOf(type: TypeDecl, wire: EntityWire): RowShape {
  let attrRank = 2; // after Type, Href
  let elemRank = 1; // after Links
  const ranked = type.fields.filter(isRendered).map((field, i) => {
    const attr = field.render.as === 'attribute';
    return { member: fieldMember(type, field, attr, attr ? attrRank++ : elemRank++, wire), layer: field.render.layer ?? 0, i };
  });
  ranked.sort((a, b) => b.layer - a.layer || Number(a.member.attr) - Number(b.member.attr) || a.i - b.i);
  const links: LinksMember = { kind: 'links', name: 'Links', attr: false, x: 0, decls: type.links.entity, plainKeys: plainKeys(type) };
  const path = `${type.collection}/`;
  const href: ScalarMember = { kind: 'scalar', name: 'Href', attr: true, x: 1, read: (row) => `${path}${row.id}?format=Entity`, plain: true, underBase: true };
  return { tag: type.element ?? type.name, members: [...ranked.map(({ member }) => member), links, href, constant('Type', 0, type.name)] };
}

/** The reference form of a type: `Ref` in lists, `EntityRef` as a document root. */
function referenceShapeOf(type: TypeDecl, tag: 'Ref' | 'EntityRef'): RowShape {
  const path = `${type.collection}/`;
  const str = (v: unknown) => (v == null ? undefined : String(v));
  return {
    tag,
    members: [
      { kind: 'links', name: 'Links', attr: false, x: 0, decls: type.links.reference, plainKeys: plainKeys(type) },
      { kind: 'scalar', name: 'UID', attr: true, x: 3, read: (row) => uidOf(type.uidKind, row.id as string), plain: true },
      { kind: 'scalar', name: 'Name', attr: true, x: 2, read: (row) => str(row.name), plain: false },
      { kind: 'scalar', name: 'Href', attr: true, x: 1, read: (row) => `${path}${row.id}`, plain: true, underBase: true },
      constant('Type', 0, referenceType(type)),
    ],
  };
}

function cached<K extends object, V>(map: WeakMap<K, V>, key: K, make: () => V): V {
  let v = map.get(key);
  if (v === undefined) map.set(key, (v = make()));
  return v;
}

const entityShapes = new WeakMap<TypeDecl, WeakMap<EntityWire, RowShape>>();
const referenceShapes = new WeakMap<TypeDecl, Record<'Ref' | 'EntityRef', RowShape>>();

export const entityShape = (type: TypeDecl, wire: EntityWire): RowShape =>
  cached(cached(entityShapes, type, () => new WeakMap()), wire, () => entityShapeOf(type, wire));

export const referenceShape = (type: TypeDecl, tag: 'Ref' | 'EntityRef' = 'Ref'): RowShape =>
  cached(referenceShapes, type, () => ({ Ref: referenceShapeOf(type, 'Ref'), EntityRef: referenceShapeOf(type, 'EntityRef') }))[tag];

const xmlOrders = new WeakMap<RowShape, readonly number[]>();

/** The generic node of a row in a shape (for documents of one row, exports, and any writer of nodes). */
export function nodeOf(shape: RowShape, row: Row, base: string): Node {
  const props: Prop[] = shape.members.map((m) => {
    if (m.kind === 'links') return { name: m.name, value: list(declaredLinks(m.decls, row, base)), x: m.x };
    const v = m.read(row);
    return { name: m.name, value: m.underBase && v !== undefined ? `${base}/${v}` : v, attr: m.attr, x: m.x };
  });
  return node(shape.tag, props, cached(xmlOrders, shape, () => xmlOrder(shape.members)));
}

/** The entity form of a row (`<ReplicaJobSession Type="ReplicaJobSession" …>`). */
export const entityNode = (type: TypeDecl, row: Row, base: string, wire: EntityWire): Node => nodeOf(entityShape(type, wire), row, base);

/** The reference form of a row: `Ref` in lists, `EntityRef` as a document root. */
export const referenceNode = (type: TypeDecl, row: Row, base: string, tag: 'Ref' | 'EntityRef' = 'Ref'): Node =>
  nodeOf(referenceShape(type, tag), row, base);

/** The members every resource ends with (a document's own, e.g. QuerySvc). */
export const resourceTail = (links: Node[], href: string, type: string): Prop[] => [
  { name: 'Links', value: list(links), x: 0 },
  { name: 'Href', value: href, attr: true, x: 1 },
  { name: 'Type', value: type, attr: true, x: 0 },
];
