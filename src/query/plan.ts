import type { FilterNode, Operator } from '../filter/ast.js';
import { codecOf, isRefusal } from '../model/codecs.js';
import { fieldByKey, filterField, type FieldDecl, type TypeDecl } from '../model/index.js';

/** A request the query layer refuses; the HTTP layer answers 400 with this message. */
export class BadQuery extends Error {}

export type Predicate =
  | { readonly kind: 'cmp'; readonly field: FieldDecl; readonly op: Operator; readonly value: string | number }
  | { readonly kind: 'and' | 'or'; readonly items: readonly Predicate[] };

export interface SortKey {
  readonly field: FieldDecl;
  readonly desc: boolean;
}

/** A validated query: typed predicate values, the full ORDER BY (with tie-break) and the page. */
export interface QueryPlan {
  readonly type: TypeDecl;
  readonly where?: Predicate;
  readonly order: readonly SortKey[];
  readonly offset: number;
  readonly limit: number;
}

/** A filter value in the stored form of the field (spec §6.3 value typing; see model/codecs.ts). */
function coerceValue(field: FieldDecl, text: string, fieldName: string): string | number {
  const value = codecOf(field).fromFilter(text);
  if (isRefusal(value)) throw new BadQuery(`Invalid value '${text}' for ${fieldName}: ${value.refused}`);
  return value;
}

function resolveField(type: TypeDecl, name: string, where: string): FieldDecl {
  const field = filterField(type, name);
  if (!field) throw new BadQuery(`Unknown field '${name}'${where} for query type ${type.name}`);
  return field;
}

export function planPredicate(type: TypeDecl, node: FilterNode): Predicate {
  if (node.kind === 'cmp') {
    const field = resolveField(type, node.field, ` at position ${node.position}`);
    return { kind: 'cmp', field, op: node.op, value: coerceValue(field, node.value, node.field) };
  }
  return { kind: node.kind, items: node.items.map((n) => planPredicate(type, n)) };
}

/** ORDER BY for a sort field: the field, then the type's default order as tie-break. */
export function planOrder(type: TypeDecl, sort?: { name: string; desc: boolean }): SortKey[] {
  const defaults = type.defaultSort.map((key) => fieldByKey(type, key));
  if (!sort) return defaults.map((field) => ({ field, desc: false }));
  const field = resolveField(type, sort.name, ' in sort');
  return [field, ...defaults.filter((f) => f !== field)].map((f) => ({ field: f, desc: sort.desc }));
}

export type { Operator };
