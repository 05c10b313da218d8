import { setTimeout as sleep } from 'node:timers/promises';
import { StoreBusyError } from '../store.js';

/** SQLite's "another connection holds the lock" codes (extended ones start with these). */
const isBusy = (e: unknown) => {
  const code = (e as { code?: unknown }).code;
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
};

/**
 * Runs `attempt` (synchronous SQLite work on a connection with no busy timeout) until it does
 * not meet a lock, waiting asynchronously between tries: the event loop goes on serving.
 * After `waitMs` it gives up with `StoreBusyError`. `attempt` must leave no transaction open
 * when it throws.
 */
export async function whenFree<T>(what: string, waitMs: number, attempt: () => T): Promise<T> {
  const until = performance.now() + waitMs;
  for (let pause = 2; ; pause = Math.min(pause * 2, 100)) {
    try {
      return attempt();
    } catch (e) {
      if (!isBusy(e)) throw e;
      if (performance.now() + pause > until) throw new StoreBusyError(what);
    }
    await sleep(pause);
  }
}

/** One attempt only: undefined when the lock is taken. */
export function ifFree<T>(attempt: () => T): T | undefined {
  try {
    return attempt();
  } catch (e) {
    if (isBusy(e)) return undefined;
    throw e;
  }
}
