/**
 * The EM version profiles: every wire detail that differs between Enterprise Manager versions,
 * as one table of settings (issue 16; em-api.md §10 in docs/em-surface/version-profiles.md).
 * Writers, negotiation and routes read the profile of the server (`serve --em-version`); no
 * code asks which version it is. Each setting says what it decides and, in the docs, the
 * evidence for each version's value.
 */

import { SERIALIZER_STYLE, type XmlStyle } from './xml-style.js';

export const EM_VERSIONS = ['9.5', '12', '13'] as const;
export type EmVersion = (typeof EM_VERSIONS)[number];

/** The version a server speaks unless told otherwise: the most deployed. */
export const DEFAULT_EM_VERSION: EmVersion = '12';

export interface WireProfile {
  readonly emVersion: EmVersion;
  /** Enterprise Manager's product version, as a health probe or the console shows it. */
  readonly productVersion: string;
  /**
   * JSON members that have no value: `omit` leaves them out; `keep` writes `null` for each
   * member the EM class has (QueryResult `Refs`/`Resources`/`Links`, every `Entities`
   * collection, link `Name`/`Type`, empty entity fields). XML leaves them out either way.
   */
  readonly jsonNulls: 'omit' | 'keep';
  /**
   * Which Accept headers get JSON: `first` when `application/json` is the first of the EM media
   * types listed; `anywhere` when it is listed at all.
   */
  readonly acceptJson: 'first' | 'anywhere';
  /** The Content-Type header of a JSON body. */
  readonly jsonContentType: string;
  /**
   * How a DateTime's fraction is written (always truncated, never rounded up, so a filter on a
   * rendered value still matches its row): `seconds` none; `sql-datetime` at most 3 digits on
   * SQL Server's 1/300 s grid (milliseconds end in 0, 3 or 7); `microseconds` at most 6;
   * `ticks` all 7. Trailing zeros are trimmed in each.
   */
  readonly timePrecision: 'seconds' | 'sql-datetime' | 'microseconds' | 'ticks';
  /**
   * How paging-link query values are percent-encoded: `dotnet-form` lowercase hex with only
   * letters, digits and `- _ . ! * ( )` literal (`;` `,` `~` encoded); `uri-upper` uppercase hex
   * with `~ ; , ( ) * !` literal too. Space is `+` in both.
   */
  readonly linkEncoding: 'dotnet-form' | 'uri-upper';
  /** Session types (type names) whose stored FailureMessage is rendered; for the others it renders as absent. */
  readonly failureMessageTypes: readonly string[];
  /**
   * How XML is laid out beyond its elements: the root's namespace declarations and the order
   * of attributes (xml-style.ts). JSON does not depend on it.
   */
  readonly xmlStyle: XmlStyle;
  /**
   * The API versions the entry point lists and a logon may name (`?v=`, besides `latest`),
   * oldest first; a logon naming another answers 400.
   */
  readonly apiVersions: readonly string[];
}

/** A row: frozen, lists too. */
const row = (p: WireProfile): WireProfile =>
  Object.freeze({ ...p, failureMessageTypes: Object.freeze([...p.failureMessageTypes]), apiVersions: Object.freeze([...p.apiVersions]) });

export const PROFILES: Readonly<Record<EmVersion, WireProfile>> = Object.freeze({
  '9.5': row({
    emVersion: '9.5', productVersion: '9.5.4.2866',
    jsonNulls: 'omit', acceptJson: 'anywhere', jsonContentType: 'application/json',
    timePrecision: 'seconds', linkEncoding: 'dotnet-form', failureMessageTypes: ['ReplicaJobSession'],
    xmlStyle: SERIALIZER_STYLE, apiVersions: ['v1', 'v1_1', 'v1_2', 'v1_3', 'v1_4'],
  }),
  '12': row({
    emVersion: '12', productVersion: '12.3.1.1139',
    jsonNulls: 'keep', acceptJson: 'first', jsonContentType: 'application/json; charset=utf-8',
    timePrecision: 'sql-datetime', linkEncoding: 'dotnet-form', failureMessageTypes: ['ReplicaJobSession'],
    xmlStyle: SERIALIZER_STYLE, apiVersions: ['v1_5', 'v1_6', 'v1_7'],
  }),
  '13': row({
    emVersion: '13', productVersion: '13.0.1.1071',
    jsonNulls: 'keep', acceptJson: 'first', jsonContentType: 'application/json; charset=utf-8',
    timePrecision: 'microseconds', linkEncoding: 'uri-upper', failureMessageTypes: ['ReplicaJobSession'],
    xmlStyle: SERIALIZER_STYLE, apiVersions: ['v1_5', 'v1_6', 'v1_7'],
  }),
});

export function isEmVersion(value: string): value is EmVersion {
  return (EM_VERSIONS as readonly string[]).includes(value);
}
