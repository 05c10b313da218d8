import type { ServerResponse } from 'node:http';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { FastifyReply } from 'fastify';
import { DEFAULTS } from '../config.js';
import type { QueryPlan } from '../query/plan.js';
import type { Row } from '../model/index.js';
import { STREAMED, type Document, type Node, type StreamParts } from '../represent/model.js';
import type { RowShape } from '../represent/row-shape.js';
import { itemWriter } from '../represent/row-writer.js';
import type { Store } from '../store/store.js';
import { renderBody, renderParts, renderWhole, sendRaw, type Rendering } from './send.js';

/** A document around one list of rows: the answers of queries and collections. */
export interface Listing {
  readonly plan: QueryPlan;
  /** Whether `document` needs the total number of matching rows. */
  readonly count: boolean;
  readonly document: (items: readonly Node[], total: number) => Document;
  /** The form of each row (entity or reference), written by the compiled list writers. */
  readonly shape: RowShape;
  /** The link base of the rows' hrefs. */
  readonly base: string;
  /** Called with an answer sent whole (not streamed), e.g. to cache it. */
  readonly whole?: (rendered: { body: Buffer; contentType: string }) => void;
}

/**
 * Sends list answers of any size. One that fits in two chunks goes out whole, with
 * Content-Length; a longer one is streamed (chunked): rendered a chunk at a time and written
 * as fast as the client takes it, yielding to other requests between chunks, so neither
 * memory nor anyone's wait grows with the answer.
 */
export class Listings {
  private streams = 0;
  private readonly queue: (() => void)[] = [];

  constructor(private readonly store: Store) {}

  async send(reply: FastifyReply, rendering: Rendering, listing: Listing): Promise<void> {
    const { plan } = listing;
    const long = plan.limit < 0 || plan.limit > 2 * DEFAULTS.chunkRows;
    if (long) await this.turn();
    try {
      const cursor = await this.store.cursor(plan, { count: listing.count, chunkRows: DEFAULTS.chunkRows });
      try {
        const first = await cursor.next();
        const second = first.length < DEFAULTS.chunkRows ? [] : await cursor.next();
        const total = cursor.total ?? 0;
        const writer = (parts: StreamParts) => itemWriter(listing.shape, rendering.json, rendering.profile, parts.indent, listing.base);
        if (second.length === 0) {
          // No rows: the empty list's own form (`<X />`), which the parts cannot give.
          const rendered = first.length === 0
            ? renderBody(listing.document([], total), rendering)
            : renderWhole(listing.document(STREAMED, total), rendering, (parts) => {
                const write = writer(parts);
                return first.map((row, i) => write(row, i));
              });
          listing.whole?.(rendered);
          return sendRaw(reply, 200, [['Content-Type', rendered.contentType]], rendered.body);
        }
        const { parts, head, contentType } = renderParts(listing.document(STREAMED, total), rendering);
        const write = writer(parts);
        let index = 0;
        const render = (rows: readonly Row[]) => {
          let text = '';
          for (const row of rows) text += write(row, index++);
          return text;
        };
        reply.hijack();
        const res = reply.raw;
        res.writeHead(200, ['Content-Type', contentType]);
        try {
          res.write(head);
          let rows = [...first, ...second];
          while (rows.length > 0) {
            if (!(await written(res, render(rows)))) return;
            await nextTurn();
            rows = await cursor.next();
          }
          res.end(parts.tail);
        } catch (e) {
          // The status is out: all that is left is to cut the answer short.
          reply.log.error({ err: e }, 'streamed answer failed');
          res.destroy();
        }
      } finally {
        cursor.close();
      }
    } finally {
      if (long) this.leave();
    }
  }

  private turn(): Promise<void> {
    if (this.streams < DEFAULTS.maxStreams) {
      this.streams++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.queue.push(resolve));
  }

  private leave(): void {
    const next = this.queue.shift();
    if (next) next();
    else this.streams--;
  }
}

/** Writes with back-pressure: resolves true once the client can take more, false if it is gone. */
async function written(res: ServerResponse, text: string): Promise<boolean> {
  if (res.destroyed) return false;
  if (res.write(text)) return true;
  await new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    const timer = setTimeout(() => {
      res.destroy();
      done();
    }, DEFAULTS.stallMs);
    res.on('drain', done);
    res.on('close', done);
  });
  return !res.destroyed;
}
