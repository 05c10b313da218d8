/** What both clients share: options, URL handling, the error documents' messages. */
import { parseXml } from './xml.js';

export type FetchLike = typeof globalThis.fetch;

export interface TransportOptions {
  /** Used instead of the global `fetch` (e.g. one with a dispatcher that accepts emrest's self-signed certificate). */
  readonly fetch?: FetchLike;
  /** Aborts a request (its answer included) after this many ms; none by default. */
  readonly timeoutMs?: number;
}

/** `http://host:port` from a base URL given with or without a trailing slash or `suffix` (`/api`, `/admin/v1`). */
export function originOf(baseUrl: string, suffix: string): string {
  if (typeof baseUrl !== 'string' || baseUrl === '') throw new TypeError('baseUrl: expected the server URL, such as "http://127.0.0.1:9399"');
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new TypeError(`baseUrl: not a URL: ${JSON.stringify(baseUrl)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`baseUrl: expected http: or https:, got ${url.protocol}`);
  if (url.search || url.hash) throw new TypeError('baseUrl: no query or fragment, please');
  let path = url.pathname.replace(/\/+$/, '');
  if (path.toLowerCase().endsWith(suffix.toLowerCase())) path = path.slice(0, -suffix.length);
  return `${url.origin}${path}`;
}

export function signalOf(timeoutMs: number | undefined): AbortSignal | undefined {
  return timeoutMs === undefined ? undefined : AbortSignal.timeout(timeoutMs);
}

/**
 * The message of an error answer: the control plane's `{"error":"…"}`, EM's JSON
 * `{"Message":"…"}` or XML `<Error Message="…"/>`; else the text itself (shortened).
 */
export function errorMessageOf(body: string): string | undefined {
  const text = body.replace(/^\uFEFF/, '').trim();
  if (text === '') return undefined;
  if (text.startsWith('{')) {
    try {
      const o = JSON.parse(text) as Record<string, unknown>;
      if (typeof o.error === 'string') return o.error;
      if (typeof o.Message === 'string') return o.Message;
    } catch {
      // not JSON after all
    }
  } else if (text.startsWith('<')) {
    try {
      const root = parseXml(text);
      if (root.attributes.Message !== undefined) return root.attributes.Message;
    } catch {
      // not XML after all
    }
  }
  return text.length > 500 ? `${text.slice(0, 500)}…` : text;
}
