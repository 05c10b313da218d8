import { readFileSync } from 'node:fs';

/**
 * What this build is: emrest's own version (package.json, read once) and the EM version whose
 * wire it speaks. The EM version is the one the version-profile table will select per server;
 * until profiles exist every server speaks EM 12.
 */
export const EMREST_VERSION: string = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

export const EM_VERSION = '12';
