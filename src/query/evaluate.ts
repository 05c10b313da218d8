import type { FieldDecl, RawValue, Row } from '../model/index.js';
import type { Predicate, SortKey } from './plan.js';

/**
 * An in-memory evaluator with exactly the semantics of the SQL the store generates. It is the
 * oracle of the property test: for any plan and data, SQL and this must agree.
 */

/** SQLite's NOCASE: ASCII letters folded, then compared as UTF-8 bytes. */
function foldAscii(s: string): string {
  return s.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

export function compareValues(field: FieldDecl, a: string | number, b: string | number): number {
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  const x = field.kind === 'string' ? foldAscii(String(a)) : String(a);
  const y = field.kind === 'string' ? foldAscii(String(b)) : String(b);
  return Buffer.compare(Buffer.from(x, 'utf8'), Buffer.from(y, 'utf8'));
}

export function evaluate(pred: Predicate, row: Row): boolean {
  switch (pred.kind) {
    case 'and':
      return pred.items.every((p) => evaluate(p, row));
    case 'or':
      return pred.items.some((p) => evaluate(p, row));
    case 'cmp': {
      const v = row[pred.field.key];
      if (v === null || v === undefined) return pred.op === '!=';
      const c = compareValues(pred.field, v, pred.value);
      switch (pred.op) {
        case '==': return c === 0;
        case '!=': return c !== 0;
        case '<': return c < 0;
        case '<=': return c <= 0;
        case '>': return c > 0;
        case '>=': return c >= 0;
      }
    }
  }
}

/** Absent values sort lowest (first ascending, last descending), as SQL ORDER BY does. */
export function compareRows(order: readonly SortKey[], a: Row, b: Row): number {
  for (const { field, desc } of order) {
    const x: RawValue = a[field.key] ?? null, y: RawValue = b[field.key] ?? null;
    let c = x === null ? (y === null ? 0 : -1) : y === null ? 1 : compareValues(field, x, y);
    if (desc) c = -c;
    if (c !== 0) return c;
  }
  return 0;
}
