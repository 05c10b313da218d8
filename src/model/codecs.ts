import { formatDateTime, parseDateTime } from '../util/datetime.js';
import { splitUid, uidOf } from '../util/uid.js';
import type { FieldDecl } from './types.js';

/**
 * One codec per scalar kind: every change of form a field's value goes through.
 *
 * - **stored**: what a row holds — enum ordinal, bool 0/1, canonical DateTime text, lowercase
 *   bare GUID, the number or the string. The store binds stored values as they are and reads
 *   them back unchanged, so the stored value is also the SQL value.
 * - **filter text**: a value of the filter language, as the parser hands it over (unquoted).
 * - **imported**: XML text, or a JSON string, number or boolean of a captured document.
 * - **wire**: the JSON value of a rendered member; XML writes `String(value)`.
 *
 * Filter and import read text by the same rules, so a value one accepts the other accepts:
 * - Surrounding whitespace is ignored for every kind but strings (XML's whitespace collapse
 *   for non-string types; .NET's `Parse` methods trim as well).
 * - Booleans: `true`/`false` in any case, and `1`/`0` (XML Schema's other boolean forms).
 *   JSON's own booleans are read too; a JSON number is not a boolean.
 * - Integers: an optional sign and decimal digits, leading zeros allowed; `int` fields hold
 *   32 bits (.NET `Int32`), `long` fields what JavaScript holds exactly (±2^53 − 1). A JSON
 *   number must be an integer in that range; a JSON string is read as text.
 * - Enums: member names in any case.
 * - UIDs: a bare GUID, or `urn:veeam:<Kind>:<GUID>` (prefix and kind in any case) whose kind is
 *   the field's: a UID of another kind never names a row of this field, so it is refused
 *   rather than matched by GUID alone.
 * - DateTimes: the forms `parseDateTime` reads.
 * - Strings: exactly as given; in a JSON document they must be JSON strings, as must enums,
 *   UIDs and DateTimes. An imported string never holds U+0000: no XML document can carry it,
 *   EM's SQL stores none, and PostgreSQL's text cannot (a filter value may; see store/sql.ts).
 *
 * A refusal is worded for its direction: a filter reason completes `Invalid value '…' for
 * <Field>: `, an import reason leads `… in <Element>`.
 */

/** A stored value that is present (absent values are null in a row and never parsed). */
export type Stored = string | number;
/** A value as an import reader found it. */
export type Imported = string | number | boolean;
/** A rendered value: the JSON value; XML writes its `String`. */
export type Wire = string | number | boolean;

/** A value a codec does not accept, and why. */
export interface Refusal {
  readonly refused: string;
}
export type Parsed = Stored | Refusal;

export const isRefusal = (value: Parsed): value is Refusal => typeof value === 'object';

export interface Codec {
  /** Filter text → stored value. */
  fromFilter(text: string): Parsed;
  /** An imported value → stored value. */
  fromImport(value: Imported): Parsed;
  /** Stored value → wire value; undefined when it has none (an ordinal no member has): omitted. */
  toWire(stored: Stored): Wire | undefined;
  /**
   * What a required field holds in a row created from a link alone (`TypeDecl.fromLink`) unless
   * declared otherwise; undefined for kinds with no neutral value (DateTimes, UIDs).
   */
  readonly blank: Stored | undefined;
}

const refuse = (refused: string): Refusal => ({ refused });

/** An imported value as an import message quotes it. */
const shown = (value: Imported): string =>
  typeof value === 'string' ? `'${value.length > 60 ? value.slice(0, 60) + '…' : value}'` : JSON.stringify(value);

/** An imported value of a kind that only JSON strings hold, when it is not one. */
const notText = (value: Imported): Refusal => refuse(`expected a string, got ${shown(value)}`);

const STRING: Codec = {
  fromFilter: (text) => text,
  fromImport: (value) =>
    typeof value !== 'string' ? notText(value) : value.includes('\0') ? refuse('a string may not contain U+0000') : value,
  toWire: (stored) => String(stored),
  blank: '',
};

const INTEGER = /^[+-]?\d+$/;
const INT32 = 2 ** 31;

function integerCodec(inRange: (n: number) => boolean): Codec {
  // -0 is stored as 0: one value, one form.
  const ranged = (n: number): number | 'range' => (inRange(n) ? n || 0 : 'range');
  const read = (text: string): number | 'syntax' | 'range' => {
    const t = text.trim();
    return INTEGER.test(t) ? ranged(Number(t)) : 'syntax';
  };
  return {
    fromFilter(text) {
      const n = read(text);
      return n === 'syntax' ? refuse('expected an integer') : n === 'range' ? refuse('integer out of range') : n;
    },
    fromImport(value) {
      let n: number | 'syntax' | 'range' = 'syntax';
      if (typeof value === 'string') n = read(value);
      else if (typeof value === 'number' && (Number.isInteger(value) || !Number.isFinite(value))) n = ranged(value);
      return n === 'syntax' ? refuse(`invalid integer ${shown(value)}`) : n === 'range' ? refuse(`integer out of range ${shown(value)}`) : n;
    },
    toWire: (stored) => Number(stored),
    blank: 0,
  };
}

const INT = integerCodec((n) => n >= -INT32 && n < INT32);
const LONG = integerCodec(Number.isSafeInteger);

function boolText(text: string): 0 | 1 | undefined {
  const t = text.trim().toLowerCase();
  return t === 'true' || t === '1' ? 1 : t === 'false' || t === '0' ? 0 : undefined;
}

const BOOL: Codec = {
  fromFilter: (text) => boolText(text) ?? refuse('expected true or false'),
  fromImport: (value) =>
    (typeof value === 'boolean' ? (value ? 1 : 0) : typeof value === 'string' ? boolText(value) : undefined) ??
    refuse(`invalid boolean ${shown(value)} (expected true or false)`),
  toWire: (stored) => stored === 1,
  blank: 0,
};

const DATETIME: Codec = {
  fromFilter: (text) => parseDateTime(text.trim()) ?? refuse('expected a UTC date and time such as 2021-06-15T22:06:57Z'),
  fromImport: (value) =>
    typeof value !== 'string' ? notText(value) : (parseDateTime(value.trim()) ?? refuse(`invalid DateTime ${shown(value)}`)),
  toWire: (stored) => formatDateTime(String(stored)),
  blank: undefined,
};

function enumCodec(members: readonly string[]): Codec {
  const lower = members.map((m) => m.toLowerCase());
  const list = members.join(', ');
  const read = (text: string): number => {
    const t = text.trim();
    const i = members.indexOf(t);
    return i >= 0 ? i : lower.indexOf(t.toLowerCase());
  };
  return {
    fromFilter(text) {
      const i = read(text);
      return i >= 0 ? i : refuse(`expected one of ${list}`);
    },
    fromImport(value) {
      if (typeof value !== 'string') return notText(value);
      const i = read(value);
      return i >= 0 ? i : refuse(`unknown member ${shown(value)} (expected one of ${list})`);
    },
    toWire: (stored) => members[Number(stored)],
    blank: 0,
  };
}

function uidCodec(uidKind: string): Codec {
  const urn = `urn:veeam:${uidKind}:<GUID>`;
  /** The GUID, or the other kind the URN names, or undefined when the text is no UID. */
  const read = (text: string): { guid: string } | { kind: string } | undefined => {
    const parts = splitUid(text.trim());
    if (!parts) return undefined;
    if (parts.kind !== undefined && parts.kind.toLowerCase() !== uidKind.toLowerCase()) return { kind: parts.kind };
    return { guid: parts.guid };
  };
  return {
    fromFilter(text) {
      const r = read(text);
      if (!r) return refuse(`expected a GUID or ${urn}`);
      return 'guid' in r ? r.guid : refuse(`a UID of kind ${r.kind}, expected a GUID or ${urn}`);
    },
    fromImport(value) {
      if (typeof value !== 'string') return notText(value);
      const r = read(value);
      if (!r) return refuse(`invalid UID ${shown(value)} (expected ${urn})`);
      return 'guid' in r ? r.guid : refuse(`UID ${shown(value)} is of kind ${r.kind}, expected ${urn}`);
    },
    toWire: (stored) => uidOf(uidKind, String(stored)),
    blank: undefined,
  };
}

const codecs = new WeakMap<FieldDecl, Codec>();

/** The codec of a field's kind (with its enum members or UID kind). */
export function codecOf(field: FieldDecl): Codec {
  switch (field.kind) {
    case 'string': return STRING;
    case 'int': return INT;
    case 'long': return LONG;
    case 'bool': return BOOL;
    case 'datetime': return DATETIME;
    case 'enum':
    case 'uid': {
      let codec = codecs.get(field);
      if (!codec) {
        codec = field.kind === 'enum' ? enumCodec(field.members) : uidCodec(field.uidKind);
        codecs.set(field, codec);
      }
      return codec;
    }
  }
}
