/**
 * A typed builder for EM's filter language (spec em-api.md §6.3) that prints the text EM
 * parses, quoting values only where the grammar needs it:
 *
 *   f.eq('Result', 'Failed').and(f.gt('CreationTime', new Date('2026-12-01T00:00:00Z')))
 *     → Result==Failed;CreationTime>2026-12-01T00:00:00.000Z
 *   f.eq('JobName', 'Nightly "HR"; backup') → JobName=="Nightly ""HR""; backup"
 *
 * `;` (AND) binds tighter than `,` (OR), so an OR inside an AND is parenthesised. A value is
 * written plain when it is only letters, digits and `_ . : + - @ / \`; anything else (spaces,
 * which EM drops outside quotes, `; , ( ) "`, operators) is quoted as `"…"` with `""` for a
 * literal quote. The empty string is `""`; a value of two or more quotes only is written as
 * that many `""` pieces (inside a quoted value a leading `""` would read as a piece); a value
 * that is a single `"` has no spelling in EM's grammar and is refused.
 *
 * `filterFor('BackupJobSession')` is the same builder typed with that query type's filter
 * fields and their values (enum members, booleans, numbers, dates); `f` takes any field.
 */
import { QUERY_FIELDS, type FilterFields, type QueryType } from './types.js';

export type Operator = '==' | '!=' | '>=' | '<=' | '>' | '<';
/** What a comparison may hold: strings as written, numbers and bigints as integers, Dates as ISO-8601 UTC. */
export type FilterValue = string | number | bigint | boolean | Date;

/** A filter value or field name the grammar cannot carry. */
export class FilterBuildError extends Error {
  override readonly name = 'FilterBuildError';
}

type Node =
  | { readonly kind: 'cmp'; readonly field: string; readonly op: Operator; readonly value: string }
  | { readonly kind: 'and' | 'or'; readonly items: readonly Node[] }
  | { readonly kind: 'raw'; readonly text: string };

/** An immutable filter; `String(filter)` is its EM text. */
export class Filter {
  /** @internal */
  constructor(readonly node: Node) {}

  /** This AND the others (`;`). */
  and(...others: Filter[]): Filter {
    return combine('and', [this, ...others]);
  }

  /** This OR the others (`,`). */
  or(...others: Filter[]): Filter {
    return combine('or', [this, ...others]);
  }

  toString(): string {
    return print(this.node);
  }

  toJSON(): string {
    return this.toString();
  }
}

function combine(kind: 'and' | 'or', filters: Filter[]): Filter {
  if (filters.length === 0) throw new FilterBuildError(`${kind}() needs at least one filter`);
  const items: Node[] = [];
  for (const x of filters) {
    if (!(x instanceof Filter)) throw new FilterBuildError(`${kind}(): expected filters, got ${String(x)}`);
    // (a;b);c is a;b;c: flatten the same operator.
    if (x.node.kind === kind) items.push(...x.node.items);
    else items.push(x.node);
  }
  return new Filter(items.length === 1 ? items[0] : { kind, items });
}

function print(n: Node): string {
  switch (n.kind) {
    case 'cmp':
      return `${n.field}${n.op}${n.value}`;
    case 'raw':
      return n.text;
    case 'and':
      // OR binds looser than AND, so an OR (or raw text, which may hold one) inside an AND is grouped.
      return n.items.map((i) => (i.kind === 'or' || i.kind === 'raw' ? `(${print(i)})` : print(i))).join(';');
    case 'or':
      return n.items.map(print).join(',');
  }
}

const PLAIN = /^[A-Za-z0-9_.:+\-@/\\]+$/;
const FIELD = /^[A-Za-z][A-Za-z0-9_]*$/;

/** A value as EM's grammar writes it: plain, quoted, or (only quotes) as `""` pieces. */
export function formatValue(value: FilterValue): string {
  let text: string;
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new FilterBuildError('an invalid Date cannot be compared');
    text = value.toISOString();
  } else if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new FilterBuildError(`${value} is not a number EM can compare`);
    text = Number.isInteger(value) ? value.toFixed(0) : String(value);
  } else if (typeof value === 'bigint' || typeof value === 'boolean') {
    text = String(value);
  } else if (typeof value === 'string') {
    text = value;
  } else {
    throw new FilterBuildError(`a filter value must be a string, number, bigint, boolean or Date, got ${typeof value}`);
  }
  if (PLAIN.test(text)) return text;
  if (text === '') return '""';
  if (/^"+$/.test(text)) {
    if (text.length === 1) throw new FilterBuildError('a value that is a single \'"\' cannot be written in EM\'s filter language ("" means the empty string)');
    return text.replace(/"/g, '""');
  }
  return `"${text.replace(/"/g, '""')}"`;
}

function comparison(field: string, op: Operator, value: FilterValue): Filter {
  if (typeof field !== 'string' || !FIELD.test(field)) throw new FilterBuildError(`not a filter field name: ${JSON.stringify(field)}`);
  return new Filter({ kind: 'cmp', field, op, value: formatValue(value) });
}

/** The builder; `F` maps field names to the values they take. */
export interface FilterBuilder<F> {
  /** `field==value` */
  eq<K extends keyof F & string>(field: K, value: F[K]): Filter;
  /** `field!=value` (EM: also true where the field has no value, e.g. EndTime of a running session) */
  ne<K extends keyof F & string>(field: K, value: F[K]): Filter;
  /** `field>value` (enums compare by their order: None < Success < Warning < Failed) */
  gt<K extends keyof F & string>(field: K, value: F[K]): Filter;
  /** `field>=value` */
  ge<K extends keyof F & string>(field: K, value: F[K]): Filter;
  /** `field<value` */
  lt<K extends keyof F & string>(field: K, value: F[K]): Filter;
  /** `field<=value` */
  le<K extends keyof F & string>(field: K, value: F[K]): Filter;
  /** Any comparison. */
  cmp<K extends keyof F & string>(field: K, op: Operator, value: F[K]): Filter;
  /** All of them (`;`). */
  and(...filters: Filter[]): Filter;
  /** Any of them (`,`). */
  or(...filters: Filter[]): Filter;
  /** Filter text written by hand, used as is (grouped in parentheses inside an AND). */
  raw(text: string): Filter;
  /** `field==a,field==b,…`: the field equals one of the values. */
  oneOf<K extends keyof F & string>(field: K, values: readonly F[K][]): Filter;
}

const builder: FilterBuilder<Record<string, FilterValue>> = {
  eq: (field, value) => comparison(field, '==', value),
  ne: (field, value) => comparison(field, '!=', value),
  gt: (field, value) => comparison(field, '>', value),
  ge: (field, value) => comparison(field, '>=', value),
  lt: (field, value) => comparison(field, '<', value),
  le: (field, value) => comparison(field, '<=', value),
  cmp: (field, op, value) => {
    if (!['==', '!=', '>=', '<=', '>', '<'].includes(op)) throw new FilterBuildError(`not an operator: ${JSON.stringify(op)}`);
    return comparison(field, op, value);
  },
  and: (...filters) => combine('and', filters),
  or: (...filters) => combine('or', filters),
  raw: (text) => {
    if (typeof text !== 'string' || text.trim() === '') throw new FilterBuildError('raw() needs filter text');
    return new Filter({ kind: 'raw', text });
  },
  oneOf: (field, values) => combine('or', values.map((v) => comparison(field, '==', v))),
};

/** The filter builder for any field: `f.eq('Result', 'Failed')`. */
export const f: FilterBuilder<Record<string, FilterValue>> = builder;

/**
 * The filter builder typed for one query type: field names (with the DateTime aliases) and
 * their values are checked at compile time. At run time it is `f`.
 */
export function filterFor<T extends QueryType>(type: T): FilterBuilder<FilterFields<T>> {
  if (!Object.prototype.hasOwnProperty.call(QUERY_FIELDS, type)) throw new FilterBuildError(`not a query type: ${JSON.stringify(type)}`);
  return builder as unknown as FilterBuilder<FilterFields<T>>;
}
