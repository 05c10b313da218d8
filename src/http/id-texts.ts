import { TYPES } from '../model/index.js';

/**
 * What EM says about the `{ID}` of a resource path (issue 16, item 3): an ID that is no GUID is
 * the client's mistake (400), a GUID no entity has is a missing resource (404). The texts are
 * EM's own for jobs, and are given the same shape for every other type: the type name as
 * declared in the model, and for the 404 that name in lower-case words. One rule in every
 * profile: no capture shows a version that answers otherwise.
 */

/** `BackupJobSession` → `backup job session`. */
const words = (typeName: string) => typeName.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();

/** Lower-case words per declared type name, made once. */
const NOUNS: ReadonlyMap<string, string> = new Map(TYPES.map((t) => [t.name, words(t.name)]));

/** EM writes a leading space before `ID`; kept, since clients may compare the text. */
export const invalidIdText = (typeName: string, rawId: string): string => ` ID ${rawId} is invalid. Type: ${typeName}`;

export const unknownIdText = (typeName: string, guid: string): string => `Cannot find ${NOUNS.get(typeName) ?? words(typeName)} [${guid}]`;
