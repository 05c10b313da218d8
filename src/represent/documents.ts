import type { Row, TypeDecl } from '../model/index.js';
import { DEFAULT_EM_VERSION, PROFILES } from '../profile/profiles.js';
import { entityNode, entityShape, nodeOf, referenceNode, referenceShape, resourceTail, type EntityWire } from './entities.js';
import type { RowShape } from './row-shape.js';
import { link } from './links.js';
import { entityCollections } from './entity-collections.js';
import { list, node, rootList, type Document, type Node, type Prop } from './model.js';

export type Format = 'references' | 'entities';

export interface Paging {
  readonly pageNum: number;
  readonly pageSize: number;
  readonly pagesCount: number;
  /** Ordered `[Rel, Href]` pairs: First, Previous?, Next?, Last. */
  readonly links: readonly (readonly [string, string])[];
}

function pagingNode(p: Paging): Node {
  return node('PagingInfo', [
    { name: 'Links', value: list(p.links.map(([rel, href]) => link(rel, href))), x: 0 },
    { name: 'PageNum', value: p.pageNum, attr: true, x: 2 },
    { name: 'PageSize', value: p.pageSize, attr: true, x: 1 },
    { name: 'PagesCount', value: p.pagesCount, attr: true, x: 0 },
  ]);
}

/** The form of a row as an item of a list answer: its entity, or its `Ref`. */
export const rowShape = (type: TypeDecl, format: Format, wire: EntityWire): RowShape =>
  format === 'entities' ? entityShape(type, wire) : referenceShape(type);

/** A row as an item of a list answer, as a node (for the generic writers; lists are written by row-writer.ts). */
export const rowNode = (type: TypeDecl, format: Format, base: string, wire: EntityWire) => {
  const shape = rowShape(type, format, wire);
  return (r: Row) => nodeOf(shape, r, base);
};

/**
 * `GET /query` answer (spec §6.2) around its items (or `STREAMED`, for the list writers of
 * row-writer.ts). Every member of EM's QueryResult is here, in its order, those without a
 * value `undefined` — XML and a 9.5 profile show only `Refs|Entities, PagingInfo`; 12/13 JSON
 * writes the rest as `null` (see entity-collections.ts for `Entities`).
 */
export function queryResult(type: TypeDecl, items: readonly Node[], format: Format, paging: Paging): Document {
  const entities = format === 'entities' ? entitiesNode(type.listElement, items) : undefined;
  const refs = format === 'entities' ? undefined : list(items, 'Refs');
  return node('QueryResult', [
    { name: 'Refs', value: refs, x: 0 },
    { name: 'Entities', value: entities, x: 1 },
    { name: 'Resources', value: undefined, x: 2 },
    { name: 'Links', value: undefined, x: 3 },
    { name: 'PagingInfo', value: pagingNode(paging), x: 4 },
  ]);
}

function entitiesNode(listElement: string, items: readonly Node[]): Node {
  const props: Prop[] = entityCollections(listElement).map((name, x) => ({
    name,
    value: name === listElement ? list(items, listElement) : undefined,
    x,
  }));
  return node('Entities', props);
}

/** Key-resource collection (spec §4.6) around its items: `<EntityReferences>` or `<ReplicaJobSessions>`. */
export function collection(type: TypeDecl, items: readonly Node[], format: Format): Document {
  return format === 'entities' ? rootList(type.listElement, type.listElement, items) : rootList('EntityReferences', 'Refs', items);
}

/** One key resource: the entity element, or `<EntityRef>`. */
export function item(type: TypeDecl, row: Row, format: Format, base: string, wire: EntityWire): Document {
  return format === 'entities' ? entityNode(type, row, base, wire) : referenceNode(type, row, base, 'EntityRef');
}

/** Error body (spec §3): five JSON keys in alphabetical order, nulls kept; XML attributes only. */
export function errorDocument(status: number, message: string): Document {
  return node('Error', [
    { name: 'FirstChanceExceptionMessage', value: null, x: 0 },
    { name: 'Message', value: message, attr: true, x: 0 },
    { name: 'StackTrace', value: null, x: 1 },
    { name: 'Status', value: null, x: 2 },
    { name: 'StatusCode', value: status, attr: true, x: 1 },
  ]);
}

/** The API versions of the default profile (each profile has its own: `WireProfile.apiVersions`). */
export const API_VERSIONS: readonly string[] = PROFILES[DEFAULT_EM_VERSION].apiVersions;

/** `GET /api/` (spec §4.1): anonymous entry point with one logon link per version the profile lists. */
export function enterpriseManager(base: string, apiVersions: readonly string[] = API_VERSIONS): Document {
  const versions = apiVersions.map((v) =>
    node('SupportedVersion', [
      { name: 'Links', value: list([link('Create', `${base}/sessionMngr/?v=${v}`, 'LogonSession')]), x: 0 },
      { name: 'Name', value: v, attr: true, x: 0 },
    ]),
  );
  return node('EnterpriseManager', [
    { name: 'SupportedVersions', value: list(versions, 'SupportedVersions'), x: 1 },
    {
      name: 'Links',
      value: list([
        link('Down', `${base}/logonSessions`, 'LogonSessionList'),
        link('Create', `${base}/sessionMngr/?v=latest`, 'LogonSession'),
      ]),
      x: 0,
    },
  ]);
}

/** `GET /api/querySvc` (spec §4.4): one preconfigured query link per query type named. */
export function querySvc(typeNames: readonly string[], sessionId: string, base: string): Document {
  const links = [
    link('Up', `${base}/logonSessions/${sessionId}`, 'LogonSession'),
    ...typeNames.map((name) => link('Down', `${base}/query?type=${name}&format=Entities&sortAsc=name&pageSize=15&page=1`, `${name}List`)),
  ];
  return node('QuerySvc', resourceTail(links, `${base}/querySvc`, 'QueryService'));
}

export { logonSession, logonSessions } from './logon-session.js';
