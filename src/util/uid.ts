import { randomUUID } from 'node:crypto';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const URN = /^urn:veeam:[A-Za-z]+:([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;

/** Lowercase GUID of a bare GUID string, or undefined. */
export function parseGuid(text: string): string | undefined {
  return GUID.test(text) ? text.toLowerCase() : undefined;
}

/** Lowercase GUID of `urn:veeam:<Kind>:<guid>` or of a bare GUID (both appear in EM filters). */
export function parseUid(text: string): string | undefined {
  const m = URN.exec(text);
  if (m) return m[1].toLowerCase();
  return parseGuid(text);
}

export function uidOf(kind: string, guid: string): string {
  return `urn:veeam:${kind}:${guid}`;
}

export function newGuid(): string {
  return randomUUID();
}
