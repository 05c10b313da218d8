import { HOLE, NAMESPACE, STREAMED, type Document, type Node, type StreamParts, type Value } from './model.js';

/**
 * Characters XML 1.0 cannot carry at all (controls other than tab/newline/CR, lone
 * surrogates, U+FFFE/U+FFFF) become U+FFFD so every document stays well-formed.
 */
const INVALID = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
/** Anything that may need work; most values have none, and skip the replacing entirely. */
const SUSPECT = /[&<>"\u0000-\u001F\uD800-\uDFFF\uFFFE\uFFFF]/;
const TEXT_SPECIAL = /[&<>]/g;
const ATTR_SPECIAL = /[&<>"\t\n\r]/g;
const ENTITY: Record<string, string> = {
  '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', '\t': '&#x9;', '\n': '&#xA;', '\r': '&#xD;',
};
const entity = (c: string) => ENTITY[c];

export const escapeText = (s: string) =>
  SUSPECT.test(s) ? s.replace(INVALID, '\uFFFD').replace(TEXT_SPECIAL, entity) : s;
export const escapeAttr = (s: string) =>
  SUSPECT.test(s) ? s.replace(INVALID, '\uFFFD').replace(ATTR_SPECIAL, entity) : s;

const scalarText = (v: string | number | boolean) => (typeof v === 'string' ? v : String(v));
const present = (v: Value) => v !== undefined && v !== null;

/** Appends a node's lines (each ending in `\n`) to `out`; strings are joined once at the end. */
function writeNode(out: string[], n: Node, tag: string, indent: string, xmlns: boolean): void {
  let head = indent + '<' + tag;
  if (xmlns) head += ` xmlns="${NAMESPACE}"`;
  const { props, xml } = n;
  let i = 0;
  for (; i < xml.length; i++) {
    const p = props[xml[i]];
    if (!p.attr) break;
    if (present(p.value)) head += ' ' + p.name + '="' + escapeAttr(scalarText(p.value as Scalar)) + '"';
  }
  let open = false;
  const inner = indent + '  ';
  for (; i < xml.length; i++) {
    const p = props[xml[i]];
    const v = p.value;
    // An empty unwrapped list writes nothing, so it leaves the parent self-closed.
    if (!present(v) || (typeof v === 'object' && v!.kind === 'list' && v!.inline && v!.items.length === 0)) continue;
    if (!open) {
      out.push(head + '>\n');
      open = true;
    }
    if (typeof v !== 'object') {
      const text = scalarText(v as Scalar);
      out.push(text === '' ? `${inner}<${p.name} />\n` : `${inner}<${p.name}>${escapeText(text)}</${p.name}>\n`);
    } else if (v!.kind === 'node') {
      // A child node is written under the prop's name (the element name in the parent's schema).
      writeNode(out, v!, p.name, inner, false);
    } else if (v!.inline) {
      for (const item of v!.items) writeNode(out, item, item.tag, inner, false);
    } else {
      writeItems(out, p.name, v!.items, inner, false);
    }
  }
  out.push(open ? `${indent}</${tag}>\n` : head + ' />\n');
}

type Scalar = string | number | boolean;

function writeItems(out: string[], tag: string, items: readonly Node[], indent: string, xmlns: boolean): void {
  const head = indent + '<' + tag + (xmlns ? ` xmlns="${NAMESPACE}"` : '');
  if (items === STREAMED) {
    // The items' indent travels between two marks, for `toXmlParts`.
    out.push(head + '>\n', HOLE + indent + '  ' + HOLE, `${indent}</${tag}>\n`);
    return;
  }
  if (items.length === 0) {
    out.push(head + ' />\n');
    return;
  }
  out.push(head + '>\n');
  const inner = indent + '  ';
  for (const item of items) writeNode(out, item, item.tag, inner, false);
  out.push(`${indent}</${tag}>\n`);
}

const withoutFinalNewline = (out: string[]) => {
  const s = out.join('');
  return s.slice(0, -1);
};

function writeDocument(doc: Document): string[] {
  const out: string[] = ['<?xml version="1.0" encoding="utf-8"?>\n'];
  if (doc.kind === 'rootList') writeItems(out, doc.tag, doc.items, '', true);
  else writeNode(out, doc, doc.tag, '', true);
  return out;
}

/** The XML bytes of a document: declaration line, 2-space indent, `\n`, no BOM. */
export function toXml(doc: Document): string {
  return withoutFinalNewline(writeDocument(doc));
}

/**
 * A document with a `STREAMED` list as the text around its items: head + the items' texts +
 * tail is `toXml` of the document holding those items (at least one).
 */
export function toXmlParts(doc: Document): StreamParts {
  const [head, indent, tail] = withoutFinalNewline(writeDocument(doc)).split(HOLE);
  return {
    head,
    tail,
    item: (n) => {
      const out: string[] = [];
      writeNode(out, n, n.tag, indent, false);
      return out.join('');
    },
  };
}

/**
 * One node as an XML fragment at `indent`, without declaration or namespace: for writers that
 * stream a document entity by entity (export) and must produce exactly `toXml`'s bytes.
 */
export function xmlFragment(n: Node, indent = ''): string {
  const out: string[] = [];
  writeNode(out, n, n.tag, indent, false);
  return withoutFinalNewline(out);
}
