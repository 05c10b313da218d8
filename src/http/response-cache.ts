/**
 * Rendered query answers, keyed by everything that shapes the bytes (query string, format,
 * link base) and valid for one data generation: any committed write, by this process or
 * another, changes the generation and empties the cache. Monitoring tools poll the same
 * queries over and over; they get the same bytes without re-running SQL or rendering.
 */
export interface CachedResponse {
  readonly body: Buffer;
  readonly contentType: string;
}

export class ResponseCache {
  private readonly entries = new Map<string, CachedResponse>();
  private generation = -1;
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  get(key: string, generation: number): CachedResponse | undefined {
    if (generation !== this.generation) {
      this.entries.clear();
      this.bytes = 0;
      this.generation = generation;
      return undefined;
    }
    const hit = this.entries.get(key);
    if (hit) {
      // Most recently used last: Map keeps insertion order, eviction takes the first.
      this.entries.delete(key);
      this.entries.set(key, hit);
    }
    return hit;
  }

  set(key: string, generation: number, value: CachedResponse): void {
    if (generation !== this.generation || value.body.length > this.maxBytes / 4) return;
    const old = this.entries.get(key);
    if (old) this.bytes -= old.body.length;
    this.entries.delete(key);
    this.entries.set(key, value);
    this.bytes += value.body.length;
    for (const [k, v] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(k);
      this.bytes -= v.body.length;
    }
  }
}
