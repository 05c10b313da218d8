/** Kind-tagged, immutable filter AST (spec §6.3). Field names and values are as written. */
export type Operator = '==' | '!=' | '>=' | '<=' | '>' | '<';

export interface Comparison {
  readonly kind: 'cmp';
  readonly field: string;
  readonly op: Operator;
  readonly value: string;
  /** 1-based position of the field name in the original filter text. */
  readonly position: number;
}
export interface And {
  readonly kind: 'and';
  readonly items: readonly FilterNode[];
}
export interface Or {
  readonly kind: 'or';
  readonly items: readonly FilterNode[];
}
export type FilterNode = Comparison | And | Or;

export const cmp = (field: string, op: Operator, value: string, position = 1): Comparison =>
  Object.freeze({ kind: 'cmp', field, op, value, position });
export const and = (items: FilterNode[]): FilterNode =>
  items.length === 1 ? items[0] : Object.freeze({ kind: 'and', items: Object.freeze(items) });
export const or = (items: FilterNode[]): FilterNode =>
  items.length === 1 ? items[0] : Object.freeze({ kind: 'or', items: Object.freeze(items) });

export const OPERATORS: readonly Operator[] = ['==', '!=', '>=', '<=', '>', '<'];

/** Renders an AST back to filter text that parses to the same tree (used by tests and links). */
export function printFilter(node: FilterNode): string {
  switch (node.kind) {
    case 'cmp':
      // A quoted value of only quotes (`""""`) would re-parse as `""` pieces, one quote short;
      // spell 2+ quotes as those pieces. (A lone `"` has no spelling: `""` alone means empty.)
      if (/^"{2,}$/.test(node.value)) return `${node.field}${node.op}${node.value.replace(/"/g, '""')}`;
      return `${node.field}${node.op}"${node.value.replace(/"/g, '""')}"`;
    case 'and':
      return node.items.map((n) => (n.kind === 'or' ? `(${printFilter(n)})` : printFilter(n))).join(';');
    case 'or':
      return node.items.map(printFilter).join(',');
  }
}
