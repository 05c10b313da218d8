import { Worker } from 'node:worker_threads';
import type { StoreSettings } from '../store/open.js';
import { receivedError, type SentError } from './import/errors.js';
import type { ImportResult } from './import/index.js';

/** Long data writes a server makes on request (the admin API), done where they cannot stall it. */
export interface DataWriter {
  /** Imports a whole input in one transaction: all of it lands, or none. */
  import(body: Uint8Array, source: string): Promise<ImportResult>;
  /** Deletes every resource row (servers, jobs, sessions); users and logons stay. */
  clear(): Promise<void>;
  close(): Promise<void>;
}

/** What the thread answers: a result, or the error to rethrow as its class. */
export type Reply =
  | { readonly id: number; readonly ok: true; readonly result?: ImportResult }
  | { readonly id: number; readonly ok: false; readonly error: SentError };

type Operation = { readonly op: 'import'; readonly body: Uint8Array; readonly source: string } | { readonly op: 'clear' };
export type Request = { readonly id: number } & Operation;

/**
 * A `DataWriter` over an SQLite database: a worker thread with its own connection runs each
 * write, so the server's event loop goes on answering while an import parses, inserts and
 * rebuilds indexes for seconds. Readers see the write when it commits, as with any writer.
 */
export class WriterThread implements DataWriter {
  private readonly worker: Worker;
  private readonly waiting = new Map<number, { resolve: (r: Reply) => void }>();
  private nextId = 0;

  /** `settings`: the store to write, opened again in the thread. */
  constructor(settings: StoreSettings) {
    const workerData: StoreSettings = settings;
    this.worker = new Worker(new URL('./writer-thread-main.js', import.meta.url), { workerData });
    this.worker.unref();
    this.worker.on('message', (reply: Reply) => {
      this.waiting.get(reply.id)?.resolve(reply);
      this.waiting.delete(reply.id);
    });
    const fail = (message: string) => {
      for (const [id, w] of this.waiting) w.resolve({ id, ok: false, error: { kind: 'other', message } });
      this.waiting.clear();
    };
    this.worker.on('error', (e) => fail(`writer thread failed: ${e.message}`));
    this.worker.on('exit', () => fail('writer thread exited'));
  }

  private async ask(request: Operation): Promise<ImportResult | undefined> {
    const id = this.nextId++;
    const answered = new Promise<Reply>((resolve) => this.waiting.set(id, { resolve }));
    this.worker.postMessage({ ...request, id });
    const reply = await answered;
    if (reply.ok) return reply.result;
    throw receivedError(reply.error, request.op === 'import' ? request.source : '');
  }

  async import(body: Uint8Array, source: string): Promise<ImportResult> {
    return (await this.ask({ op: 'import', body, source }))!;
  }

  async clear(): Promise<void> {
    await this.ask({ op: 'clear' });
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}
