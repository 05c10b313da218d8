/**
 * Bad input never crashes the server and never yields a 5xx: thousands of random requests
 * (fast-check, seeded) against one fixture server — garbled /api/query strings, mutated paths,
 * every method, odd headers, logon garbage — over fetch and over raw sockets (request lines
 * fetch would refuse to send). Every response must be < 500 (501 only for a real EM query type
 * emrest does not implement), framed correctly, and carry a well-formed XML or JSON body
 * matching its Content-Type; errors are EM `Error` bodies whose StatusCode equals the status.
 *
 * Reproduce a failure with the printed seed: `FUZZ_SEED=<n> node --test dist/test/fuzz.test.js`;
 * `FUZZ_SEED=random` picks a fresh one, `FUZZ_SCALE=<k>` multiplies the number of runs.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { BS1, BS2, J1, J2, J3, S1, S2, S3, S4, T1 } from './support/fixture.js';
import { parseQueryString, rawQuery } from '../src/http/query-string.js';
import { TYPES, UNIMPLEMENTED_QUERY_TYPES } from '../src/model/index.js';
import { ADMIN_BASIC, VIEWER_BASIC, logon, startFixtureServer, type Server } from './support/server.js';
import { NS, parseXml } from './support/xml.js';
import { closesConnection, pipeline, rawRequest, type RawFinalResponse } from './support/raw-http.js';

const SEED = process.env.FUZZ_SEED === 'random' ? Math.floor(Math.random() * 2 ** 31) : Number(process.env.FUZZ_SEED ?? 20210618);
const SCALE = Number(process.env.FUZZ_SCALE ?? 1);
const runs = (n: number) => Math.max(1, Math.round(n * SCALE));

let server: Server;
let port: number;
let token: string;
let sessionId: string;
let requestCount = 0;
const statusCounts = new Map<number, number>();

before(async () => {
  server = await startFixtureServer();
  port = Number(new URL(server.url).port);
  ({ token, sessionId } = await logon(server));
  console.log(`# fuzz seed ${SEED} (FUZZ_SEED=${SEED} reproduces)`);
});
after(() => server.close());

// ---------------------------------------------------------------------------------------------
// Vocabulary

const FIXTURE_IDS = [BS1, BS2, J1, J2, J3, S1, S2, S3, S4, T1];
const FILTER_NAMES = [...new Set(TYPES.flatMap((t) => t.fields.flatMap((f) => f.filter ?? [])))];
const NOT_FILTER_NAMES = ['Colour', 'Progress', 'FailureMessage', 'Links', 'Href', 'Type', 'JobNam', 'Result_', '_', '1Result', 'Ré'];
const ENUM_MEMBERS = [...new Set(TYPES.flatMap((t) => t.fields.flatMap((f) => (f.kind === 'enum' ? f.members : []))))];
const TYPE_NAMES = [...TYPES.map((t) => t.name), ...UNIMPLEMENTED_QUERY_TYPES, 'Foo', 'ReplicaJobSessions', 'Replica JobSession', 'Entity'];
const UNIMPLEMENTED = new Set(UNIMPLEMENTED_QUERY_TYPES.map((n) => n.toLowerCase()));
const PARAM_NAMES = ['type', 'format', 'page', 'pageSize', 'sortAsc', 'sortDesc', 'filter'];
const OPS = ['==', '!=', '>=', '<=', '>', '<', '=', '===', '=<', '!', '<>', '=!=', '>>', '=>', '~='];
const NOISE = [
  '(', ')', ';', ',', '"', '""', '"""', ' ', '\t', '=', '!', '<', '>', '%zz', '%', '%2', '%3B', '%22', '%2B', '%00', '%C3%28',
  '%E2%82%AC', '%FF', '%F0%9F', '+', '&', '&amp;', '#', '?', '/', '\\', "'", '*', '%26', '%25', '%%', 'é', '\u{1F600}', '\uFFFF',
  '\u0000', '\u0001', '\u007f', '\u00a0', '\u2028', '\uFEFF', 'null', 'undefined', '[]', '{}',
];

const mixed = (words: readonly string[]) => fc.mixedCase(fc.constantFrom(...words));
const junk = (max = 12) => fc.string({ unit: 'grapheme', maxLength: max });
const junkAscii = (max = 12) => fc.string({ unit: 'grapheme-ascii', maxLength: max });
const guid = fc.oneof(
  fc.constantFrom(...FIXTURE_IDS),
  fc.constantFrom(...FIXTURE_IDS).map((g) => g.toUpperCase()),
  fc.uuid(),
  fc.constantFrom('00000000-0000-0000-0000-000000000000', `{${S1}}`, S1.replace(/-/g, ''), S1.slice(0, 35), `${S1}0`, `urn:veeam:ReplicaJobSession:${S1}`),
);

const dateValue = fc.oneof(
  fc.constantFrom(
    '2021-06-16', '2021-06-16T22:00:00Z', '2021-06-16 22:00', '"2021-06-16T22:00:00.1234567891+05:30"', '2021-06-15T22:11:06.11Z',
    '2021-13-45', '2021-02-30', '0000-00-00', '9999-12-31T23:59:59.9999999-14:00', '2021-06-16T25:61', '-2021-01-01', '+2021',
    '2021-06-16T22:00:00+24:00', '2021-06-16T22:00:00.Z', '20210616', '1970-01-01T00:00:00Z', '0001-01-01', '2021-06-16T22:00:00%2B02:00',
  ),
  fc
    .tuple(fc.integer({ min: -1, max: 99999 }), fc.integer({ min: -1, max: 14 }), fc.integer({ min: -1, max: 40 }), fc.integer({ min: -1, max: 99 }), fc.integer({ min: 0, max: 99 }), fc.string({ unit: fc.constantFrom(...'0123456789'), maxLength: 12 }), fc.constantFrom('', 'Z', '+01:00', '-14:00', '+99:99'))
    .map(([y, mo, d, h, mi, frac, zone]) => `${y}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}T${String(h).padStart(2, '0')}:${String(mi).padStart(2, '0')}${frac ? ':00.' + frac : ''}${zone}`),
);

const filterValue = fc.oneof(
  { weight: 3, arbitrary: fc.oneof(mixed(ENUM_MEMBERS), mixed(ENUM_MEMBERS).map((m) => `"${m}"`)) },
  { weight: 3, arbitrary: dateValue },
  { weight: 2, arbitrary: guid },
  {
    weight: 2,
    arbitrary: fc.oneof(
      fc.integer().map(String),
      fc.constantFrom('99999999999999999999999', '-0', '1e5', '0x10', 'NaN', 'Infinity', '9223372036854775808', '-9223372036854775809', '1.5', '٣'),
      mixed(['true', 'false', 'yes', '1', '0']),
    ),
  },
  {
    weight: 3,
    arbitrary: fc.oneof(
      fc.constantFrom('enterprise06.tech.local', '"Replication Job 1"', 'Replication Job 1', '""', '"', '"unterminated', '""Backup""', '"a""b"', "'x'"),
      junk(20),
      junk(20).map((s) => `"${s.replace(/"/g, '""')}"`),
      fc.string({ unit: 'binary', maxLength: 8 }),
    ),
  },
  { weight: 1, arbitrary: fc.integer({ min: 200, max: 3000 }).map((n) => 'x'.repeat(n)) },
  { weight: 1, arbitrary: fc.constant('') },
);

const FILTER_FIELDS = TYPES.flatMap((t) => t.fields.flatMap((f) => (f.filter ?? []).map((name) => ({ name, kind: f.kind, members: (f.kind === 'enum' ? f.members : []) }))));

const quoteMaybe = (a: fc.Arbitrary<string>) => fc.tuple(a, fc.boolean()).map(([v, q]) => (q ? `"${v.replace(/"/g, '""')}"` : v));
const validDate = fc
  .tuple(fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2030-12-31T23:59:59Z'), noInvalidDate: true }), fc.constantFrom('iso', 'date', 'space', 'noZone', 'offset'))
  .map(([d, style]) => {
    const iso = d.toISOString();
    if (style === 'date') return iso.slice(0, 10);
    if (style === 'space') return iso.slice(0, 19).replace('T', ' ');
    if (style === 'noZone') return iso.slice(0, 19);
    if (style === 'offset') return iso.slice(0, 19) + '%2B02:00';
    return iso;
  });

/** A value of the field's own kind (mostly valid), so queries get past validation into SQL. */
function typedValue(kind: string, members: readonly string[]): fc.Arbitrary<string> {
  switch (kind) {
    case 'enum': return quoteMaybe(fc.mixedCase(fc.constantFrom(...members)));
    case 'datetime': return fc.oneof({ weight: 3, arbitrary: quoteMaybe(validDate) }, { weight: 1, arbitrary: dateValue });
    case 'uid': return quoteMaybe(guid);
    case 'bool': return quoteMaybe(mixed(['true', 'false']));
    case 'int':
    case 'long': return fc.oneof(fc.integer({ min: -5, max: 200 }).map(String), fc.constantFrom('2147483648', '-9223372036854775808', '9223372036854775807', '17179869184'));
    default: return fc.oneof(quoteMaybe(fc.constantFrom('enterprise06.tech.local', 'Replication Job 1', 'ubuntu88', 'Backup Job 1', '')), quoteMaybe(junk(12)), fc.string({ unit: 'binary', maxLength: 6 }));
  }
}

type FilterField = (typeof FILTER_FIELDS)[number];

/** Filter arbitraries over a pool of fields: grammar-shaped, then sprinkled with noise tokens. */
function filterArbitrary(fields: readonly FilterField[]): fc.Arbitrary<string> {
  const typedComparison = fc
    .constantFrom(...fields)
    .chain((f) => fc.tuple(fc.mixedCase(fc.constant(f.name)), fc.constantFrom('==', '!=', '>=', '<=', '>', '<', ' == '), typedValue(f.kind, f.members)))
    .map(([f, o, v]) => f + o + v);
  const comparison = fc
    .tuple(
      fc.oneof({ weight: 5, arbitrary: mixed(FILTER_NAMES) }, { weight: 1, arbitrary: mixed(NOT_FILTER_NAMES) }, { weight: 1, arbitrary: junk(6) }),
      fc.oneof({ weight: 6, arbitrary: fc.constantFrom('==', '!=', '>=', '<=', '>', '<') }, { weight: 1, arbitrary: fc.constantFrom(...OPS) }),
      filterValue,
    )
    .map(([f, o, v]) => f + o + v);
  const { expr } = fc.letrec<{ expr: string }>((tie) => ({
    expr: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      { weight: 6, arbitrary: typedComparison },
      { weight: 1, arbitrary: comparison },
      { weight: 3, arbitrary: fc.tuple(tie('expr'), fc.constantFrom(';', ',', ' ; ', ';;', ''), tie('expr')).map(([a, sep, b]) => a + sep + b) },
      { weight: 1, arbitrary: tie('expr').map((e) => `(${e})`) },
    ),
  }));
  return fc.oneof(
    { weight: 5, arbitrary: expr },
    { weight: 2, arbitrary: fc.tuple(expr, fc.array(fc.tuple(fc.nat(), fc.constantFrom(...NOISE)), { minLength: 1, maxLength: 4 })).map(([e, noise]) => noise.reduce((acc, [at, tok]) => acc.slice(0, at % (acc.length + 1)) + tok + acc.slice(at % (acc.length + 1)), e)) },
    { weight: 1, arbitrary: fc.array(fc.oneof(fc.constantFrom(...NOISE, ...OPS), mixed(FILTER_NAMES)), { maxLength: 12 }).map((a) => a.join('')) },
    { weight: 1, arbitrary: junk(30) },
  );
}

const filterText = filterArbitrary(FILTER_FIELDS);
const filterByType = new Map(
  TYPES.map((t) => [t.name, filterArbitrary(FILTER_FIELDS.filter((f) => t.fields.some((tf) => tf.filter?.includes(f.name))))]),
);

const pageValue = fc.oneof(
  fc.integer({ min: -3, max: 120 }).map(String),
  fc.constantFrom('0', '1', '2', '100', '999999999999999', '9999999999999999', '1e3', '1.5', ' 2', '2 ', '+3', '-1', '0x10', '', '٣', '00001', '9'.repeat(30), 'NaN'),
  junkAscii(6),
);

const paramValue = (name: string) => {
  switch (name.toLowerCase()) {
    case 'type':
      return fc.oneof({ weight: 5, arbitrary: mixed(TYPE_NAMES) }, { weight: 1, arbitrary: junk(10) }, { weight: 1, arbitrary: fc.constant('') });
    case 'format':
      return fc.oneof(mixed(['References', 'Entities', 'Entity', 'entities ', 'Ref', '']), junk(8));
    case 'page':
    case 'pagesize':
      return pageValue;
    case 'sortasc':
    case 'sortdesc':
      return fc.oneof({ weight: 4, arbitrary: mixed(FILTER_NAMES) }, { weight: 1, arbitrary: mixed(NOT_FILTER_NAMES) }, { weight: 1, arbitrary: junk(8) });
    case 'filter':
      return filterText;
    default:
      return junk(10);
  }
};

type Encoding = 'raw' | 'component' | 'form' | 'partial';
const encodingArb = fc.constantFrom<Encoding>('raw', 'raw', 'component', 'form', 'partial');

function encode(text: string, how: Encoding, salt: number): string {
  const safeEncode = (s: string) => {
    try {
      return encodeURIComponent(s);
    } catch {
      return s; // lone surrogates: send as they are
    }
  };
  switch (how) {
    case 'raw':
      return text;
    case 'component':
      return safeEncode(text);
    case 'form':
      return safeEncode(text).replace(/%20/g, '+');
    case 'partial':
      return [...text].map((c, i) => ((i + salt) % 3 === 0 ? safeEncode(c) : c)).join('');
  }
}

interface QueryParamSpec {
  name: string;
  value: string;
  how: Encoding;
  salt: number;
}

const paramSpec: fc.Arbitrary<QueryParamSpec> = fc
  .oneof({ weight: 6, arbitrary: mixed(PARAM_NAMES) }, { weight: 1, arbitrary: fc.constantFrom('v', 'Type ', 'ty%70e', 'a=b', '', '%zz') }, { weight: 1, arbitrary: junk(6) })
  .chain((name) => fc.record({ name: fc.constant(name), value: paramValue(name), how: encodingArb, salt: fc.nat(2) }));

/** Chaos: usually a real type first, then any params, repeated, reordered, sometimes without `=`. */
const chaosQuery: fc.Arbitrary<string> = fc
  .tuple(
    fc.oneof({ weight: 3, arbitrary: mixed(TYPES.map((t) => t.name)).map((t) => [`type=${t}`]) }, { weight: 1, arbitrary: fc.constant<string[]>([]) }),
    fc.array(paramSpec, { maxLength: 7 }),
    fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 8, maxLength: 8 }),
  )
  .map(([head, params, dice]) => {
    const bare = (i: number) => dice[i] === 0;
    const parts = [...head, ...params.map((p, i) => (bare(i) && p.name !== 'filter' ? encode(p.name, p.how, p.salt) : `${encode(p.name, p.how, p.salt)}=${encode(p.value, p.how, p.salt)}`))];
    return parts.join(bare(7) ? '&&' : '&');
  });

/** Valid type, format, sort and paging, so the (noisy) filter reaches the parser, planner and SQL. */
const wellFormedQuery: fc.Arbitrary<string> = fc
  .constantFrom(...TYPES)
  .chain((t) =>
    fc.record({
      type: fc.mixedCase(fc.constant(t.name)),
      format: fc.option(mixed(['References', 'Entities', 'Entity'])),
      sort: fc.option(fc.tuple(mixed(['sortAsc', 'sortDesc']), fc.oneof({ weight: 5, arbitrary: mixed(t.fields.flatMap((f) => f.filter ?? [])) }, { weight: 1, arbitrary: mixed(NOT_FILTER_NAMES) }))),
      pageSize: fc.option(fc.integer({ min: 1, max: 5 })),
      page: fc.option(fc.integer({ min: 1, max: 6 })),
      filter: fc.option(filterByType.get(t.name)!, { freq: 8 }),
      how: encodingArb,
      salt: fc.nat(2),
      extra: fc.array(paramSpec, { maxLength: 2 }),
    }),
  )
  .map((q) => {
    const parts = [`type=${q.type}`];
    if (q.format !== null) parts.push(`format=${q.format}`);
    if (q.filter !== null) parts.push(`filter=${encode(q.filter, q.how, q.salt)}`);
    if (q.sort !== null) parts.push(`${q.sort[0]}=${q.sort[1]}`);
    if (q.pageSize !== null) parts.push(`pageSize=${q.pageSize}`);
    if (q.page !== null) parts.push(`page=${q.page}`);
    for (const p of q.extra) parts.push(`${encode(p.name, p.how, p.salt)}=${encode(p.value, p.how, p.salt)}`);
    return parts.join('&');
  });

const queryString = fc.oneof({ weight: 3, arbitrary: wellFormedQuery }, { weight: 2, arbitrary: chaosQuery });

const SEGMENTS = [
  'query', 'querySvc', 'sessionMngr', 'logonSessions', 'replicaSessions', 'replicaTaskSessions', 'repicaTaskSessions', 'backupSessions',
  'backupTaskSessions', 'backupServers', 'jobs', 'taskSessions', 'nope', 'reports', 'summary',
];
const JUNK_SEGMENTS = [
  '..', '.', '', '%2e%2e', '%2E', '%2F', '%2f', '%zz', '%', '%C3%28', '%E2%82%AC', '%00', 'é', '\u{1F600}', '*', ':id', '{ID}', ';', 'a;b=c',
  '~', 'con', 'index.html', '%20', '+', '@', '$', '[]', 'api',
];

const pathArb: fc.Arbitrary<string> = fc
  .tuple(
    fc.oneof({ weight: 9, arbitrary: mixed(['api']) }, { weight: 1, arbitrary: fc.constantFrom('', 'apI2', 'ap', '%61pi', '..') }),
    fc.array(fc.oneof({ weight: 4, arbitrary: mixed(SEGMENTS) }, { weight: 3, arbitrary: guid }, { weight: 2, arbitrary: fc.constantFrom(...JUNK_SEGMENTS) }, { weight: 1, arbitrary: junk(10) }, { weight: 1, arbitrary: fc.integer({ min: 100, max: 6000 }).map((n) => 'x'.repeat(n)) }), { maxLength: 4 }),
    fc.constantFrom('/', '/', '/', '//'),
    fc.constantFrom('', '', '/', '//'),
  )
  .map(([first, rest, sep, tail]) => '/' + [first, ...rest].join(sep) + tail);

const METHODS = ['GET', 'GET', 'GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'] as const;
type Method = (typeof METHODS)[number];

const ACCEPTS: [string | undefined, boolean | undefined][] = [
  [undefined, false], ['application/json', true], ['application/xml', false], ['text/xml', false], ['*/*', false],
  ['application/json, application/xml', true], ['application/xml, application/json', false], ['text/html, application/json;q=0.9', true],
  ['APPLICATION/JSON', true], ['application/json; charset=utf-8', true], ['text/xml;q=0.1, application/json', false], ['application/*', false],
  ['', false], ['application/jsonx', false], ['json', false],
];

type Session =
  | 'token' | 'none' | 'garbage' | 'unknownGuid' | 'tokenOfUpper' | 'spaced' | 'cookie' | 'cookieGarbage' | 'cookieWins' | 'cookieBogusHeaderValid' | 'twoCookies' | 'emptyHeader';
const SESSIONS: Session[] = ['token', 'token', 'token', 'none', 'garbage', 'unknownGuid', 'tokenOfUpper', 'spaced', 'cookie', 'cookieGarbage', 'cookieWins', 'cookieBogusHeaderValid', 'twoCookies', 'emptyHeader'];

function sessionHeaders(s: Session, garbage: string, randomGuid: string): Record<string, string> {
  const b64 = (t: string) => Buffer.from(t, 'ascii').toString('base64');
  switch (s) {
    case 'token': return { 'X-RestSvcSessionId': token };
    case 'none': return {};
    case 'garbage': return { 'X-RestSvcSessionId': garbage };
    case 'unknownGuid': return { 'X-RestSvcSessionId': b64(randomGuid) };
    case 'tokenOfUpper': return { 'X-RestSvcSessionId': b64(sessionId.toUpperCase()) };
    case 'spaced': return { 'X-RestSvcSessionId': `  ${token}  ` };
    case 'cookie': return { Cookie: `X-RestSvcSessionId=${token}` };
    case 'cookieGarbage': return { Cookie: `X-RestSvcSessionId=${garbage}; other=1` };
    case 'cookieWins': return { Cookie: `a=b; X-RestSvcSessionId=${token}`, 'X-RestSvcSessionId': garbage };
    case 'cookieBogusHeaderValid': return { Cookie: `X-RestSvcSessionId=${garbage}`, 'X-RestSvcSessionId': token };
    case 'twoCookies': return { Cookie: `X-RestSvcSessionId=${token}; X-RestSvcSessionId=${garbage};;=;x` };
    case 'emptyHeader': return { 'X-RestSvcSessionId': '' };
  }
}

const AUTHS = [
  () => fc.constant<string | undefined>(undefined),
  () => fc.constantFrom(ADMIN_BASIC, VIEWER_BASIC, 'Basic ' + Buffer.from('tech\\nobody:Passw0rd').toString('base64')),
  () => fc.tuple(junk(8), junk(8)).map(([u, p]) => 'Basic ' + Buffer.from(`${u}:${p}`).toString('base64')),
  () => fc.constantFrom('Basic', 'Basic ', 'Basic ====', 'Basic !!!', 'basic dGVjaFxhZG1pbg==', 'Bearer x', 'Negotiate YII=', 'Basic ' + 'A'.repeat(5000), 'NTLM TlRMTVNTUAAB'),
  () => junkAscii(30),
];

interface Req {
  method: Method;
  target: string;
  headers: Record<string, string>;
  body?: string;
  /** Whether `Accept` determines the representation (false/true), or is unpredictable. */
  expectJson?: boolean;
}

/** Headers; `authenticated` biases towards a valid token so requests get past authentication. */
const headersArb = (authenticated: boolean) => fc.record({
  accept: fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...ACCEPTS) }, { weight: 1, arbitrary: junkAscii(20).map((a): [string, undefined] => [a, undefined]) }),
  session: authenticated ? fc.oneof({ weight: 5, arbitrary: fc.constant<Session>('token') }, { weight: 2, arbitrary: fc.constantFrom(...SESSIONS) }) : fc.constantFrom(...SESSIONS),
  garbage: fc.oneof(junkAscii(60), fc.base64String({ maxLength: 64 }), fc.constantFrom('=', '====', 'NDRj', '<token-prefix>', '<token-padded>', '<token-lowercase>')),
  randomGuid: fc.uuid(),
  extra: fc.option(fc.tuple(fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,15}$/), junkAscii(20))),
});

interface HeaderChoice {
  accept: [string | undefined, boolean | undefined];
  session: Session;
  garbage: string;
  randomGuid: string;
  extra: [string, string] | null;
}

function buildHeaders(h: HeaderChoice): { headers: Record<string, string>; expectJson?: boolean } {
  const special = new Map([['<token-prefix>', token.slice(0, 20)], ['<token-padded>', token + 'AA=='], ['<token-lowercase>', token.toLowerCase()]]);
  const garbage = special.get(h.garbage) ?? h.garbage.trim();
  const headers: Record<string, string> = { ...sessionHeaders(h.session, garbage, h.randomGuid) };
  if (h.accept[0] !== undefined) headers.Accept = h.accept[0];
  if (h.extra && !/^(host|connection|content-length|transfer-encoding|expect|keep-alive|upgrade|te|trailer|cookie|accept|x-restsvcsessionid)$/i.test(h.extra[0])) {
    headers[h.extra[0]] = h.extra[1];
  }
  return { headers, expectJson: h.accept[1] };
}

const bodyArb = fc.option(
  fc.tuple(
    fc.constantFrom('application/xml', 'application/json', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'garbage', 'application/json; charset=utf-16', ''),
    fc.oneof(junk(40), fc.constantFrom('{', '{"a":', '<LogonRequest>', '<?xml version="1.0"?><x/>', 'a=b&c', '\u0000\u0001', '{}')),
  ),
  { freq: 3 },
);

/** A request for /api/query with a random query string. */
const queryReq: fc.Arbitrary<Req> = fc
  .tuple(fc.constantFrom<Method>('GET', 'GET', 'GET', 'GET', 'HEAD'), mixed(['/api/query', '/api/query/']), queryString, headersArb(true))
  .map(([method, path, qs, h]) => ({ method, target: `${path}?${qs}`, ...buildHeaders(h) }));

/** A request to a random path, any method, optional query and body. */
const anyReq: fc.Arbitrary<Req> = fc
  .tuple(fc.constantFrom(...METHODS), pathArb, fc.option(fc.oneof(queryString, fc.constantFrom('format=Entity', 'format=entities', 'format=bad', 'v=latest', 'v=v1_4', 'x', '&', '%zz'))), headersArb(true), bodyArb)
  .map(([method, path, qs, h, body]) => {
    const built = buildHeaders(h);
    const req: Req = { method, target: qs === null ? path : `${path}?${qs}`, ...built };
    if (body && method !== 'GET' && method !== 'HEAD') {
      if (body[0]) req.headers['Content-Type'] = body[0];
      req.body = body[1];
    }
    return req;
  });

/** Logon garbage: POST /api/sessionMngr with odd versions, credentials and bodies. */
const logonReq: fc.Arbitrary<Req> = fc
  .tuple(
    mixed(['/api/sessionMngr', '/api/sessionMngr/', '/api/sessionmngr//']),
    fc.option(fc.oneof(mixed(['latest', 'v1_7', 'v1_6', 'v1_5', 'v1_4', 'v2', '']), junk(6)).map((v) => `v=${encode(v, 'component', 0)}`)),
    fc.oneof({ weight: 1, arbitrary: AUTHS[1]() }, { weight: 2, arbitrary: AUTHS[2]() }, { weight: 3, arbitrary: AUTHS[3]() }, { weight: 3, arbitrary: AUTHS[4]() }, { weight: 2, arbitrary: AUTHS[0]() }),
    headersArb(false),
    bodyArb,
  )
  .map(([path, v, auth, h, body]) => {
    const built = buildHeaders(h);
    const req: Req = { method: 'POST', target: v === null ? path : `${path}?${v}`, ...built };
    if (auth !== undefined) req.headers.Authorization = auth;
    if (body) {
      if (body[0]) req.headers['Content-Type'] = body[0];
      req.body = body[1];
    }
    return req;
  });

// ---------------------------------------------------------------------------------------------
// Transports

interface Got {
  status: number;
  /** Lower-cased names. */
  headers: Map<string, string>;
  body: Buffer;
  /** The request could not be parsed by Node (answered by the client-error handler). */
  malformed: boolean;
}

function describeReq(r: Req, via: string): string {
  return `${via}: ${r.method} ${JSON.stringify(r.target)}\n  headers ${JSON.stringify(r.headers)}${r.body !== undefined ? `\n  body ${JSON.stringify(r.body)}` : ''}`;
}

async function viaFetch(r: Req): Promise<Got> {
  const res = await fetch(`http://127.0.0.1:${port}${r.target.startsWith('/') ? '' : '/'}${r.target}`, {
    method: r.method,
    headers: r.headers,
    body: r.body,
    redirect: 'manual',
    signal: AbortSignal.timeout(10_000),
  });
  const body = Buffer.from(await res.arrayBuffer());
  return { status: res.status, headers: new Map([...res.headers]), body, malformed: false };
}

const CRLF = /[\r\n]/g;

/** The request's bytes (UTF-8): CR and LF escaped in the target and blanked in header values. */
function rawBytes(r: Req): Buffer {
  const target = r.target.replace(CRLF, (c) => (c === '\r' ? '%0D' : '%0A'));
  const headers = Object.fromEntries(Object.entries(r.headers).map(([n, v]) => [n, v.replace(CRLF, ' ')]));
  if (r.body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(r.body, 'utf8'));
  return Buffer.from(rawRequest(r.method, target, headers, r.body), 'utf8');
}

/**
 * A raw response as a `Got`, after checking its head (and those of the 1xx before it): an
 * HTTP/1.1 status line, no header twice (but Set-Cookie), and a Content-Length wherever a body
 * follows.
 */
function gotOf(res: RawFinalResponse, head: boolean): Got {
  for (const r of [...res.interim, res]) {
    assert.match(r.statusLine, /^HTTP\/1\.1 \d{3} /, 'bad status line');
    const names = r.fields.map(([name]) => name);
    names.forEach((name, i) => assert.ok(name === 'set-cookie' || names.indexOf(name) === i, `duplicate response header ${name}`));
  }
  if (!head && res.status !== 204 && res.status !== 304) assert.ok(res.header('content-length') !== undefined, `no Content-Length in\n${res.head}`);
  const headers = new Map(res.fields);
  const malformed = closesConnection(res) && res.body.includes('Malformed HTTP request');
  return { status: res.status, headers, body: res.body, malformed };
}

/**
 * Writes the requests in one go on a fresh connection; reads one response per request (fewer
 * when the server answers one with `Connection: close`). Waiting 10 s for them is a hang.
 */
async function viaRaw(reqs: readonly Req[]): Promise<Got[]> {
  const heads = reqs.map((r) => r.method === 'HEAD');
  const answers = await pipeline(port, reqs.map((r, i) => ({ bytes: rawBytes(r), head: heads[i] })), { timeoutMs: 10_000 });
  return answers.map((res, i) => gotOf(res, heads[i]));
}

// ---------------------------------------------------------------------------------------------
// The oracle

const XML_DECL = '<?xml version="1.0" encoding="utf-8"?>\n';
const NOT_XML_CHAR = /[^\u0009\u000A\u000D\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
const ERROR_KEYS = ['FirstChanceExceptionMessage', 'Message', 'StackTrace', 'Status', 'StatusCode'];
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** 501 is the spec's answer for real EM query types emrest does not implement (§3). */
function mayBe501(target: string): boolean {
  const path = target.split('?')[0].toLowerCase().replace(/\/+/g, '/').replace(/\/$/, '');
  if (path !== '/api/query') return false;
  const type = parseQueryString(rawQuery(target)).find((p) => p.name.toLowerCase() === 'type')?.value;
  return type !== undefined && UNIMPLEMENTED.has(type.toLowerCase());
}

/**
 * The browser console's page, assets and event stream (`/`, `/console/…`) are not EM
 * resources: they answer HTML, scripts or plain text, so only the no-5xx rule holds there.
 */
function isConsolePath(target: string): boolean {
  let path: string;
  try {
    path = new URL(target, 'http://fuzz').pathname.toLowerCase().replace(/\/+/g, '/');
  } catch {
    return false;
  }
  return path === '/' || path === '/console' || path.startsWith('/console/');
}

function check(r: Req, got: Got, via: string): void {
  requestCount++;
  statusCounts.set(got.status, (statusCounts.get(got.status) ?? 0) + 1);
  const where = () => `${describeReq(r, via)}\n  → ${got.status} ${JSON.stringify(Object.fromEntries(got.headers))}\n  ${JSON.stringify(got.body.toString('utf8').slice(0, 600))}`;
  assert.ok(got.status >= 200 && got.status < 600, where());
  assert.ok(got.status < 500 || (got.status === 501 && mayBe501(r.target)), `5xx\n${where()}`);
  if (isConsolePath(r.target)) return;
  const ct = got.headers.get('content-type');
  const bodyless = (r.method === 'HEAD' && !got.malformed) || got.status === 204;
  if (bodyless) {
    assert.equal(got.body.length, 0, `body on HEAD/204\n${where()}`);
    if (got.status === 204) return;
  } else {
    assert.equal(Number(got.headers.get('content-length')), got.body.length, `Content-Length\n${where()}`);
    assert.ok(got.body.length > 0, `empty body\n${where()}`);
  }
  assert.ok(ct === 'application/xml; charset=utf-8' || ct === 'application/json; charset=utf-8', `Content-Type ${ct}\n${where()}`);
  const json = ct === 'application/json; charset=utf-8';
  if (r.expectJson !== undefined && !got.malformed) assert.equal(json, r.expectJson, `negotiation\n${where()}`);
  if (bodyless) return;

  let text: string;
  try {
    text = utf8.decode(got.body);
  } catch {
    assert.fail(`body is not UTF-8\n${where()}`);
  }
  if (json) {
    assert.notEqual(text.charCodeAt(0), 0xfeff, `BOM\n${where()}`);
    let value: Record<string, unknown>;
    try {
      value = JSON.parse(text);
    } catch (e) {
      assert.fail(`invalid JSON (${(e as Error).message})\n${where()}`);
    }
    assert.equal(typeof value, 'object', where());
    assert.ok(value !== null && !Array.isArray(value), where());
    if (got.status >= 400) {
      assert.deepEqual(Object.keys(value), ERROR_KEYS, `error keys\n${where()}`);
      assert.equal(value.StatusCode, got.status, `StatusCode\n${where()}`);
      assert.equal(typeof value.Message, 'string', where());
    } else {
      assert.ok(!('StatusCode' in value && 'StackTrace' in value), `an Error with a 2xx\n${where()}`);
    }
  } else {
    assert.ok(text.startsWith(XML_DECL), `XML declaration\n${where()}`);
    assert.ok(!NOT_XML_CHAR.test(text), `character not allowed in XML 1.0\n${where()}`);
    let root: Element;
    try {
      root = parseXml(text).documentElement!;
    } catch (e) {
      assert.fail(`${(e as Error).message}\n${where()}`);
    }
    assert.equal(root.namespaceURI, NS, `namespace\n${where()}`);
    if (got.status >= 400) {
      assert.equal(root.localName, 'Error', `error root\n${where()}`);
      assert.equal(root.getAttribute('StatusCode'), String(got.status), `StatusCode\n${where()}`);
      assert.ok(root.hasAttribute('Message'), where());
    } else {
      assert.notEqual(root.localName, 'Error', `an Error with a 2xx\n${where()}`);
    }
  }
  if (got.status === 405) assert.ok(got.headers.get('allow'), `405 without Allow\n${where()}`);
  if (got.status === 201) assert.ok(got.headers.get('x-restsvcsessionid'), where());
}

const options = (offset: number, numRuns: number) => ({ seed: SEED + offset, numRuns: runs(numRuns), endOnFailure: true, includeErrorInReport: true });

/** Can fetch carry this request unchanged? (header values must be Latin-1 without controls) */
const fetchable = (r: Req) => Object.entries(r.headers).every(([, v]) => /^[\t\x20-\x7e\x80-\xff]*$/.test(v));

async function both(r: Req, useRaw: boolean): Promise<void> {
  if (!useRaw && fetchable(r)) check(r, await viaFetch(r), 'fetch');
  else check(r, (await viaRaw([r]))[0], 'raw');
}

// ---------------------------------------------------------------------------------------------

describe('fuzz', { concurrency: false }, () => {
  test('/api/query with random and garbled query strings, over fetch', async () => {
    await fc.assert(fc.asyncProperty(queryReq, async (r) => both(r, false)), options(1, 1200));
  });

  test('/api/query request lines sent raw (unencoded bytes fetch would refuse)', async () => {
    await fc.assert(fc.asyncProperty(queryReq, async (r) => both(r, true)), options(2, 600));
  });

  test('random paths, methods, headers and bodies, over fetch', async () => {
    await fc.assert(fc.asyncProperty(anyReq, async (r) => both(r, false)), options(3, 700));
  });

  test('random paths, methods, headers and bodies, raw', async () => {
    await fc.assert(fc.asyncProperty(anyReq, async (r) => both(r, true)), options(4, 500));
  });

  test('logon garbage on POST /api/sessionMngr', async () => {
    await fc.assert(fc.asyncProperty(logonReq, fc.boolean(), async (r, raw) => both(r, raw)), options(5, 250));
  });

  test('pipelined batches of random requests on one connection', async () => {
    const batch = fc.array(fc.oneof(queryReq, anyReq), { minLength: 2, maxLength: 4 });
    await fc.assert(
      fc.asyncProperty(batch, async (reqs) => {
        const gots = await viaRaw(reqs);
        gots.forEach((got, i) => check(reqs[i], got, `raw pipelined #${i + 1}/${reqs.length}`));
      }),
      options(6, 150),
    );
  });

  test('afterwards the server still answers the seed query correctly', async () => {
    const histogram = [...statusCounts].sort(([a], [b]) => a - b).map(([s, n]) => `${s}×${n}`).join(' ');
    console.log(`# fuzz sent ${requestCount} checked requests; statuses ${histogram}`);
    assert.ok(requestCount >= 3000 * Math.min(1, SCALE), `only ${requestCount} requests`);
    const seed = '/api/query?type=ReplicaJobSession&format=Entities&filter=BackupServerName=="enterprise06.tech.local";Result==Success';
    const r: Req = { method: 'GET', target: seed, headers: { 'X-RestSvcSessionId': token }, expectJson: false };
    for (const got of [await viaFetch(r), (await viaRaw([r]))[0]]) {
      check(r, got, 'final');
      assert.equal(got.status, 200);
      const doc = parseXml(got.body.toString('utf8'));
      const list = doc.getElementsByTagNameNS(NS, 'ReplicaJobSession');
      assert.equal(list.length, 1);
      assert.equal(list[0].getAttribute('UID'), `urn:veeam:ReplicaJobSession:${S1}`);
    }
    const json = await viaFetch({ ...r, headers: { ...r.headers, Accept: 'application/json' } });
    assert.equal(JSON.parse(json.body.toString('utf8')).Entities.ReplicaJobSessions.ReplicaJobSessions[0].UID, `urn:veeam:ReplicaJobSession:${S1}`);
  });
});
