/** What is kept of one row's text. */
interface Kept {
  readonly revision: string;
  /** The text split where the link base goes (`SplitWriter.split`). */
  readonly parts: readonly string[];
  readonly chars: number;
  /** Read since the sweep last passed it. */
  used: boolean;
}

/** Counted per kept text beside its characters: the entry, its key and its array. */
const ENTRY_CHARS = 128;

/**
 * Rendered row texts by compiled writer and row id, each valid while the row's revision (see
 * `RowRevision`) is the one it was rendered at; at most `maxChars` characters in all. When
 * full, a "second chance" sweep drops the oldest texts not read since it last passed them.
 */
export class RowTexts {
  private readonly kept = new Map<string, Kept>();
  private readonly writers = new WeakMap<object, string>();
  private chars = 0;
  private writerCount = 0;

  constructor(private readonly maxChars: number) {}

  private keyOf(writer: object, id: string): string {
    let prefix = this.writers.get(writer);
    if (prefix === undefined) this.writers.set(writer, (prefix = `${this.writerCount++}:`));
    return prefix + id;
  }

  /** The split text of a row, if kept at this revision. */
  get(writer: object, id: string, revision: string): readonly string[] | undefined {
    const kept = this.kept.get(this.keyOf(writer, id));
    if (kept === undefined || kept.revision !== revision) return undefined;
    kept.used = true;
    return kept.parts;
  }

  put(writer: object, id: string, revision: string, parts: readonly string[]): void {
    let chars = ENTRY_CHARS;
    for (const p of parts) chars += p.length;
    if (chars > this.maxChars) return;
    const key = this.keyOf(writer, id);
    const old = this.kept.get(key);
    if (old !== undefined) {
      this.kept.delete(key);
      this.chars -= old.chars;
    }
    this.kept.set(key, { revision, parts, chars, used: false });
    this.chars += chars;
    while (this.chars > this.maxChars) this.sweep();
  }

  /** Drops the oldest text, or gives it a second chance (to the end) if read since. */
  private sweep(): void {
    const [key, kept] = this.kept.entries().next().value as [string, Kept];
    this.kept.delete(key);
    if (kept.used) {
      kept.used = false;
      this.kept.set(key, kept);
    } else {
      this.chars -= kept.chars;
    }
  }

  get size(): { texts: number; chars: number } {
    return { texts: this.kept.size, chars: this.chars };
  }
}
