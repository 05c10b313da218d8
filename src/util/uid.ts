/** The text of a GUID in any case, for patterns that contain one (hrefs, URNs). */
export const GUID_PATTERN = '[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}';

const GUID = new RegExp(`^${GUID_PATTERN}$`);
const URN = new RegExp(`^urn:veeam:([A-Za-z]+):(${GUID_PATTERN})$`, 'i');

/** Lowercase GUID of a bare GUID string, or undefined. */
export function parseGuid(text: string): string | undefined {
  return GUID.test(text) ? text.toLowerCase() : undefined;
}

/**
 * `urn:veeam:<Kind>:<guid>` (prefix in any case) or a bare GUID, as the kind it names (none
 * for a bare GUID) and the lowercase GUID; undefined when it is neither.
 */
export function splitUid(text: string): { readonly kind?: string; readonly guid: string } | undefined {
  const m = URN.exec(text);
  if (m) return { kind: m[1], guid: m[2].toLowerCase() };
  const guid = parseGuid(text);
  return guid === undefined ? undefined : { guid };
}

export function uidOf(kind: string, guid: string): string {
  return `urn:veeam:${kind}:${guid}`;
}
