import { codecOf, type Codec } from '../model/codecs.js';
import { isRendered, referenceType, TYPES, type RawValue, type Row, type TypeDecl } from '../model/index.js';
import type { WireProfile } from '../profile/profiles.js';
import { formatDateTimeAt } from '../util/datetime.js';
import { uidOf } from '../util/uid.js';
import { declaredLinks } from './links.js';
import { list, node, xmlOrder, type Node, type Prop, type Scalar } from './model.js';

/** A stored value as EM renders it; absent values are undefined (omitted). */
const renderValue = (codec: Codec, raw: RawValue | undefined): Scalar | undefined =>
  raw === null || raw === undefined ? undefined : codec.toWire(raw);

/** What of a version profile an entity's values depend on. */
export type EntityWire = Pick<WireProfile, 'timePrecision' | 'failureMessageTypes'>;

/** Every stored value as it is (exports, which must import back unchanged). */
export const LOSSLESS: EntityWire = { timePrecision: 'ticks', failureMessageTypes: TYPES.map((t) => t.name) };

/**
 * A slot's value under a profile: DateTimes at the profile's precision; a FailureMessage only
 * for the session types the profile shows it on (the row keeps it either way).
 */
function wireValue(type: TypeDecl, s: Slot, raw: RawValue | undefined, wire: EntityWire): Scalar | undefined {
  if (raw === null || raw === undefined) return undefined;
  if (s.kind === 'datetime') return formatDateTimeAt(String(raw), wire.timePrecision);
  if (s.key === 'failureMessage' && !wire.failureMessageTypes.includes(type.name)) return undefined;
  return renderValue(s.codec, raw);
}

interface Slot {
  readonly key: string;
  readonly kind: string;
  readonly codec: Codec;
  readonly name: string;
  readonly attr: boolean;
  readonly x: number;
}

/**
 * Where each rendered field goes, computed once per type: XML ranks follow the declaration
 * (base class first); JSON order puts the most derived class first, each class's elements
 * before its attributes, then the base resource members `Links, Href, Type`.
 */
interface Layout {
  readonly slots: readonly Slot[];
  /** XML order of an entity's props: the slots followed by `Links, Href, Type`. */
  readonly xml: readonly number[];
}

const layouts = new WeakMap<TypeDecl, Layout>();
function layout(type: TypeDecl): Layout {
  let found = layouts.get(type);
  if (found) return found;
  const rendered = type.fields.filter(isRendered);
  let attrRank = 2; // after Type, Href
  let elemRank = 1; // after Links
  const withRanks = rendered.map((field, i) => {
    const attr = field.render.as === 'attribute';
    const slot: Slot = { key: field.key, kind: field.kind, codec: codecOf(field), name: field.render.name, attr, x: attr ? attrRank++ : elemRank++ };
    return { slot, layer: field.render.layer ?? 0, i };
  });
  withRanks.sort((a, b) => b.layer - a.layer || Number(a.slot.attr) - Number(b.slot.attr) || a.i - b.i);
  const slots = withRanks.map(({ slot }) => slot);
  const xml = xmlOrder([...slots, ...resourceTail([], '', '')]);
  found = { slots, xml };
  layouts.set(type, found);
  return found;
}

const resourceTail = (links: Node[], href: string, type: string): Prop[] => [
  { name: 'Links', value: list(links), x: 0 },
  { name: 'Href', value: href, attr: true, x: 1 },
  { name: 'Type', value: type, attr: true, x: 0 },
];

/** The entity form of a row (`<ReplicaJobSession Type="ReplicaJobSession" …>`). */
export function entityNode(type: TypeDecl, row: Row, base: string, wire: EntityWire): Node {
  const { slots, xml } = layout(type);
  const props: Prop[] = slots.map((s) => ({
    name: s.name,
    value: wireValue(type, s, row[s.key], wire),
    attr: s.attr,
    x: s.x,
  }));
  const href = `${base}/${type.collection}/${row.id}?format=Entity`;
  props.push(...resourceTail(declaredLinks(type.links.entity, row, base), href, type.name));
  return node(type.element ?? type.name, props, xml);
}

/** The reference form of a row: `Ref` in lists, `EntityRef` as a document root. */
export function referenceNode(type: TypeDecl, row: Row, base: string, tag: 'Ref' | 'EntityRef' = 'Ref'): Node {
  const href = `${base}/${type.collection}/${row.id}`;
  return node(tag, referenceProps(declaredLinks(type.links.reference, row, base), uidOf(type.uidKind, row.id as string), (row.name as string | null) ?? undefined, href, referenceType(type)), REFERENCE_XML_ORDER);
}

const referenceProps = (links: Node[], uid: string, name: string | undefined, href: string, type: string): Prop[] => [
  { name: 'Links', value: list(links), x: 0 },
  { name: 'UID', value: uid, attr: true, x: 3 },
  { name: 'Name', value: name, attr: true, x: 2 },
  { name: 'Href', value: href, attr: true, x: 1 },
  { name: 'Type', value: type, attr: true, x: 0 },
];
const REFERENCE_XML_ORDER = xmlOrder(referenceProps([], '', '', '', ''));

export { resourceTail };
