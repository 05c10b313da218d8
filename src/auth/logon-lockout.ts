import { DEFAULTS } from '../config.js';

/** `failures` failed logons within `windowMs` lock the (user name, client address) pair out. */
export interface LockoutPolicy {
  readonly failures: number;
  readonly windowMs: number;
}

/**
 * Failed-logon counting as logons use it: a process's own `LogonLockout`, or (worker processes
 * of one server) the primary's, asked over IPC so that failures count across workers.
 */
export interface LockoutCounter {
  /** True while the pair is locked out: the attempt is refused without checking the password. */
  locked(user: string, address: string, now: number): boolean | Promise<boolean>;
  failed(user: string, address: string, now: number): void | Promise<void>;
  succeeded(user: string, address: string): void | Promise<void>;
}

interface Entry {
  /** Times of the failures still inside the window, oldest first. */
  failures: number[];
  /** 0 before the first lockout. */
  lockedUntil: number;
  /** Length of the last lockout (0: none yet); doubles on the next. */
  lastLockMs: number;
}

/**
 * Failure counting per (user name, client address): after `failures` failures within the
 * window further attempts are refused without a password check, for a back-off that doubles
 * up to 15 minutes. A success forgets the pair. Per server process (each node counts its own;
 * a node's worker processes share their primary's).
 */
export class LogonLockout implements LockoutCounter {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly policy: LockoutPolicy) {}

  private static key(user: string, address: string): string {
    return `${user.toLowerCase()}\u0000${address}`;
  }

  /** True while the pair is locked out: the attempt is refused without checking the password. */
  locked(user: string, address: string, now: number): boolean {
    const e = this.entries.get(LogonLockout.key(user, address));
    return e !== undefined && now < e.lockedUntil;
  }

  failed(user: string, address: string, now: number): void {
    const key = LogonLockout.key(user, address);
    let e = this.entries.get(key);
    if (e === undefined) {
      if (this.entries.size >= DEFAULTS.lockoutPairs) this.prune(now);
      e = { failures: [], lockedUntil: 0, lastLockMs: 0 };
    } else {
      this.entries.delete(key);
    }
    this.entries.set(key, e); // most recently failed last: pruning takes the oldest
    const since = now - this.policy.windowMs;
    while (e.failures.length > 0 && e.failures[0] <= since) e.failures.shift();
    e.failures.push(now);
    if (e.failures.length >= this.policy.failures) {
      e.lastLockMs = e.lastLockMs === 0 ? this.policy.windowMs : Math.min(2 * e.lastLockMs, DEFAULTS.maxLockoutMs);
      e.lockedUntil = now + e.lastLockMs;
      e.failures = [];
    }
  }

  succeeded(user: string, address: string): void {
    this.entries.delete(LogonLockout.key(user, address));
  }

  /** Drops pairs with no failure in the window and no lockout within 15 minutes; if none, the oldest. */
  private prune(now: number): void {
    const since = now - this.policy.windowMs;
    for (const [key, e] of this.entries) {
      const lastFailure = e.failures.length === 0 ? -Infinity : e.failures[e.failures.length - 1];
      if (lastFailure <= since && now >= e.lockedUntil + DEFAULTS.maxLockoutMs) this.entries.delete(key);
    }
    while (this.entries.size >= DEFAULTS.lockoutPairs) this.entries.delete(this.entries.keys().next().value!);
  }
}

/** `N/window` (`10/60s`, `10/1m`, `5/30000ms`; a bare window is seconds) or `0` (off). */
export function parseLockoutPolicy(text: string): LockoutPolicy | undefined {
  if (text.trim() === '0') return undefined;
  const m = /^\s*(\d{1,6})\s*\/\s*(\d{1,9})\s*(ms|s|m|min|h)?\s*$/i.exec(text);
  const unit: Record<string, number> = { ms: 1, s: 1000, m: 60_000, min: 60_000, h: 3_600_000 };
  const failures = m ? Number(m[1]) : 0;
  const windowMs = m ? Number(m[2]) * unit[(m[3] ?? 's').toLowerCase()] : 0;
  if (failures < 1 || windowMs < 1) throw new Error(`expected N/WINDOW such as 10/60s or 10/1m, or 0 to turn it off; got '${text}'`);
  return { failures, windowMs };
}
