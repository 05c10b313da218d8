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
  const parts = r.json ? toJsonParts(doc, r.profile.jsonNulls) : toXmlParts(doc, r.profile.xmlStyle);
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
