import type { LinkDecl, Row } from '../model/index.js';
import { node, xmlOrder, type Node, type Prop } from './model.js';

const linkProps = (rel: string, href: string, type?: string, name?: string): Prop[] => [
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

/** Fills `{key}` placeholders of a declared href from a row. */
export function fillHref(template: string, row: Row): string {
  return template.replace(/\{(\w+)\}/g, (_, key: string) => String(row[key] ?? ''));
}

const hrefKeys = new WeakMap<LinkDecl, readonly string[]>();

/** The row keys a declared href needs (`{key}` placeholders), computed once per declaration. */
function keysOf(d: LinkDecl): readonly string[] {
  let keys = hrefKeys.get(d);
  if (keys === undefined) hrefKeys.set(d, (keys = [...d.href.matchAll(/\{(\w+)\}/g)].map((m) => m[1])));
  return keys;
}

const absent = (row: Row, key: string) => row[key] === null || row[key] === undefined;

/**
 * The row's links as declared. A link whose href needs a value the row does not have, or whose
 * target's name (read from the target) is absent, is left out rather than pointing nowhere: a
 * session's restore point once retention deleted it, an imported restore point whose session
 * the capture did not hold.
 */
export function declaredLinks(decls: readonly LinkDecl[], row: Row, base: string): Node[] {
  const out: Node[] = [];
  for (const d of decls) {
    if (d.when && !d.when(row)) continue;
    if (keysOf(d).some((k) => absent(row, k)) || (d.name !== undefined && absent(row, d.name))) continue;
    const name = d.name === undefined ? undefined : (row[d.name] as string | null) ?? undefined;
    out.push(link(d.rel, `${base}/${fillHref(d.href, row)}`, d.type, name));
  }
  return out;
}
