import type { Document, List, Node, Value } from './model.js';

function value(v: Value): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v === undefined) return 'null';
  return v.kind === 'node' ? object(v) : listValue(v);
}

function object(n: Node): string {
  const parts: string[] = [];
  for (const p of n.props) if (p.value !== undefined) parts.push(JSON.stringify(p.name) + ':' + value(p.value));
  return '{' + parts.join(',') + '}';
}

const array = (items: readonly Node[]) => '[' + items.map(object).join(',') + ']';

function listValue(l: List): string {
  return l.jsonName === undefined ? array(l.items) : `{${JSON.stringify(l.jsonName)}:${array(l.items)}}`;
}

/** The JSON text of a document: compact, props in .NET order, `/` not escaped. */
export function toJson(doc: Document): string {
  return doc.kind === 'rootList' ? `{${JSON.stringify(doc.jsonName)}:${array(doc.items)}}` : object(doc);
}
