import { advertisedPaths } from '../represent/advertised.js';

/**
 * The advertised path template (`backupServers/{id}/credentials`) an unrouted `/api/…` path is
 * an instance of, if any: such a GET answers 501 `not-implemented` instead of 404.
 */
export function advertisedMatcher(): (path: string) => string | undefined {
  const patterns = advertisedPaths().map((template) => ({
    template,
    regex: new RegExp(`^/api/${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{\w+\}/g, '[^/]+')}/?$`, 'i'),
  }));
  return (path) => patterns.find((p) => p.regex.test(path))?.template;
}
