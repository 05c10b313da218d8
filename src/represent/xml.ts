import { DEFAULT_EM_VERSION, PROFILES } from '../profile/profiles.js';
import type { XmlStyle } from '../profile/xml-style.js';
import { HOLE, STREAMED, type Document, type Node, type StreamParts, type Value } from './model.js';

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

/**
 * A style made ready for writing: for each node shape (the `xml` order array a builder shares
 * between nodes of one shape) the indices of its attributes in the style's order and where its
 * elements start, computed on first use and then reused.
 */
interface Compiled {
  readonly style: XmlStyle;
  readonly shapes: WeakMap<readonly number[], Shape>;
}

interface Shape {
  readonly tag: string;
  readonly attrs: readonly number[];
  readonly firstElement: number;
}

const compiledStyles = new WeakMap<XmlStyle, Compiled>();

function compile(style: XmlStyle): Compiled {
  let c = compiledStyles.get(style);
  if (c === undefined) compiledStyles.set(style, (c = { style, shapes: new WeakMap() }));
  return c;
}

function shapeOf(c: Compiled, n: Node, tag: string): Shape {
  const known = c.shapes.get(n.xml);
  if (known !== undefined && known.tag === tag) return known;
  const { props, xml } = n;
  let firstElement = 0;
  while (firstElement < xml.length && props[xml[firstElement]].attr) firstElement++;
  const declared = xml.slice(0, firstElement);
  const attrs = styledOrder(c.style, tag, declared.map((i) => props[i].name)).map((at) => declared[at]);
  const shape = { tag, attrs, firstElement };
  if (known === undefined) c.shapes.set(n.xml, shape);
  return shape;
}

/**
 * Positions in `names` (an element's attributes in declared order) in the style's order: the
 * names the style lists first, in its order; the rest keep their declared order.
 */
export function styledOrder(style: XmlStyle, tag: string, names: readonly string[]): number[] {
  const order = style.attributeOrder[tag] ?? style.attributeOrder['*'] ?? [];
  const rank = (at: number) => {
    const r = order.indexOf(names[at]);
    return r < 0 ? order.length : r;
  };
  return names.map((_, at) => at).sort((a, b) => rank(a) - rank(b) || a - b);
}

/** Appends a node's lines (each ending in `\n`) to `out`; strings are joined once at the end. */
function writeNode(out: string[], n: Node, tag: string, indent: string, c: Compiled, root: boolean): void {
  let head = indent + '<' + tag;
  const ns = root ? c.style.rootNamespaces : '';
  if (!c.style.namespacesLast) head += ns;
  const { props, xml } = n;
  const { attrs, firstElement } = shapeOf(c, n, tag);
  for (const k of attrs) {
    const p = props[k];
    if (present(p.value)) head += ' ' + p.name + '="' + escapeAttr(scalarText(p.value as Scalar)) + '"';
  }
  if (c.style.namespacesLast) head += ns;
  let open = false;
  const inner = indent + '  ';
  for (let i = firstElement; i < xml.length; i++) {
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
      writeNode(out, v!, p.name, inner, c, false);
    } else if (v!.inline) {
      for (const item of v!.items) writeNode(out, item, item.tag, inner, c, false);
    } else {
      writeItems(out, p.name, v!.items, inner, c, false);
    }
  }
  out.push(open ? `${indent}</${tag}>\n` : head + ' />\n');
}

type Scalar = string | number | boolean;

function writeItems(out: string[], tag: string, items: readonly Node[], indent: string, c: Compiled, root: boolean): void {
  const head = indent + '<' + tag + (root ? c.style.rootNamespaces : '');
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
  for (const item of items) writeNode(out, item, item.tag, inner, c, false);
  out.push(`${indent}</${tag}>\n`);
}

const withoutFinalNewline = (out: string[]) => {
  const s = out.join('');
  return s.slice(0, -1);
};

function writeDocument(doc: Document, c: Compiled): string[] {
  const out: string[] = ['<?xml version="1.0" encoding="utf-8"?>\n'];
  if (doc.kind === 'rootList') writeItems(out, doc.tag, doc.items, '', c, true);
  else writeNode(out, doc, doc.tag, '', c, true);
  return out;
}

/** The style of the default profile: for writers that have no rendering to ask (tests, tools). */
const DEFAULT_STYLE = PROFILES[DEFAULT_EM_VERSION].xmlStyle;

/** The XML bytes of a document in a profile's style: declaration line, 2-space indent, `\n`, no BOM. */
export function toXml(doc: Document, style: XmlStyle = DEFAULT_STYLE): string {
  return withoutFinalNewline(writeDocument(doc, compile(style)));
}

/**
 * A document with a `STREAMED` list as the text around its items: head + the items' texts +
 * tail is `toXml` of the document holding those items (at least one).
 */
export function toXmlParts(doc: Document, style: XmlStyle = DEFAULT_STYLE): StreamParts {
  const c = compile(style);
  const [head, indent, tail] = withoutFinalNewline(writeDocument(doc, c)).split(HOLE);
  return {
    head,
    tail,
    indent,
    item: (n) => {
      const out: string[] = [];
      writeNode(out, n, n.tag, indent, c, false);
      return out.join('');
    },
  };
}

/**
 * One node as an XML fragment at `indent`, without declaration or namespace: for writers that
 * stream a document entity by entity (export) and must produce exactly `toXml`'s bytes.
 */
export function xmlFragment(n: Node, indent = '', style: XmlStyle = DEFAULT_STYLE): string {
  const out: string[] = [];
  writeNode(out, n, n.tag, indent, compile(style), false);
  return withoutFinalNewline(out);
}
