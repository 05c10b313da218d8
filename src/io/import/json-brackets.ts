/**
 * The bracket scanner: where strings, values and keys are in JSON text, found by following
 * quotes and brackets without parsing (JSON.parse then reads only the text cut out).
 */

export const QUOTE = 0x22, BACKSLASH = 0x5c, COMMA = 0x2c;
export const OPEN_BRACE = 0x7b, CLOSE_BRACE = 0x7d, OPEN_BRACKET = 0x5b, CLOSE_BRACKET = 0x5d;

export const isWs = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

/** Text read so far, and a way to read more (appended to `buf`). */
export interface Refillable {
  readonly buf: string;
  more(): Promise<boolean>;
}

/** Index of the quote closing the string that opens at `from`, or -1 when `buf` ends first. */
export function stringEnd(buf: string, from: number): number {
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
export async function valueEnd(input: Refillable, from: number): Promise<number> {
  const first = input.buf.charCodeAt(from);
  if (first === QUOTE) {
    for (;;) {
      const q = stringEnd(input.buf, from);
      if (q >= 0) return q + 1;
      if (!(await input.more())) return -1;
    }
  }
  if (first !== OPEN_BRACE && first !== OPEN_BRACKET) {
    let i = from;
    for (;;) {
      const buf = input.buf;
      while (i < buf.length) {
        const c = buf.charCodeAt(i);
        if (c === COMMA || c === CLOSE_BRACE || c === CLOSE_BRACKET || isWs(c)) return i;
        i++;
      }
      if (!(await input.more())) return i;
    }
  }
  let depth = 0, i = from;
  for (;;) {
    const buf = input.buf;
    while (i < buf.length) {
      const c = buf.charCodeAt(i);
      if (c === QUOTE) {
        const q = stringEnd(buf, i);
        if (q < 0) break; // the string goes on in the next chunk: rescan it from its quote
        i = q + 1;
        continue;
      }
      if (c === OPEN_BRACE || c === OPEN_BRACKET) depth++;
      else if ((c === CLOSE_BRACE || c === CLOSE_BRACKET) && --depth === 0) return i + 1;
      i++;
    }
    if (!(await input.more())) return -1;
  }
}

/** Offset of property `key` of the outermost object in `text`, or -1. */
export function keyOffset(text: string, key: string): number {
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
