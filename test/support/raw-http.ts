/**
 * A minimal raw HTTP/1.1 client for tests that must see the bytes: writes exact bytes on a
 * node:net / node:tls socket and parses responses exactly as received (header name case kept,
 * Content-Length, chunked or read-to-close framing, 1xx interim responses, pipelining).
 */
import net from 'node:net';
import tls from 'node:tls';

export interface RawResponse {
  readonly statusLine: string;
  readonly status: number;
  /** Header lines exactly as sent (name case preserved). */
  readonly headerLines: readonly string[];
  /** The header lines as [lower-cased name, trimmed value] pairs, in order. */
  readonly fields: readonly (readonly [string, string])[];
  /** Everything before the blank line, as latin1 text. */
  readonly head: string;
  readonly body: Buffer;
  /** The first value of a header (name case-insensitive), trimmed. */
  header(name: string): string | undefined;
  /** Every value of a header, in order. */
  headerAll(name: string): string[];
}

/** A final response and the interim (1xx) responses that preceded it on the connection. */
export interface RawFinalResponse extends RawResponse {
  readonly interim: readonly RawResponse[];
}

export interface ParseOptions {
  /** The request was a HEAD: no body follows (except as below). */
  readonly head?: boolean;
  /** The peer has closed: a body without framing ends here. */
  readonly closed?: boolean;
}

/** Whether the response says `Connection: close` (the server hangs up after it). */
export const closesConnection = (res: RawResponse): boolean => /^close$/i.test(res.header('connection') ?? '');

/**
 * Parses the first response in `buf`: null while it is incomplete, else the response and how
 * many bytes it took; a status line or header line that is not HTTP throws. A body is framed
 * by Content-Length, else chunked, else the close; none follows a 1xx, 204 or 304, nor a
 * HEAD — unless the HEAD was answered `Connection: close` with a 4xx/5xx, as Node's
 * client-error handler does (it writes its body regardless), in which case the body runs to
 * the close.
 */
export function parseResponse(buf: Buffer, options: ParseOptions = {}): { response: RawResponse; consumed: number } | null {
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0) return null;
  const head = buf.subarray(0, end).toString('latin1');
  const [statusLine, ...headerLines] = head.split('\r\n');
  const m = /^HTTP\/\d\.\d (\d{3})(?: .*)?$/.exec(statusLine);
  if (!m) throw new Error(`bad status line ${JSON.stringify(statusLine)} in ${JSON.stringify(buf.toString('latin1').slice(0, 300))}`);
  const status = Number(m[1]);
  const bad = headerLines.find((l) => !(l.indexOf(':') > 0));
  if (bad !== undefined) throw new Error(`bad header line ${JSON.stringify(bad)} in ${JSON.stringify(head.slice(0, 300))}`);
  const fields = headerLines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()] as const);
  const headerAll = (name: string) => fields.filter(([n]) => n === name.toLowerCase()).map(([, v]) => v);
  const header = (name: string) => headerAll(name)[0];
  const response = (body: Buffer): RawResponse => ({ statusLine, status, headerLines, fields, head, body, header, headerAll });
  const start = end + 4;
  const closing = /^close$/i.test(header('connection') ?? '');
  if (options.head && closing && status >= 400) {
    if (!options.closed) return null;
    return { response: response(buf.subarray(start)), consumed: buf.length };
  }
  if (options.head || status < 200 || status === 204 || status === 304) return { response: response(Buffer.alloc(0)), consumed: start };
  if (header('content-length') !== undefined) {
    const n = Number(header('content-length'));
    if (buf.length < start + n) return null;
    return { response: response(buf.subarray(start, start + n)), consumed: start + n };
  }
  if (/chunked/i.test(header('transfer-encoding') ?? '')) {
    const parts: Buffer[] = [];
    let at = start;
    for (;;) {
      const eol = buf.indexOf('\r\n', at);
      if (eol < 0) return null;
      const size = parseInt(buf.subarray(at, eol).toString('latin1'), 16);
      if (buf.length < eol + 2 + size + 2) return null;
      if (size === 0) return { response: response(Buffer.concat(parts)), consumed: eol + 4 };
      parts.push(buf.subarray(eol + 2, eol + 2 + size));
      at = eol + 2 + size + 2;
    }
  }
  if (!options.closed) return null;
  return { response: response(buf.subarray(start)), consumed: buf.length };
}

/** One client connection: send bytes, read responses one at a time. */
export class RawConn {
  private buf = Buffer.alloc(0);
  closed = false;
  private wake: () => void = () => {};

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => {});
  }

  static async plain(port: number, host = '127.0.0.1'): Promise<RawConn> {
    const socket = net.connect(port, host);
    await new Promise<void>((ok, fail) => socket.once('connect', ok).once('error', fail));
    return new RawConn(socket);
  }

  static async secure(port: number, host = '127.0.0.1'): Promise<RawConn> {
    const socket = tls.connect({ port, host, rejectUnauthorized: false });
    await new Promise<void>((ok, fail) => socket.once('secureConnect', ok).once('error', fail));
    return new RawConn(socket);
  }

  static open(port: number, secure = false): Promise<RawConn> {
    return secure ? RawConn.secure(port) : RawConn.plain(port);
  }

  send(data: string | Buffer): void {
    this.socket.write(bytes(data));
  }

  /** The next final response (1xx collected into `interim`); fails on close or after a timeout. */
  async next(options: { head?: boolean; timeoutMs?: number } = {}): Promise<RawFinalResponse> {
    const deadline = Date.now() + (options.timeoutMs ?? 5000);
    const interim: RawResponse[] = [];
    for (;;) {
      const parsed = parseResponse(this.buf, { head: options.head, closed: this.closed });
      if (parsed) {
        this.buf = this.buf.subarray(parsed.consumed);
        if (parsed.response.status < 200) {
          interim.push(parsed.response);
          continue;
        }
        return { ...parsed.response, interim };
      }
      if (this.closed) throw new Error(`connection closed without a complete response; got ${JSON.stringify(this.buf.toString('latin1'))}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no complete response within the timeout; got ${JSON.stringify(this.buf.toString('latin1'))}`);
      await new Promise<void>((ok) => {
        const timer = setTimeout(ok, left);
        this.wake = () => {
          clearTimeout(timer);
          ok();
        };
      });
    }
  }

  close(): void {
    this.socket.destroy();
  }
}

/** Bytes to send: a string is taken as latin1, one byte per character. */
const bytes = (data: string | Buffer): Buffer => (typeof data === 'string' ? Buffer.from(data, 'latin1') : data);

/** A request for `pipeline`: its bytes (a string as latin1), and whether it is a HEAD (no body comes back). */
export interface PipelinedRequest {
  readonly bytes: string | Buffer;
  readonly head?: boolean;
}

/**
 * Pipelining: writes every request in one go on a fresh connection, then reads one final
 * response per request, in order. Stops early after a response with `Connection: close` (the
 * server may hang up then), so fewer responses than requests can come back. Fails when the
 * connection closes before a complete response, or when the whole batch takes longer than
 * `timeoutMs` (default 5 s).
 */
export async function pipeline(port: number, requests: readonly PipelinedRequest[], o: { secure?: boolean; timeoutMs?: number } = {}): Promise<RawFinalResponse[]> {
  const conn = await RawConn.open(port, o.secure);
  try {
    conn.send(Buffer.concat(requests.map((r) => bytes(r.bytes))));
    const deadline = Date.now() + (o.timeoutMs ?? 5000);
    const out: RawFinalResponse[] = [];
    for (const r of requests) {
      let res: RawFinalResponse;
      try {
        res = await conn.next({ head: r.head, timeoutMs: deadline - Date.now() });
      } catch (e) {
        throw new Error(`response ${out.length + 1} of ${requests.length}: ${(e as Error).message}`);
      }
      out.push(res);
      if (closesConnection(res)) break;
    }
    return out;
  } finally {
    conn.close();
  }
}

/** One request on a fresh connection. */
export async function exchange(port: number, request: string | Buffer, o: { secure?: boolean; head?: boolean } = {}): Promise<RawFinalResponse> {
  const [res] = await pipeline(port, [{ bytes: request, head: o.head }], { secure: o.secure });
  return res;
}

/**
 * Request text: request line, `Host: 127.0.0.1` unless given, the headers, the body as is.
 * `send` takes a string as latin1; encode it yourself for other bytes.
 */
export function rawRequest(method: string, target: string, headers: Record<string, string> = {}, body = ''): string {
  const lines = [`${method} ${target} HTTP/1.1`];
  if (!Object.keys(headers).some((h) => h.toLowerCase() === 'host')) lines.push('Host: 127.0.0.1');
  for (const [n, v] of Object.entries(headers)) lines.push(`${n}: ${v}`);
  return lines.join('\r\n') + '\r\n\r\n' + body;
}
