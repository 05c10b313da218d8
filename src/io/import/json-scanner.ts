import { ImportError, type Where } from './errors.js';
import { isWs, stringEnd, valueEnd } from './json-brackets.js';
import { LineShortcut } from './json-line-shortcut.js';
import { locateSyntaxError } from './json-syntax-error.js';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface Position {
  readonly line: number;
  readonly column: number;
}

/** Position of `offset` inside `text`, which starts at `at`. */
export function positionIn(at: Position, text: string, offset: number): Position {
  let line = at.line, lineStart = -1, i = -1;
  while ((i = text.indexOf('\n', i + 1)) >= 0 && i < offset) {
    line++;
    lineStart = i;
  }
  return lineStart < 0 ? { line, column: at.column + offset } : { line, column: offset - lineStart };
}

/**
 * Consumed text kept in the buffer before it is dropped. Small: each appended chunk makes V8
 * copy the whole buffer once (flattening), consumed text included.
 */
const COMPACT_AT = 1 << 16;

const parsed = (text: string): Json | undefined => {
  try {
    return JSON.parse(text) as Json;
  } catch {
    return undefined;
  }
};

/**
 * JSON text read incrementally: the buffer of chunks not yet consumed, line and column of any
 * point in it, and the tokens the envelope is made of. Each value is cut out whole (by the
 * line shortcut or the bracket scanner) and given to `JSON.parse`; a syntax error is then
 * located by a strict parser that runs only on the failing text.
 */
export class Scanner {
  buf = '';
  pos = 0;
  private done = false;
  // Line and 0-based column of buf[markIndex]; only moves forward.
  private markIndex = 0;
  private markLine = 1;
  private markColumn = 0;
  private readonly lines = new LineShortcut();

  constructor(
    private readonly it: AsyncIterator<string>,
    readonly source: string,
  ) {}

  async more(): Promise<boolean> {
    if (this.done) return false;
    const r = await this.it.next();
    if (r.done) {
      this.done = true;
      return false;
    }
    // Nothing left unread (the chunks end at a line's end): the chunk becomes the buffer as
    // it is, not appended to the consumed text (the joined string would be copied whole).
    if (this.pos === this.buf.length) {
      this.advanceMark(this.pos);
      this.buf = r.value;
      this.markIndex = 0;
      this.pos = 0;
      this.lines.reset();
    } else this.buf += r.value;
    return true;
  }

  /** Drops consumed text once enough has piled up (only between values, never inside one). */
  compact(): void {
    if (this.pos < COMPACT_AT) return;
    this.advanceMark(this.pos);
    this.buf = this.buf.slice(this.pos);
    this.markIndex = 0;
    this.pos = 0;
    this.lines.reset();
  }

  private advanceMark(index: number): void {
    if (index <= this.markIndex) return;
    // Newlines are searched in a slice of just the new stretch: on the whole buffer indexOf
    // would run on to its end each time when there is none (EM's compact JSON is one line).
    const stretch = this.buf.slice(this.markIndex, index);
    let line = this.markLine, lineStart = this.markIndex - this.markColumn;
    for (let i = stretch.indexOf('\n'); i >= 0; i = stretch.indexOf('\n', i + 1)) {
      line++;
      lineStart = this.markIndex + i + 1;
    }
    this.markIndex = index;
    this.markLine = line;
    this.markColumn = index - lineStart;
  }

  /** 1-based line and column of `buf[index]` (index never before the last position asked for). */
  at(index = this.pos): Position {
    this.advanceMark(index);
    return { line: this.markLine, column: this.markColumn + 1 };
  }

  fail(reason: string, where: Where = this.at()): never {
    throw new ImportError(this.source, reason, where);
  }

  /** Skips blanks; false at the end of the input. */
  async skipWs(): Promise<boolean> {
    for (;;) {
      const buf = this.buf;
      while (this.pos < buf.length && isWs(buf.charCodeAt(this.pos))) this.pos++;
      if (this.pos < buf.length) return true;
      if (!(await this.more())) return false;
    }
  }

  peek(): string {
    return this.buf[this.pos];
  }

  /** The next value, parsed, with its text and position. */
  async value(what = 'a value'): Promise<{ value: Json; text: string; at: Position }> {
    if (!(await this.skipWs())) this.fail(`unexpected end of input: expected ${what} (truncated?)`);
    const start = this.pos;
    const lineEnd = this.lines.objectEnd(this.buf, start);
    if (lineEnd >= 0) {
      const text = this.buf.slice(start, lineEnd);
      const value = parsed(text);
      if (value !== undefined) {
        const at = this.at(start);
        this.pos = lineEnd;
        return { value, text, at };
      }
    }
    const at = this.at(start);
    const end = await valueEnd(this, start);
    if (end < 0) {
      this.fail(`unexpected end of input inside the value that starts at line ${at.line}, column ${at.column} (truncated?)`, this.at(this.buf.length));
    }
    const text = this.buf.slice(start, end);
    this.pos = end;
    this.lines.scanned(this.buf, start, end);
    const value = parsed(text);
    if (value !== undefined) return { value, text, at };
    const e = locateSyntaxError(text);
    return this.fail(`malformed JSON: ${e.reason}`, positionIn(at, text, e.offset));
  }

  async expect(c: string): Promise<void> {
    if (!(await this.skipWs())) this.fail(`unexpected end of input: expected '${c}' (truncated?)`);
    if (this.peek() !== c) this.fail(`malformed JSON: expected '${c}', found '${this.peek()}'`);
    this.pos++;
  }

  /** Consumes `c` if it is next. */
  async accept(c: string): Promise<boolean> {
    if ((await this.skipWs()) && this.peek() === c) {
      this.pos++;
      return true;
    }
    return false;
  }

  /** After a member: true on `,`, false on the closing bracket. */
  async next(close: string): Promise<boolean> {
    if (!(await this.skipWs())) this.fail(`unexpected end of input: expected ',' or '${close}' (truncated?)`);
    const c = this.peek();
    this.pos++;
    if (c === ',') return true;
    if (c === close) return false;
    this.pos--;
    return this.fail(`malformed JSON: expected ',' or '${close}', found '${c}'`);
  }

  /** `"key":` → key, with the key's position. */
  async key(): Promise<{ key: string; at: Position }> {
    if (!(await this.skipWs())) this.fail('unexpected end of input: expected a property name (truncated?)');
    if (this.peek() !== '"') this.fail(`malformed JSON: expected a property name in double quotes, found '${this.peek()}'`);
    const { value, at } = await this.value('a property name');
    await this.expect(':');
    return { key: value as string, at };
  }

  /** The first property name of the object at `pos`, without consuming anything; null for `{}`. */
  async firstKey(): Promise<string | null | undefined> {
    let i = this.pos + 1;
    for (;;) {
      while (i < this.buf.length && isWs(this.buf.charCodeAt(i))) i++;
      if (i < this.buf.length) break;
      if (!(await this.more())) return undefined;
    }
    if (this.buf[i] === '}') return null;
    if (this.buf[i] !== '"') return undefined;
    for (;;) {
      const q = stringEnd(this.buf, i);
      if (q >= 0) {
        const key = parsed(this.buf.slice(i, q + 1));
        return typeof key === 'string' ? key : undefined;
      }
      if (!(await this.more())) return undefined;
    }
  }
}
