/**
 * Fault rules as the control plane takes them (contract §4), checked whole into a frozen rule
 * or refused with a `RuleError` naming the field. Pure: no I/O, no clock, no randomness.
 *
 *   {"match": {"method","path","query":{name:value},"user","format"},   all optional, ANDed
 *    "fault": {"status":503,"message":"…"} | {"reset":true} | {"hang":true} | {"truncate":true}
 *           | {"slowBody":{"bytesPerSecond":N}} | {"expireSession":true},   absent: delay only
 *    "probability": 0..1, "count": N, "skip": N, "delay": "PT0.5S", "jitter": "PT0.2S", "seed": N}
 */
import { DurationError, parseDuration } from '../../clock/duration.js';
import { mixSeed } from '../../demo/random.js';

/** What a matching request gets (besides the delay). */
export type FaultKind =
  | { readonly kind: 'status'; readonly status: number; readonly message?: string }
  | { readonly kind: 'reset' }
  | { readonly kind: 'hang' }
  | { readonly kind: 'truncate' }
  | { readonly kind: 'slowBody'; readonly bytesPerSecond: number }
  | { readonly kind: 'expireSession' };

/** A path or query value to compare with: text (a prefix for paths, whole for values; case-insensitive) or a regex. */
export interface TextMatch {
  readonly text: string;
  readonly regex?: RegExp;
}

export interface RuleMatch {
  /** Upper case. */
  readonly method?: string;
  readonly path?: TextMatch;
  /** Names lower-cased (EM's parameter names are case-insensitive). */
  readonly query?: readonly { readonly name: string; readonly value: TextMatch }[];
  readonly user?: string;
  readonly format?: 'xml' | 'json';
}

/** A checked rule, not yet registered (no id, no hits). */
export interface FaultRule {
  readonly match: RuleMatch;
  /** Absent: the rule only delays. */
  readonly fault?: FaultKind;
  readonly probability: number;
  /** How many times the rule may fire; absent: no limit. */
  readonly count?: number;
  /** Matching requests let through before the rule starts firing. */
  readonly skip: number;
  readonly delayMs: number;
  readonly jitterMs: number;
  /** The PRNG seed of `probability` and `jitter`: given, or derived from the rule's content. */
  readonly seed: number;
  /** The rule as the admin API shows it (normalised, every field present). */
  readonly shown: RuleJson;
}

/** A rule's JSON form, as listed (without id and hits). */
export interface RuleJson {
  readonly match: Record<string, unknown>;
  readonly fault: Record<string, unknown> | null;
  readonly probability: number;
  readonly count: number | null;
  readonly skip: number;
  readonly delay: string | null;
  readonly jitter: string | null;
  readonly seed: number;
}

/** A refused rule: `field` is its path (`match.path`, `fault.slowBody.bytesPerSecond`, `` for the whole rule). */
export class RuleError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

const RULE_KEYS = ['match', 'fault', 'probability', 'count', 'skip', 'delay', 'jitter', 'seed'];
const MATCH_KEYS = ['method', 'path', 'query', 'user', 'format'];
const KINDS = ['status', 'reset', 'hang', 'truncate', 'slowBody', 'expireSession'] as const;
/** Longest delay and jitter: a test that waits longer than this is waiting for nothing. */
export const MAX_DELAY_MS = 3_600_000;
/** Rules in force at once: every EM request is shown to each of them. */
export const MAX_RULES = 1000;
const MAX_MESSAGE = 4000;
const MAX_BYTES_PER_SECOND = 1_000_000_000;

const shown = (value: unknown) => JSON.stringify(value) ?? String(value);
const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const has = (o: Record<string, unknown>, k: string) => Object.prototype.hasOwnProperty.call(o, k);
const fail = (field: string, message: string): never => {
  throw new RuleError(field, message);
};

function onlyKeys(o: Record<string, unknown>, keys: readonly string[], where: string): void {
  const unknown = Object.keys(o).find((k) => !keys.includes(k));
  if (unknown !== undefined) {
    const field = where === '' ? unknown : `${where}.${unknown}`;
    fail(field, `${where === '' ? '' : `${where}: `}unknown field ${shown(unknown)} (expected ${keys.join(', ')})`);
  }
}

/**
 * A regex written `/…/` (at least one character between the slashes), compiled
 * case-insensitive as EM's routes and parameter names are; else undefined (plain text). A
 * text that starts and ends with `/` is always a regex: `"/api/"` matches wherever `api`
 * occurs (anchor with `^`). A bad one is refused naming `field`.
 */
export function regexOf(text: string, field: string): RegExp | undefined {
  if (text.length < 3 || !text.startsWith('/') || !text.endsWith('/')) return undefined;
  try {
    return new RegExp(text.slice(1, -1), 'i');
  } catch (e) {
    return fail(field, `${field}: not a valid regular expression (${(e as Error).message})`);
  }
}

/** A path to match: a prefix starting with `/`, or a regex `/…/`. */
export function parsePathMatch(value: unknown, field: string): TextMatch {
  if (typeof value !== 'string' || value === '') fail(field, `${field} must be a path prefix such as "/api/query" or a regex such as "/^\\/api\\/jobs\\/[^/]+$/", got ${shown(value)}`);
  const text = value as string;
  const regex = regexOf(text, field);
  if (regex) return { text, regex };
  if (!text.startsWith('/')) fail(field, `${field} must start with / (a path prefix such as "/api/query", or a regex written /…/), got ${shown(text)}`);
  return { text };
}

function parseMatch(value: unknown): { match: RuleMatch; json: Record<string, unknown> } {
  if (value === undefined) return { match: {}, json: {} };
  if (!isObject(value)) return fail('match', `match must be an object such as {"path":"/api/query"}, got ${shown(value)}`);
  onlyKeys(value, MATCH_KEYS, 'match');
  const match: { -readonly [K in keyof RuleMatch]: RuleMatch[K] } = {};
  const json: Record<string, unknown> = {};
  if (has(value, 'method')) {
    const m = value.method;
    if (typeof m !== 'string' || !/^[A-Za-z]{1,20}$/.test(m)) fail('match.method', `match.method must be an HTTP method such as "GET", got ${shown(m)}`);
    match.method = json.method = (m as string).toUpperCase();
  }
  if (has(value, 'path')) {
    match.path = parsePathMatch(value.path, 'match.path');
    json.path = value.path;
  }
  if (has(value, 'query')) {
    const q = value.query;
    if (!isObject(q)) fail('match.query', `match.query must be an object of parameters such as {"type":"BackupJobSession"}, got ${shown(q)}`);
    const entries = Object.entries(q as Record<string, unknown>);
    const seen = new Set<string>();
    match.query = entries.map(([name, v]) => {
      const field = `match.query.${name}`;
      if (name === '') fail(field, 'match.query: a parameter name cannot be empty');
      if (seen.has(name.toLowerCase())) fail(field, `match.query: parameter ${shown(name)} given twice (names are case-insensitive)`);
      seen.add(name.toLowerCase());
      if (typeof v !== 'string') fail(field, `${field} must be a string (the value, or a regex written /…/), got ${shown(v)}`);
      return { name: name.toLowerCase(), value: { text: v as string, regex: regexOf(v as string, field) } };
    });
    json.query = { ...(q as Record<string, unknown>) };
  }
  if (has(value, 'user')) {
    const u = value.user;
    if (typeof u !== 'string' || u === '') fail('match.user', `match.user must be a user name such as "zabbix", got ${shown(u)}`);
    match.user = json.user = u as string;
  }
  if (has(value, 'format')) {
    const f = typeof value.format === 'string' ? value.format.toLowerCase() : undefined;
    if (f !== 'xml' && f !== 'json') fail('match.format', `match.format must be "xml" or "json", got ${shown(value.format)}`);
    match.format = json.format = f as 'xml' | 'json';
  }
  return { match, json };
}

function flag(o: Record<string, unknown>, kind: string): void {
  if (o[kind] !== true) fail(`fault.${kind}`, `fault.${kind} must be true, got ${shown(o[kind])}`);
}

function parseFault(value: unknown): { fault?: FaultKind; json: Record<string, unknown> | null } {
  if (value === undefined) return { json: null };
  const example = 'such as {"status":503}, {"reset":true} or {"slowBody":{"bytesPerSecond":1024}}';
  if (!isObject(value)) return fail('fault', `fault must be an object ${example}, got ${shown(value)}`);
  const kinds = KINDS.filter((k) => has(value, k));
  const others = Object.keys(value).filter((k) => !KINDS.includes(k as never) && k !== 'message');
  if (others.length > 0) fail(`fault.${others[0]}`, `fault: unknown field ${shown(others[0])} (expected one of ${KINDS.join(', ')}; message goes with status)`);
  if (kinds.length === 0) fail('fault', `fault: give one kind ${example}; for a delay alone, leave fault out`);
  if (kinds.length > 1) fail('fault', `fault: give exactly one kind, got ${kinds.join(' and ')}`);
  const kind = kinds[0];
  if (has(value, 'message') && kind !== 'status') fail('fault.message', 'fault.message goes only with status');
  switch (kind) {
    case 'status': {
      const s = value.status;
      if (typeof s !== 'number' || !Number.isInteger(s) || s < 400 || s > 599) fail('fault.status', `fault.status must be an HTTP status from 400 to 599, got ${shown(s)}`);
      let message: string | undefined;
      if (has(value, 'message')) {
        const m = value.message;
        if (typeof m !== 'string' || m.length > MAX_MESSAGE) fail('fault.message', `fault.message must be a string of at most ${MAX_MESSAGE} characters, got ${shown(m)}`);
        message = m as string;
      }
      const json: Record<string, unknown> = { status: s };
      if (message !== undefined) json.message = message;
      return { fault: { kind, status: s as number, message }, json };
    }
    case 'slowBody': {
      const o = value.slowBody;
      if (!isObject(o)) return fail('fault.slowBody', `fault.slowBody must be an object such as {"bytesPerSecond":1024}, got ${shown(o)}`);
      onlyKeys(o, ['bytesPerSecond'], 'fault.slowBody');
      const n = o.bytesPerSecond;
      if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > MAX_BYTES_PER_SECOND) {
        fail('fault.slowBody.bytesPerSecond', `fault.slowBody.bytesPerSecond must be a whole number from 1 to ${MAX_BYTES_PER_SECOND}, got ${shown(n)}`);
      }
      return { fault: { kind, bytesPerSecond: n as number }, json: { slowBody: { bytesPerSecond: n } } };
    }
    default:
      flag(value, kind);
      return { fault: { kind }, json: { [kind]: true } };
  }
}

function count(o: Record<string, unknown>, key: string): number | undefined {
  if (!has(o, key)) return undefined;
  const n = o[key];
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) fail(key, `${key} must be a whole number of at least 0, got ${shown(n)}`);
  return n as number;
}

function duration(o: Record<string, unknown>, key: string): number {
  if (!has(o, key)) return 0;
  const d = o[key];
  if (typeof d !== 'string') return fail(key, `${key} must be an ISO-8601 duration such as "PT0.5S", got ${shown(d)}`);
  let ms: number;
  try {
    ms = parseDuration(d);
  } catch (e) {
    if (e instanceof DurationError) return fail(key, `${key}: ${e.message}`);
    throw e;
  }
  if (ms > MAX_DELAY_MS) fail(key, `${key}: at most PT1H, got ${shown(d)}`);
  return ms;
}

/** Checks one rule (the parsed JSON of a request body or of a rule file's item). */
export function parseRule(value: unknown): FaultRule {
  if (!isObject(value)) return fail('', `a rule must be a JSON object such as {"match":{"path":"/api/query"},"fault":{"status":503}}, got ${shown(value)}`);
  onlyKeys(value, RULE_KEYS, '');
  const { match, json: matchJson } = parseMatch(value.match);
  const { fault, json: faultJson } = parseFault(value.fault);
  let probability = 1;
  if (has(value, 'probability')) {
    const p = value.probability;
    if (typeof p !== 'number' || !(p >= 0 && p <= 1)) fail('probability', `probability must be a number from 0 to 1, got ${shown(p)}`);
    probability = p as number;
  }
  const limit = count(value, 'count');
  const skip = count(value, 'skip') ?? 0;
  const delayMs = duration(value, 'delay');
  const jitterMs = duration(value, 'jitter');
  if (!fault && !has(value, 'delay') && !has(value, 'jitter')) {
    fail('fault', 'a rule needs a fault (such as {"status":503}) or a delay (such as "delay":"PT1S")');
  }
  let seed: number | undefined;
  if (has(value, 'seed')) {
    const s = value.seed;
    if (typeof s !== 'number' || !Number.isSafeInteger(s)) fail('seed', `seed must be a whole number, got ${shown(s)}`);
    seed = s as number;
  }
  const unseeded = {
    match: matchJson,
    fault: faultJson,
    probability,
    count: limit ?? null,
    skip,
    delay: has(value, 'delay') ? (value.delay as string) : null,
    jitter: has(value, 'jitter') ? (value.jitter as string) : null,
  };
  // Without a seed, the rule's own content seeds it: the same rule draws the same way on every run.
  seed ??= mixSeed(0, JSON.stringify(unseeded));
  return Object.freeze({ match, fault, probability, count: limit, skip, delayMs, jitterMs, seed, shown: Object.freeze({ ...unseeded, seed }) });
}

/** Checks a rule file's list: an error names the rule's index (`[2].count`). */
export function parseRuleList(value: unknown): FaultRule[] {
  if (!Array.isArray(value)) fail('', `expected a JSON list of rules such as [{"match":{"path":"/api/query"},"fault":{"status":503}}], got ${shown(value)?.slice(0, 60)}`);
  if ((value as unknown[]).length > MAX_RULES) fail('', `at most ${MAX_RULES} rules, got ${(value as unknown[]).length}`);
  return (value as unknown[]).map((item, i) => {
    try {
      return parseRule(item);
    } catch (e) {
      if (e instanceof RuleError) throw new RuleError(`[${i}]${e.field === '' ? '' : `.${e.field}`}`, `rule [${i}]: ${e.message}`);
      throw e;
    }
  });
}
