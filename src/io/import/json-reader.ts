import type { TypeDecl } from '../../model/index.js';
import { ImportError, type Where } from './errors.js';
import { REFERENCES_REJECTED, typeByList, type RawEntity, type RawLink, type RawScalar } from './mapping.js';

/**
 * Entities of EM JSON, streamed: a QueryResult (`{"Entities":{"ReplicaJobSessions":{"ReplicaJobSessions":[…]}},"PagingInfo":…}`),
 * an entity list (`{"ReplicaJobSessions":[…]}`), a single entity, or any sequence of these —
 * which covers NDJSON (one entity object per line). The envelope is scanned incrementally;
 * each entity's text is cut out and given to `JSON.parse`, so only one entity is materialised
 * at a time. An entity that ends its line is cut at the newline (NDJSON and `export`'s lists;
 * 200 MB of NDJSON read in 2.4–2.9 s instead of 3.3–3.6 s); others by a bracket/string scanner,
 * a JS loop over every character. Syntax errors are located by a small strict parser that runs only on
 * the failing text, for line and column.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const QUOTE = 0x22, BACKSLASH = 0x5c, OPEN_BRACE = 0x7b, CLOSE_BRACE = 0x7d, OPEN_BRACKET = 0x5b, CLOSE_BRACKET = 0x5d;
const isWs = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
/**
 * Consumed text kept in the buffer before it is dropped. Small: each appended chunk makes V8
 * copy the whole buffer once (flattening), consumed text included (200 MB of NDJSON read in
 * 2.3 s; with 1 MiB kept, 2.7 s).
 */
const COMPACT_AT = 1 << 16;

interface Position {
  readonly line: number;
  readonly column: number;
}

/** Position of `offset` inside `text`, which starts at `at`. */
function positionIn(at: Position, text: string, offset: number): Position {
  let line = at.line, lineStart = -1, i = -1;
  while ((i = text.indexOf('\n', i + 1)) >= 0 && i < offset) {
    line++;
    lineStart = i;
  }
  return lineStart < 0 ? { line, column: at.column + offset } : { line, column: offset - lineStart };
}

class Scanner {
  buf = '';
  pos = 0;
  private done = false;
  // Line and 0-based column of buf[markIndex]; only moves forward.
  private markIndex = 0;
  private markLine = 1;
  private markColumn = 0;
  // The first newline at or after nlFrom is at nlAt; -1: none in buf up to nlEnd.
  private nlFrom = Infinity;
  private nlAt = -1;
  private nlEnd = 0;
  /** Off once a line held more than one value: each would be parsed twice. */
  private byLine = true;

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
    this.buf += r.value;
    return true;
  }

  /** Drops consumed text once enough has piled up (only between values, never inside one). */
  compact(): void {
    if (this.pos < COMPACT_AT) return;
    this.advanceMark(this.pos);
    this.buf = this.buf.slice(this.pos);
    this.markIndex = 0;
    this.pos = 0;
    this.nlFrom = Infinity;
  }

  /** Index of the first newline at or after `from` in the buffer, or -1; each stretch searched once. */
  private newlineFrom(from: number): number {
    const known = from >= this.nlFrom;
    if (known && this.nlAt >= from) return this.nlAt;
    const buf = this.buf;
    let at: number;
    if (known && this.nlAt < 0) at = this.nlEnd === buf.length ? -1 : buf.indexOf('\n', Math.max(from, this.nlEnd));
    else at = buf.indexOf('\n', from);
    this.nlFrom = from;
    this.nlAt = at;
    this.nlEnd = buf.length;
    return at;
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

  /** Index of the quote closing the string that opens at `from`, in the current buffer, or -1. */
  private stringEnd(from: number): number {
    const buf = this.buf;
    let i = from + 1;
    for (;;) {
      const q = buf.indexOf('"', i);
      if (q < 0) return -1;
      let k = q - 1;
      while (buf.charCodeAt(k) === BACKSLASH) k--;
      if ((q - 1 - k) % 2 === 0) return q;
      i = q + 1;
    }
  }

  /** End (exclusive) of the JSON value starting at `from`, reading on as needed; -1 if the input ends first. */
  private async valueEnd(from: number): Promise<number> {
    const first = this.buf.charCodeAt(from);
    if (first === QUOTE) {
      for (;;) {
        const q = this.stringEnd(from);
        if (q >= 0) return q + 1;
        if (!(await this.more())) return -1;
      }
    }
    if (first !== OPEN_BRACE && first !== OPEN_BRACKET) {
      let i = from;
      for (;;) {
        const buf = this.buf;
        while (i < buf.length) {
          const c = buf.charCodeAt(i);
          if (c === 0x2c || c === CLOSE_BRACE || c === CLOSE_BRACKET || isWs(c)) return i;
          i++;
        }
        if (!(await this.more())) return i;
      }
    }
    let depth = 0, i = from;
    for (;;) {
      const buf = this.buf;
      while (i < buf.length) {
        const c = buf.charCodeAt(i);
        if (c === QUOTE) {
          const q = this.stringEnd(i);
          if (q < 0) break; // the string goes on in the next chunk: rescan it from its quote
          i = q + 1;
          continue;
        }
        if (c === OPEN_BRACE || c === OPEN_BRACKET) depth++;
        else if ((c === CLOSE_BRACE || c === CLOSE_BRACKET) && --depth === 0) return i + 1;
        i++;
      }
      if (!(await this.more())) return -1;
    }
  }

  /**
   * An object that ends its line (NDJSON, and the entity-per-line lists `export` writes; a
   * comma after it is left for the caller), parsed straight from the line; undefined for
   * anything else, which takes the bracket scanner.
   */
  private lineObject(start: number): { value: Json; text: string; at: Position } | undefined {
    const buf = this.buf;
    if (!this.byLine || buf.charCodeAt(start) !== OPEN_BRACE) return undefined;
    const nl = this.newlineFrom(start);
    if (nl < 0) return undefined;
    let end = nl;
    while (isWs(buf.charCodeAt(end - 1))) end--;
    if (buf.charCodeAt(end - 1) === 0x2c) end--;
    if (end - 1 <= start || buf.charCodeAt(end - 1) !== CLOSE_BRACE) return undefined;
    const text = buf.slice(start, end);
    let value: Json;
    try {
      value = JSON.parse(text) as Json;
    } catch {
      return undefined;
    }
    const at = this.at(start);
    this.pos = end;
    return { value, text, at };
  }

  /** The next value, parsed, with its text and position. */
  async value(what = 'a value'): Promise<{ value: Json; text: string; at: Position }> {
    if (!(await this.skipWs())) this.fail(`unexpected end of input: expected ${what} (truncated?)`);
    const start = this.pos;
    const onLine = this.lineObject(start);
    if (onLine) return onLine;
    const at = this.at(start);
    const end = await this.valueEnd(start);
    if (end < 0) {
      this.fail(`unexpected end of input inside the value that starts at line ${at.line}, column ${at.column} (truncated?)`, this.at(this.buf.length));
    }
    const text = this.buf.slice(start, end);
    this.pos = end;
    // A line that started with this object and did not parse as one held more than one value.
    if (this.byLine && text.charCodeAt(0) === OPEN_BRACE && this.nlAt > start) this.byLine = end > this.nlAt;
    try {
      return { value: JSON.parse(text) as Json, text, at };
    } catch {
      const e = locateSyntaxError(text);
      return this.fail(`malformed JSON: ${e.reason}`, positionIn(at, text, e.offset));
    }
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
      const q = this.stringEnd(i);
      if (q >= 0) {
        try {
          return JSON.parse(this.buf.slice(i, q + 1)) as string;
        } catch {
          return undefined;
        }
      }
      if (!(await this.more())) return undefined;
    }
  }
}

class JsonEntity implements RawEntity {
  readonly syntax = 'json';
  readonly typeName: string | undefined;
  constructor(
    private readonly obj: { [key: string]: Json },
    private readonly text: string,
    private readonly at: Position,
    private readonly path: string | undefined,
    readonly listType: TypeDecl | undefined,
  ) {
    const type = obj.Type;
    this.typeName = type === undefined ? undefined : String(type);
  }

  value(name: string): RawScalar | undefined {
    return Object.hasOwn(this.obj, name) ? (this.obj[name] as RawScalar) : undefined;
  }

  get links(): readonly RawLink[] | string {
    const links = this.obj.Links;
    if (links === undefined || links === null) return [];
    if (!Array.isArray(links)) return 'Links must be an array of link objects';
    const out: RawLink[] = [];
    for (const l of links) {
      if (typeof l !== 'object' || l === null || Array.isArray(l)) return 'Links must be an array of link objects';
      const [rel, type, href, name] = ['Rel', 'Type', 'Href', 'Name'].map((k) => l[k] ?? undefined);
      if (![rel, type, href, name].every((v) => v === undefined || typeof v === 'string')) {
        return 'link properties Rel, Type, Href and Name must be strings';
      }
      out.push({ rel, type, href, name } as RawLink);
    }
    return out;
  }

  where(field?: string): Where {
    const path = this.path === undefined ? undefined : field === undefined ? this.path : `${this.path}.${field}`;
    const offset = field === undefined ? -1 : keyOffset(this.text, field);
    const p = offset < 0 ? this.at : positionIn(this.at, this.text, offset);
    return { line: p.line, column: p.column, path };
  }
}

/** Offset of property `key` of the outermost object in `text`, or -1. */
function keyOffset(text: string, key: string): number {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      let q = i + 1;
      while (q < text.length && text.charCodeAt(q) !== QUOTE) q += text.charCodeAt(q) === BACKSLASH ? 2 : 1;
      if (depth === 1 && /^\s*:/.test(text.slice(q + 1, q + 20))) {
        try {
          if (JSON.parse(text.slice(i, q + 1)) === key) return i;
        } catch {
          // not a well-formed key; keep looking
        }
      }
      i = q;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) depth++;
    else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) depth--;
  }
  return -1;
}

/** Where and why `text` (which JSON.parse rejected) is not JSON. */
export function locateSyntaxError(text: string): { offset: number; reason: string } {
  let i = 0;
  class Stop {
    constructor(readonly reason: string) {}
  }
  const fail = (reason: string): never => {
    throw new Stop(reason);
  };
  const ws = () => {
    while (i < text.length && isWs(text.charCodeAt(i))) i++;
  };
  const show = () => (i >= text.length ? 'end of input' : `'${text[i]}'`);
  const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
  const value = (depth: number): void => {
    if (depth > 512) fail('nested too deeply');
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') return void i++;
      for (;;) {
        ws();
        if (text[i] !== '"') fail(`expected a property name in double quotes, found ${show()}`);
        string();
        ws();
        if (text[i] !== ':') fail(`expected ':' after a property name, found ${show()}`);
        i++;
        value(depth + 1);
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === '}') return void i++;
        else fail(`expected ',' or '}' after a property value, found ${show()}`);
      }
    }
    if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') return void i++;
      for (;;) {
        value(depth + 1);
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === ']') return void i++;
        else fail(`expected ',' or ']' after an array element, found ${show()}`);
      }
    }
    if (c === '"') return string();
    for (const lit of ['true', 'false', 'null']) if (text.startsWith(lit, i)) return void (i += lit.length);
    NUMBER.lastIndex = i;
    if (NUMBER.test(text)) return void (i = NUMBER.lastIndex);
    fail(`unexpected ${show()}`);
  };
  const string = () => {
    i++;
    for (;;) {
      if (i >= text.length) fail('unterminated string');
      const c = text.charCodeAt(i);
      if (c === QUOTE) return void i++;
      if (c < 0x20) fail('control character in a string (escape it)');
      if (c === BACKSLASH) {
        const e = text[i + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) fail('invalid \\u escape');
          i += 6;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i += 2;
        else fail(`invalid escape '\\${e ?? ''}'`);
      } else i++;
    }
  };
  try {
    value(0);
    ws();
    if (i < text.length) fail(`unexpected ${show()} after the value`);
    return { offset: 0, reason: 'invalid JSON' };
  } catch (e) {
    if (e instanceof Stop) return { offset: i, reason: e.reason };
    return { offset: 0, reason: 'invalid JSON' };
  }
}

const LISTS = [...typeByList.keys()].join(', ');

function isObject(v: Json): v is { [key: string]: Json } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

async function* array(s: Scanner, type: TypeDecl | undefined, path: string): AsyncGenerator<RawEntity> {
  await s.expect('[');
  if (await s.accept(']')) return;
  let n = 0;
  do {
    s.compact();
    const { value, text, at } = await s.value('an entity object');
    const here = `${path}[${n++}]`;
    if (!isObject(value)) s.fail(`expected an entity object, found ${Array.isArray(value) ? 'an array' : JSON.stringify(value)}`, { ...at, path: here });
    yield new JsonEntity(value, text, at, here, type);
  } while (await s.next(']'));
}

/** `[…]` or the QueryResult form `{"ReplicaJobSessions":[…]}` of one type's list. */
async function* list(s: Scanner, type: TypeDecl, path: string): AsyncGenerator<RawEntity> {
  if (!(await s.skipWs())) s.fail(`unexpected end of input: expected the ${type.listElement} array (truncated?)`);
  if (s.peek() === '[') return yield* array(s, type, path);
  if (s.peek() !== '{') s.fail(`expected an array of ${type.name} entities, found '${s.peek()}'`, { ...s.at(), path });
  await s.expect('{');
  if (await s.accept('}')) return;
  do {
    const { key, at } = await s.key();
    if (key !== type.listElement) s.fail(`unexpected property "${key}" in ${type.listElement}: expected "${type.listElement}"`, { ...at, path });
    yield* array(s, type, `${path}.${key}`);
  } while (await s.next('}'));
}

/** A root object whose properties are QueryResult members or entity lists. */
async function* envelope(s: Scanner): AsyncGenerator<RawEntity> {
  await s.expect('{');
  if (await s.accept('}')) return;
  do {
    const { key, at } = await s.key();
    if (key === 'Refs') s.fail(REFERENCES_REJECTED, { ...at, path: '$.Refs' });
    if (key === 'PagingInfo') await s.value();
    else if (typeByList.has(key)) yield* list(s, typeByList.get(key)!, `$.${key}`);
    else if (key === 'Entities') {
      await s.expect('{');
      if (await s.accept('}')) continue;
      do {
        const inner = await s.key();
        const type = typeByList.get(inner.key);
        if (!type) s.fail(`unexpected property "${inner.key}" in Entities: expected one of ${LISTS}`, { ...inner.at, path: '$.Entities' });
        yield* list(s, type, `$.Entities.${inner.key}`);
      } while (await s.next('}'));
    } else {
      s.fail(`unexpected property "${key}": expected Entities, PagingInfo or an entity list (${LISTS})`, { ...at, path: '$' });
    }
  } while (await s.next('}'));
}

const ENVELOPE_KEYS = new Set(['Entities', 'Refs', 'PagingInfo', ...typeByList.keys()]);

export async function* readJson(chunks: AsyncIterable<string>, source: string): AsyncGenerator<RawEntity> {
  const s = new Scanner(chunks[Symbol.asyncIterator](), source);
  while (await s.skipWs()) {
    s.compact();
    const c = s.peek();
    if (c === '[') {
      yield* array(s, undefined, '$');
    } else if (c === '{') {
      const key = await s.firstKey();
      if (typeof key === 'string' && ENVELOPE_KEYS.has(key)) {
        yield* envelope(s);
      } else {
        const { value, text, at } = await s.value();
        yield new JsonEntity(value as { [key: string]: Json }, text, at, undefined, undefined);
      }
    } else {
      s.fail(`malformed JSON: expected an object, found '${c}'`);
    }
  }
}
