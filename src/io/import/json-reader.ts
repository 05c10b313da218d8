import type { TypeDecl } from '../../model/index.js';
import { JsonEntity } from './json-entity.js';
import { Scanner, type Json } from './json-scanner.js';
import { REFERENCES_REJECTED, typeByList, type RawEntity } from './mapping.js';

/**
 * Entities of EM JSON, streamed: a QueryResult (`{"Entities":{"ReplicaJobSessions":{"ReplicaJobSessions":[…]}},"PagingInfo":…}`),
 * with or without its null members (12/13), an entity list (`{"ReplicaJobSessions":[…]}`), a single entity, or any sequence of these —
 * which covers NDJSON (one entity object per line). The envelope is walked token by token
 * (json-scanner.ts); each entity's text is cut out and parsed alone, so only one entity is
 * materialised at a time.
 */

const LISTS = [...typeByList.keys()].join(', ');

function isObject(v: Json): v is { [key: string]: Json } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

async function* array(s: Scanner, type: TypeDecl | undefined, path: string): AsyncGenerator<RawEntity> {
  await s.expect('[');
  if (await s.accept(']')) return;
  let n = 0;
  do {
    s.compact();
    const { value, text, at } = await s.value('an entity object');
    const here = `${path}[${n++}]`;
    if (!isObject(value)) s.fail(`expected an entity object, found ${Array.isArray(value) ? 'an array' : JSON.stringify(value)}`, { ...at, path: here });
    yield new JsonEntity(value, text, at, here, type);
  } while (await s.next(']'));
}

/** `[…]` or the QueryResult form `{"ReplicaJobSessions":[…]}` of one type's list. */
async function* list(s: Scanner, type: TypeDecl, path: string): AsyncGenerator<RawEntity> {
  if (!(await s.skipWs())) s.fail(`unexpected end of input: expected the ${type.listElement} array (truncated?)`);
  if (s.peek() === '[') return yield* array(s, type, path);
  if (s.peek() !== '{') s.fail(`expected an array of ${type.name} entities, found '${s.peek()}'`, { ...s.at(), path });
  await s.expect('{');
  if (await s.accept('}')) return;
  do {
    const { key, at } = await s.key();
    if (key !== type.listElement) s.fail(`unexpected property "${key}" in ${type.listElement}: expected "${type.listElement}"`, { ...at, path });
    yield* array(s, type, `${path}.${key}`);
  } while (await s.next('}'));
}

/** Consumes a `null` if one comes next: a member a 12/13 EM writes with no value. */
async function skipNull(s: Scanner): Promise<boolean> {
  if (!(await s.skipWs()) || s.peek() !== 'n') return false;
  const { value, at } = await s.value();
  if (value !== null) s.fail(`malformed JSON: unexpected ${JSON.stringify(value)}`, at);
  return true;
}

/** QueryResult members that only ever hold what an import has no use for; read only as `null`. */
const EMPTY_MEMBERS = new Set(['Refs', 'Resources', 'Links']);

/**
 * A root object whose properties are QueryResult members or entity lists. A 12/13 EM writes
 * every member, `null` when empty (`"Refs":null`, `"Resources":null`, `"Links":null`, and in
 * `Entities` every collection but the filled one); those are skipped.
 */
async function* envelope(s: Scanner): AsyncGenerator<RawEntity> {
  await s.expect('{');
  if (await s.accept('}')) return;
  do {
    const { key, at } = await s.key();
    if (EMPTY_MEMBERS.has(key) && (await skipNull(s))) continue;
    if (key === 'Refs') s.fail(REFERENCES_REJECTED, { ...at, path: '$.Refs' });
    const listed = typeByList.get(key);
    if (key === 'PagingInfo') await s.value();
    else if (listed) yield* list(s, listed, `$.${key}`);
    else if (key === 'Entities') {
      if (await skipNull(s)) continue;
      await s.expect('{');
      if (await s.accept('}')) continue;
      do {
        const inner = await s.key();
        if (await skipNull(s)) continue;
        const type = typeByList.get(inner.key);
        if (!type) s.fail(`unexpected property "${inner.key}" in Entities: expected one of ${LISTS}`, { ...inner.at, path: '$.Entities' });
        yield* list(s, type, `$.Entities.${inner.key}`);
      } while (await s.next('}'));
    } else {
      s.fail(`unexpected property "${key}": expected Entities, PagingInfo or an entity list (${LISTS})`, { ...at, path: '$' });
    }
  } while (await s.next('}'));
}

const ENVELOPE_KEYS = new Set(['Entities', 'Refs', 'PagingInfo', ...typeByList.keys()]);

export async function* readJson(chunks: AsyncIterable<string>, source: string): AsyncGenerator<RawEntity> {
  const s = new Scanner(chunks[Symbol.asyncIterator](), source);
  while (await s.skipWs()) {
    s.compact();
    const c = s.peek();
    if (c === '[') {
      yield* array(s, undefined, '$');
    } else if (c === '{') {
      const key = await s.firstKey();
      if (typeof key === 'string' && ENVELOPE_KEYS.has(key)) {
        yield* envelope(s);
      } else {
        const { value, text, at } = await s.value();
        yield new JsonEntity(value as { [key: string]: Json }, text, at, undefined, undefined);
      }
    } else {
      s.fail(`malformed JSON: expected an object, found '${c}'`);
    }
  }
}
