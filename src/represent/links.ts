import type { LinkDecl, Row } from '../model/index.js';
import { node, xmlOrder, type Node, type Prop } from './model.js';

/** A link's props (JSON order `Rel, Href, Name, Type`; XML ranks `Rel, Type, Href, Name`). */
export const linkProps = (rel: string, href: string, type?: string, name?: string): Prop[] => [
  { name: 'Rel', value: rel, attr: true, x: 0 },
  { name: 'Href', value: href, attr: true, x: 2 },
  { name: 'Name', value: name, attr: true, x: 3 },
  { name: 'Type', value: type, attr: true, x: 1 },
];
const LINK_XML_ORDER = xmlOrder(linkProps('', ''));

/** A `Link`: XML attributes `Rel, Type, Href, Name`; JSON `Rel, Href, Name, Type`; absent ones dropped. */
export function link(rel: string, href: string, type?: string, name?: string): Node {
  return node('Link', linkProps(rel, href, type, name), LINK_XML_ORDER);
}

const PLACEHOLDER = /\{(\w+)\}/g;

/** Fills `{key}` placeholders of a declared href from a row. */
function fillHref(template: string, row: Row): string {
  return template.replace(PLACEHOLDER, (_, key: string) => String(row[key] ?? ''));
}

/**
 * A declared href split once: `text[0] key[0] text[1] … text[n]`, the literal texts around
 * the row keys of its `{key}` placeholders.
 */
export interface HrefTemplate {
  readonly text: readonly string[];
  readonly keys: readonly string[];
}

const templates = new WeakMap<LinkDecl, HrefTemplate>();

export function hrefTemplate(d: LinkDecl): HrefTemplate {
  let t = templates.get(d);
  if (t === undefined) {
    const parts = d.href.split(PLACEHOLDER);
    templates.set(d, (t = { text: parts.filter((_, i) => i % 2 === 0), keys: parts.filter((_, i) => i % 2 === 1) }));
  }
  return t;
}

const tests = new WeakMap<LinkDecl, (row: Row) => boolean>();

/**
 * Whether a row has a declared link, decided once per declaration. One whose href needs a
 * value the row does not have, or whose target's name (read from the target) is absent, is
 * left out rather than pointing nowhere: a session's restore point once retention deleted it,
 * an imported restore point whose session the capture did not hold.
 */
export function linkTest(d: LinkDecl): (row: Row) => boolean {
  let test = tests.get(d);
  if (test === undefined) {
    const needed = d.name === undefined ? hrefTemplate(d).keys : [...hrefTemplate(d).keys, d.name];
    const present = (row: Row) => needed.every((k) => row[k] !== null && row[k] !== undefined);
    const { when } = d;
    tests.set(d, (test = when ? (row) => when(row) && present(row) : present));
  }
  return test;
}

/** The row's links as declared (see `linkTest`). */
export function declaredLinks(decls: readonly LinkDecl[], row: Row, base: string): Node[] {
  const out: Node[] = [];
  for (const d of decls) {
    if (!linkTest(d)(row)) continue;
    const name = d.name === undefined ? undefined : (row[d.name] as string);
    out.push(link(d.rel, `${base}/${fillHref(d.href, row)}`, d.type, name));
  }
  return out;
}
