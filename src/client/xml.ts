/**
 * EM's XML documents read into the shape EM's JSON gives the same document (spec §1.4), so one
 * set of types serves both formats. A small non-validating reader (no dependency): elements,
 * attributes, text, the five named entities and character references, CDATA, comments,
 * processing instructions and a DOCTYPE without an internal subset; namespace prefixes are
 * dropped (EM uses one default namespace).
 *
 * The mapping, as EM's JSON does it:
 * - attributes and child elements alike become properties; `Links` becomes a plain array of
 *   link objects; EM's list wrappers (`Refs`, `ReplicaJobSessions`, …, `SupportedVersions`)
 *   become `{"<Wrapper>":[…]}`; a root list becomes `{"<Wrapper>":[…]}` (`EntityReferences`:
 *   `{"Refs":[…]}`);
 * - an element with neither attributes nor child elements is its text (`<Reason />` is `""`);
 * - values are strings except EM's numeric members (`Progress`, `Port`, `TotalSize`,
 *   `PageNum`, `PageSize`, `PagesCount`, `StatusCode`, the byte counts `Capacity`, `FreeSpace`,
 *   `BackupSize`, `DataSize`) and booleans (`IsRetry`,
 *   `ScheduleConfigured`, `ScheduleEnabled`, `RescanScheduleEnabled`, `Success`), typed as JSON types them;
 * - absent elements are absent members (JSON omits them too). What XML cannot say (JSON's
 *   `null` members) is simply missing.
 */

import { LIST_ELEMENTS } from './types.js';

export interface XmlElement {
  /** Local name (prefix dropped). */
  readonly name: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly children: readonly XmlElement[];
  /** The element's own text (character data directly inside it), concatenated. */
  readonly text: string;
}

/** Text that is not well-formed enough to read; `position` is a 0-based offset. */
export class XmlParseError extends Error {
  override readonly name = 'XmlParseError';
  constructor(
    readonly reason: string,
    readonly position: number,
  ) {
    super(`XML: ${reason} at offset ${position}`);
  }
}

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decode(text: string, at: number): string {
  if (!text.includes('&')) return text;
  return text.replace(/&(#x[0-9A-Fa-f]+|#[0-9]+|[A-Za-z]+);|&/g, (whole, ref: string | undefined, offset: number) => {
    if (ref === undefined) throw new XmlParseError("'&' that starts no entity", at + offset);
    if (ref[0] === '#') {
      const code = ref[1] === 'x' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      if (!(code >= 0 && code <= 0x10ffff)) throw new XmlParseError(`bad character reference ${whole}`, at + offset);
      return String.fromCodePoint(code);
    }
    const named = NAMED[ref];
    if (named === undefined) throw new XmlParseError(`unknown entity ${whole}`, at + offset);
    return named;
  });
}

const localName = (qname: string) => qname.slice(qname.indexOf(':') + 1);

interface Building {
  name: string;
  qname: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  text: string;
}

/** Reads a document into its root element. */
export function parseXml(input: string): XmlElement {
  const s = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  const stack: Building[] = [];
  let root: XmlElement | undefined;
  let i = 0;
  const nameAt = (from: number) => {
    const m = /^[A-Za-z_:][-A-Za-z0-9_:.]*/.exec(s.slice(from, from + 256));
    if (!m) throw new XmlParseError('expected a name', from);
    return m[0];
  };
  const skipSpace = () => {
    while (i < s.length && ' \t\r\n'.includes(s[i])) i++;
  };
  const skipPast = (end: string, what: string) => {
    const j = s.indexOf(end, i);
    if (j < 0) throw new XmlParseError(`unterminated ${what}`, i);
    i = j + end.length;
  };

  while (i < s.length) {
    const lt = s.indexOf('<', i);
    const textEnd = lt < 0 ? s.length : lt;
    if (textEnd > i) {
      const raw = s.slice(i, textEnd);
      if (stack.length > 0) stack[stack.length - 1].text += decode(raw, i);
      else if (raw.trim() !== '') throw new XmlParseError('text outside the root element', i);
      i = textEnd;
      continue;
    }
    if (s.startsWith('<?', i)) {
      skipPast('?>', 'processing instruction');
    } else if (s.startsWith('<!--', i)) {
      skipPast('-->', 'comment');
    } else if (s.startsWith('<![CDATA[', i)) {
      if (stack.length === 0) throw new XmlParseError('CDATA outside the root element', i);
      const start = i + 9;
      skipPast(']]>', 'CDATA section');
      stack[stack.length - 1].text += s.slice(start, i - 3);
    } else if (s.startsWith('<!', i)) {
      skipPast('>', 'declaration');
    } else if (s[i + 1] === '/') {
      const at = i;
      i += 2;
      const qname = nameAt(i);
      i += qname.length;
      skipSpace();
      if (s[i] !== '>') throw new XmlParseError(`expected '>' to end </${qname}`, i);
      i++;
      const open = stack.pop();
      if (!open || open.qname !== qname) throw new XmlParseError(open ? `</${qname}> closes <${open.qname}>` : `</${qname}> closes nothing`, at);
      const done: XmlElement = { name: open.name, attributes: open.attributes, children: open.children, text: open.text };
      if (stack.length > 0) stack[stack.length - 1].children.push(done);
      else root = done;
    } else {
      if (root !== undefined) throw new XmlParseError('a second root element', i);
      i++;
      const qname = nameAt(i);
      i += qname.length;
      const attributes: Record<string, string> = {};
      for (;;) {
        const before = i;
        skipSpace();
        if (s[i] === '>' || s.startsWith('/>', i)) break;
        if (i === before) throw new XmlParseError(`expected whitespace, '>' or '/>' in <${qname}>`, i);
        const attr = nameAt(i);
        i += attr.length;
        skipSpace();
        if (s[i] !== '=') throw new XmlParseError(`expected '=' after ${attr}`, i);
        i++;
        skipSpace();
        const quote = s[i];
        if (quote !== '"' && quote !== "'") throw new XmlParseError(`expected a quoted value for ${attr}`, i);
        const end = s.indexOf(quote, i + 1);
        if (end < 0) throw new XmlParseError(`unterminated value of ${attr}`, i);
        const value = decode(s.slice(i + 1, end), i + 1);
        i = end + 1;
        if (attr === 'xmlns' || attr.startsWith('xmlns:')) continue;
        attributes[localName(attr)] = value;
      }
      const building: Building = { name: localName(qname), qname, attributes, children: [], text: '' };
      if (s[i] === '/') {
        i += 2;
        const done: XmlElement = { name: building.name, attributes, children: [], text: '' };
        if (stack.length > 0) stack[stack.length - 1].children.push(done);
        else root = done;
      } else {
        i++;
        stack.push(building);
      }
    }
  }
  if (stack.length > 0) throw new XmlParseError(`<${stack[stack.length - 1].qname}> is not closed`, s.length);
  if (root === undefined) throw new XmlParseError('no root element', s.length);
  return root;
}

/** EM list wrappers inside a document: `{"<name>":[…]}` in JSON. */
const LISTS = new Set(['Refs', 'SupportedVersions', ...Object.values(LIST_ELEMENTS)]);
/** EM documents whose root is a list, and the JSON property of their items. */
const ROOT_LISTS: Record<string, string> = {
  EntityReferences: 'Refs',
  LogonSessions: 'LogonSessions',
  Tasks: 'Tasks',
  // Every query type's entity list (`<ReplicaJobSessions>`, `<NASJobs>`, …) is its own plural.
  ...Object.fromEntries(Object.values(LIST_ELEMENTS).map((list) => [list, list])),
};
const NUMBERS = new Set([
  'Progress', 'Port', 'TotalSize', 'PageNum', 'PageSize', 'PagesCount', 'StatusCode', 'Capacity', 'FreeSpace', 'BackupSize', 'DataSize',
]);
const BOOLEANS = new Set(['IsRetry', 'ScheduleConfigured', 'ScheduleEnabled', 'Success', 'RescanScheduleEnabled']);

function scalar(name: string, text: string): unknown {
  if (NUMBERS.has(name) && /^-?\d+$/.test(text.trim())) return Number(text.trim());
  if (BOOLEANS.has(name)) {
    const t = text.trim().toLowerCase();
    if (t === 'true') return true;
    if (t === 'false') return false;
  }
  return text;
}

function objectOf(el: XmlElement): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(el.attributes)) out[k] = scalar(k, v);
  for (const child of el.children) {
    const value = valueOf(child);
    if (Object.prototype.hasOwnProperty.call(out, child.name)) {
      // Not an EM shape; kept rather than lost.
      const prev = out[child.name];
      out[child.name] = Array.isArray(prev) && child.name !== 'Links' ? [...prev, value] : [prev, value];
    } else {
      out[child.name] = value;
    }
  }
  return out;
}

function valueOf(el: XmlElement): unknown {
  if (el.name === 'Links') return el.children.map(objectOf);
  if (LISTS.has(el.name)) return { [el.name]: el.children.map(objectOf) };
  if (el.children.length === 0 && Object.keys(el.attributes).length === 0) return scalar(el.name, el.text);
  return objectOf(el);
}

/** An EM XML document as EM's JSON gives it. */
export function xmlToJson(input: string | XmlElement): unknown {
  const root = typeof input === 'string' ? parseXml(input) : input;
  const plural = ROOT_LISTS[root.name];
  if (plural !== undefined && Object.keys(root.attributes).length === 0) return { [plural]: root.children.map(objectOf) };
  return objectOf(root);
}
