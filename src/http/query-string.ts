/**
 * Query strings as the .NET server reads them (spec §1.1): split on `&` only (never on `;`,
 * the filter's AND), each pair at its first `=`, form-decoded (`+` is a space, bad `%`
 * escapes kept literally). Names are case-insensitive and the first occurrence wins.
 */
export interface QueryParam {
  readonly name: string;
  readonly value: string;
  readonly hasValue: boolean;
}

const HEX = /^[0-9A-Fa-f]{2}$/;

export function formDecode(text: string): string {
  if (!/[+%]/.test(text)) return text;
  const spaced = text.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(spaced);
  } catch {
    return lenientDecode(text);
  }
}

/** Byte-wise decoding that keeps malformed escapes as they are, like .NET's UrlDecode. */
function lenientDecode(text: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '+') bytes.push(0x20);
    else if (c === '%' && HEX.test(text.slice(i + 1, i + 3))) {
      bytes.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      const code = text.codePointAt(i)!;
      if (code > 0xffff) i++;
      bytes.push(...Buffer.from(String.fromCodePoint(code), 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

export function parseQueryString(raw: string): QueryParam[] {
  const out: QueryParam[] = [];
  for (const piece of raw.split('&')) {
    if (piece === '') continue;
    const eq = piece.indexOf('=');
    out.push(
      eq < 0
        ? { name: formDecode(piece), value: '', hasValue: false }
        : { name: formDecode(piece.slice(0, eq)), value: formDecode(piece.slice(eq + 1)), hasValue: true },
    );
  }
  return out;
}

/** The first value of a parameter (case-insensitive name), or undefined. */
export function param(params: readonly QueryParam[], name: string): string | undefined {
  const lower = name.toLowerCase();
  return params.find((p) => p.name.toLowerCase() === lower)?.value;
}

/** The raw query of a request URL ('' when none). */
export function rawQuery(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? '' : url.slice(q + 1);
}

/** How a link's query values are percent-encoded (see `WireProfile.linkEncoding`). */
export type LinkEncoding = 'dotnet-form' | 'uri-upper';

/**
 * The characters each encoding writes as they are. `dotnet-form` is .NET's form encoding
 * (`HttpUtility.UrlEncode`), which the 9.5 and 12 captures show (`%3d%3d`, `%3b`, `%3a`, `_`
 * and `-` literal); `uri-upper` keeps the sub-delimiters a filter uses (`;` literal in the
 * v13.1 examples).
 */
const LITERAL: Readonly<Record<LinkEncoding, RegExp>> = {
  'dotnet-form': /[A-Za-z0-9\-._!*()]/,
  'uri-upper': /[A-Za-z0-9\-._~;,()*!]/,
};

/** Encodes a query name or value for a link: literal characters as they are, space `+`, the rest `%XX` of its UTF-8. */
export function encodeComponent(text: string, encoding: LinkEncoding): string {
  const literal = LITERAL[encoding];
  const upper = encoding === 'uri-upper';
  let out = '';
  for (const ch of text) {
    if (literal.test(ch)) out += ch;
    else if (ch === ' ') out += '+';
    else
      for (const b of Buffer.from(ch, 'utf8')) {
        const hex = b.toString(16).padStart(2, '0');
        out += '%' + (upper ? hex.toUpperCase() : hex);
      }
  }
  return out;
}

/**
 * The request's parameters in original order with original names, with the given ones
 * replaced in place (every occurrence) or appended in the given order when missing.
 */
export function rebuildQuery(
  params: readonly QueryParam[],
  overrides: readonly (readonly [string, string])[],
  encoding: LinkEncoding,
): string {
  const enc = (text: string) => encodeComponent(text, encoding);
  const pending = new Map(overrides.map(([n, v]) => [n.toLowerCase(), { name: n, value: v, used: false }]));
  const parts = params.map((p) => {
    const o = pending.get(p.name.toLowerCase());
    if (o) o.used = true;
    const value = o ? o.value : p.value;
    return p.hasValue || o ? `${enc(p.name)}=${enc(value)}` : enc(p.name);
  });
  for (const o of pending.values()) if (!o.used) parts.push(`${enc(o.name)}=${enc(o.value)}`);
  return parts.join('&');
}
