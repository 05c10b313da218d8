import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Remembers, for a few minutes, that a user's password checked out — as a keyed MAC of the
 * password under a per-process random key, never the password. Monitoring scripts log on
 * before every poll; scrypt costs tens of milliseconds of CPU each time. An entry only
 * counts while the stored hash is the one it was made for, so a password change (or a
 * removed user) ends it at once.
 */
export class CredentialCache {
  private readonly key = randomBytes(32);
  private readonly entries = new Map<string, { storedHash: string; mac: Buffer; until: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 1024,
  ) {}

  private mac(name: string, password: string): Buffer {
    return createHmac('sha256', this.key).update(name.toLowerCase()).update('\0').update(password).digest();
  }

  /** True if this password was verified against this stored hash within the TTL. */
  knows(name: string, password: string, storedHash: string, now: number): boolean {
    const e = this.entries.get(name.toLowerCase());
    if (!e || e.storedHash !== storedHash || now > e.until) return false;
    return timingSafeEqual(e.mac, this.mac(name, password));
  }

  remember(name: string, password: string, storedHash: string, now: number): void {
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    this.entries.set(name.toLowerCase(), { storedHash, mac: this.mac(name, password), until: now + this.ttlMs });
  }
}
