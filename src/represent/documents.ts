import type { Row, TypeDecl } from '../model/index.js';
import { entityNode, referenceNode, resourceTail } from './entities.js';
import { link } from './links.js';
import { list, node, rootList, type Document, type Node } from './model.js';

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

/** A row as an item of a list answer: its entity, or its `Ref`. */
export const rowNode = (type: TypeDecl, format: Format, base: string) =>
  format === 'entities' ? (r: Row) => entityNode(type, r, base) : (r: Row) => referenceNode(type, r, base);

/** `GET /query` answer (spec §6.2) around the items `rowNode` made (or `STREAMED`). */
export function queryResult(type: TypeDecl, items: readonly Node[], format: Format, paging: Paging): Document {
  const result =
    format === 'entities'
      ? {
          name: 'Entities',
          value: node('Entities', [{ name: type.listElement, value: list(items, type.listElement), x: 0 }]),
          x: 0,
        }
      : { name: 'Refs', value: list(items, 'Refs'), x: 0 };
  return node('QueryResult', [result, { name: 'PagingInfo', value: pagingNode(paging), x: 1 }]);
}

/** Key-resource collection (spec §4.6) around the items `rowNode` made: `<EntityReferences>` or `<ReplicaJobSessions>`. */
export function collection(type: TypeDecl, items: readonly Node[], format: Format): Document {
  return format === 'entities' ? rootList(type.listElement, type.listElement, items) : rootList('EntityReferences', 'Refs', items);
}

/** One key resource: the entity element, or `<EntityRef>`. */
export function item(type: TypeDecl, row: Row, format: Format, base: string): Document {
  return format === 'entities' ? entityNode(type, row, base) : referenceNode(type, row, base, 'EntityRef');
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

/** The API versions a logon may name (`?v=`, besides `latest`), oldest first: the one list of them. */
export const API_VERSIONS = ['v1_5', 'v1_6', 'v1_7'] as const;

/** `GET /api/` (spec §4.1): anonymous entry point with one logon link per version. */
export function enterpriseManager(base: string): Document {
  const versions = API_VERSIONS.map((v) =>
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
