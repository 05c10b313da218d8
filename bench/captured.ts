/** A response captured from emrest, replayed byte for byte by the static Fastify server. */
export interface CapturedResponse {
  readonly method: 'GET' | 'POST';
  /** Path and query, exactly as the load generator sends it. */
  readonly url: string;
  readonly json: boolean;
  readonly status: number;
  readonly headers: Record<string, string>;
  /** Base64. */
  readonly body: string;
}

export const responseKey = (method: string, json: boolean, url: string) => `${method} ${json ? 'json' : 'xml'} ${url}`;
