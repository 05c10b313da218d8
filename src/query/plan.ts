import type { FilterNode, Operator } from '../filter/ast.js';
import { filterField, type FieldDecl, type TypeDecl } from '../model/index.js';
import { parseDateTime } from '../util/datetime.js';
import { parseUid } from '../util/uid.js';

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

const INTEGER = /^-?\d{1,16}$/;

/** Coerces a filter value to the stored form of the field (spec §6.3 value typing). */
export function coerceValue(field: FieldDecl, text: string, fieldName: string): string | number {
  const bad = (what: string): never => {
    throw new BadQuery(`Invalid value '${text}' for ${fieldName}: ${what}`);
  };
  switch (field.kind) {
    case 'string':
      return text;
    case 'enum': {
      const i = field.members!.findIndex((m) => m.toLowerCase() === text.toLowerCase());
      return i >= 0 ? i : bad(`expected one of ${field.members!.join(', ')}`);
    }
    case 'bool': {
      const v = text.toLowerCase();
      return v === 'true' ? 1 : v === 'false' ? 0 : bad('expected true or false');
    }
    case 'int':
    case 'long': {
      if (!INTEGER.test(text)) bad('expected an integer');
      const n = Number(text);
      return Number.isSafeInteger(n) ? n : bad('integer out of range');
    }
    case 'datetime':
      return parseDateTime(text) ?? bad('expected a UTC date and time such as 2021-06-15T22:06:57Z');
    case 'uid':
      return parseUid(text) ?? bad('expected a GUID or urn:veeam:<Type>:<GUID>');
  }
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
  const byKey = (key: string) => type.fields.find((f) => f.key === key)!;
  const defaults = type.defaultSort.map(byKey);
  if (!sort) return defaults.map((field) => ({ field, desc: false }));
  const field = resolveField(type, sort.name, ' in sort');
  return [field, ...defaults.filter((f) => f !== field)].map((f) => ({ field: f, desc: sort.desc }));
}

export type { Operator };
