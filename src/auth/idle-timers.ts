import type { Store } from '../store/store.js';

/**
 * Logon sessions' idle timers as this process has seen them, written to the store in batches
 * off the requests' path. A write that would have to wait for a lock is skipped and tried at
 * the next flush: a read never waits on, or fails because of, a write elsewhere.
 */
export class IdleTimers {
  private pending = new Map<string, number>();
  private readonly timer: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: Store,
    flushEveryMs: number,
  ) {
    this.timer = setInterval(() => void this.flush(), flushEveryMs).unref();
  }

  /** When the session was last used: the stored time, or a later one not yet written. */
  lastSeen(id: string, stored: number): number {
    return Math.max(stored, this.pending.get(id) ?? stored);
  }

  seen(id: string, at: number): void {
    if ((this.pending.get(id) ?? -Infinity) < at) this.pending.set(id, at);
  }

  forget(id: string): void {
    this.pending.delete(id);
  }

  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      if (this.pending.size === 0) return;
      const batch = this.pending;
      this.pending = new Map();
      const written = await this.store.touchLogonSessions(batch).catch(() => false);
      if (!written) for (const [id, at] of batch) this.seen(id, at);
    });
    return this.flushing;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}
