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

export function declaredLinks(decls: readonly LinkDecl[], row: Row, base: string): Node[] {
  const out: Node[] = [];
  for (const d of decls) {
    if (d.when && !d.when(row)) continue;
    const name = d.name === undefined ? undefined : (row[d.name] as string | null) ?? undefined;
    out.push(link(d.rel, `${base}/${fillHref(d.href, row)}`, d.type, name));
  }
  return out;
}
