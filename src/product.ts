import { readFileSync } from 'node:fs';

/** emrest's own version (package.json, read once); the EM version spoken is the server's profile's. */
export const EMREST_VERSION: string = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
