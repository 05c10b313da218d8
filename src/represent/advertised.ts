import { TYPES } from '../model/index.js';
import { LOGON_LINKS } from './logon-session.js';

/**
 * Every resource path our documents link to, as a template relative to `{B}` with `{…}` for
 * ids and no query string: the logon session's links and every link declared on a type. The
 * HTTP layer answers a GET of an advertised path it has no route for with 501 (not 404), so a
 * client following our links learns the resource exists in EM but not in emrest.
 */
export function advertisedPaths(): string[] {
  const paths = new Set<string>();
  const add = (href: string) => {
    const path = href.split('?')[0].replace(/\/$/, '');
    if (path !== '') paths.add(path);
  };
  for (const [, , path] of LOGON_LINKS) add(path);
  for (const type of TYPES) for (const l of [...type.links.entity, ...type.links.reference]) add(l.href);
  return [...paths].sort();
}
