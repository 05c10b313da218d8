/**
 * The control plane's operations (/admin/v1, contract: docs control-plane.md) as OpenAPI path
 * items. Its routes are hand-written Fastify routes, not derived from the type registry, so
 * they are listed here once; test/openapi.test.ts asks the running server for every path, so a
 * route that moves or goes away fails the test instead of leaving the document wrong.
 */

type Json = Record<string, unknown>;

const json = (schema: Json) => ({ 'application/json': { schema } });
const ok = (description: string, schema: Json) => ({ description, content: json(schema) });
const noContent = { description: 'Done (no body)' };
const obj = (properties: Json, extra: Json = {}): Json => ({ type: 'object', properties, ...extra });
const jsonBody = (schema: Json, description: string) => ({ required: true, description, content: json(schema) });
const idParam = (what: string) => ({ name: 'id', in: 'path', required: true, description: `The ${what}'s GUID`, schema: { type: 'string' } });

const clock = obj(
  { now: { type: 'string', format: 'date-time' }, speed: { type: 'number' }, frozen: { type: 'boolean' } },
  { required: ['now', 'speed', 'frozen'] },
);
const simulation = obj({ enabled: { type: 'boolean' }, jobs: { type: 'integer' }, running: { type: 'integer' } });
const faultRule = obj({ id: { type: 'string' }, hits: { type: 'integer' } }, { additionalProperties: true });
const ruleBody = obj({
  match: obj({ method: { type: 'string' }, path: { type: 'string' }, query: { type: 'object' }, user: { type: 'string' }, format: { type: 'string' } }),
  fault: { type: 'object' }, probability: { type: 'number' }, count: { type: 'integer' }, skip: { type: 'integer' },
  delay: {}, jitter: {}, seed: { type: 'integer' },
}, { additionalProperties: false });
const journalEntry = obj({}, { additionalProperties: true });
const journalQuery = ['path', 'method', 'status', 'user', 'since', 'fault'].map((name) => ({
  name, in: 'query', required: false, schema: { type: 'string' },
  description: {
    path: 'A case-insensitive path prefix, or a regular expression `/…/`',
    method: 'An HTTP method',
    status: 'A status (`503`) or a class (`5xx`)',
    user: 'The EM user name (case-insensitive)',
    since: 'An ISO-8601 instant: entries at or after it, by the clock',
    fault: 'A fault rule id',
  }[name],
}));

/** Operation → its path item (without the shared security and error responses, added by the caller). */
export const ADMIN_PATHS: Readonly<Record<string, Readonly<Record<string, Json>>>> = {
  '/admin/v1/health': {
    get: { summary: 'Status, versions and the number of stored job sessions', responses: { 200: ok('Health', obj({ status: { type: 'string' }, version: { type: 'string' }, emVersion: { type: 'string' }, sessions: { type: 'integer' } })) } },
  },
  '/admin/v1/import': {
    post: {
      summary: 'Import EM documents (anything `emrest import` reads)',
      requestBody: { required: true, content: { '*/*': { schema: { type: 'string', format: 'binary' } } } },
      responses: { 200: ok('Rows written', obj({ inserted: { type: 'integer' }, updated: { type: 'integer' } })) },
    },
  },
  '/admin/v1/data': {
    delete: { summary: 'Delete every resource row (users and logon sessions stay)', responses: { 204: noContent } },
  },
  '/admin/v1/clock': {
    get: { summary: 'The clock', responses: { 200: ok('The clock', clock) } },
    post: {
      summary: 'Move, freeze or speed up the clock',
      requestBody: jsonBody(obj({
        now: { type: 'string', format: 'date-time' }, force: { type: 'boolean' },
        advance: { oneOf: [{ type: 'string', description: 'ISO-8601 duration, e.g. PT36H' }, { type: 'number', description: 'seconds' }] },
        speed: { type: 'number', exclusiveMinimum: 0, maximum: 86400 }, frozen: { type: 'boolean' },
      }, { additionalProperties: false }), 'What to change; keys combine, except `now` with `advance`'),
      responses: { 200: ok('The clock, with `ran` after a move', obj({ ...(clock.properties as Json), ran: obj({ sessionsStarted: { type: 'integer' }, sessionsFinished: { type: 'integer' } }) })) },
    },
  },
  '/admin/v1/simulation': {
    get: { summary: 'The simulated estate', responses: { 200: ok('Simulation state', simulation) } },
    post: { summary: 'Pause or resume the estate', requestBody: jsonBody(obj({ enabled: { type: 'boolean' } }, { required: ['enabled'] }), 'The new state'), responses: { 200: ok('Simulation state', simulation) } },
  },
  '/admin/v1/jobs/{id}/script': {
    post: {
      summary: "Script the job's next runs", parameters: [idParam('job')],
      requestBody: jsonBody(obj({
        outcomes: { type: 'array', items: { type: 'string', enum: ['Success', 'Warning', 'Failed'] } },
        failureMessage: { type: 'string' }, duration: { type: 'string' }, hang: { type: 'boolean' },
      }), 'The runs'),
      responses: { 200: ok('The script', obj({ jobId: { type: 'string' }, runs: { type: 'array', items: { type: 'object' } } })) },
    },
    delete: { summary: 'Back to the model', parameters: [idParam('job')], responses: { 204: noContent } },
  },
  '/admin/v1/backupServers/{id}/state': {
    post: {
      summary: 'Make a backup server reachable or not', parameters: [idParam('backup server')],
      requestBody: jsonBody(obj({ reachable: { type: 'boolean' } }, { required: ['reachable'] }), 'The new state'),
      responses: { 200: ok('The state', obj({ id: { type: 'string' }, reachable: { type: 'boolean' } })) },
    },
  },
  '/admin/v1/faults': {
    get: { summary: 'The fault rules, with their hits', responses: { 200: ok('Rules', obj({ faults: { type: 'array', items: faultRule } })) } },
    post: {
      summary: 'Add a fault rule',
      requestBody: jsonBody({ oneOf: [ruleBody, { type: 'array', items: ruleBody }] }, 'A rule (contract §4), or a list of rules'),
      responses: { 201: ok('The rule (a list answers `{"faults":[…]}`)', { oneOf: [faultRule, obj({ faults: { type: 'array', items: faultRule } })] }) },
    },
    delete: { summary: 'Remove every rule', responses: { 204: noContent } },
  },
  '/admin/v1/faults/{id}': {
    get: { summary: 'One rule', parameters: [{ ...idParam('rule'), description: 'The rule id' }], responses: { 200: ok('The rule', faultRule) } },
    delete: { summary: 'Remove one rule', parameters: [{ ...idParam('rule'), description: 'The rule id' }], responses: { 204: noContent } },
  },
  '/admin/v1/requests': {
    get: {
      summary: 'The request journal, most recent first',
      parameters: [...journalQuery, { name: 'limit', in: 'query', required: false, schema: { type: 'integer', minimum: 1 } }],
      responses: { 200: ok('Entries', obj({ requests: { type: 'array', items: journalEntry }, total: { type: 'integer' }, capacity: { type: 'integer' } })) },
    },
    delete: { summary: 'Empty the journal', responses: { 204: noContent } },
  },
  '/admin/v1/requests/count': {
    get: { summary: 'How many entries match', parameters: journalQuery, responses: { 200: ok('Count', obj({ count: { type: 'integer' } })) } },
  },
};
