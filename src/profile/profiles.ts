/**
 * The EM version profiles: every wire detail that differs between Enterprise Manager versions,
 * as one table of settings (issue 16; em-api.md §10 in docs/em-surface/version-profiles.md).
 * Writers, negotiation and routes read the profile of the server (`serve --em-version`); no
 * code asks which version it is. Each setting says what it decides and, in the docs, the
 * evidence for each version's value.
 */

export const EM_VERSIONS = ['9.5', '12', '13'] as const;
export type EmVersion = (typeof EM_VERSIONS)[number];

/** The version a server speaks unless told otherwise: the most deployed. */
export const DEFAULT_EM_VERSION: EmVersion = '12';

export interface WireProfile {
  readonly emVersion: EmVersion;
  /** Enterprise Manager's product version, as a health probe or the console shows it. */
  readonly productVersion: string;
}

export const PROFILES: Readonly<Record<EmVersion, WireProfile>> = Object.freeze({
  '9.5': Object.freeze({ emVersion: '9.5', productVersion: '9.5.4.2866' }),
  '12': Object.freeze({ emVersion: '12', productVersion: '12.3.1.1139' }),
  '13': Object.freeze({ emVersion: '13', productVersion: '13.0.1.1071' }),
});

export function isEmVersion(value: string): value is EmVersion {
  return (EM_VERSIONS as readonly string[]).includes(value);
}
