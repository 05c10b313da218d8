import type { JournalFilter, JournalPage, JournalReader } from '../http/journal.js';
import type { Channel } from '../io/channel.js';
import { OPS } from './protocol.js';

/**
 * The journal as a worker's admin API reads it: every worker journals the requests it serves;
 * the primary asks them all and merges their pages in arrival order (real time, one host).
 */
export class SharedJournal implements JournalReader {
  constructor(
    private readonly channel: Channel,
    readonly capacity: number,
  ) {}

  list(filter: JournalFilter, limit = Infinity): Promise<JournalPage> {
    return this.channel.request(OPS.journalList, { filter, limit });
  }

  count(filter: JournalFilter): Promise<number> {
    return this.channel.request(OPS.journalCount, filter);
  }

  async clear(): Promise<void> {
    await this.channel.request(OPS.journalClear);
  }
}
