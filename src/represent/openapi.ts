import http from 'node:http';
import { errors } from '../http/errors.js';
import { JOB_ACTION_NAMES, OTHER_JOB_ACTION_NAMES } from '../http/routes/job-action-routes.js';
import {
  DOCUMENTED_QUERY_TYPES, isRendered, referenceType, TYPES, typeNamed, UNIMPLEMENTED_QUERY_TYPES, VIEWS,
  type FieldDecl, type TypeDecl,
} from '../model/index.js';
import { Job } from '../model/job.js';
import { EMREST_VERSION } from '../product.js';
import { REPORTS } from '../reports/frames.js';
import { ADMIN_PATHS } from './openapi-admin.js';

/**
 * The OpenAPI 3.1 document of `GET /openapi.json`, built from the same declarations the routes
 * are built from (src/model: TYPES, VIEWS, DOCUMENTED_QUERY_TYPES; the error registry), so a new
 * type, field, child collection or error entry shows up here with no edit to this file. Only
 * the control plane's hand-written routes are listed by hand (openapi-admin.ts).
 *
 * Schemas describe the JSON wire form (what `Accept: application/json` gets); XML is the other
 * media type of every EM answer, described by the same schemas' `xml` hints (attributes,
 * element names), as EM's own XSD-shaped documents are.
 */

type Json = Record<string, unknown>;

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const resp = (name: string) => ({ $ref: `#/components/responses/${name}` });
const param = (name: string) => ({ $ref: `#/components/parameters/${name}` });

/** What every EM answer's body is: JSON or XML by `Accept` (the same schema, its `xml` hints for XML). */
const emContent = (schema: Json) => ({ 'application/json': { schema }, 'application/xml': { schema } });

/** A 12/13 profile writes an absent member as `null`; older ones leave it out: optional fields are nullable and not required. */
const nullable = (schema: Json): Json => ({
  ...schema,
  type: [schema.type as string, 'null'],
  ...(schema.enum ? { enum: [...(schema.enum as unknown[]), null] } : {}),
});

function kindSchema(f: FieldDecl): Json {
  switch (f.kind) {
    case 'string': return { type: 'string' };
    case 'int': return { type: 'integer', format: 'int32' };
    case 'long': return { type: 'integer', format: 'int64' };
    case 'bool': return { type: 'boolean' };
    case 'datetime': return { type: 'string', format: 'date-time', description: 'UTC, EM\'s DateTime (fraction digits by EM version)' };
    case 'enum': return { type: 'string', enum: [...f.members] };
    case 'uid': return { type: 'string', pattern: `^urn:veeam:${f.uidKind}:[0-9a-fA-F-]{36}$` };
  }
}

const filterNote = (f: FieldDecl) => (f.filter?.length ? `Filter/sort name(s): ${f.filter.join(', ')}.` : undefined);

/** One rendered field as a property: its kind's schema, nullable if optional, an XML attribute if EM makes it one. */
function fieldProperty(f: FieldDecl & { render: NonNullable<FieldDecl['render']> }): Json {
  const kind = kindSchema(f);
  const notes = [kind.description, filterNote(f)].filter(Boolean).join(' ');
  const schema = f.optional ? nullable(kind) : kind;
  return {
    ...schema,
    ...(notes ? { description: notes } : {}),
    ...(f.render.as === 'attribute' ? { xml: { attribute: true } } : {}),
  };
}

const attr = (schema: Json): Json => ({ ...schema, xml: { attribute: true } });

/** The entity form of a type (`format=Entity`/`Entities`): its rendered fields, then Links, Href, Type. */
function entitySchema(type: TypeDecl): Json {
  const rendered = type.fields.filter(isRendered);
  const filterOnly = type.fields.filter((f) => !isRendered(f) && f.filter?.length).flatMap((f) => f.filter!);
  const properties: Json = {};
  for (const f of rendered) properties[f.render.name] = fieldProperty(f);
  properties.Links = ref('Links');
  properties.Href = attr({ type: 'string', format: 'uri' });
  properties.Type = attr({ const: type.name });
  const links = [...new Set(type.links.entity.map((l) => `${l.rel}${l.type ? ` (${l.type})` : ''}`))].join(', ');
  return {
    type: 'object',
    title: type.name,
    description:
      `EM's ${type.name} entity (UIDs \`urn:veeam:${type.uidKind}:…\`), listed as \`${type.listElement}\`.` +
      (filterOnly.length ? ` Also filterable/sortable, not rendered: ${filterOnly.join(', ')}.` : '') +
      ` Links it may carry: ${links}.` +
      (type.adminOnly ? ' Only Portal Administrators may read it.' : ''),
    xml: { name: type.element ?? type.name },
    properties,
    required: [...rendered.filter((f) => !f.optional).map((f) => f.render.name), 'Links', 'Href', 'Type'],
    additionalProperties: false,
  };
}

function referenceSchema(type: TypeDecl): Json {
  return {
    type: 'object',
    title: referenceType(type),
    description: `A reference to a ${type.name} (the default format): \`<Ref>\` in lists, \`<EntityRef>\` as a document.`,
    xml: { name: 'Ref' },
    properties: {
      Links: ref('Links'),
      UID: attr({ type: 'string', pattern: `^urn:veeam:${type.uidKind}:` }),
      Name: attr({ type: ['string', 'null'] }),
      Href: attr({ type: 'string', format: 'uri' }),
      Type: attr({ const: referenceType(type) }),
    },
    required: ['Links', 'UID', 'Href', 'Type'],
    additionalProperties: false,
  };
}

/** `{Refs:[…]}` (XML `<EntityReferences>`) and `{<listElement>:[…]}`: a collection by format. */
const refListName = (type: TypeDecl) => `${type.name}ReferenceList`;
const entityListName = (type: TypeDecl) => `${type.name}EntityList`;
const queryResultName = (type: TypeDecl) => `${type.name}QueryResult`;

function listSchemas(type: TypeDecl): Record<string, Json> {
  const refs = { type: 'array', items: ref(referenceType(type)), xml: { wrapped: false } };
  const entities = { type: 'array', items: ref(type.name) };
  return {
    [refListName(type)]: {
      type: 'object', xml: { name: 'EntityReferences' },
      properties: { Refs: refs }, required: ['Refs'], additionalProperties: false,
    },
    [entityListName(type)]: {
      type: 'object', xml: { name: type.listElement },
      properties: { [type.listElement]: entities }, required: [type.listElement], additionalProperties: false,
    },
    [queryResultName(type)]: {
      type: 'object',
      description: `\`GET /api/query?type=${type.name}\`: \`Refs\` (format=References) or \`Entities.${type.listElement}\` (format=Entities), and PagingInfo. Members without a value are null (EM 12/13) or left out.`,
      xml: { name: 'QueryResult' },
      properties: {
        Refs: { anyOf: [{ type: 'object', properties: { Refs: refs } }, { type: 'null' }] },
        Entities: {
          anyOf: [{
            type: 'object',
            properties: { [type.listElement]: { anyOf: [{ type: 'object', properties: { [type.listElement]: entities } }, { type: 'null' }] } },
            additionalProperties: { type: 'null' },
          }, { type: 'null' }],
        },
        Resources: { type: 'null' },
        Links: { anyOf: [ref('Links'), { type: 'null' }] },
        PagingInfo: ref('PagingInfo'),
      },
      required: ['PagingInfo'],
    },
  };
}

/** Schemas of answers that are not a declared type's. */
const SHARED_SCHEMAS: Record<string, Json> = {
  Link: {
    type: 'object', xml: { name: 'Link' },
    properties: {
      Rel: attr({ type: 'string' }), Href: attr({ type: 'string' }),
      Name: attr({ type: ['string', 'null'] }), Type: attr({ type: ['string', 'null'] }),
    },
    required: ['Rel', 'Href'], additionalProperties: false,
  },
  Links: { type: 'array', items: ref('Link'), xml: { name: 'Links', wrapped: true } },
  PagingInfo: {
    type: 'object', xml: { name: 'PagingInfo' },
    properties: {
      Links: ref('Links'), PageNum: attr({ type: 'integer' }), PageSize: attr({ type: 'integer' }), PagesCount: attr({ type: 'integer' }),
    },
    required: ['PageNum', 'PageSize', 'PagesCount'],
  },
  Error: {
    type: 'object', description: 'EM\'s error body: the message and status (XML: attributes of `<Error>`).', xml: { name: 'Error' },
    properties: {
      FirstChanceExceptionMessage: { type: ['string', 'null'] },
      Message: attr({ type: 'string' }),
      StackTrace: { type: ['string', 'null'] },
      Status: { type: ['string', 'null'] },
      StatusCode: attr({ type: 'integer' }),
    },
    required: ['Message', 'StatusCode'],
  },
  AdminError: {
    type: 'object', description: 'The control plane\'s JSON error.',
    properties: { error: { type: 'string' }, status: { type: 'integer' } }, required: ['error', 'status'],
  },
  Task: {
    type: 'object', description: 'An EM task (a job action\'s progress and result).', xml: { name: 'Task' },
    properties: {
      TaskId: { type: 'string' }, State: { type: 'string', enum: ['Running', 'Finished'] }, Operation: { type: 'string' },
      Result: { anyOf: [{ type: 'object', properties: { Message: { type: 'string' }, Success: attr({ type: 'boolean' }) } }, { type: 'null' }] },
      Links: ref('Links'), Href: attr({ type: 'string' }), Type: attr({ const: 'Task' }),
    },
  },
  EmDocument: { type: 'object', description: 'An EM document (entry point, logon session, query service, task list, report frame).' },
};

/** Registry entries by status, for the error responses' descriptions (every entry is named once). */
function errorResponses(): Record<string, Json> {
  const byStatus = new Map<string, string[]>();
  for (const e of Object.values(errors)) {
    const key = typeof e.status === 'number' ? String(e.status) : 'default';
    byStatus.set(key, [...(byStatus.get(key) ?? []), e.code + (e.headers.length ? ` (sets ${e.headers.join(', ')})` : '')]);
  }
  const out: Record<string, Json> = {};
  for (const [status, codes] of byStatus) {
    const reason = status === 'default' ? 'Any other status: a client error Fastify found, or an injected fault' : http.STATUS_CODES[Number(status)];
    out[`Em${status}`] = { description: `${reason}. Registry codes: ${codes.join('; ')}.`, content: emContent(ref('Error')) };
    out[`Admin${status}`] = {
      description: `${reason} (control plane: JSON). Registry codes: ${codes.join('; ')}.`,
      content: { 'application/json': { schema: { oneOf: [ref('AdminError'), ref('Error')] } } },
    };
  }
  return out;
}

const FORMAT_NOTE = 'References (default) or Entities (`Entity` is accepted too), case-insensitive.';

const PARAMETERS: Record<string, Json> = {
  format: { name: 'format', in: 'query', required: false, description: FORMAT_NOTE, schema: { type: 'string', enum: ['References', 'Entities', 'Entity'] } },
  id: { name: 'id', in: 'path', required: true, description: 'The GUID of the resource (the UID without `urn:veeam:<Kind>:`)', schema: { type: 'string' } },
};

/** Names the query service's filter/sort accept, per declared type (markdown for the `filter` parameter). */
const filterTable = () =>
  TYPES.map((t) => `- **${t.name}**: ${t.fields.flatMap((f) => f.filter ?? []).join(', ')}`).join('\n');

function queryParameters(): Json[] {
  return [
    {
      name: 'type', in: 'query', required: true,
      description: `The query type (case-insensitive). Declared: ${TYPES.map((t) => t.name).join(', ')}. Documented by EM but not implemented (501): ${UNIMPLEMENTED_QUERY_TYPES.join(', ')}.`,
      schema: { type: 'string', enum: [...DOCUMENTED_QUERY_TYPES] },
    },
    { ...PARAMETERS.format, description: FORMAT_NOTE },
    {
      name: 'filter', in: 'query', required: false,
      description: `EM's filter expression, e.g. \`Result==Failed;CreationTime>"2021-06-01"\` (\`;\` and, \`,\` or; \`==\` \`!=\` \`<\` \`<=\` \`>\` \`>=\`). Field names by type:\n${filterTable()}`,
      schema: { type: 'string' },
    },
    { name: 'sortAsc', in: 'query', required: false, description: 'A filter name to sort by, ascending (not with sortDesc)', schema: { type: 'string' } },
    { name: 'sortDesc', in: 'query', required: false, description: 'A filter name to sort by, descending (not with sortAsc)', schema: { type: 'string' } },
    { name: 'pageSize', in: 'query', required: false, description: 'Rows per page (the server\'s default page size when absent)', schema: { type: 'integer', minimum: 1 } },
    { name: 'page', in: 'query', required: false, description: 'The page, from 1', schema: { type: 'integer', minimum: 1, default: 1 } },
  ];
}

const opId = (method: string, path: string) => method + path.replace(/\{(\w+)\}/g, 'By_$1').replace(/[^A-Za-z0-9]+/g, '_').replace(/_$/, '');

/** Errors of every authenticated EM operation. */
const EM_ERRORS = { 401: resp('Em401'), 500: resp('Em500'), 503: resp('Em503'), default: resp('Emdefault') };

function collectionOps(type: TypeDecl, paths: Json, collectionPath: string, tag: string): void {
  const forbid = type.adminOnly ? { 403: resp('Em403') } : {};
  const oneOfList = { oneOf: [ref(refListName(type)), ref(entityListName(type))] };
  paths[`/api/${collectionPath}`] = {
    get: {
      tags: [tag], operationId: opId('get', `/api/${collectionPath}`),
      summary: `${type.name} collection (references, or entities with format=Entities)` + (type.windowField ? '; only the recent window' : ''),
      parameters: [param('format')],
      responses: { 200: { description: `The ${type.listElement}`, content: emContent(oneOfList) }, 400: resp('Em400'), ...forbid, ...EM_ERRORS },
    },
  };
  const item: Json = {
    get: {
      tags: [tag], operationId: opId('get', `/api/${collectionPath}/{id}`),
      summary: `One ${type.name}: its EntityRef, or the entity with format=Entity`,
      parameters: [param('format')],
      responses: {
        200: { description: `The ${type.name}`, content: emContent({ oneOf: [ref(referenceType(type)), ref(type.name)] }) },
        400: resp('Em400'), 404: resp('Em404'), ...forbid, ...EM_ERRORS,
      },
    },
    parameters: [param('id')],
  };
  paths[`/api/${collectionPath}/{id}`] = item;
}

function itemActions(type: TypeDecl, paths: Json): void {
  // The job actions (job-action-routes.ts) are the only item methods besides GET.
  if (type.name !== Job.name) return;
  const path = `/api/${type.collection}/{id}`;
  (paths[path] as Json).post = {
    tags: [type.name], operationId: opId('post', path),
    summary: `Start, stop or retry a job, or toggle its schedule: answers the task (${OTHER_JOB_ACTION_NAMES.join(', ')} answer 501)`,
    parameters: [{ name: 'action', in: 'query', required: true, schema: { type: 'string', enum: [...JOB_ACTION_NAMES, ...OTHER_JOB_ACTION_NAMES] } }],
    responses: {
      202: { description: 'The task the action made', content: emContent(ref('Task')) },
      400: resp('Em400'), 403: resp('Em403'), 404: resp('Em404'), 501: resp('Em501'), ...EM_ERRORS,
    },
  };
}

function emPaths(): Json {
  const paths: Json = {};
  const emDoc = (description: string) => ({ description, content: emContent(ref('EmDocument')) });
  paths['/api'] = {
    get: {
      tags: ['Session'], operationId: 'get_api', security: [], summary: 'The entry point: supported versions and the logon link',
      responses: { 200: emDoc('EnterpriseManager') },
    },
  };
  paths['/api/sessionMngr'] = {
    post: {
      tags: ['Session'], operationId: 'post_api_sessionMngr', security: [{ basicLogon: [] }],
      summary: 'Log on: answers the LogonSession and its token in the X-RestSvcSessionId header',
      parameters: [{ name: 'v', in: 'query', required: false, description: 'The API version (`latest` or one the entry point lists)', schema: { type: 'string' } }],
      responses: {
        201: {
          ...emDoc('LogonSession'),
          headers: { 'X-RestSvcSessionId': { description: 'The session token to send on every other request', schema: { type: 'string' } } },
        },
        400: resp('Em400'), 401: resp('Em401'), 500: resp('Em500'), 503: resp('Em503'), default: resp('Emdefault'),
      },
    },
  };
  paths['/api/logonSessions'] = {
    get: { tags: ['Session'], operationId: 'get_api_logonSessions', summary: "The caller's logon session", responses: { 200: emDoc('LogonSessions'), ...EM_ERRORS } },
  };
  paths['/api/logonSessions/{id}'] = {
    parameters: [param('id')],
    get: { tags: ['Session'], operationId: 'get_api_logonSessions_By_id', summary: 'The logon session (only the caller\'s own)', responses: { 200: emDoc('LogonSession'), 404: resp('Em404'), ...EM_ERRORS } },
    delete: { tags: ['Session'], operationId: 'delete_api_logonSessions_By_id', summary: 'Log off', responses: { 204: { description: 'Logged off' }, 404: resp('Em404'), ...EM_ERRORS } },
  };
  paths['/api/querySvc'] = {
    get: { tags: ['Query'], operationId: 'get_api_querySvc', summary: 'The query service: one link per query type', responses: { 200: emDoc('QuerySvc'), ...EM_ERRORS } },
  };
  paths['/api/query'] = {
    get: {
      tags: ['Query'], operationId: 'get_api_query', summary: 'Query any type: filter, sort, page',
      parameters: queryParameters(),
      responses: {
        200: { description: 'The QueryResult of the type asked for', content: emContent({ oneOf: TYPES.map((t) => ref(queryResultName(t))) }) },
        400: resp('Em400'), 403: resp('Em403'), 501: resp('Em501'), ...EM_ERRORS,
      },
    },
  };

  for (const type of TYPES) {
    collectionOps(type, paths, type.collection, type.name);
    itemActions(type, paths);
    for (const child of type.children ?? []) {
      const childType = typeNamed(child.type);
      const path = `/api/${type.collection}/{id}/${child.path}`;
      const forbid = type.adminOnly || childType.adminOnly ? { 403: resp('Em403') } : {};
      paths[path] = {
        parameters: [param('id')],
        get: {
          tags: [type.name], operationId: opId('get', path),
          summary: `The ${type.name}'s ${childType.listElement}`,
          parameters: [param('format')],
          responses: {
            200: { description: `The ${childType.listElement}`, content: emContent({ oneOf: [ref(refListName(childType)), ref(entityListName(childType))] }) },
            400: resp('Em400'), 404: resp('Em404'), ...forbid, ...EM_ERRORS,
          },
        },
      };
    }
  }
  for (const view of VIEWS) {
    const type = typeNamed(view.type);
    const where = Object.entries(view.where).map(([k, v]) => `${k}=${v}`).join(', ');
    collectionOps(type, paths, view.path, type.name);
    for (const op of [paths[`/api/${view.path}`], paths[`/api/${view.path}/{id}`]] as Json[]) {
      (op.get as Json).summary = `${(op.get as Json).summary} — only rows with ${where}`;
    }
  }

  paths['/api/tasks'] = {
    get: { tags: ['Tasks'], operationId: 'get_api_tasks', summary: "The tasks of the caller's logon session", responses: { 200: emDoc('TaskList'), ...EM_ERRORS } },
  };
  paths['/api/tasks/{id}'] = {
    parameters: [{ name: 'id', in: 'path', required: true, description: 'The task id (e.g. task-1)', schema: { type: 'string' } }],
    get: { tags: ['Tasks'], operationId: 'get_api_tasks_By_id', summary: 'One task', responses: { 200: { description: 'The task', content: emContent(ref('Task')) }, 404: resp('Em404'), ...EM_ERRORS } },
    delete: { tags: ['Tasks'], operationId: 'delete_api_tasks_By_id', summary: 'Forget a task', responses: { 204: { description: 'Deleted' }, 404: resp('Em404'), ...EM_ERRORS } },
  };

  paths['/api/reports/summary'] = {
    get: { tags: ['Reports'], operationId: 'get_api_reports_summary', summary: 'The summary report: links to its frames', responses: { 200: emDoc('SummaryReport'), ...EM_ERRORS } },
  };
  for (const r of REPORTS) {
    const path = `/api/reports/summary/${r.path}`;
    // `period` is an emrest extension on the reports that cover a span of time (report-routes.ts).
    const period = r.path === 'job_statistics' || r.path === 'processed_vms'
      ? [{ name: 'period', in: 'query', required: false, description: 'The span covered, an ISO-8601 duration (emrest extension)', schema: { type: 'string' } }]
      : [];
    paths[path] = {
      get: {
        tags: ['Reports'], operationId: opId('get', path), summary: `The ${r.name} report frame`, parameters: period,
        responses: { 200: emDoc(`${r.name} report frame`), ...(period.length ? { 400: resp('Em400') } : {}), ...EM_ERRORS },
      },
    };
  }
  return paths;
}

function adminPaths(): Json {
  const paths: Json = {};
  for (const [path, ops] of Object.entries(ADMIN_PATHS)) {
    const item: Json = {};
    for (const [method, op] of Object.entries(ops)) {
      item[method] = {
        tags: ['Control plane'], operationId: opId(method, path), security: [{ adminBearer: [] }], ...op,
        responses: {
          ...(op.responses as Json),
          400: resp('Admin400'), 401: resp('Admin401'), 404: resp('Admin404'), 409: resp('Admin409'), 500: resp('Admin500'), 503: resp('Admin503'),
        },
      };
    }
    paths[path] = item;
  }
  paths['/openapi.json'] = {
    get: {
      tags: ['Meta'], operationId: 'get_openapi_json', security: [], summary: 'This document',
      responses: { 200: { description: 'OpenAPI 3.1', content: { 'application/json': { schema: { type: 'object' } } } } },
    },
  };
  return paths;
}

function build(): Json {
  const schemas: Record<string, Json> = { ...SHARED_SCHEMAS };
  for (const type of TYPES) {
    schemas[type.name] = entitySchema(type);
    schemas[referenceType(type)] = referenceSchema(type);
    Object.assign(schemas, listSchemas(type));
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'emrest: Veeam Backup Enterprise Manager REST API (imitation) and control plane',
      version: EMREST_VERSION,
      description:
        'The EM REST API under `/api` (log on with Basic at `POST /api/sessionMngr`, then send the `X-RestSvcSessionId` header) ' +
        'and emrest\'s control plane under `/admin/v1` (Bearer admin token). EM answers XML by default and JSON with ' +
        '`Accept: application/json`; the schemas describe the JSON form, their `xml` hints the XML one.',
    },
    tags: [
      { name: 'Session' }, { name: 'Query' }, ...TYPES.map((t) => ({ name: t.name, description: `/api/${t.collection}` })),
      { name: 'Tasks' }, { name: 'Reports' }, { name: 'Control plane' }, { name: 'Meta' },
    ],
    security: [{ emSession: [] }],
    paths: { ...emPaths(), ...adminPaths() },
    components: {
      schemas,
      parameters: PARAMETERS,
      responses: errorResponses(),
      securitySchemes: {
        emSession: { type: 'apiKey', in: 'header', name: 'X-RestSvcSessionId', description: 'The token `POST /api/sessionMngr` answers' },
        basicLogon: { type: 'http', scheme: 'basic', description: 'EM user name (DOMAIN\\user) and password, for the logon only' },
        adminBearer: { type: 'http', scheme: 'bearer', description: 'The admin token (`serve --admin-token` / EMREST_ADMIN_TOKEN)' },
      },
    },
  };
}

let cached: Json | undefined;

/** The document, built once per process (the declarations it reads never change while it runs). */
export function openApiDocument(): Json {
  return (cached ??= build());
}
