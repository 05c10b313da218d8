import { HOLE, STREAMED, type Document, type List, type Node, type StreamParts, type Value } from './model.js';

/** Strings that JSON.stringify would change beyond adding quotes. */
const NEEDS_ESCAPE = /["\\\u0000-\u001F\uD800-\uDFFF]/;
const str = (s: string) => (NEEDS_ESCAPE.test(s) ? JSON.stringify(s) : '"' + s + '"');

const keys = new Map<string, string>();
function key(name: string): string {
  let k = keys.get(name);
  if (k === undefined) keys.set(name, (k = str(name) + ':'));
  return k;
}

function value(v: Value): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return str(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return v.kind === 'node' ? object(v) : listValue(v);
}

function object(n: Node): string {
  let s = '{';
  let first = true;
  for (const p of n.props) {
    if (p.value === undefined) continue;
    s += (first ? '' : ',') + key(p.name) + value(p.value);
    first = false;
  }
  return s + '}';
}

function array(items: readonly Node[]): string {
  if (items === STREAMED) return '[' + HOLE + ']';
  let s = '[';
  for (let i = 0; i < items.length; i++) s += (i ? ',' : '') + object(items[i]);
  return s + ']';
}

function listValue(l: List): string {
  return l.jsonName === undefined ? array(l.items) : `{${key(l.jsonName)}${array(l.items)}}`;
}

/** The JSON text of a document: compact, props in .NET order, `/` not escaped. */
export function toJson(doc: Document): string {
  return doc.kind === 'rootList' ? `{${key(doc.jsonName)}${array(doc.items)}}` : object(doc);
}

/**
 * A document with a `STREAMED` list as the text around its items: head + the items' texts +
 * tail is `toJson` of the document holding those items.
 */
export function toJsonParts(doc: Document): StreamParts {
  const [head, tail] = toJson(doc).split(HOLE);
  return { head, tail, item: (n, index) => (index === 0 ? '' : ',') + object(n) };
}
