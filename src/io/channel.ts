import { StoreBusyError } from '../store/store.js';

/**
 * Request and reply over a message link (a cluster worker's `process`, the primary's `Worker`,
 * a worker thread's port), both ways: either end may ask, either end answers the operations it
 * handles. Messages go as structured clones ('advanced' serialization in the cluster), so
 * RegExps and Infinity arrive intact.
 */
export interface Port {
  send(message: unknown): boolean;
  on(event: 'message', listener: (message: unknown) => void): unknown;
}

interface Request {
  readonly emrest: 'request';
  readonly id: number;
  readonly op: string;
  readonly body: unknown;
}

interface Reply {
  readonly emrest: 'reply';
  readonly id: number;
  readonly body?: unknown;
  readonly error?: { readonly message: string; readonly busy: boolean };
}

type Handler = (body: never) => unknown;

/** The other end did not answer in time, or went away: transient, as a busy store is (503). */
export class PeerUnavailableError extends StoreBusyError {
  constructor(op: string, why: string) {
    super('worker process', `${op}: ${why}; try again shortly`);
  }
}

export class Channel {
  private next = 1;
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void; timer?: NodeJS.Timeout; op: string }>();
  private readonly handlers = new Map<string, Handler>();
  /** Why the other end went away, once it has. */
  private closed: string | undefined;

  constructor(
    private readonly port: Port,
    /** How long a request waits for its answer (undefined: as long as the other end lives). */
    private readonly timeoutMs: number | undefined,
  ) {
    port.on('message', (m) => void this.receive(m as Request | Reply));
  }

  /** Answers `op` requests from the other end with what `fn` returns (or throws). */
  handle<B, R>(op: string, fn: (body: B) => R | Promise<R>): void {
    this.handlers.set(op, fn as Handler);
  }

  request<R>(op: string, body?: unknown): Promise<R> {
    if (this.closed !== undefined) return Promise.reject(new PeerUnavailableError(op, this.closed));
    const id = this.next++;
    return new Promise<R>((resolve, reject) => {
      const { timeoutMs } = this;
      const timer =
        timeoutMs === undefined
          ? undefined
          : setTimeout(() => {
              this.pending.delete(id);
              reject(new PeerUnavailableError(op, `no answer within ${timeoutMs} ms`));
            }, timeoutMs);
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer, op });
      this.send({ emrest: 'request', id, op, body } satisfies Request);
    });
  }

  /** The other end went away (`why`): every request waiting on it, and every later one, fails at once. */
  close(why = 'the process went away'): void {
    this.closed ??= why;
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new PeerUnavailableError(p.op, this.closed));
      this.pending.delete(id);
    }
  }

  private async receive(m: Request | Reply): Promise<void> {
    if (m === null || typeof m !== 'object') return;
    if (m.emrest === 'reply') {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      clearTimeout(p.timer);
      if (m.error) p.reject(m.error.busy ? new StoreBusyError(p.op, m.error.message) : new Error(m.error.message));
      else p.resolve(m.body);
      return;
    }
    if (m.emrest !== 'request') return;
    const handler = this.handlers.get(m.op);
    let reply: Reply;
    try {
      if (!handler) throw new Error(`no handler for ${m.op}`);
      reply = { emrest: 'reply', id: m.id, body: await handler(m.body as never) };
    } catch (e) {
      reply = { emrest: 'reply', id: m.id, error: { message: (e as Error).message, busy: e instanceof StoreBusyError } };
    }
    this.send(reply);
  }

  /** A link that closed meanwhile takes nothing; its requests fail through `close` or their timeout. */
  private send(message: Request | Reply): void {
    if (this.closed !== undefined) return;
    try {
      this.port.send(message);
    } catch {
      // The process is exiting.
    }
  }
}

/** A `Port` over a worker thread's message link (either end). */
export function threadPort(link: { postMessage(m: unknown): void; on(event: 'message', l: (m: unknown) => void): unknown }): Port {
  return {
    send: (message) => {
      link.postMessage(message);
      return true;
    },
    on: (event, listener) => link.on(event, listener),
  };
}
