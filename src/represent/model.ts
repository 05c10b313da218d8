/**
 * The representation model both writers render: one tree, two wire formats (spec §1.2–§1.4).
 *
 * A node's props are held in JSON order (.NET reflection order); each prop also carries its
 * XML rank among the node's attributes or child elements, since the two orders differ.
 * `undefined` is a member with no value: never in XML; in JSON left out or written as `null`,
 * as the profile's `jsonNulls` says (a 12/13 EM keeps every member of its class, 9.5 dropped
 * them). `null` is written as JSON null whatever the profile (the Error body's members). A
 * member the EM class does not have is simply not among the props.
 */
export type Scalar = string | number | boolean;
export type Value = Scalar | null | undefined | Node | List;

export interface Prop {
  readonly name: string;
  readonly value: Value;
  /** Rendered as an XML attribute (else as a child element). */
  readonly attr?: boolean;
  /** Position among the node's XML attributes, or among its child elements. */
  readonly x: number;
}

export interface Node {
  readonly kind: 'node';
  readonly tag: string;
  readonly props: readonly Prop[];
  /** Indices into `props` in XML order: attributes, then elements (see `xmlOrder`). */
  readonly xml: readonly number[];
}

/**
 * A list of nodes. XML: a wrapper element named after the prop holding the items. JSON: with
 * `jsonName`, an object with that single property holding the array (`{"Jobs":[…]}`), as .NET
 * serialises EM's list wrappers; without, a plain array (`Links`).
 */
export interface List {
  readonly kind: 'list';
  readonly items: readonly Node[];
  readonly jsonName?: string;
  /**
   * XML: no wrapper, each item stands in the parent under its own tag (a .NET list marked as
   * repeated elements, e.g. a report's `<Day>`s); JSON: a plain array under the prop's name.
   */
  readonly inline?: true;
}

/** A document whose root element is a list wrapper: `<ReplicaJobSessions>` / `{"ReplicaJobSessions":[…]}`. */
export interface RootList {
  readonly kind: 'rootList';
  readonly tag: string;
  readonly jsonName: string;
  readonly items: readonly Node[];
}

export type Document = Node | RootList;

/**
 * The items of a document's one long list, written later: a document holding it is rendered
 * by the writers' `…Parts` functions as the text before the items and the text after them,
 * with the function that renders each item (see `StreamParts`).
 */
export const STREAMED: readonly Node[] = Object.freeze([]);

export interface StreamParts {
  readonly head: string;
  readonly tail: string;
  /** XML: the indent of each item's first line ('' in JSON). */
  readonly indent: string;
  /** The text of the `index`-th item (0-based), separators included. */
  item(n: Node, index: number): string;
}

/** Marks where the streamed items go; neither writer ever emits U+0000 (XML replaces it, JSON escapes it). */
export const HOLE = '\u0000';

/** Prop indices in XML order (attributes by rank, then elements by rank). */
export function xmlOrder(props: readonly Pick<Prop, 'attr' | 'x'>[]): number[] {
  const index = props.map((_, i) => i);
  const rank = (i: number) => (props[i].attr ? 0 : 1_000_000) + props[i].x;
  return index.sort((a, b) => rank(a) - rank(b));
}

/**
 * A node. Builders of many nodes of one shape (entities, links) pass the XML order they
 * computed once; others let it be computed here.
 */
export const node = (tag: string, props: Prop[], xml: readonly number[] = xmlOrder(props)): Node => ({
  kind: 'node',
  tag,
  props,
  xml,
});
export const list = (items: readonly Node[], jsonName?: string): List => ({ kind: 'list', items, jsonName });
/** A list whose items stand in the parent element unwrapped (see `List.inline`). */
export const inlineList = (items: readonly Node[]): List => ({ kind: 'list', items, inline: true });
export const rootList = (tag: string, jsonName: string, items: readonly Node[]): RootList => ({
  kind: 'rootList',
  tag,
  jsonName,
  items,
});
export const NAMESPACE = 'http://www.veeam.com/ent/v1.0';
