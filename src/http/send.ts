import type { FastifyReply } from 'fastify';
import { errorDocument } from '../represent/documents.js';
import { toJson, toJsonParts } from '../represent/json.js';
import type { Document, StreamParts } from '../represent/model.js';
import { toXml, toXmlParts } from '../represent/xml.js';
import type { WireProfile } from '../profile/profiles.js';
import type { EmError } from './errors.js';

export type HeaderList = readonly (readonly [string, string])[];

export interface Rendering {
  readonly json: boolean;
  /** Prefix JSON with a UTF-8 BOM, as 9.5-era servers did (off by default). */
  readonly jsonBom: boolean;
  /** The EM version profile whose wire details the answer follows. */
  readonly profile: WireProfile;
}

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/**
 * Writes a response byte for byte: header names go out with exactly this case (some
 * clients compare `X-RestSvcSessionId` case-sensitively, and Fastify would lowercase them).
 */
export function sendRaw(reply: FastifyReply, status: number, headers: HeaderList, body?: Buffer): void {
  const flat: string[] = [];
  for (const [n, v] of headers) flat.push(n, v);
  if (body) flat.push('Content-Length', String(body.length));
  else if (status !== 204) flat.push('Content-Length', '0');
  reply.hijack();
  reply.raw.writeHead(status, flat);
  reply.raw.end(body);
}

export function renderBody(doc: Document, r: Rendering): { body: Buffer; contentType: string } {
  if (!r.json) return { body: Buffer.from(toXml(doc, r.profile.xmlStyle), 'utf8'), contentType: contentTypeOf(r) };
  const text = Buffer.from(toJson(doc, r.profile.jsonNulls), 'utf8');
  return { body: r.jsonBom ? Buffer.concat([BOM, text]) : text, contentType: contentTypeOf(r) };
}

/** JSON's Content-Type is the profile's (9.5 sent no charset); XML's is the same for every version. */
const contentTypeOf = (r: Rendering) => (r.json ? r.profile.jsonContentType : 'application/xml; charset=utf-8');

/** A document with a streamed list (see `STREAMED`) as head, tail and item renderer, in the negotiated format. */
export function renderParts(doc: Document, r: Rendering): { parts: StreamParts; head: Buffer; contentType: string } {
  const parts = partsOf(doc, r);
  const head = Buffer.from(parts.head, 'utf8');
  return { parts, head: r.json && r.jsonBom ? Buffer.concat([BOM, head]) : head, contentType: contentTypeOf(r) };
}

export function sendDocument(reply: FastifyReply, status: number, doc: Document, r: Rendering, headers: HeaderList = []): void {
  const { body, contentType } = renderBody(doc, r);
  sendRaw(reply, status, [...headers, ['Content-Type', contentType]], body);
}

export function sendError(reply: FastifyReply, error: EmError, r: Rendering): void {
  sendDocument(reply, error.status, errorDocument(error.status, error.message), r, error.headers);
}

/** A document with a streamed list (see `STREAMED`) as head, tail and item indent, in the negotiated format. */
export const partsOf = (doc: Document, r: Rendering): StreamParts =>
  r.json ? toJsonParts(doc, r.profile.jsonNulls) : toXmlParts(doc, r.profile.xmlStyle);

/**
 * A document's parts (`partsOf`) around its items' texts, as one buffer, each text encoded
 * straight into a buffer of the exact size. Encoding one long string built by concatenation
 * costs more than its parts (V8 flattens it first: ≈ 2× for a 100-entity XML page;
 * docs/PERF-PROFILE.md).
 */
export function renderWhole(parts: StreamParts, r: Rendering, items: readonly string[]): { body: Buffer; contentType: string } {
  const bom = r.json && r.jsonBom;
  let size = (bom ? BOM.length : 0) + Buffer.byteLength(parts.head, 'utf8') + Buffer.byteLength(parts.tail, 'utf8');
  for (const t of items) size += Buffer.byteLength(t, 'utf8');
  const body = Buffer.allocUnsafe(size);
  let at = bom ? BOM.copy(body, 0) : 0;
  at += body.write(parts.head, at, 'utf8');
  for (const t of items) at += body.write(t, at, 'utf8');
  body.write(parts.tail, at, 'utf8');
  return { body, contentType: contentTypeOf(r) };
}
