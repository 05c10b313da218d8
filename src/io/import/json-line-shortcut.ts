import { CLOSE_BRACE, COMMA, OPEN_BRACE, isWs } from './json-brackets.js';

/**
 * The line shortcut: an object that ends its line (NDJSON, and the entity-per-line lists
 * `export` writes) is cut at the newline, which the native `indexOf` finds, instead of by the
 * bracket scanner, a JS loop over every character. Once a line turns out to hold more than
 * one value the shortcut is off: each would be parsed twice.
 */
export class LineShortcut {
  private on = true;
  // The first newline at or after nlFrom is at nlAt; -1: none in the buffer up to nlEnd.
  private nlFrom = Infinity;
  private nlAt = -1;
  private nlEnd = 0;

  /** The buffer lost its front: offsets found so far are void. */
  reset(): void {
    this.nlFrom = Infinity;
  }

  /** Index of the first newline at or after `from`, or -1; each stretch of `buf` searched once. */
  private newlineFrom(buf: string, from: number): number {
    const known = from >= this.nlFrom;
    if (known && this.nlAt >= from) return this.nlAt;
    let at: number;
    if (known && this.nlAt < 0) at = this.nlEnd === buf.length ? -1 : buf.indexOf('\n', Math.max(from, this.nlEnd));
    else at = buf.indexOf('\n', from);
    this.nlFrom = from;
    this.nlAt = at;
    this.nlEnd = buf.length;
    return at;
  }

  /**
   * End (exclusive) of the object starting at `start` if it ends its line (a comma after it is
   * left for the caller), else -1; whether the text there parses is for the caller to find.
   */
  objectEnd(buf: string, start: number): number {
    if (!this.on || buf.charCodeAt(start) !== OPEN_BRACE) return -1;
    const nl = this.newlineFrom(buf, start);
    if (nl < 0) return -1;
    let end = nl;
    while (isWs(buf.charCodeAt(end - 1))) end--;
    if (buf.charCodeAt(end - 1) === COMMA) end--;
    return end - 1 > start && buf.charCodeAt(end - 1) === CLOSE_BRACE ? end : -1;
  }

  /** The value at [start, end) was cut by the bracket scanner instead. */
  scanned(buf: string, start: number, end: number): void {
    // A line that started with this object and did not parse as one held more than one value.
    if (this.on && buf.charCodeAt(start) === OPEN_BRACE && this.nlAt > start) this.on = end > this.nlAt;
  }
}
