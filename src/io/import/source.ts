import { ImportError } from './errors.js';

/** What can be imported: bytes in memory, or a stream of bytes (a file, stdin, a request). */
export type ImportInput = Uint8Array | AsyncIterable<Uint8Array | string>;

export type InputFormat = 'xml' | 'json';

/** Bytes handed to the decoder at a time when the input is already in memory. */
const SLICE = 1 << 20;

async function* byteChunks(input: ImportInput): AsyncGenerator<Uint8Array | string> {
  if (input instanceof Uint8Array) {
    for (let i = 0; i < input.length; i += SLICE) yield input.subarray(i, i + SLICE);
    return;
  }
  yield* input;
}

/** UTF-8 text in chunks (a BOM dropped); invalid UTF-8 is an error naming the byte offset. */
export async function* textChunks(input: ImportInput, source: string): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let offset = 0;
  const decode = (bytes: Uint8Array): string => {
    if (offset === 0 && bytes.length >= 2 && ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff))) {
      throw new ImportError(source, 'UTF-16 input is not supported: save it as UTF-8');
    }
    try {
      return decoder.decode(bytes, { stream: true });
    } catch {
      throw new ImportError(source, `invalid UTF-8 in bytes ${offset}–${offset + bytes.length}`);
    } finally {
      offset += bytes.length;
    }
  };
  // Bytes after a chunk's last newline are decoded with the next chunk: text chunks of NDJSON
  // and of entity-per-line lists end at a line's end, so the scanner takes each as its buffer
  // whole instead of appending it to the rest of the one before (flattening that joined
  // string cost as much as parsing). A newline byte never splits a UTF-8 character.
  let carry: Uint8Array | undefined;
  for await (const piece of byteChunks(input)) {
    if (typeof piece === 'string') {
      yield offset === 0 && piece.charCodeAt(0) === 0xfeff ? piece.slice(1) : piece;
      offset += piece.length;
      continue;
    }
    const chunk = carry ? Buffer.concat([carry, piece]) : piece;
    const nl = chunk.lastIndexOf(0x0a);
    const whole = nl < 0 || nl === chunk.length - 1;
    carry = whole ? undefined : Uint8Array.prototype.slice.call(chunk, nl + 1);
    const text = decode(whole ? chunk : chunk.subarray(0, nl + 1));
    if (text) yield text;
  }
  const last = carry ? decode(carry) : '';
  if (last) yield last;
  try {
    const rest = decoder.decode();
    if (rest) yield rest;
  } catch {
    throw new ImportError(source, 'input ends inside a UTF-8 character (truncated?)');
  }
}

/**
 * Detects XML (`<`) or JSON (`{`, `[`; documents, sequences of them and NDJSON alike) from
 * the first non-blank character, and hands back the whole text, nothing consumed.
 */
export async function sniff(
  chunks: AsyncIterable<string>,
  source: string,
): Promise<{ format: InputFormat; chunks: AsyncIterable<string> }> {
  const it = chunks[Symbol.asyncIterator]();
  const head: string[] = [];
  let line = 1, column = 1;
  for (;;) {
    const r = await it.next();
    if (r.done) throw new ImportError(source, 'empty input: expected an XML or JSON document');
    head.push(r.value);
    const m = /\S/.exec(r.value);
    if (!m) {
      for (const c of r.value) [line, column] = c === '\n' ? [line + 1, 1] : [line, column + 1];
      continue;
    }
    for (const c of r.value.slice(0, m.index)) [line, column] = c === '\n' ? [line + 1, 1] : [line, column + 1];
    const c = m[0];
    const format: InputFormat | undefined = c === '<' ? 'xml' : c === '{' || c === '[' ? 'json' : undefined;
    if (!format) {
      throw new ImportError(source, `unrecognised input starting with '${c}': expected an XML document (<…>), JSON ({…}) or NDJSON`, { line, column });
    }
    const rest = async function* () {
      yield* head;
      for (;;) {
        const next = await it.next();
        if (next.done) return;
        yield next.value;
      }
    };
    return { format, chunks: rest() };
  }
}
