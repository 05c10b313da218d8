import type { Clock } from '../clock/clock.js';
import type { Estate } from './estate.js';

/**
 * Keeps the estate up with a running clock: a catch-up every `tickMs` of real time (never two
 * at once: a long one just delays the next). A frozen clock makes each tick a no-op; moving it
 * through the admin API catches up there and then. A failed catch-up (another process holding
 * the database, say) is reported and tried again at the next tick: nothing was written.
 */
export function runLive(estate: Estate, clock: Clock, tickMs: number, report: (e: unknown) => void): { stop(): void } {
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    estate.catchUp(clock.now()).catch(report).finally(() => (busy = false));
  }, tickMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
