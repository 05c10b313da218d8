import type { LinkDecl, Row } from '../model/index.js';
import type { WireProfile } from '../profile/profiles.js';
import type { XmlStyle } from '../profile/xml-style.js';
import { jsonKey, jsonString } from './json.js';
import { hrefTemplate, linkProps, linkTest } from './links.js';
import { xmlOrder, type Scalar } from './model.js';
import type { LinksMember, RowShape, ScalarMember } from './row-shape.js';
import { escapeAttr, escapeText, styledOrder } from './xml.js';

/**
 * The list writers: a row shape compiled once per wire format (and XML style and indent)
 * into closures over its members, so a row is written straight to text, without a node per
 * row or a prop per member, and without an escaping check where the value cannot need one.
 * Byte for byte what `toXml`/`toJson` write of `nodeOf` of the same row (a test holds them
 * equal for every type and profile).
 */

/** The text of the `index`-th (0-based) row of a list, separators included. */
export type ItemWriter = (row: Row, index: number) => string;

/** A piece of a row's text; `base` is the link base, escaped for the format already. */
type Piece = (row: Row, base: string) => string;

type Escape = (s: string) => string;

const jsonInner: Escape = (s) => jsonString(s).slice(1, -1);

/** A member's text (`undefined` when absent), escaped for the format. */
function textOf(m: ScalarMember, escape: Escape): (row: Row, base: string) => string | undefined {
  const { read, plain, underBase } = m;
  const text = (v: Scalar) => (plain ? String(v) : escape(String(v)));
  return underBase
    ? (row, base) => {
        const v = read(row);
        return v === undefined ? undefined : base + '/' + text(v);
      }
    : (row) => {
        const v = read(row);
        return v === undefined ? undefined : text(v);
      };
}

/** A declared href below the base, filled from a row: literal text escaped once, values only where they may need it. */
function hrefOf(d: LinkDecl, plainKeys: ReadonlySet<string>, escape: Escape): Piece {
  const { text, keys } = hrefTemplate(d);
  const literal = text.map(escape);
  const value = keys.map((k) => (plainKeys.has(k) ? (row: Row) => String(row[k]) : (row: Row) => escape(String(row[k]))));
  return (row, base) => {
    let s = base + '/' + literal[0];
    for (let i = 0; i < value.length; i++) s += value[i](row) + literal[i + 1];
    return s;
  };
}

/** One declared link's `<Link … />` line, its attributes in the style's order. */
function xmlLink(d: LinkDecl, plainKeys: ReadonlySet<string>, style: XmlStyle, indent: string): Piece {
  const props = linkProps('', '');
  const attrs = xmlOrder(props).filter((i) => props[i].attr);
  const names = attrs.map((i) => props[i].name);
  const constant = (name: string, v: string | undefined): Piece => {
    const text = v === undefined ? '' : ` ${name}="${escapeAttr(v)}"`;
    return () => text;
  };
  const href = hrefOf(d, plainKeys, escapeAttr);
  const parts: Piece[] = styledOrder(style, 'Link', names).map((at) => {
    switch (names[at]) {
      case 'Rel': return constant('Rel', d.rel);
      case 'Type': return constant('Type', d.type);
      case 'Href': return (row, base) => ' Href="' + href(row, base) + '"';
      default: return d.name === undefined ? () => '' : (row) => ' Name="' + escapeAttr(String(row[d.name!])) + '"';
    }
  });
  return (row, base) => {
    let s = indent + '<Link';
    for (const p of parts) s += p(row, base);
    return s + ' />\n';
  };
}

function xmlLinks(m: LinksMember, style: XmlStyle, indent: string): Piece {
  const inner = indent + '  ';
  const links = m.decls.map((d) => ({ has: linkTest(d), write: xmlLink(d, m.plainKeys, style, inner) }));
  const open = `${indent}<${m.name}>\n`, close = `${indent}</${m.name}>\n`, empty = `${indent}<${m.name} />\n`;
  return (row, base) => {
    let s = '';
    for (const { has, write } of links) if (has(row)) s += write(row, base);
    return s === '' ? empty : open + s + close;
  };
}

function compileXml(shape: RowShape, style: XmlStyle, indent: string): (row: Row, base: string) => string {
  const { members } = shape;
  const order = xmlOrder(members);
  const attrAt = order.filter((i) => members[i].attr);
  const attrs: Piece[] = styledOrder(style, shape.tag, attrAt.map((i) => members[i].name)).map((at) => {
    const m = members[attrAt[at]] as ScalarMember;
    const text = textOf(m, escapeAttr);
    const open = ' ' + m.name + '="';
    return (row, base) => {
      const t = text(row, base);
      return t === undefined ? '' : open + t + '"';
    };
  });
  const inner = indent + '  ';
  const elements: Piece[] = order.filter((i) => !members[i].attr).map((i) => {
    const m = members[i];
    if (m.kind === 'links') return xmlLinks(m, style, inner);
    const text = textOf(m, escapeText);
    const empty = `${inner}<${m.name} />\n`, open = `${inner}<${m.name}>`, close = `</${m.name}>\n`;
    return (row, base) => {
      const t = text(row, base);
      return t === undefined ? '' : t === '' ? empty : open + t + close;
    };
  });
  const head = indent + '<' + shape.tag, close = `${indent}</${shape.tag}>\n`;
  return (row, base) => {
    let s = head;
    for (const a of attrs) s += a(row, base);
    let body = '';
    for (const e of elements) body += e(row, base);
    return body === '' ? s + ' />\n' : s + '>\n' + body + close;
  };
}

/** A member as `"Name":value`, or `"Name":null` / '' when absent (as `keep` says). */
function jsonMember(name: string, value: (row: Row, base: string) => string | undefined, keep: boolean): Piece {
  const key = jsonKey(name), none = keep ? key + 'null' : '';
  return (row, base) => {
    const v = value(row, base);
    return v === undefined ? none : key + v;
  };
}

/** An object of pieces, those that wrote nothing left out. */
function jsonObject(pieces: readonly Piece[]): Piece {
  return (row, base) => {
    let s = '';
    for (const p of pieces) {
      const t = p(row, base);
      if (t !== '') s += s === '' ? t : ',' + t;
    }
    return '{' + s + '}';
  };
}

function jsonLink(d: LinkDecl, plainKeys: ReadonlySet<string>, keep: boolean): Piece {
  const href = hrefOf(d, plainKeys, jsonInner);
  const constant = (v: string | undefined) => {
    const text = v === undefined ? undefined : jsonString(v);
    return () => text;
  };
  return jsonObject(linkProps('', '').map(({ name }) => {
    switch (name) {
      case 'Rel': return jsonMember(name, constant(d.rel), keep);
      case 'Type': return jsonMember(name, constant(d.type), keep);
      case 'Href': return jsonMember(name, (row, base) => '"' + href(row, base) + '"', keep);
      default: return jsonMember(name, d.name === undefined ? () => undefined : (row) => jsonString(String(row[d.name!])), keep);
    }
  }));
}

function compileJson(shape: RowShape, keep: boolean): Piece {
  return jsonObject(shape.members.map((m) => {
    if (m.kind === 'links') {
      const links = m.decls.map((d) => ({ has: linkTest(d), write: jsonLink(d, m.plainKeys, keep) }));
      return jsonMember(m.name, (row, base) => {
        let s = '';
        for (const { has, write } of links) if (has(row)) s += (s === '' ? '' : ',') + write(row, base);
        return '[' + s + ']';
      }, keep);
    }
    const { read, plain, underBase } = m;
    // Strings are quoted (a link base's path too); numbers and booleans are not.
    const value = underBase
      ? (row: Row, base: string) => {
          const v = read(row);
          return v === undefined ? undefined : '"' + base + '/' + (plain ? v : jsonInner(String(v))) + '"';
        }
      : (row: Row) => {
          const v = read(row);
          return v === undefined ? undefined : typeof v !== 'string' ? String(v) : plain ? '"' + v + '"' : jsonString(v);
        };
    return jsonMember(m.name, value, keep);
  }));
}

/** Compiled writers by shape, then by XML style or JSON nulls setting, then by indent. */
const compiled = new WeakMap<RowShape, WeakMap<object, Map<string, Piece>>>();
const JSON_NULLS: Readonly<Record<WireProfile['jsonNulls'], object>> = { keep: {}, omit: {} };

function compiledFor(shape: RowShape, json: boolean, profile: Pick<WireProfile, 'jsonNulls' | 'xmlStyle'>, indent: string): Piece {
  let byFormat = compiled.get(shape);
  if (byFormat === undefined) compiled.set(shape, (byFormat = new WeakMap()));
  const format = json ? JSON_NULLS[profile.jsonNulls] : profile.xmlStyle;
  let byIndent = byFormat.get(format);
  if (byIndent === undefined) byFormat.set(format, (byIndent = new Map()));
  let piece = byIndent.get(indent);
  if (piece === undefined) {
    piece = json ? compileJson(shape, profile.jsonNulls === 'keep') : compileXml(shape, profile.xmlStyle, indent);
    byIndent.set(indent, piece);
  }
  return piece;
}

/**
 * The writer of a list's rows in a shape: XML items at `indent` (see `StreamParts.indent`),
 * JSON items with a comma before all but the first; hrefs below `base`.
 */
export function itemWriter(
  shape: RowShape, json: boolean, profile: Pick<WireProfile, 'jsonNulls' | 'xmlStyle'>, indent: string, base: string,
): ItemWriter {
  const write = compiledFor(shape, json, profile, indent);
  if (!json) {
    const escaped = escapeAttr(base);
    return (row) => write(row, escaped);
  }
  const escaped = jsonInner(base);
  return (row, index) => (index === 0 ? '' : ',') + write(row, escaped);
}

/**
 * Marks where a row's text holds its link base while it is kept for other bases: a character
 * no constant of a writer has and escaping never makes, so the text holds it only where the
 * base goes unless a value of the row does (such a row is not split). One byte in Latin-1, so
 * the texts stay one-byte strings, which V8 encodes several times faster.
 */
const BASE_MARK = '\u0001';

const holdsMark = (row: Row) => {
  for (const k in row) {
    const v = row[k];
    if (typeof v === 'string' && v.includes(BASE_MARK)) return true;
  }
  return false;
};

/** A list's row writer whose texts can be kept and reused under any link base (see `RowTexts`). */
export interface SplitWriter {
  /** The compiled writer: the same object for every list written in the same form. */
  readonly key: object;
  /** The row's text split where its link base goes; undefined when a value of the row holds the mark. */
  split(row: Row): readonly string[] | undefined;
  /** The `index`-th item of this list from a row's split text. */
  item(parts: readonly string[], index: number): string;
  /** The `index`-th item written straight from the row. */
  readonly write: ItemWriter;
}

/** `itemWriter` with the split form of its texts (same arguments, same items). */
export function splitWriter(
  shape: RowShape, json: boolean, profile: Pick<WireProfile, 'jsonNulls' | 'xmlStyle'>, indent: string, base: string,
): SplitWriter {
  const key = compiledFor(shape, json, profile, indent);
  const escaped = json ? jsonInner(base) : escapeAttr(base);
  return {
    key,
    split: (row) => (holdsMark(row) ? undefined : key(row, BASE_MARK).split(BASE_MARK)),
    item: json ? (parts, index) => (index === 0 ? '' : ',') + parts.join(escaped) : (parts) => parts.join(escaped),
    write: itemWriter(shape, json, profile, indent, base),
  };
}
