/**
 * The one error registry (spec §3): every failure the API reports is one of these, with its
 * status and message; the HTTP layer renders each as an EM `Error` body.
 */
export class EmError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: readonly (readonly [string, string])[] = [],
  ) {
    super(message);
  }
}

export const LOGON_CHALLENGE = ['WWW-Authenticate', 'Basic Realm=RestSvc'] as const;

export const errors = {
  unauthorized: () => new EmError(401, 'Authentication required: send a valid X-RestSvcSessionId'),
  logonFailed: (why: string) => new EmError(401, `Logon failed: ${why}`, [LOGON_CHALLENGE]),
  badVersion: (v: string) => new EmError(400, `Unsupported API version '${v}'; use latest, v1_7, v1_6 or v1_5`),
  forbidden: (what: string) => new EmError(403, `Access denied: ${what} requires the Portal Administrator role`),
  notFound: (what: string) => new EmError(404, `Not found: ${what}`),
  methodNotAllowed: (method: string, allow: readonly string[]) =>
    new EmError(405, `Method ${method} is not allowed here`, [['Allow', allow.join(', ')]]),
  badRequest: (message: string) => new EmError(400, message),
  notImplemented: (what: string) => new EmError(501, `Not implemented in emrest: ${what}`),
  /** A lock another process holds did not come free in time: nothing was done; retry. */
  busy: (why: string) => new EmError(503, `Service temporarily unavailable: ${why}`, [['Retry-After', '1']]),
  internal: () => new EmError(500, 'Internal server error'),
};
