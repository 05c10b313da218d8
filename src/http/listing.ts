import type { ServerResponse } from 'node:http';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { FastifyReply } from 'fastify';
import { DEFAULTS } from '../config.js';
import type { QueryPlan } from '../query/plan.js';
import type { Row } from '../model/index.js';
import { STREAMED, type Document, type Node, type StreamParts } from '../represent/model.js';
import type { RowShape } from '../represent/row-shape.js';
import { itemWriter, splitWriter, type SplitWriter } from '../represent/row-writer.js';
import type { RowTexts } from '../represent/row-texts.js';
import { revisable } from '../store/sql.js';
import type { Store } from '../store/store.js';
import { partsOf, renderBody, renderParts, renderWhole, sendRaw, type Rendering } from './send.js';

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
 * Sends list answers of any size. A page of up to a chunk's rows, of a type whose rows have
 * revisions, is read by revision first and goes out whole, with Content-Length: the texts of
 * its rows unchanged since they were last rendered come from `RowTexts`, only the others are
 * read and rendered. Other answers that fit in two chunks go out whole too; a longer one is
 * streamed (chunked): rendered a chunk at a time and written as fast as the client takes it,
 * yielding to other requests between chunks, so neither memory nor anyone's wait grows with
 * the answer.
 */
export class Listings {
  private streams = 0;
  private readonly queue: (() => void)[] = [];

  /**
   * `texts`: none, every answer is read and rendered whole. `counted`: told, for each page read
   * by revision, how many rows came from kept texts and how many were rendered.
   */
  constructor(
    private readonly store: Store,
    private readonly texts: RowTexts | undefined,
    private readonly counted: (reused: number, rendered: number) => void = () => undefined,
  ) {}

  async send(reply: FastifyReply, rendering: Rendering, listing: Listing): Promise<void> {
    const { plan } = listing;
    if (this.texts && plan.limit <= DEFAULTS.chunkRows && revisable(plan)) return this.sendRevised(reply, rendering, listing, this.texts);
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
          let rendered;
          if (first.length === 0) {
            rendered = emptyList(listing, total, rendering);
          } else {
            const parts = partsOf(listing.document(STREAMED, total), rendering);
            const write = writer(parts);
            rendered = renderWhole(parts, rendering, first.map((row, i) => write(row, i)));
          }
          return sendWhole(reply, listing, rendered);
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

  /** A page read by revision: kept texts for the rows unchanged, the others read and rendered (and kept). */
  private async sendRevised(reply: FastifyReply, rendering: Rendering, listing: Listing, texts: RowTexts): Promise<void> {
    let found: { parts: StreamParts; writer: SplitWriter; kept: (readonly string[] | undefined)[] } | undefined;
    const page = await this.store.revisedPage(listing.plan, { count: listing.count }, (revisions, total) => {
      const parts = partsOf(listing.document(STREAMED, total ?? 0), rendering);
      const writer = splitWriter(listing.shape, rendering.json, rendering.profile, parts.indent, listing.base);
      // Taken now: a text dropped from the cache while the rest is read stays in this answer.
      const kept = revisions.map((r) => texts.get(writer.key, r.id, r.revision));
      found = { parts, writer, kept };
      return revisions.flatMap((r, i) => (kept[i] === undefined ? [r.id] : []));
    });
    if (page.revisions.length === 0) return sendWhole(reply, listing, emptyList(listing, page.total ?? 0, rendering));
    const { parts, writer, kept } = found!; // the store calls `wanted` before it returns a page
    this.counted(page.revisions.length - page.rows.length, page.rows.length);
    const read = new Map(page.rows.map((row) => [row.id as string, row]));
    const items = page.revisions.map((r, i) => {
      let split = kept[i];
      if (split === undefined) {
        const row = read.get(r.id);
        if (row === undefined) throw new Error(`row ${r.id} of the page was not read`);
        split = writer.split(row);
        if (split === undefined) return writer.write(row, i);
        texts.put(writer.key, r.id, r.revision, split);
      }
      return writer.item(split, i);
    });
    sendWhole(reply, listing, renderWhole(parts, rendering, items));
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

/** A list without rows: the empty list's own form (`<X />`), which the streamed parts cannot give. */
const emptyList = (listing: Listing, total: number, rendering: Rendering) => renderBody(listing.document([], total), rendering);

function sendWhole(reply: FastifyReply, listing: Listing, rendered: { body: Buffer; contentType: string }): void {
  listing.whole?.(rendered);
  sendRaw(reply, 200, [['Content-Type', rendered.contentType]], rendered.body);
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
