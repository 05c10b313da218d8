/**
 * Golden conformance cases (spec §7 E1–E14) as data: every `test/golden/*.json` file is one
 * example, run against its own §7 fixture server over real HTTP. The format is described in
 * `test/golden/README.md`; in short, a case is one or more steps, each a request and the
 * expected status, the headers that matter and the body:
 *
 * - XML bodies are parsed and compared as trees: element names namespace-aware, element order
 *   kept, attributes compared as a set (order ignored, namespace declarations included),
 *   whitespace-only text ignored.
 * - JSON bodies are compared by value, with every object's key order checked (spec §1.4 gives
 *   the order of every object) unless the body says `"keyOrder": "any"`.
 * - `bytes` checks the raw body text where bytes matter (`startsWith`, `includes`, `excludes`, `exact`).
 *
 * Every response is also held to spec §1.2: `Content-Length` equals the body's bytes (no body
 * on 204), no BOM, XML bodies start with the declaration line and carry
 * `application/xml; charset=utf-8`, JSON bodies the profile's JSON Content-Type (`application/json;
 * charset=utf-8` for 12 and 13, `application/json` for 9.5).
 *
 * Expected strings (header values, attribute values, text, JSON strings) and request paths and
 * headers may hold placeholders: `{B}` the base URL, `{T}` a token logged on for the case as
 * `tech\admin`, `{SID}` its SessionId, `{*}` any text (expected values only), `{Name}` a
 * capture declared by the file (bound by its first match, then literal), `{b64:Name}` the
 * base64 of a bound value.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { logon, startFixtureServer, type Server } from './server.js';
import { DEFAULT_EM_VERSION, EM_VERSIONS, isEmVersion, PROFILES, type EmVersion } from '../../src/profile/profiles.js';
import { parseXml } from './xml.js';

// ---------------------------------------------------------------------------------------------
// The file format

export interface GoldenRequest {
  readonly method?: string;
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface GoldenBytes {
  readonly startsWith?: string;
  readonly includes?: readonly string[];
  /** Texts the body must not contain (a member a profile leaves out). */
  readonly excludes?: readonly string[];
  /** The whole body; an array is joined with `\n`. */
  readonly exact?: string | readonly string[];
}

export interface GoldenResponse {
  readonly status: number;
  /** Lower-case names; `null` = must be absent. Checked in file order (captures bind in order). */
  readonly headers?: Readonly<Record<string, string | null>>;
  /** Expected XML document, one array item per line. */
  readonly xml?: readonly string[];
  /** Expected JSON document. */
  readonly json?: unknown;
  /** `strict` (default): every object's keys in the expected order; `any`: by value only. */
  readonly keyOrder?: 'strict' | 'any';
  /** `any` (default): XML attributes compared as a set; `strict`: in the expected order too (namespace declarations included). */
  readonly attributeOrder?: 'strict' | 'any';
  readonly bytes?: GoldenBytes;
}

export interface GoldenExchange {
  readonly request: GoldenRequest;
  readonly response: GoldenResponse;
}

/** Moves the server's injected clock; the runner moves it back when the case ends. */
export interface GoldenAdvance {
  readonly advanceMs: number;
}

export type GoldenStep = GoldenExchange | GoldenAdvance;

export interface GoldenCase {
  readonly name: string;
  readonly request?: GoldenRequest;
  readonly response?: GoldenResponse;
  readonly steps?: readonly GoldenStep[];
}

export interface GoldenFile {
  readonly example: string;
  readonly title: string;
  readonly spec?: string;
  /** The EM version profile the file's server speaks (`serve --em-version`); default the server's default. */
  readonly emVersion?: EmVersion;
  /** Capture name → regular expression its value must match. */
  readonly captures?: Readonly<Record<string, string>>;
  readonly cases: readonly GoldenCase[];
}

const KEYS = {
  file: ['example', 'title', 'spec', 'emVersion', 'captures', 'cases'],
  case: ['name', 'request', 'response', 'steps'],
  step: ['request', 'response', 'advanceMs'],
  request: ['method', 'path', 'headers'],
  response: ['status', 'headers', 'xml', 'json', 'keyOrder', 'attributeOrder', 'bytes'],
  bytes: ['startsWith', 'includes', 'excludes', 'exact'],
} as const;

function checkKeys(what: keyof typeof KEYS, value: unknown, where: string): void {
  assert.ok(value !== null && typeof value === 'object' && !Array.isArray(value), `${where}: ${what} must be an object`);
  const allowed: readonly string[] = KEYS[what];
  for (const k of Object.keys(value)) assert.ok(allowed.includes(k), `${where}: unknown ${what} key ${JSON.stringify(k)} (allowed: ${allowed.join(', ')})`);
}

/** Validates a parsed golden file strictly: a misspelt key would otherwise skip a check silently. */
export function validateGolden(file: unknown, where: string): GoldenFile {
  checkKeys('file', file, where);
  const f = file as GoldenFile;
  assert.equal(typeof f.example, 'string', `${where}: example`);
  assert.equal(typeof f.title, 'string', `${where}: title`);
  assert.ok(f.emVersion === undefined || isEmVersion(f.emVersion), `${where}: emVersion must be one of ${EM_VERSIONS.join(', ')}`);
  assert.ok(Array.isArray(f.cases) && f.cases.length > 0, `${where}: cases must be a non-empty array`);
  for (const [name, re] of Object.entries(f.captures ?? {})) {
    assert.ok(!RUNNER_VARS.includes(name), `${where}: capture ${name} shadows a runner variable`);
    new RegExp(re); // throws on a bad expression
  }
  const names = new Set<string>();
  for (const c of f.cases) {
    const at = `${where} case ${JSON.stringify(c?.name)}`;
    checkKeys('case', c, at);
    assert.equal(typeof c.name, 'string', `${at}: name`);
    assert.ok(!names.has(c.name), `${at}: duplicate case name`);
    names.add(c.name);
    const steps = stepsOf(c);
    assert.ok(steps.length > 0, `${at}: needs request+response or steps`);
    assert.ok(steps.some((s) => 'request' in s), `${at}: no request`);
    for (const s of steps) {
      checkKeys('step', s, at);
      if ('advanceMs' in s) {
        assert.ok(Number.isInteger(s.advanceMs) && !('request' in s) && !('response' in s), `${at}: advanceMs stands alone, in whole ms`);
        continue;
      }
      checkKeys('request', s.request, at);
      assert.equal(typeof s.request.path, 'string', `${at}: request.path`);
      checkKeys('response', s.response, at);
      const r = s.response;
      assert.ok(Number.isInteger(r.status), `${at}: response.status`);
      assert.ok(!(r.xml !== undefined && r.json !== undefined), `${at}: xml or json, not both`);
      if (r.xml !== undefined) assert.ok(Array.isArray(r.xml) && r.xml.every((l) => typeof l === 'string'), `${at}: xml is an array of lines`);
      if (r.keyOrder !== undefined) assert.ok(r.json !== undefined && ['strict', 'any'].includes(r.keyOrder), `${at}: keyOrder`);
      if (r.bytes !== undefined) checkKeys('bytes', r.bytes, at);
    }
  }
  return f;
}

function stepsOf(c: GoldenCase): readonly GoldenStep[] {
  if (c.steps) {
    assert.ok(c.request === undefined && c.response === undefined, `case ${c.name}: steps, or request+response`);
    return c.steps;
  }
  return c.request || c.response ? [{ request: c.request!, response: c.response! }] : [];
}

// ---------------------------------------------------------------------------------------------
// Placeholders

const RUNNER_VARS = ['B', 'T', 'SID'];
const PLACEHOLDER = /\{(\*|b64:[A-Za-z_]\w*|[A-Za-z_]\w*)\}/g;
const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Variables of one case: the runner's, and the file's captures once bound. */
export class Bindings {
  private readonly bound = new Map<string, string>();

  constructor(
    private readonly vars: Readonly<Record<string, string>>,
    private readonly captures: Readonly<Record<string, string>> = {},
  ) {}

  private known(name: string): string | undefined {
    return Object.hasOwn(this.vars, name) ? this.vars[name] : this.bound.get(name);
  }

  private valueOf(token: string, where: string): string {
    if (token.startsWith('b64:')) return Buffer.from(this.valueOf(token.slice(4), where), 'utf8').toString('base64');
    const v = this.known(token);
    if (v !== undefined) return v;
    if (Object.hasOwn(this.captures, token)) throw new Error(`${where}: {${token}} used before it is bound`);
    throw new Error(`${where}: unknown placeholder {${token}}`);
  }

  /** A request string with its placeholders filled (no wildcards, no unbound captures). */
  fill(template: string, where: string): string {
    return template.replace(PLACEHOLDER, (_, token: string) => {
      if (token === '*') throw new Error(`${where}: {*} only matches, it cannot be sent`);
      return this.valueOf(token, where);
    });
  }

  /** Whether `actual` matches the expected string; binds captures on success. */
  matches(expected: string, actual: string, where: string): boolean {
    if (!expected.includes('{')) return expected === actual;
    let source = '';
    let last = 0;
    const grouped = new Set<string>();
    for (const m of expected.matchAll(PLACEHOLDER)) {
      source += escapeRe(expected.slice(last, m.index));
      last = m.index! + m[0].length;
      const token = m[1];
      if (token === '*') source += '[\\s\\S]*';
      else if (this.known(token) === undefined && Object.hasOwn(this.captures, token) && !token.startsWith('b64:')) {
        source += grouped.has(token) ? `\\k<${token}>` : `(?<${token}>${this.captures[token]})`;
        grouped.add(token);
      } else source += escapeRe(this.valueOf(token, where));
    }
    source += escapeRe(expected.slice(last));
    const found = new RegExp(`^(?:${source})$`).exec(actual);
    if (!found) return false;
    for (const name of grouped) this.bound.set(name, found.groups![name]);
    return true;
  }
}

// ---------------------------------------------------------------------------------------------
// Structural comparison

const show = (s: string, max = 300) => JSON.stringify(s.length > max ? s.slice(0, max) + '…' : s);

function expectString(b: Bindings, expected: string, actual: string, where: string): void {
  if (!b.matches(expected, actual, where)) assert.fail(`${where}: expected ${show(expected)}, got ${show(actual)}`);
}

/** Compares two parsed JSON values; object keys in order unless `keyOrder` is `any`. */
export function compareJson(b: Bindings, expected: unknown, actual: unknown, where: string, keyOrder: 'strict' | 'any' = 'strict'): void {
  const kind = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);
  if (kind(expected) !== kind(actual)) assert.fail(`${where}: expected ${kind(expected)} ${show(JSON.stringify(expected))}, got ${kind(actual)} ${show(JSON.stringify(actual))}`);
  if (typeof expected === 'string') return expectString(b, expected, actual as string, where);
  if (Array.isArray(expected)) {
    const a = actual as unknown[];
    if (a.length !== expected.length) assert.fail(`${where}: expected ${expected.length} items, got ${a.length}: ${show(JSON.stringify(a))}`);
    expected.forEach((e, i) => compareJson(b, e, a[i], `${where}[${i}]`, keyOrder));
    return;
  }
  if (expected !== null && typeof expected === 'object') {
    const e = expected as Record<string, unknown>;
    const a = actual as Record<string, unknown>;
    const ek = Object.keys(e);
    const ak = Object.keys(a);
    const missing = ek.filter((k) => !Object.hasOwn(a, k));
    const extra = ak.filter((k) => !Object.hasOwn(e, k));
    if (missing.length || extra.length) assert.fail(`${where}: keys differ: missing ${JSON.stringify(missing)}, unexpected ${JSON.stringify(extra)}`);
    if (keyOrder === 'strict' && ek.join('\n') !== ak.join('\n')) assert.fail(`${where}: key order: expected ${JSON.stringify(ek)}, got ${JSON.stringify(ak)}`);
    for (const k of ek) compareJson(b, e[k], a[k], `${where}.${k}`, keyOrder);
    return;
  }
  if (expected !== actual) assert.fail(`${where}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
}

const XMLNS = 'http://www.w3.org/2000/xmlns/';

function attributesOf(el: Element): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < el.attributes.length; i++) {
    const a = el.attributes.item(i)!;
    // Namespace declarations by their written name; other attributes by {namespace}local name.
    out.set(a.namespaceURI === XMLNS ? a.name : a.namespaceURI ? `{${a.namespaceURI}}${a.localName}` : a.localName ?? a.name, a.value);
  }
  return out;
}

/** Element children and non-whitespace text, in order (comments and processing instructions skipped). */
function contentOf(el: Element): ChildNode[] {
  const out: ChildNode[] = [];
  for (let n = el.firstChild; n; n = n.nextSibling) {
    if (n.nodeType === 1) out.push(n);
    else if ((n.nodeType === 3 || n.nodeType === 4) && (n.nodeValue ?? '').trim() !== '') out.push(n);
  }
  return out;
}

const nameOf = (el: Element) => (el.namespaceURI ? `{${el.namespaceURI}}${el.localName}` : el.localName!);
const describeNode = (n: ChildNode) => (n.nodeType === 1 ? `<${nameOf(n as Element)}>` : `text ${show(n.nodeValue ?? '')}`);

/** Compares two elements as trees: names namespace-aware, attributes as a set (or in order, `attributeOrder` strict), children in order. */
export function compareXml(b: Bindings, expected: Element, actual: Element, where: string, attributeOrder: 'strict' | 'any' = 'any'): void {
  if (nameOf(expected) !== nameOf(actual)) assert.fail(`${where}: expected element ${nameOf(expected)}, got ${nameOf(actual)}`);
  const ea = attributesOf(expected);
  const aa = attributesOf(actual);
  const missing = [...ea.keys()].filter((k) => !aa.has(k));
  const extra = [...aa.keys()].filter((k) => !ea.has(k));
  if (missing.length || extra.length) {
    assert.fail(`${where}: attributes differ: missing ${JSON.stringify(missing)}, unexpected ${JSON.stringify(extra.map((k) => `${k}=${aa.get(k)}`))}`);
  }
  for (const [k, v] of ea) expectString(b, v, aa.get(k)!, `${where}/@${k}`);
  if (attributeOrder === 'strict') assert.deepEqual([...aa.keys()], [...ea.keys()], `${where}: attribute order`);
  const ec = contentOf(expected);
  const ac = contentOf(actual);
  const at = (i: number) => `${where}/${ec[i]?.nodeType === 1 ? (ec[i] as Element).localName : 'text()'}[#${i}]`;
  for (let i = 0; i < Math.max(ec.length, ac.length); i++) {
    const e = ec[i];
    const a = ac[i];
    if (!e) assert.fail(`${where}: unexpected ${describeNode(a)} after ${ec.length} expected children`);
    if (!a) assert.fail(`${where}: missing ${describeNode(e)} (only ${ac.length} children)`);
    if (e.nodeType === 1 && a.nodeType === 1) compareXml(b, e as Element, a as Element, at(i), attributeOrder);
    else if (e.nodeType !== 1 && a.nodeType !== 1) expectString(b, e.nodeValue ?? '', a.nodeValue ?? '', at(i));
    else assert.fail(`${at(i)}: expected ${describeNode(e)}, got ${describeNode(a)}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Running

const XML_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>\n';
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export interface Received {
  readonly status: number;
  readonly headers: Headers;
  readonly bytes: Buffer;
}

/** Checks one response against its expectation (and the spec §1.2 rules every response keeps). */
export function checkResponse(b: Bindings, expected: GoldenResponse, got: Received, where: string, emVersion: EmVersion = DEFAULT_EM_VERSION): void {
  const body = () => {
    try {
      return utf8.decode(got.bytes);
    } catch {
      return got.bytes.toString('latin1');
    }
  };
  if (got.status !== expected.status) assert.fail(`${where}: expected status ${expected.status}, got ${got.status}\n${show(body(), 2000)}`);
  try {
    if (got.status === 204 || got.status === 304) assert.equal(got.bytes.length, 0, `${where}: a ${got.status} has no body`);
    else assert.equal(got.headers.get('content-length'), String(got.bytes.length), `${where}: Content-Length is the body's byte count`);
    assert.ok(!got.bytes.subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf])), `${where}: no BOM`);
    for (const [name, value] of Object.entries(expected.headers ?? {})) {
      const actual = got.headers.get(name);
      if (value === null) assert.equal(actual, null, `${where}: header ${name} must be absent`);
      else if (actual === null) assert.fail(`${where}: header ${name} missing (expected ${show(value)})`);
      else expectString(b, value, actual, `${where}: header ${name}`);
    }
    const text = utf8.decode(got.bytes);
    if (expected.xml !== undefined) {
      assert.equal(got.headers.get('content-type'), 'application/xml; charset=utf-8', `${where}: Content-Type`);
      assert.ok(text.startsWith(XML_DECLARATION), `${where}: XML starts with ${show(XML_DECLARATION)}`);
      const root = parseXml(expected.xml.join('\n')).documentElement!;
      compareXml(b, root, parseXml(text).documentElement!, `${where}: /${root.localName}`, expected.attributeOrder);
    }
    if (expected.json !== undefined) {
      assert.equal(got.headers.get('content-type'), PROFILES[emVersion].jsonContentType, `${where}: Content-Type`);
      compareJson(b, expected.json, JSON.parse(text), `${where}: $`, expected.keyOrder);
    }
    const bytes = expected.bytes;
    if (bytes?.startsWith !== undefined) {
      const s = b.fill(bytes.startsWith, where);
      assert.ok(text.startsWith(s), `${where}: body starts with ${show(s)}`);
    }
    for (const part of bytes?.includes ?? []) {
      const s = b.fill(part, where);
      assert.ok(text.includes(s), `${where}: body includes ${show(s)}`);
    }
    for (const part of bytes?.excludes ?? []) {
      const s = b.fill(part, where);
      assert.ok(!text.includes(s), `${where}: body does not include ${show(s)}`);
    }
    if (bytes?.exact !== undefined) {
      const exact = typeof bytes.exact === 'string' ? bytes.exact : bytes.exact.join('\n');
      expectString(b, exact, text, `${where}: body bytes`);
    }
  } catch (e) {
    if (e instanceof Error) e.message += `\n--- body ---\n${body().slice(0, 4000)}`;
    throw e;
  }
}

async function send(server: Server, b: Bindings, r: GoldenRequest, where: string): Promise<Received> {
  const headers: Record<string, string> = {};
  for (const [n, v] of Object.entries(r.headers ?? {})) headers[n] = b.fill(v, where);
  const res = await fetch(server.url + b.fill(r.path, where), { method: r.method ?? 'GET', headers, redirect: 'manual' });
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

/** Runs one case on a server: logs on for `{T}`, runs the steps, puts the clock back. */
export async function runCase(server: Server, file: GoldenFile, c: GoldenCase): Promise<void> {
  const { token, sessionId } = await logon(server);
  const b = new Bindings({ B: `${server.url}/api`, T: token, SID: sessionId }, file.captures);
  let advanced = 0;
  try {
    const steps = stepsOf(c);
    for (const [i, step] of steps.entries()) {
      const where = `${file.example} ${c.name}${steps.length > 1 ? ` step ${i + 1}` : ''}`;
      if ('advanceMs' in step) {
        server.advance(step.advanceMs);
        advanced += step.advanceMs;
        continue;
      }
      checkResponse(b, step.response, await send(server, b, step.request, where), `${where} (${step.request.method ?? 'GET'} ${step.request.path})`, file.emVersion);
    }
  } finally {
    server.advance(-advanced);
  }
}

/** `test/golden/` of the source tree, found from this file whether it runs from `dist*` or the source. */
export function goldenDir(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'test', 'golden'))) return join(dir, 'test', 'golden');
    if (dirname(dir) === dir) throw new Error('test/golden not found above ' + fileURLToPath(import.meta.url));
  }
}

/** Every golden file, validated, in file-name order. */
export function loadGolden(dir = goldenDir()): { file: string; golden: GoldenFile }[] {
  const names = readdirSync(dir).filter((n) => n.endsWith('.json')).sort();
  assert.ok(names.length > 0, `no golden files in ${dir}`);
  return names.map((n) => ({ file: n, golden: validateGolden(JSON.parse(readFileSync(join(dir, n), 'utf8')), n) }));
}

/**
 * Registers one suite per golden file (its own fixture server) and one test per case. With
 * `database`, each server's store is a fresh PostgreSQL database from it instead of SQLite.
 */
export function goldenSuites(dir = goldenDir(), options: { readonly database?: () => Promise<string>; readonly label?: string } = {}): void {
  for (const { file, golden } of loadGolden(dir)) {
    describe(`${options.label ?? ''}${golden.example} ${golden.title} (golden/${file})`, () => {
      let server: Server;
      before(async () => {
        const database = options.database && (await options.database());
        server = await startFixtureServer({
          ...(golden.emVersion === undefined ? {} : { flags: { 'em-version': golden.emVersion } }),
          ...(database === undefined ? {} : { database }),
        });
      });
      after(() => server?.close());
      for (const c of golden.cases) test(c.name, () => runCase(server, golden, c));
    });
  }
}
