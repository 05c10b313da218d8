import { Worker } from 'node:worker_threads';
import { Channel, threadPort } from '../channel.js';
import { receivedEntity, type ConvertedEntity, type SentEntity } from './entities.js';
import { receivedError, type SentError } from './errors.js';
import type { InputFormat } from './source.js';

/** What the parse thread is started with. */
export interface ParseThreadData {
  readonly path: string;
  readonly source: string;
  /** Entities per batch handed over. */
  readonly batch: number;
  /** Batches made ahead of the importer, at most: what bounds the thread's memory. */
  readonly ahead: number;
}

/** One answer of the thread, in order: the format, then batches of entities (the last says so), or an error instead. */
export type Parsed =
  | { readonly format: InputFormat }
  | { readonly entities: readonly SentEntity[]; readonly end?: boolean }
  | { readonly error: SentError };

export const PARSE_OPS = { next: 'next' } as const;

/**
 * Small batches, few ahead: what is handed over dies young in both threads instead of reaching
 * the old generation (100k sessions: the thread's GC 3.7 s with 4 × 2,000, 1.4 s with 2 × 200).
 */
const BATCH = 100;
const AHEAD = 2;

/**
 * `readEntities` of a file on a worker thread of its own: decoding, parsing and converting run
 * beside the importer's bookkeeping and the store's inserts instead of before them, a few
 * batches ahead at most, and their garbage is collected in the thread's small heap rather than
 * in the importer's, which holds every id of the input (1M sessions: 159 s → 124 s, CPU
 * 189 s → 138 s). Errors arrive as the importer reaches them, as ImportErrors where they were.
 */
export async function readEntitiesInThread(
  path: string, source: string,
): Promise<{ format: InputFormat; entities: AsyncIterable<ConvertedEntity> }> {
  const data: ParseThreadData = { path, source, batch: BATCH, ahead: AHEAD };
  const worker = new Worker(new URL('./parse-thread-main.js', import.meta.url), { workerData: data });
  const channel = new Channel(threadPort(worker), undefined);
  let failed: string | undefined;
  worker.on('error', (e) => channel.close((failed = `the parse thread failed: ${e.message}`)));
  worker.on('exit', (code) => channel.close(`the parse thread stopped (exit code ${code})`));
  // A thread that failed (out of memory, say) is no busy peer to try again: its reason is the error.
  const next = () => channel.request<Parsed>(PARSE_OPS.next).catch((e: unknown) => {
    throw failed === undefined ? e : new Error(failed);
  });
  try {
    const first = await next();
    if ('error' in first) throw receivedError(first.error, source);
    if (!('format' in first)) throw new Error('the parse thread answered out of order');
    return { format: first.format, entities: entitiesOf(worker, next, source) };
  } catch (e) {
    await worker.terminate();
    throw e;
  }
}

async function* entitiesOf(worker: Worker, next: () => Promise<Parsed>, source: string): AsyncGenerator<ConvertedEntity> {
  // The next batch is asked for before this one is taken apart, so it is on its way meanwhile.
  let asked: Promise<Parsed> | undefined = next();
  try {
    while (asked !== undefined) {
      const parsed: Parsed = await asked;
      if ('error' in parsed) throw receivedError(parsed.error, source);
      if (!('entities' in parsed)) throw new Error('the parse thread answered out of order');
      asked = parsed.end ? undefined : next();
      for (const sent of parsed.entities) yield receivedEntity(sent);
    }
  } finally {
    // Stopped early (an error, the importer's own or this one): an answer still coming is moot.
    asked?.catch(() => undefined);
    await worker.terminate();
  }
}
