import { Worker } from 'node:worker_threads';
import { DEFAULTS } from '../config.js';
import { Channel, threadPort } from '../io/channel.js';
import type { StoreSettings } from '../store/open.js';
import { EstateProxy } from './proxy.js';

/** What the estate thread is started with: the store it opens again, and how `Simulation.load` runs. */
export interface EstateThreadData {
  readonly store: StoreSettings;
  readonly imported: boolean;
  readonly now: number;
}

/** The operations between the serving thread and the estate thread. */
export const THREAD_OPS = { load: 'load', estate: 'estate' } as const;

/**
 * The live estate run on a worker thread with its own store connection: telling the story,
 * rendering sessions and writing them (a third of a core with a 1M-session estate at
 * `--speed 600`) never holds up the event loop that answers requests. Calls are answered once
 * what they ran is committed, as they are in the same thread; readers see it by the data
 * generations, as they see any other connection's writes.
 */
export class EstateThread extends EstateProxy {
  private constructor(
    channel: Channel,
    private readonly worker: Worker,
    readonly ended: Promise<string>,
  ) {
    super(channel, THREAD_OPS.estate);
  }

  /** Loads the estate of the store's data on a new thread; undefined (thread stopped) when there is none. */
  static async start(data: EstateThreadData): Promise<EstateThread | undefined> {
    const worker = new Worker(new URL('./thread-main.js', import.meta.url), {
      workerData: data,
      resourceLimits: { maxYoungGenerationSizeMb: DEFAULTS.estateYoungGenerationMb },
    });
    worker.unref();
    // No time limit: a catch-up over a long clock jump may take minutes, as it would in place.
    const channel = new Channel(threadPort(worker), undefined);
    const ended = new Promise<string>((resolve) => {
      const end = (why: string) => {
        channel.close(why);
        resolve(why);
      };
      worker.on('error', (e) => end(`the estate thread failed: ${e.message}`));
      worker.on('exit', (code) => end(`the estate thread stopped (exit code ${code})`));
    });
    let simulating: boolean;
    try {
      simulating = await channel.request<boolean>(THREAD_OPS.load);
    } catch (e) {
      await worker.terminate();
      throw e;
    }
    if (simulating) return new EstateThread(channel, worker, ended);
    await worker.terminate();
    return undefined;
  }

  /** Stops the thread; a catch-up it was writing is rolled back, never half-written. */
  async close(): Promise<void> {
    await this.worker.terminate();
  }
}
