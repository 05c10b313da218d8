/**
 * The representation model both writers render: one tree, two wire formats (spec §1.2–§1.4).
 *
 * A node's props are held in JSON order (.NET reflection order); each prop also carries its
 * XML rank among the node's attributes or child elements, since the two orders differ.
 * `undefined` values are omitted from both formats; `null` is omitted from XML and written as
 * JSON null (only the Error body keeps nulls).
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
}

/** A document whose root element is a list wrapper: `<ReplicaJobSessions>` / `{"ReplicaJobSessions":[…]}`. */
export interface RootList {
  readonly kind: 'rootList';
  readonly tag: string;
  readonly jsonName: string;
  readonly items: readonly Node[];
}

export type Document = Node | RootList;

export const node = (tag: string, props: Prop[]): Node => ({ kind: 'node', tag, props });
export const list = (items: readonly Node[], jsonName?: string): List => ({ kind: 'list', items, jsonName });
export const rootList = (tag: string, jsonName: string, items: readonly Node[]): RootList => ({
  kind: 'rootList',
  tag,
  jsonName,
  items,
});
export const NAMESPACE = 'http://www.veeam.com/ent/v1.0';
