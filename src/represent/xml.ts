import { NAMESPACE, type Document, type Node, type Prop, type Value } from './model.js';

/**
 * Characters XML 1.0 cannot carry at all (controls other than tab/newline/CR, lone
 * surrogates, U+FFFE/U+FFFF) become U+FFFD so every document stays well-formed.
 */
const INVALID = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const TEXT_SPECIAL = /[&<>]/g;
const ATTR_SPECIAL = /[&<>"\t\n\r]/g;
const ENTITY: Record<string, string> = {
  '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', '\t': '&#x9;', '\n': '&#xA;', '\r': '&#xD;',
};

const HAS_INVALID = new RegExp(INVALID.source);
const clean = (s: string) => (HAS_INVALID.test(s) ? s.replace(INVALID, '\uFFFD') : s);
export const escapeText = (s: string) => clean(s).replace(TEXT_SPECIAL, (c) => ENTITY[c]);
export const escapeAttr = (s: string) => clean(s).replace(ATTR_SPECIAL, (c) => ENTITY[c]);

const scalarText = (v: string | number | boolean) => (typeof v === 'string' ? v : String(v));
const present = (p: Prop) => p.value !== undefined && p.value !== null;
const byRank = (a: Prop, b: Prop) => a.x - b.x;

function openTag(tag: string, attrs: readonly Prop[], xmlns: boolean): string {
  let s = '<' + tag;
  if (xmlns) s += ` xmlns="${NAMESPACE}"`;
  for (const a of attrs) s += ` ${a.name}="${escapeAttr(scalarText(a.value as string))}"`;
  return s;
}

function writeNode(out: string[], n: Node, indent: string, xmlns: boolean): void {
  const attrs = n.props.filter((p) => p.attr && present(p)).sort(byRank);
  const kids = n.props.filter((p) => !p.attr && present(p)).sort(byRank);
  const head = indent + openTag(n.tag, attrs, xmlns);
  if (kids.length === 0) {
    out.push(head + ' />');
    return;
  }
  out.push(head + '>');
  const inner = indent + '  ';
  for (const k of kids) writeChild(out, k.name, k.value, inner);
  out.push(`${indent}</${n.tag}>`);
}

function writeChild(out: string[], name: string, value: Value, indent: string): void {
  if (value === null || value === undefined) return;
  if (typeof value !== 'object') {
    const text = scalarText(value);
    out.push(text === '' ? `${indent}<${name} />` : `${indent}<${name}>${escapeText(text)}</${name}>`);
    return;
  }
  if (value.kind === 'node') {
    // A child node is written under the prop's name (the element name in the parent's schema).
    writeNode(out, value.tag === name ? value : { ...value, tag: name }, indent, false);
    return;
  }
  writeItems(out, name, value.items, indent, false);
}

function writeItems(out: string[], tag: string, items: readonly Node[], indent: string, xmlns: boolean): void {
  const head = indent + openTag(tag, [], xmlns);
  if (items.length === 0) {
    out.push(head + ' />');
    return;
  }
  out.push(head + '>');
  for (const item of items) writeNode(out, item, indent + '  ', false);
  out.push(`${indent}</${tag}>`);
}

/** The XML bytes of a document: declaration line, 2-space indent, `\n`, no BOM. */
export function toXml(doc: Document): string {
  const out: string[] = ['<?xml version="1.0" encoding="utf-8"?>'];
  if (doc.kind === 'rootList') writeItems(out, doc.tag, doc.items, '', true);
  else writeNode(out, doc, '', true);
  return out.join('\n');
}
