import type { LinkDecl, Row } from '../model/index.js';
import type { Scalar } from './model.js';

/**
 * What a row's node holds, member by member, in JSON order: the one description of an entity
 * or reference from which both the generic node (`nodeOf`, for documents of one row and
 * exports) and the compiled list writers (`row-writer.ts`) are made.
 */
export interface RowShape {
  readonly tag: string;
  readonly members: readonly Member[];
}

export type Member = ScalarMember | LinksMember;

export interface ScalarMember {
  readonly kind: 'scalar';
  readonly name: string;
  /** Rendered as an XML attribute (else as a child element). */
  readonly attr: boolean;
  /** Position among the node's XML attributes, or among its child elements. */
  readonly x: number;
  /** The member's wire value; undefined when it has none. */
  readonly read: (row: Row) => Scalar | undefined;
  /** The value's text never needs escaping (numbers, GUIDs, DateTimes, declared enum members). */
  readonly plain: boolean;
  /** The value is a path below the link base: rendered `{base}/{value}`. */
  readonly underBase?: true;
}

/** The row's declared links (`Links`, always an element, never absent). */
export interface LinksMember {
  readonly kind: 'links';
  readonly name: 'Links';
  readonly attr: false;
  readonly x: number;
  readonly decls: readonly LinkDecl[];
  /** Row keys whose values never need escaping in an href (see `ScalarMember.plain`). */
  readonly plainKeys: ReadonlySet<string>;
}
