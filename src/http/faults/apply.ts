/**
 * Carrying out what a request met (contract §4), from the `onRequest` hook once the request's
 * user is known:
 *   delay      waits (real time, `setTimeout`: the simulated clock does not slow the network)
 *   status     an EM `Error` in the negotiated format (`injected-fault`)
 *   reset      a TCP reset before any byte (`socket.resetAndDestroy()`)
 *   hang       no answer: the connection is held until the client gives up
 *   truncate   the answer's headers (full Content-Length), the first half of its body, then close
 *   slowBody   the answer's body at `bytesPerSecond`
 *   expireSession  the caller's logon session is deleted; 401 as for any expired session
 * Every socket a fault touches is held here until it closes, so closing the app cuts delays,
 * hangs and slow bodies short instead of waiting for them.
 */
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { errors } from '../errors.js';
import type { FaultDecision } from './registry.js';

/** What carrying out a fault needs from the app: ending the caller's logon session. */
export interface FaultHooks {
  /** Deletes the request's logon session (if it has one). */
  readonly expireSession: (req: FastifyRequest) => Promise<void>;
}

/** Bytes buffered by a slow body before its writer is told to wait (`drain`). */
const SLOW_BUFFER_BYTES = 64 * 1024;
/** A slow body goes out in pieces about this often. */
const SLOW_TICK_MS = 100;

export class FaultRuntime {
  private readonly held = new Set<Socket>();

  constructor(private readonly hooks: FaultHooks) {}

  /** Sockets held for faults (hung, delayed, slow). */
  get holding(): number {
    return this.held.size;
  }

  /** Destroys every socket a fault holds: the app is closing. */
  closeAll(): void {
    for (const socket of this.held) socket.destroy();
    this.held.clear();
  }

  private hold(socket: Socket): void {
    if (this.held.has(socket) || socket.destroyed) return;
    this.held.add(socket);
    socket.once('close', () => this.held.delete(socket));
  }

  /**
   * Carries out the decision: resolves to continue with the request as usual (after a delay,
   * or with the answer tapped), throws the EM error to answer, or hijacks the reply (reset, hang).
   */
  async apply(decision: FaultDecision, req: FastifyRequest, reply: FastifyReply): Promise<void> {
    const socket = req.raw.socket;
    this.hold(socket);
    if (decision.delayMs > 0) {
      await sleep(decision.delayMs, socket);
      if (socket.destroyed) {
        // The client gave up (or the app is closing): nobody to answer.
        reply.hijack();
        return;
      }
    }
    const fault = decision.fault;
    switch (fault?.kind) {
      case undefined:
        return;
      case 'status':
        throw errors.injectedFault(fault.status, fault.message);
      case 'reset':
        reply.hijack();
        reset(socket);
        return;
      case 'hang':
        reply.hijack();
        return;
      case 'truncate':
        truncate(reply.raw);
        return;
      case 'slowBody':
        slowBody(reply.raw, fault.bytesPerSecond);
        return;
      case 'expireSession':
        await this.hooks.expireSession(req);
        throw errors.unauthorized();
    }
  }
}

/**
 * A TCP reset (RST) instead of an orderly close. Over HTTPS the TLS socket's handle cannot be
 * reset: the TCP socket under it is (the TLS socket then closes with it).
 */
function reset(socket: Socket): void {
  const tcp = (socket as Socket & { _parent?: Socket | null })._parent ?? socket;
  try {
    tcp.resetAndDestroy();
  } catch {
    socket.destroy();
  }
}

/** Waits `ms` of real time, or until the socket closes. */
function sleep(ms: number, socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      socket.off('close', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    socket.once('close', done);
  });
}

type Args = unknown[];
const toBuffer = (chunk: unknown, encoding?: unknown): Buffer =>
  typeof chunk === 'string' ? Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8') : Buffer.from(chunk as Uint8Array);
const dataOf = (args: Args): Buffer | undefined =>
  args.length === 0 || typeof args[0] === 'function' || args[0] === undefined || args[0] === null ? undefined : toBuffer(args[0], args[1]);

/**
 * Sends the headers as they are (a whole answer keeps its full Content-Length), then the first
 * half of the body, then closes the connection. An answer without a body goes out whole.
 */
function truncate(res: ServerResponse): void {
  const write = res.write.bind(res) as (chunk: Buffer, cb?: () => void) => boolean;
  const end = res.end.bind(res) as (...a: Args) => ServerResponse;
  let cut = false;
  const cutAt = (body: Buffer) => {
    cut = true;
    write(body.subarray(0, Math.floor(body.length / 2)), () => res.destroy());
  };
  res.write = ((...args: Args) => {
    const data = dataOf(args);
    if (!cut && data && data.length > 0) cutAt(data);
    return true;
  }) as ServerResponse['write'];
  res.end = ((...args: Args) => {
    if (cut) return res;
    const data = dataOf(args);
    if (data && data.length > 0) cutAt(data);
    else end(...args);
    return res;
  }) as ServerResponse['end'];
}

/**
 * Dribbles the body out at `bytesPerSecond` (headers at once, then a piece every tick); the
 * writer is told to wait (`write` returns false, `drain` later) while much is buffered.
 */
function slowBody(res: ServerResponse, bytesPerSecond: number): void {
  const write = res.write.bind(res) as (chunk: Buffer) => boolean;
  const end = res.end.bind(res) as () => ServerResponse;
  const piece = Math.max(1, Math.floor((bytesPerSecond * SLOW_TICK_MS) / 1000));
  const interval = Math.max(1, Math.round((piece * 1000) / bytesPerSecond));
  let queue: Buffer[] = [];
  let queued = 0;
  let ending = false;
  let waiting = false;
  let timer: NodeJS.Timeout | undefined;
  let started = false;
  const callbacks: (() => void)[] = [];

  const tick = () => {
    timer = undefined;
    if (res.destroyed) return;
    let take = piece;
    const out: Buffer[] = [];
    while (take > 0 && queue.length > 0) {
      const head = queue[0];
      if (head.length <= take) {
        out.push(head);
        take -= head.length;
        queue.shift();
      } else {
        out.push(head.subarray(0, take));
        queue[0] = head.subarray(take);
        take = 0;
      }
    }
    const chunk = Buffer.concat(out);
    queued -= chunk.length;
    if (chunk.length > 0) write(chunk);
    if (queue.length === 0 && ending) {
      end();
      for (const cb of callbacks.splice(0)) cb();
      return;
    }
    if (waiting && queued < SLOW_BUFFER_BYTES) {
      waiting = false;
      res.emit('drain');
    }
    if (queue.length > 0 || ending) timer = setTimeout(tick, interval);
  };
  const pump = () => {
    if (timer !== undefined) return;
    // The first piece goes out at once (with the headers), the rest at the rate.
    if (!started) {
      started = true;
      tick();
    } else timer = setTimeout(tick, interval);
  };
  res.once('close', () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    queue = [];
    queued = 0;
  });

  res.write = ((...args: Args) => {
    const data = dataOf(args);
    const cb = args.find((a) => typeof a === 'function') as (() => void) | undefined;
    if (data && data.length > 0 && !res.destroyed) {
      queue.push(data);
      queued += data.length;
    }
    if (cb) callbacks.push(cb);
    pump();
    if (queued >= SLOW_BUFFER_BYTES) waiting = true;
    return !waiting;
  }) as ServerResponse['write'];
  res.end = ((...args: Args) => {
    if (ending) return res;
    const data = dataOf(args);
    const cb = args.find((a) => typeof a === 'function') as (() => void) | undefined;
    if (data && data.length > 0) {
      queue.push(data);
      queued += data.length;
    }
    if (cb) callbacks.push(cb);
    ending = true;
    pump();
    return res;
  }) as ServerResponse['end'];
}
