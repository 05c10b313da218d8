import { and, cmp, or, type FilterNode, type Operator } from './ast.js';

/** A filter that does not follow the grammar; `position` is 1-based in the original text. */
export class FilterSyntaxError extends Error {
  constructor(
    readonly reason: string,
    readonly position: number,
    readonly input: string,
  ) {
    super(`Invalid filter at position ${position}: ${reason}`);
  }
}

/** Deeper nesting or longer chains would only stress SQL engines (SQLite caps expression depth). */
export const MAX_DEPTH = 32;
export const MAX_COMPARISONS = 256;

const WHITESPACE = new Set([' ', '\t', '\r', '\n']);

/**
 * Parses the EM filter language (spec §6.3). Whitespace outside quotes is dropped first, as
 * EM does, but every character keeps its original position for error messages.
 * Returns undefined for an empty filter.
 */
export function parseFilter(input: string): FilterNode | undefined {
  const chars: string[] = [];
  const positions: number[] = [];
  let inQuotes = false;
  for (let i = 0; i < input.length; i++) {
    const c = input[i];
    if (c === '"') inQuotes = !inQuotes;
    else if (!inQuotes && WHITESPACE.has(c)) continue;
    chars.push(c);
    positions.push(i + 1);
  }
  if (chars.length === 0) return undefined;
  return new Parser(input, chars, positions).parse();
}

class Parser {
  private i = 0;
  private comparisons = 0;
  constructor(
    private readonly input: string,
    private readonly chars: string[],
    private readonly positions: number[],
  ) {}

  parse(): FilterNode {
    const node = this.orExpr(0);
    if (this.i < this.chars.length) {
      const c = this.chars[this.i];
      this.fail(c === ')' ? "unbalanced ')'" : `unexpected '${c}'`);
    }
    return node;
  }

  private pos(at = this.i): number {
    return at < this.positions.length ? this.positions[at] : this.input.length + 1;
  }

  private fail(reason: string, at = this.i): never {
    throw new FilterSyntaxError(reason, this.pos(at), this.input);
  }

  private orExpr(depth: number): FilterNode {
    const items = [this.andExpr(depth)];
    while (this.chars[this.i] === ',') {
      this.i++;
      items.push(this.andExpr(depth));
    }
    return or(items);
  }

  private andExpr(depth: number): FilterNode {
    const items = [this.primary(depth)];
    while (this.chars[this.i] === ';') {
      this.i++;
      items.push(this.primary(depth));
    }
    return and(items);
  }

  private primary(depth: number): FilterNode {
    if (this.chars[this.i] !== '(') return this.comparison();
    if (depth >= MAX_DEPTH) this.fail(`parentheses nested deeper than ${MAX_DEPTH}`);
    const open = this.i++;
    const node = this.orExpr(depth + 1);
    if (this.chars[this.i] !== ')') this.fail(`'(' at position ${this.pos(open)} is not closed`);
    this.i++;
    return node;
  }

  private comparison(): FilterNode {
    if (++this.comparisons > MAX_COMPARISONS) this.fail(`more than ${MAX_COMPARISONS} comparisons`);
    const start = this.i;
    if (!/[A-Za-z]/.test(this.chars[this.i] ?? '')) {
      this.fail(this.i >= this.chars.length ? 'expected a field name, found the end' : 'expected a field name');
    }
    let field = '';
    while (this.i < this.chars.length && /[A-Za-z0-9_]/.test(this.chars[this.i])) field += this.chars[this.i++];
    const op = this.operator();
    const value = this.value();
    return cmp(field, op, value, this.pos(start));
  }

  private operator(): Operator {
    const a = this.chars[this.i], b = this.chars[this.i + 1];
    const two = a !== undefined && b !== undefined ? a + b : '';
    if (two === '==' || two === '!=' || two === '>=' || two === '<=') {
      this.i += 2;
      return two;
    }
    if (a === '>' || a === '<') {
      this.i++;
      return a;
    }
    if (a === '=') this.fail("'=' is not an operator (use '==')");
    this.fail(a === undefined ? 'expected an operator, found the end' : 'expected one of == != >= <= > <');
  }

  private value(): string {
    const start = this.i;
    let out = '';
    let raw = '';
    while (this.i < this.chars.length) {
      const c = this.chars[this.i];
      if (c === ';' || c === ',' || c === ')') break;
      if (c === '(') this.fail("'(' inside a value (quote the value)");
      if (c === '"') {
        if (this.chars[this.i + 1] === '"') {
          out += '"';
          raw += '""';
          this.i += 2;
          continue;
        }
        const open = this.i++;
        for (;;) {
          if (this.i >= this.chars.length) this.fail('unterminated quoted value', open);
          const q = this.chars[this.i];
          if (q === '"') {
            if (this.chars[this.i + 1] === '"') {
              out += '"';
              this.i += 2;
              continue;
            }
            this.i++;
            break;
          }
          out += q;
          this.i++;
        }
        raw += 'q';
        continue;
      }
      out += c;
      raw += c;
      this.i++;
    }
    if (this.i === start) this.fail('expected a value');
    return raw === '""' ? '' : out; // a value written exactly `""` is the empty string
  }
}
