import { codecOf, isRefusal, type Codec } from '../../model/codecs.js';
import { isRendered, TYPES, type FieldDecl, type LinkDecl, type RawValue, type RenderedField, type Row, type TypeDecl } from '../../model/index.js';
import { storedColumns } from '../../store/schema.js';
import { GUID_PATTERN } from '../../util/uid.js';
import { FieldError, type Where } from './errors.js';

/**
 * From EM documents to stored rows, derived from the registry alone: element, attribute and
 * property names are the declarations' render names, values are parsed by the codec of the
 * declared kind (model/codecs.ts), and relations come from the declared link templates
 * (`Up BackupServerReference` → `backupServers/{serverId}`). No per-type field lists here.
 */

/** A scalar as a reader found it: XML text, or a JSON string/number/boolean/null. */
export type RawScalar = string | number | boolean | null;

export interface RawLink {
  readonly rel?: string;
  readonly type?: string;
  readonly href?: string;
  readonly name?: string;
}

/** One entity as read from XML or JSON, before any interpretation. */
export interface RawEntity {
  /** XML distinguishes attributes and elements; JSON has properties. */
  readonly syntax: 'xml' | 'json';
  /** The type the input names: the XML element name, or the JSON `Type` property. */
  readonly typeName: string | undefined;
  /** The `Type` attribute of an XML entity (JSON has only the property). */
  readonly typeAttribute?: string;
  /** The type of the list the entity came in, if any. */
  readonly listType?: TypeDecl;
  /** A rendered value; `undefined` when absent (JSON `null` is `null`). */
  value(name: string, as: 'attribute' | 'element'): RawScalar | undefined;
  /** The entity's links, or a description of why they are malformed. */
  readonly links: readonly RawLink[] | string;
  /** Where the entity (or one of its values) is in the input. */
  where(field?: string): Where;
}

/** A relation of a row to a row of another type, as its link tells it. */
export interface Ref {
  readonly field: FieldDecl;
  readonly target: TypeDecl;
  readonly id: string;
  /** The link's `Name` (the target's name), if it has one. */
  readonly name?: string;
}

export interface Converted {
  readonly type: TypeDecl;
  /** The type's own stored columns, by field key. */
  readonly row: Row;
  readonly refs: readonly Ref[];
}

/** The declared links that may carry a key (several when they depend on the row: a session's job by JobType). */
interface LinkedKey {
  readonly field: FieldDecl;
  readonly decls: readonly { readonly decl: LinkDecl; readonly pattern: RegExp }[];
}

interface TypePlan {
  readonly type: TypeDecl;
  readonly own: readonly FieldDecl[];
  readonly rendered: readonly { readonly field: RenderedField; readonly codec: Codec }[];
  /** Row keys a declared entity link carries in its href (`{serverId}`), with the link. */
  readonly linked: ReadonlyMap<string, LinkedKey>;
  /** Own UID fields whose UID kind is another declared type: the foreign keys. */
  readonly foreign: readonly { readonly field: FieldDecl; readonly target: TypeDecl }[];
  /** Every type a row may refer to: the foreign keys' and those their links point into (an agent session's job). */
  readonly targets: readonly TypeDecl[];
}

/** By entity name: the `Type` (JSON) and the element name (XML), where EM's differ (`NASJob`). */
export const typeByName = new Map(TYPES.flatMap((t) => [[t.name, t], [t.element ?? t.name, t]]));
export const typeByList = new Map(TYPES.map((t) => [t.listElement, t]));
export const typeByUidKind = new Map(TYPES.map((t) => [t.uidKind, t]));
const typeByCollection = new Map(TYPES.map((t) => [t.collection.toLowerCase(), t]));

/** The type a link's href template points into (`agents/jobs/{jobId}` → AgentBackupJob), if declared. */
const linkTarget = (decl: LinkDecl) => typeByCollection.get(decl.href.split('/{')[0].toLowerCase());

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** `backupServers/{serverId}` → a pattern capturing the GUID in `…/api/backupServers/<guid>`. */
function hrefPattern(template: string, key: string): RegExp {
  const parts = template.split(/(\{\w+\})/);
  const body = parts.map((p) => (p === `{${key}}` ? `(${GUID_PATTERN})` : /^\{\w+\}$/.test(p) ? '[^/?#]*' : escapeRegExp(p))).join('');
  return new RegExp(`/${body}$`, 'i');
}

const plans = new Map<TypeDecl, TypePlan>();

export function planOf(type: TypeDecl): TypePlan {
  let plan = plans.get(type);
  if (plan) return plan;
  const ownKeys = new Set(storedColumns(type).map((c) => c.key));
  const own = type.fields.filter((f) => ownKeys.has(f.key));
  const linked = new Map<string, LinkedKey>();
  for (const f of own) {
    if (f.key === 'id') continue;
    // Longest template first: `…/agents/jobs/<guid>` also ends like `jobs/{jobId}`.
    const decls = type.links.entity.filter((l) => l.href.includes(`{${f.key}}`)).sort((a, b) => b.href.length - a.href.length)
      .map((decl) => ({ decl, pattern: hrefPattern(decl.href, f.key) }));
    if (decls.length > 0) linked.set(f.key, { field: f, decls });
  }
  const foreign = own.flatMap((field) => {
    const target = field.kind === 'uid' && field.key !== 'id' ? typeByUidKind.get(field.uidKind) : undefined;
    return target && target !== type ? [{ field, target }] : [];
  });
  const rendered = type.fields.filter(isRendered).map((field) => ({ field, codec: codecOf(field) }));
  const linkedTargets = [...linked.values()].flatMap((l) => l.decls.flatMap(({ decl }) => linkTarget(decl) ?? []));
  const targets = [...new Set([...foreign.map((f) => f.target), ...linkedTargets])].filter((t) => t !== type);
  plan = { type, own, rendered, linked, foreign, targets };
  plans.set(type, plan);
  return plan;
}

export const REFERENCES_REJECTED =
  'References-format documents carry only names and links, too little to import: capture with ' +
  'format=Entities (query service) or ?format=Entity (collections) instead';

/** Which declared type a raw entity is, checked against its list and its `Type` attribute. */
function resolveType(raw: RawEntity): TypeDecl {
  const name = raw.typeName ?? raw.listType?.name;
  if (name === undefined) throw new FieldError('entity has no Type', 'Type');
  if (/Reference$/.test(name) || /Reference$/.test(raw.typeAttribute ?? '')) throw new FieldError(REFERENCES_REJECTED);
  const type = typeByName.get(name);
  if (!type) throw new FieldError(`unknown entity type '${name}' (expected one of ${TYPES.map((t) => t.name).join(', ')})`, 'Type');
  if (raw.listType && raw.listType !== type) {
    throw new FieldError(`a ${type.name} in a list of ${raw.listType.listElement}`, 'Type');
  }
  if (raw.typeAttribute !== undefined && raw.typeAttribute !== type.name) {
    throw new FieldError(`Type '${raw.typeAttribute}' does not match element <${type.element ?? type.name}>`, 'Type');
  }
  return type;
}

function findLink(links: readonly RawLink[], decl: LinkDecl): RawLink | undefined {
  const rel = decl.rel.toLowerCase(), type = decl.type?.toLowerCase();
  return links.find((l) => l.rel?.toLowerCase() === rel && l.type?.toLowerCase() === type);
}

/** The first of a key's declared links the entity has with a matching href (and its GUID), else the first it has at all. */
function matchLink(links: readonly RawLink[], decls: LinkedKey['decls']): { decl: LinkDecl; link?: RawLink; guid?: string } {
  let present: { decl: LinkDecl; link: RawLink } | undefined;
  for (const { decl, pattern } of decls) {
    const link = findLink(links, decl);
    if (!link) continue;
    const m = link.href === undefined ? null : pattern.exec(link.href.split(/[?#]/)[0]);
    if (m) return { decl, link, guid: m[1].toLowerCase() };
    present ??= { decl, link };
  }
  return present ?? { decl: decls[0].decl };
}

const describeLink = (d: LinkDecl) => `Rel="${d.rel}"${d.type ? ` Type="${d.type}"` : ''}`;

/** One raw entity → its type, stored row and relations. Throws `FieldError`. */
export function convert(raw: RawEntity): Converted {
  const type = resolveType(raw);
  const plan = planOf(type);
  const values: Row = {};
  for (const { field, codec } of plan.rendered) {
    const { name, as } = field.render;
    const v = raw.value(name, as);
    if (v === undefined || v === null) {
      const what = raw.syntax === 'json' ? 'property' : as;
      if (!field.optional) throw new FieldError(`missing required ${what} ${name}${v === null ? ' (null)' : ''}`, v === null ? name : undefined);
      values[field.key] = null;
    } else {
      const value = codec.fromImport(v);
      if (isRefusal(value)) throw new FieldError(`${value.refused} in ${name}`, name);
      values[field.key] = value;
    }
  }

  if (typeof raw.links === 'string') throw new FieldError(raw.links, 'Links');
  const linkNames = new Map<string, string | undefined>();
  /** The type a key's link pointed into, when that decides the relation (a session's job by JobType). */
  const linkTargets = new Map<string, TypeDecl>();
  for (const [key, { field, decls }] of plan.linked) {
    const { decl, link, guid } = matchLink(raw.links, decls);
    if (!link) {
      if (key in values) continue; // also rendered: the element is enough
      if (field.optional) {
        values[key] = null;
        continue;
      }
      throw new FieldError(`missing link ${describeLink(decl)}`, 'Links');
    }
    if (!guid) throw new FieldError(`link ${describeLink(decl)} has Href '${link.href ?? ''}', expected ${decls.map((d) => `…/${d.decl.href}`).join(' or ')}`, 'Links');
    if (key in values && values[key] !== null && values[key] !== guid) {
      throw new FieldError(`${field.render?.name ?? key} does not match the link ${describeLink(decl)} (${guid})`, field.render?.name);
    }
    values[key] = guid;
    linkNames.set(key, link.name);
    const target = linkTarget(decl);
    if (target) linkTargets.set(key, target);
  }

  const row: Row = {};
  for (const f of plan.own) {
    const v = values[f.key];
    if (v === undefined) throw new FieldError(`no value for ${f.render?.name ?? f.key}`);
    row[f.key] = v;
  }
  const refs: Ref[] = [];
  for (const { field, target } of plan.foreign) {
    const id = row[field.key];
    if (typeof id === 'string') refs.push({ field, target: linkTargets.get(field.key) ?? target, id, name: linkNames.get(field.key) });
  }
  return { type, row, refs };
}

/**
 * The row of a backup server or job known only from a link of `from`: id and name from the
 * link; its own foreign keys (a job's server) and same-named enums (a job's JobType from the
 * session's JobType, by member name) from the linking row; declared defaults for the rest.
 */
export function linkOnlyRow(target: TypeDecl, ref: Ref, from: Converted, defaults: Readonly<Row> = {}): Row {
  const row: Row = {};
  const sourceFields = new Map(from.type.fields.map((f) => [f.key, f]));
  for (const f of planOf(target).own) {
    const source = sourceFields.get(f.key);
    const linking = from.row[f.key];
    if (f.key === 'id') row.id = ref.id;
    else if (f.key === 'name') row.name = ref.name ?? '';
    else if (f.key in defaults) row[f.key] = defaults[f.key];
    else if (planOf(target).foreign.some((x) => x.field === f) && typeof linking === 'string') row[f.key] = linking;
    else if (f.kind === 'enum' && source?.kind === 'enum' && typeof linking === 'number') {
      row[f.key] = mapMember(source.members[linking], f.members);
    } else row[f.key] = defaultValue(f);
  }
  return row;
}

/** The member of the same name, else the longest member the name starts with, else the first. */
function mapMember(name: string, members: readonly string[]): number {
  const exact = members.indexOf(name);
  if (exact >= 0) return exact;
  let best = 0, bestLength = 0;
  members.forEach((m, i) => {
    if (name.startsWith(m) && m.length > bestLength) [best, bestLength] = [i, m.length];
  });
  return best;
}

function defaultValue(f: FieldDecl): RawValue {
  if (f.optional) return null;
  const blank = codecOf(f).blank;
  if (blank === undefined) throw new Error(`no default for ${f.key} (${f.kind})`);
  return blank;
}
