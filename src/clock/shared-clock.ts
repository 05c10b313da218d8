import { randomUUID } from 'node:crypto';
import type { Store } from '../store/store.js';
import type { Clock, ClockState } from './clock.js';

/** The meta entry holding the clock the nodes of one database share. */
const CLOCK_META = 'clock';
/** How often a node looks whether another one moved the clock. */
export const CLOCK_POLL_MS = 500;

interface Published extends ClockState {
  /** The node that moved it last (its own changes need no adopting). */
  readonly by: string;
}

/**
 * One clock for every node of a database: a change made at any node (the admin API) is written
 * to the store, and every node takes over what it finds there within `CLOCK_POLL_MS`. A node
 * that starts as the first (`own`: it prepared the store) publishes its clock, as its flags
 * set it; one that joins takes the clock the others run.
 */
export class SharedClock {
  private readonly node = randomUUID();
  private seen: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly store: Store, private readonly clock: Clock, private readonly report: (e: unknown) => void) {}

  async start(own: boolean): Promise<void> {
    if (own) await this.publish();
    else await this.poll();
    this.clock.onChange(() => void this.publish());
    this.timer = setInterval(() => void this.poll(), CLOCK_POLL_MS);
    this.timer.unref();
  }

  /** Writes the clock as it is now (changes are written in the order made). */
  publish(): Promise<void> {
    const text = JSON.stringify({ ...this.clock.state(), by: this.node } satisfies Published);
    this.writing = this.writing.then(async () => {
      try {
        await this.store.write((w) => w.putMeta(CLOCK_META, text));
        this.seen = text;
      } catch (e) {
        this.report(e);
      }
    });
    return this.writing;
  }

  private async poll(): Promise<void> {
    try {
      const text = await this.store.getMeta(CLOCK_META);
      if (text === undefined || text === this.seen) return;
      this.seen = text;
      const published = JSON.parse(text) as Published;
      if (published.by !== this.node) this.clock.adopt(published);
    } catch (e) {
      this.report(e);
    }
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
