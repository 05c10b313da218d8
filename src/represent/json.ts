import { HOLE, STREAMED, type Document, type List, type Node, type StreamParts, type Value } from './model.js';

/** Strings that JSON.stringify would change beyond adding quotes. */
const NEEDS_ESCAPE = /["\\\u0000-\u001F\uD800-\uDFFF]/;
export const jsonString = (s: string) => (NEEDS_ESCAPE.test(s) ? JSON.stringify(s) : '"' + s + '"');

const keys = new Map<string, string>();
export function jsonKey(name: string): string {
  let k = keys.get(name);
  if (k === undefined) keys.set(name, (k = jsonString(name) + ':'));
  return k;
}

/** How the writer treats members with no value (`undefined`): see `WireProfile.jsonNulls`. */
export type JsonNulls = 'omit' | 'keep';

interface Writer {
  object(n: Node): string;
  array(items: readonly Node[]): string;
}

function writer(keep: boolean): Writer {
  const value = (v: Value): string => {
    if (v === null || v === undefined) return 'null';
    if (typeof v === 'string') return jsonString(v);
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    return v.kind === 'node' ? object(v) : listValue(v);
  };
  const object = (n: Node): string => {
    let s = '{';
    let first = true;
    for (const p of n.props) {
      if (p.value === undefined && !keep) continue;
      s += (first ? '' : ',') + jsonKey(p.name) + value(p.value);
      first = false;
    }
    return s + '}';
  };
  const array = (items: readonly Node[]): string => {
    if (items === STREAMED) return '[' + HOLE + ']';
    let s = '[';
    for (let i = 0; i < items.length; i++) s += (i ? ',' : '') + object(items[i]);
    return s + ']';
  };
  const listValue = (l: List): string => (l.jsonName === undefined ? array(l.items) : `{${jsonKey(l.jsonName)}${array(l.items)}}`);
  return { object, array };
}

const WRITERS: Readonly<Record<JsonNulls, Writer>> = { omit: writer(false), keep: writer(true) };

/**
 * The JSON text of a document: compact, props in .NET order, `/` not escaped; members with no
 * value left out (`omit`) or written as `null` (`keep`).
 */
export function toJson(doc: Document, nulls: JsonNulls = 'omit'): string {
  const w = WRITERS[nulls];
  return doc.kind === 'rootList' ? `{${jsonKey(doc.jsonName)}${w.array(doc.items)}}` : w.object(doc);
}

/**
 * A document with a `STREAMED` list as the text around its items: head + the items' texts +
 * tail is `toJson` of the document holding those items.
 */
export function toJsonParts(doc: Document, nulls: JsonNulls = 'omit'): StreamParts {
  const [head, tail] = toJson(doc, nulls).split(HOLE);
  const { object } = WRITERS[nulls];
  return { head, tail, indent: '', item: (n, index) => (index === 0 ? '' : ',') + object(n) };
}
