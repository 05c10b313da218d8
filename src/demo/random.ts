import { createHash } from 'node:crypto';

/**
 * A small seeded PRNG (sfc32, seeded through splitmix32) for deterministic demo data:
 * the same seed always yields the same sequence, on every platform and Node version.
 * Not for anything security-related.
 */

/** splitmix32: turns any 32-bit value into a well-mixed one (also used to derive seeds). */
function splitmix32(x: number): number {
  x = (x + 0x9e3779b9) | 0;
  let z = x;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** Folds a number (any finite value, including beyond 32 bits) and optional labels into a 32-bit seed. */
export function mixSeed(seed: number, ...labels: (number | string)[]): number {
  const n = Number.isFinite(seed) ? Math.trunc(seed) : 0;
  let h = splitmix32((n >>> 0) ^ splitmix32(Math.floor(n / 0x100000000) >>> 0));
  for (const label of labels) {
    if (typeof label === 'number') h = splitmix32(h ^ splitmix32(label >>> 0));
    else for (let i = 0; i < label.length; i++) h = splitmix32(h ^ label.charCodeAt(i));
  }
  return h;
}

/** Room for one GUID's 16 bytes (the demo generator is synchronous: one at a time). */
const GUID_BYTES = Buffer.alloc(16);

/**
 * Sets the version-4 and variant bits of 16 bytes and writes them as a lowercase GUID. Built
 * as one flat string: the estate keeps hundreds of thousands of ids, and a GUID concatenated
 * from ~20 pieces costs ten times its 36 characters for as long as it lives.
 */
function guidText(w0: number, w1: number, w2: number, w3: number): string {
  GUID_BYTES.writeUInt32BE(w0 >>> 0, 0);
  GUID_BYTES.writeUInt32BE(((w1 & 0xffff0fff) | 0x00004000) >>> 0, 4); // version 4
  GUID_BYTES.writeUInt32BE(((w2 & 0x3fffffff) | 0x80000000) >>> 0, 8); // variant 10xx
  GUID_BYTES.writeUInt32BE(w3 >>> 0, 12);
  const h = GUID_BYTES.toString('hex');
  return [h.slice(0, 8), h.slice(8, 12), h.slice(12, 16), h.slice(16, 20), h.slice(20)].join('-');
}

/**
 * The GUID named by a seed and labels (the rows derived from another row: a session's restore
 * point and file): 122 bits of a SHA-256 of them. Not `Random.derive(…).guid()`, whose 32-bit
 * seed space repeats a GUID among the tens of thousands of points of a million-session estate.
 */
export function namedGuid(seed: number, ...labels: string[]): string {
  const digest = createHash('sha256').update(JSON.stringify([seed, ...labels])).digest();
  return guidText(digest.readUInt32BE(0), digest.readUInt32BE(4), digest.readUInt32BE(8), digest.readUInt32BE(12));
}

export class Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    let s = mixSeed(seed);
    this.a = s = splitmix32(s);
    this.b = s = splitmix32(s);
    this.c = s = splitmix32(s);
    this.d = 1;
    for (let i = 0; i < 12; i++) this.uint32(); // warm up
  }

  /** An independent generator derived from this one's seed path and a label (does not advance this one). */
  static derive(seed: number, ...labels: (number | string)[]): Random {
    return new Random(mixSeed(seed, ...labels));
  }

  /** Next uniformly distributed unsigned 32-bit integer. */
  uint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.uint32() / 0x100000000;
  }

  /** Uniform integer in [min, max] (both inclusive). */
  int(min: number, max: number): number {
    if (max < min) throw new RangeError(`int(${min}, ${max})`);
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** Uniform real in [min, max). */
  float(min: number, max: number): number {
    return min + this.next() * (max - min);
  }

  /** Log-uniform real in [min, max): small values as likely per decade as large ones. */
  logUniform(min: number, max: number): number {
    return Math.exp(this.float(Math.log(min), Math.log(max)));
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick from an empty list');
    return items[Math.floor(this.next() * items.length)];
  }

  /** Picks by weight: `[[item, weight], …]`. */
  weighted<T>(items: readonly (readonly [T, number])[]): T {
    const total = items.reduce((sum, [, w]) => sum + w, 0);
    let r = this.next() * total;
    for (const [item, w] of items) {
      if (r < w) return item;
      r -= w;
    }
    return items[items.length - 1][0];
  }

  /** A new array with the items in random order (Fisher–Yates). */
  shuffle<T>(items: readonly T[]): T[] {
    const out = items.slice();
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [out[i], out[j]] = [out[j], out[i]];
    }
    return out;
  }

  /** A lowercase RFC 4122 version-4-shaped GUID drawn from this generator. */
  guid(): string {
    return guidText(this.uint32(), this.uint32(), this.uint32(), this.uint32());
  }

}
