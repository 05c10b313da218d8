/** The parse thread of `readEntitiesInThread`: reads, parses and converts one file ahead of the importer. */
import { createReadStream } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { Channel, threadPort } from '../channel.js';
import { sentError } from './errors.js';
import { readEntities, sentEntity, type SentEntity } from './entities.js';
import { PARSE_OPS, type ParseThreadData, type Parsed } from './parse-thread.js';

const { path, source, batch, ahead } = workerData as ParseThreadData;
const channel = new Channel(threadPort(parentPort!), undefined);

/** Wakes everyone waiting for it. */
class Signal {
  private waiting: (() => void)[] = [];
  wait(): Promise<void> {
    return new Promise((resolve) => this.waiting.push(resolve));
  }
  wake(): void {
    const waiting = this.waiting;
    this.waiting = [];
    for (const resolve of waiting) resolve();
  }
}

/** Answers made and not yet taken; the last one ends the input or says why it cannot be read. */
const ready: Parsed[] = [];
const made = new Signal();
const taken = new Signal();

function put(parsed: Parsed): void {
  ready.push(parsed);
  made.wake();
}

async function make(): Promise<void> {
  try {
    const { format, entities } = await readEntities(createReadStream(path, { highWaterMark: 1 << 20 }), source);
    put({ format });
    let items: SentEntity[] = [];
    for await (const entity of entities) {
      items.push(sentEntity(entity));
      if (items.length < batch) continue;
      put({ entities: items });
      items = [];
      while (ready.length >= ahead) await taken.wait();
    }
    put({ entities: items, end: true });
  } catch (e) {
    put({ error: sentError(e) });
  }
}

channel.handle(PARSE_OPS.next, async () => {
  while (ready.length === 0) await made.wait();
  const next = ready.shift()!;
  taken.wake();
  return next;
});
void make();
