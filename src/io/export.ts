import type { Writable } from 'node:stream';
import { once } from 'node:events';
import { planOrder, type Predicate } from '../query/plan.js';
import type { FieldDecl, Row, TypeDecl } from '../model/index.js';
import { entityNode, LOSSLESS } from '../represent/entities.js';
import { toJson, type JsonNulls } from '../represent/json.js';
import { DEFAULT_EM_VERSION, PROFILES } from '../profile/profiles.js';
import { xmlFragment } from '../represent/xml.js';
import type { Store } from '../store/store.js';

/**
 * Export of stored rows as EM documents that `import` reads back identically: per type an
 * entity list (`<ReplicaJobSessions>` / `{"ReplicaJobSessions":[…]}`), or NDJSON (one entity
 * object per line, any mix of types). Entities are the API's own representation (entityNode
 * + the XML/JSON writers); rows are read page by page, so nothing holds the whole export.
 */
export type ExportFormat = 'xml' | 'json' | 'ndjson';

export const EXPORT_FORMATS: readonly ExportFormat[] = ['ndjson', 'xml', 'json'];

/** The link base of exported hrefs unless another is given. */
export const DEFAULT_BASE_URL = 'https://localhost:9398/api';

/** Rows per store round trip. */
const PAGE = 2000;

const cmp = (field: FieldDecl, op: '==' | '>' | '>=', value: string | number): Predicate => ({ kind: 'cmp', field, op, value });

/**
 * Rows strictly after `last` in the order (sort keys k1..kn): k1 > v1, or k1 = v1 and k2 > v2, …
 * led by `k1 >= v1`, which SQL can serve as an index range (a bare OR would scan from the start).
 */
function after(order: ReturnType<typeof planOrder>, last: Row): Predicate {
  const value = (i: number) => last[order[i].field.key] as string | number;
  const items: Predicate[] = order.map((_, i) => {
    const eq = order.slice(0, i).map((k, j) => cmp(k.field, '==', value(j)));
    const gt = cmp(order[i].field, '>', value(i));
    return eq.length ? { kind: 'and', items: [...eq, gt] } : gt;
  });
  if (items.length === 1) return items[0];
  return { kind: 'and', items: [cmp(order[0].field, '>=', value(0)), { kind: 'or', items }] };
}

/**
 * A type's rows (optionally filtered) in its default order, in pages. Pages follow the last
 * row's sort keys (keyset paging) so each page is an index range scan, not an ever-growing
 * OFFSET; a type whose default order had optional keys would fall back to OFFSET.
 */
export async function* exportRows(store: Store, type: TypeDecl, where?: Predicate, pageSize = PAGE): AsyncGenerator<Row[]> {
  const order = planOrder(type);
  const keyset = order.every((k) => !k.field.optional);
  let last: Row | undefined;
  for (let offset = 0; ; offset += pageSize) {
    const page = keyset && last ? after(order, last) : undefined;
    const filter = where && page ? { kind: 'and' as const, items: [where, page] } : (where ?? page);
    const { rows } = await store.query({ type, where: filter, order, offset: keyset ? 0 : offset, limit: pageSize });
    if (rows.length) yield rows;
    if (rows.length < pageSize) return;
    last = rows[rows.length - 1];
  }
}

export interface ExportOptions {
  /** Link base of hrefs (default `https://localhost:9398/api`). */
  readonly base?: string;
  /** Only rows matching this (a planned EM filter). */
  readonly where?: Predicate;
  /** Told how many rows each page had (for progress and summaries). */
  readonly onRows?: (count: number) => void;
  /** JSON members with no value: left out or `null` (default: as the default EM version's API writes them). */
  readonly jsonNulls?: JsonNulls;
}

/**
 * One type's export as text pieces: an XML or JSON entity-list document (exactly the bytes of
 * the API's collection document, one entity per line in JSON, plus a final newline), or NDJSON lines.
 */
export async function* exportDocument(store: Store, type: TypeDecl, format: ExportFormat, options: ExportOptions = {}): AsyncGenerator<string> {
  const base = options.base ?? DEFAULT_BASE_URL;
  const nulls = options.jsonNulls ?? PROFILES[DEFAULT_EM_VERSION].jsonNulls;
  const list = type.listElement;
  let count = 0;
  // The root declares what the default profile's collection documents declare (xml-style.ts).
  if (format === 'xml') yield `<?xml version="1.0" encoding="utf-8"?>\n<${list}${PROFILES[DEFAULT_EM_VERSION].xmlStyle.rootNamespaces}`;
  if (format === 'json') yield `{${JSON.stringify(list)}:[`;
  for await (const rows of exportRows(store, type, options.where)) {
    let piece = '';
    for (const row of rows) {
      const node = entityNode(type, row, base, LOSSLESS);
      if (format === 'xml') piece += (count === 0 ? '>\n' : '\n') + xmlFragment(node, '  ');
      else if (format === 'json') piece += (count === 0 ? '\n' : ',\n') + toJson(node, nulls);
      else piece += toJson(node, nulls) + '\n';
      count++;
    }
    options.onRows?.(rows.length);
    yield piece;
  }
  if (format === 'xml') yield count === 0 ? ' />\n' : `\n</${list}>\n`;
  if (format === 'json') yield count === 0 ? ']}\n' : '\n]}\n';
}

/** Writes pieces to a stream, waiting whenever it asks to (backpressure); returns the bytes written. */
export async function writeAll(out: Writable, pieces: AsyncIterable<string>): Promise<number> {
  let bytes = 0;
  for await (const piece of pieces) {
    if (!piece) continue;
    bytes += Buffer.byteLength(piece);
    if (!out.write(piece)) await once(out, 'drain');
  }
  return bytes;
}
