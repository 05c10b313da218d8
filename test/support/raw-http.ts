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
  /** Everything before the blank line, as latin1 text. */
  readonly head: string;
  readonly body: Buffer;
  /** The first value of a header (name case-insensitive), trimmed. */
  header(name: string): string | undefined;
  /** Every value of a header, in order. */
  headerAll(name: string): string[];
}

/** A final response and the interim (1xx) status lines that preceded it on the connection. */
export interface RawFinalResponse extends RawResponse {
  readonly interim: readonly string[];
}

export interface ParseOptions {
  /** The request was a HEAD: no body follows (except as below). */
  readonly head?: boolean;
  /** The peer has closed: a body without framing ends here. */
  readonly closed?: boolean;
}

/**
 * Parses the first response in `buf`: null while it is incomplete, else the response and how
 * many bytes it took. A body is framed by Content-Length, else chunked, else the close; none
 * follows a 1xx, 204 or 304, nor a HEAD — unless the HEAD was answered `Connection: close`
 * with a 4xx/5xx, as Node's client-error handler does (it writes its body regardless), in
 * which case the body runs to the close.
 */
export function parseResponse(buf: Buffer, options: ParseOptions = {}): { response: RawResponse; consumed: number } | null {
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0) return null;
  const head = buf.subarray(0, end).toString('latin1');
  const [statusLine, ...headerLines] = head.split('\r\n');
  const m = /^HTTP\/\d\.\d (\d{3})(?: .*)?$/.exec(statusLine);
  if (!m) throw new Error(`bad status line ${JSON.stringify(statusLine)} in ${JSON.stringify(buf.toString('latin1').slice(0, 300))}`);
  const status = Number(m[1]);
  const nameOf = (l: string) => l.slice(0, l.indexOf(':')).toLowerCase();
  const headerAll = (name: string) => headerLines.filter((l) => nameOf(l) === name.toLowerCase()).map((l) => l.slice(l.indexOf(':') + 1).trim());
  const header = (name: string) => headerAll(name)[0];
  const response = (body: Buffer): RawResponse => ({ statusLine, status, headerLines, head, body, header, headerAll });
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
    this.socket.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
  }

  /** The next final response (1xx collected into `interim`); fails on close or after a timeout. */
  async next(options: { head?: boolean; timeoutMs?: number } = {}): Promise<RawFinalResponse> {
    const deadline = Date.now() + (options.timeoutMs ?? 5000);
    const interim: string[] = [];
    for (;;) {
      const parsed = parseResponse(this.buf, { head: options.head, closed: this.closed });
      if (parsed) {
        this.buf = this.buf.subarray(parsed.consumed);
        if (parsed.response.status < 200) {
          interim.push(parsed.response.statusLine);
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

/** One request on a fresh connection. */
export async function exchange(port: number, request: string | Buffer, o: { secure?: boolean; head?: boolean } = {}): Promise<RawFinalResponse> {
  const conn = await RawConn.open(port, o.secure);
  try {
    conn.send(request);
    return await conn.next({ head: o.head });
  } finally {
    conn.close();
  }
}

/** Request bytes (latin1): request line, `Host: 127.0.0.1` unless given, the headers, the body as is. */
export function rawRequest(method: string, target: string, headers: Record<string, string> = {}, body = ''): string {
  const lines = [`${method} ${target} HTTP/1.1`];
  if (!Object.keys(headers).some((h) => h.toLowerCase() === 'host')) lines.push('Host: 127.0.0.1');
  for (const [n, v] of Object.entries(headers)) lines.push(`${n}: ${v}`);
  return lines.join('\r\n') + '\r\n\r\n' + body;
}
