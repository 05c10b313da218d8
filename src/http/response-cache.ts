import { generationOf, stampOf, type Generations } from '../store/store.js';

/**
 * Rendered query answers, keyed by everything that shapes the bytes (query string, format,
 * link base), each valid while the data generations of the tables its query reads (its type's
 * table and the tables its FROM clause joins: `tablesRead`) are those it was computed at. A
 * committed write, by this process or another, moves the generations of exactly the tables it
 * changed, so a write to backup sessions leaves cached replica answers alone. Monitoring tools
 * poll the same queries over and over; they get the same bytes without re-running SQL or
 * rendering.
 *
 * Only answers that depend on nothing but the data may be cached: the key holds no clock, so
 * an answer that depends on "now" (the 30-day window of the session collections) must never
 * be put here.
 */
export interface CachedResponse {
  readonly body: Buffer;
  readonly contentType: string;
}

interface Entry {
  readonly value: CachedResponse;
  /** The tables the answer read, and their generations when it was computed. */
  readonly tables: readonly string[];
  readonly stamp: string;
}

export class ResponseCache {
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;
  /** The newest generation seen of each table (they only grow): an entry stamped older is dead. */
  private readonly newest = new Map<string, number>();
  private lastSeen: Generations | undefined;

  /** `looked`: hears whether each lookup found a live answer (for metrics). */
  constructor(
    private readonly maxBytes: number,
    private readonly looked?: (hit: boolean) => void,
  ) {}

  /** The answer cached under `key` if the tables it read (`tables`) are at `generations` still. */
  get(key: string, tables: readonly string[], generations: Generations): CachedResponse | undefined {
    this.observe(generations);
    const hit = this.entries.get(key);
    const live = hit !== undefined && hit.stamp === stampOf(generations, tables);
    this.looked?.(live);
    if (!live) return undefined;
    // Most recently used last: Map keeps insertion order, eviction takes the first.
    this.entries.delete(key);
    this.entries.set(key, hit);
    return hit.value;
  }

  /**
   * Keeps an answer under the generations of the tables it read (`tables`) as they were in
   * `generations`, read before the answer's own read began (so its data is at least that new).
   */
  set(key: string, tables: readonly string[], generations: Generations, value: CachedResponse): void {
    if (value.body.length > this.maxBytes / 4) return;
    this.observe(generations);
    const entry = { value, tables, stamp: stampOf(generations, tables) };
    // A table written meanwhile (seen by a later request): the answer could never be served.
    if (!this.live(entry)) return;
    this.remove(key);
    this.entries.set(key, entry);
    this.bytes += value.body.length;
    for (const [k, v] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(k);
      this.bytes -= v.value.body.length;
    }
  }

  /** Notes generations that moved, dropping every entry that read a table since written. */
  private observe(generations: Generations): void {
    if (generations === this.lastSeen) return;
    this.lastSeen = generations;
    let moved = false;
    for (const [table, generation] of generations) {
      if (generation > generationOf(this.newest, table)) {
        this.newest.set(table, generation);
        moved = true;
      }
    }
    if (!moved) return;
    for (const [key, entry] of this.entries) if (!this.live(entry)) this.remove(key);
  }

  /** Whether none of the entry's tables has been seen at a newer generation than it was computed at. */
  private live(entry: Entry): boolean {
    return entry.stamp === stampOf(this.newest, entry.tables);
  }

  private remove(key: string): void {
    const old = this.entries.get(key);
    if (old === undefined) return;
    this.entries.delete(key);
    this.bytes -= old.value.body.length;
  }
}
