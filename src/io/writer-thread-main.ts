/** The writer thread of `WriterThread`: one store connection, one request at a time. */
import { parentPort, workerData } from 'node:worker_threads';
import { openStore, type StoreSettings } from '../store/open.js';
import { sentError } from './import/errors.js';
import { importData } from './import/index.js';
import type { Reply, Request } from './writer-thread.js';

const opening = openStore(workerData as StoreSettings);
const port = parentPort!;

async function handle(request: Request): Promise<Reply> {
  try {
    const store = await opening;
    if (request.op === 'import') {
      return { id: request.id, ok: true, result: await importData(store, Buffer.from(request.body.buffer, request.body.byteOffset, request.body.byteLength), request.source) };
    }
    await store.write((w) => w.clear());
    return { id: request.id, ok: true };
  } catch (e) {
    return { id: request.id, ok: false, error: sentError(e) };
  }
}

let queue = Promise.resolve();
port.on('message', (request: Request) => {
  queue = queue.then(async () => port.postMessage(await handle(request)));
});
