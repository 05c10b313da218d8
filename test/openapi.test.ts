/**
 * `GET /openapi.json` (issue 18 item 2) over real servers: the document is valid OpenAPI 3.1
 * by an independent validator, it covers every declared type, every path it lists is a route
 * the server has (and every method it documents is one the route takes), and the JSON the
 * server really answers fits the schemas it publishes, in every EM version's wire form.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import { generateDemo, type DemoOptions } from '../src/demo/demo.js';
import { errors } from '../src/http/errors.js';
import { referenceType, TYPES, VIEWS } from '../src/model/index.js';
import { EM_VERSIONS } from '../src/profile/profiles.js';
import { FIXTURE_NOW } from './support/fixture.js';
import { ADMIN_BASIC, logon, startServer, type Server } from './support/server.js';

const TOKEN = 'openapi-admin-token-0123456789';
/** Enough backup jobs for agent and file share jobs to be among them (as agents-nas-estate.test.ts). */
const DEMO: DemoOptions = { seed: 11, servers: 2, jobs: 2, backupJobs: 18, days: 2, now: Date.parse(FIXTURE_NOW) };

type Json = Record<string, any>;

/**
 * A small structural check of a value against a JSON Schema of the document (the keywords the
 * generator uses): enough to say whether the server's JSON has the published shape, and to
 * say where it does not.
 */
function check(doc: Json, schema: Json, value: unknown, at: string, problems: string[]): void {
  if (schema.$ref) {
    const target = (schema.$ref as string).replace(/^#\//, '').split('/').reduce((o: Json, k) => o[k], doc);
    check(doc, target, value, at, problems);
  }
  const typeOf = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : Number.isInteger(v) ? 'integer' : typeof v);
  if (schema.type !== undefined) {
    const types: string[] = Array.isArray(schema.type) ? schema.type : [schema.type];
    const t = typeOf(value);
    if (!types.includes(t) && !(t === 'integer' && types.includes('number'))) problems.push(`${at}: ${t}, expected ${types.join('|')}`);
  }
  if (schema.const !== undefined && value !== schema.const) problems.push(`${at}: ${JSON.stringify(value)}, expected ${JSON.stringify(schema.const)}`);
  if (schema.enum && !schema.enum.includes(value)) problems.push(`${at}: ${JSON.stringify(value)} not in ${schema.enum.join(', ')}`);
  if (schema.pattern && typeof value === 'string' && !new RegExp(schema.pattern).test(value)) problems.push(`${at}: ${value} does not match ${schema.pattern}`);
  for (const [kw, need] of [['oneOf', 1], ['anyOf', 0]] as const) {
    if (!schema[kw]) continue;
    const fits = (schema[kw] as Json[]).filter((s) => {
      const p: string[] = [];
      check(doc, s, value, at, p);
      return p.length === 0;
    }).length;
    if (need === 1 ? fits !== 1 : fits === 0) problems.push(`${at}: fits ${fits} of the ${kw} schemas`);
  }
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const o = value as Json;
    for (const r of schema.required ?? []) if (!(r in o)) problems.push(`${at}: no ${r}`);
    for (const [k, v] of Object.entries(o)) {
      const sub = schema.properties?.[k];
      if (sub) check(doc, sub, v, `${at}.${k}`, problems);
      else if (schema.additionalProperties === false) problems.push(`${at}: unexpected ${k}`);
      else if (typeof schema.additionalProperties === 'object') check(doc, schema.additionalProperties, v, `${at}.${k}`, problems);
    }
  }
  if (Array.isArray(value) && schema.items) value.forEach((v, i) => check(doc, schema.items, v, `${at}[${i}]`, problems));
}

const problemsOf = (doc: Json, schema: Json, value: unknown, at: string) => {
  const p: string[] = [];
  check(doc, schema, value, at, p);
  return p;
};

describe('GET /openapi.json', () => {
  let server: Server;
  let token: string;
  let doc: Json;

  before(async () => {
    server = await startServer({ adminToken: TOKEN, load: (store) => generateDemo(store, DEMO), simulate: true });
    token = (await logon(server)).token;
    const res = await fetch(`${server.url}/openapi.json`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    doc = (await res.json()) as Json;
  });
  after(() => server?.close());

  test('is valid OpenAPI 3.1 by @seriousme/openapi-schema-validator', async () => {
    const validator = new Validator();
    const result = await validator.validate(doc);
    assert.equal(validator.version, '3.1');
    assert.deepEqual(result.errors, undefined, JSON.stringify(result.errors, null, 2)?.slice(0, 4000));
    assert.equal(result.valid, true);
  });

  test('is anonymous, and the same document on every request', async () => {
    const again = await fetch(`${server.url}/openapi.json`, { headers: { 'X-RestSvcSessionId': 'nonsense' } });
    assert.equal(again.status, 200);
    assert.deepEqual(await again.json(), doc);
  });

  test('declares the security schemes: session header, Basic for logon, Bearer for /admin', () => {
    const s = doc.components.securitySchemes;
    assert.deepEqual(s.emSession, { ...s.emSession, type: 'apiKey', in: 'header', name: 'X-RestSvcSessionId' });
    assert.equal(s.basicLogon.scheme, 'basic');
    assert.equal(s.adminBearer.scheme, 'bearer');
    assert.deepEqual(doc.paths['/api/sessionMngr'].post.security, [{ basicLogon: [] }]);
    assert.deepEqual(doc.paths['/api'].get.security, []);
    for (const [path, item] of Object.entries(doc.paths as Json)) {
      if (path.startsWith('/admin/')) for (const op of Object.values(item as Json)) if (op.security) assert.deepEqual(op.security, [{ adminBearer: [] }], path);
    }
  });

  test('every declared type has its schemas, paths and filter names', () => {
    const schemas = doc.components.schemas;
    const filterText: string = doc.paths['/api/query'].get.parameters.find((p: Json) => p.name === 'filter').description;
    for (const t of TYPES) {
      for (const name of [t.name, referenceType(t), `${t.name}ReferenceList`, `${t.name}EntityList`, `${t.name}QueryResult`]) {
        assert.ok(schemas[name], `schema ${name}`);
      }
      assert.ok(doc.paths[`/api/${t.collection}`]?.get, `/api/${t.collection}`);
      assert.ok(doc.paths[`/api/${t.collection}/{id}`]?.get, `/api/${t.collection}/{id}`);
      for (const c of t.children ?? []) assert.ok(doc.paths[`/api/${t.collection}/{id}/${c.path}`]?.get, `${t.name} child ${c.path}`);
      for (const f of t.fields) for (const n of f.filter ?? []) assert.ok(filterText.includes(n), `${t.name} filter ${n}`);
      const rendered = t.fields.filter((f) => f.render).map((f) => f.render!.name);
      assert.deepEqual(Object.keys(schemas[t.name].properties).slice(0, rendered.length), rendered, `${t.name} properties`);
    }
    for (const v of VIEWS) assert.ok(doc.paths[`/api/${v.path}`]?.get && doc.paths[`/api/${v.path}/{id}`]?.get, v.path);
    const queryParams = doc.paths['/api/query'].get.parameters.map((p: Json) => p.name);
    assert.deepEqual(queryParams, ['type', 'format', 'filter', 'sortAsc', 'sortDesc', 'pageSize', 'page']);
  });

  test('path templates and their parameters agree; operation ids are unique', () => {
    // What the validator's schema cannot see: a `{name}` with no path parameter, or one declared for nothing.
    const ids = new Set<string>();
    const resolve = (p: Json) => (p.$ref ? doc.components.parameters[(p.$ref as string).split('/').pop()!] : p);
    for (const [path, item] of Object.entries(doc.paths as Json)) {
      const template = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
      for (const method of ['get', 'post', 'delete']) {
        const op = (item as Json)[method];
        if (!op) continue;
        assert.ok(!ids.has(op.operationId), `duplicate operationId ${op.operationId}`);
        ids.add(op.operationId);
        const declared = [...(item as Json).parameters ?? [], ...op.parameters ?? []].map(resolve).filter((p: Json) => p.in === 'path').map((p: Json) => p.name).sort();
        assert.deepEqual(declared, template, `${method} ${path}`);
      }
    }
  });

  test('the structural check used below finds what is wrong', () => {
    const entity = { Name: 'n', UID: 'urn:veeam:BackupServer:0', Links: [], Href: 'h', Type: 'BackupServer', Port: '9392', Extra: 1 };
    const problems = problemsOf(doc, doc.components.schemas.BackupServer, entity, 'e');
    assert.ok(problems.some((p) => p.includes('UID')) && problems.some((p) => p.includes('Port')) && problems.some((p) => p.includes('unexpected Extra')), problems.join('\n'));
  });

  test('every error of the registry is described, with the Error schema', () => {
    const text = JSON.stringify(doc.components.responses);
    for (const e of Object.values(errors)) assert.ok(text.includes(e.code), e.code);
    assert.deepEqual(doc.components.responses.Em404.content['application/json'].schema, { $ref: '#/components/schemas/Error' });
  });

  test('every documented path and method is a route of the server (never the unknown-path 404 or a 405)', async (ctx) => {
    // Data-changing methods go last (DELETE /admin/v1/data empties the store); the probes carry
    // no body and no real ids, so the others change nothing: they fail their own checks.
    const probes: { method: string; path: string; url: string; basic: boolean }[] = [];
    for (const [path, item] of Object.entries(doc.paths as Json)) {
      for (const method of ['get', 'post', 'delete', 'put', 'patch']) {
        const op = (item as Json)[method];
        if (!op) continue;
        const query = (op.parameters ?? [])
          .filter((p: Json) => p.in === 'query' && p.required)
          .map((p: Json) => `${p.name}=${p.schema.enum?.[0] ?? 'x'}`);
        const url = path.replace('{id}', 'not-a-guid') + (query.length ? `?${query.join('&')}` : '');
        probes.push({ method: method.toUpperCase(), path, url, basic: JSON.stringify(op.security ?? []).includes('basicLogon') });
      }
    }
    probes.sort((a, b) => Number(a.url === '/admin/v1/data') - Number(b.url === '/admin/v1/data'));
    assert.ok(probes.length > 60, `${probes.length} operations`);
    const wrong: string[] = [];
    const statuses = new Map<number, number>();
    for (const p of probes) {
      const headers: Record<string, string> = { Accept: 'application/json' };
      if (p.path.startsWith('/admin/')) headers.Authorization = `Bearer ${TOKEN}`;
      else if (p.basic) headers.Authorization = ADMIN_BASIC;
      else headers['X-RestSvcSessionId'] = token;
      const res = await fetch(server.url + p.url, { method: p.method, headers });
      const body = await res.text();
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      // An EM logon is no proof of a route: a 401 would hide an unrouted path.
      if (res.status === 401) wrong.push(`${p.method} ${p.url}: 401`);
      const unrouted = (res.status === 404 && body.includes('no resource at')) || res.status === 405
        || (res.status === 501 && /Not implemented in emrest: \/api\//.test(body));
      if (unrouted) wrong.push(`${p.method} ${p.url}: ${res.status} ${body.slice(0, 120)}`);
    }
    ctx.diagnostic(`${probes.length} operations answered: ${[...statuses].sort().map(([s, n]) => `${s}×${n}`).join(' ')}`);
    assert.deepEqual(wrong, []);
  });
});

describe('the JSON the server answers fits the published schemas', () => {
  for (const emVersion of EM_VERSIONS) {
    test(`EM ${emVersion}: entities, references, collections and query results of every type`, async (ctx) => {
      const server = await startServer({ load: (store) => generateDemo(store, DEMO), flags: { 'em-version': emVersion } });
      try {
        const { token } = await logon(server);
        const doc = (await (await fetch(`${server.url}/openapi.json`)).json()) as Json;
        const getJson = async (path: string) => {
          const res = await fetch(server.url + path, { headers: { 'X-RestSvcSessionId': token, Accept: 'application/json' } });
          assert.equal(res.status, 200, path);
          // A profile may put a BOM before the JSON.
          return JSON.parse((await res.text()).replace(/^\uFEFF/, '')) as Json;
        };
        const responseSchema = (path: string, method = 'get', status = '200') => doc.paths[path][method].responses[status].content['application/json'].schema;
        const problems: string[] = [];
        let entitiesSeen = 0;
        for (const t of TYPES) {
          const entities = await getJson(`/api/query?type=${t.name}&format=Entities&pageSize=3`);
          problems.push(...problemsOf(doc, responseSchema('/api/query'), entities, `${t.name} query entities`));
          const refs = await getJson(`/api/query?type=${t.name}&pageSize=3`);
          problems.push(...problemsOf(doc, responseSchema('/api/query'), refs, `${t.name} query refs`));
          const list = await getJson(`/api/${t.collection}?format=Entities`);
          problems.push(...problemsOf(doc, responseSchema(`/api/${t.collection}`), list, `${t.name} collection`));
          const rows = entities.Entities[t.listElement][t.listElement] as Json[];
          entitiesSeen += rows.length > 0 ? 1 : 0;
          for (const row of rows) problems.push(...problemsOf(doc, doc.components.schemas[t.name], row, `${t.name} entity`));
          if (rows.length > 0) {
            const id = (rows[0].UID as string).split(':').pop();
            const item = `/api/${t.collection}/{id}`;
            problems.push(...problemsOf(doc, responseSchema(item), await getJson(`/api/${t.collection}/${id}`), `${t.name} EntityRef`));
            problems.push(...problemsOf(doc, responseSchema(item), await getJson(`/api/${t.collection}/${id}?format=Entity`), `${t.name} Entity`));
            // The XML alternative: the root element is the one the schema's `xml.name` says.
            const xml = await (await fetch(`${server.url}/api/${t.collection}/${id}?format=Entity`, { headers: { 'X-RestSvcSessionId': token } })).text();
            const root = /<([A-Za-z]+)[\s>]/.exec(xml.replace(/^\uFEFF?<\?xml[^>]*\?>\s*/, ''))?.[1];
            if (root !== doc.components.schemas[t.name].xml.name) problems.push(`${t.name} XML root ${root}`);
          }
        }
        assert.deepEqual(problems.slice(0, 20), []);
        // The demo has rows of most types; the check means little if it had none.
        ctx.diagnostic(`${entitiesSeen} of ${TYPES.length} types had rows`);
        assert.equal(entitiesSeen, TYPES.length, 'the demo has rows of every type');

        // An error answer fits the Error schema.
        const res = await fetch(`${server.url}/api/jobs/not-a-guid`, { headers: { 'X-RestSvcSessionId': token, Accept: 'application/json' } });
        const error = JSON.parse((await res.text()).replace(/^\uFEFF/, ''));
        assert.deepEqual(problemsOf(doc, doc.components.schemas.Error, error, 'Error'), []);
      } finally {
        await server.close();
      }
    });
  }
});
