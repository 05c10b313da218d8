/** Where in an input something is: 1-based line and column, and the element/property path. */
export interface Where {
  readonly line?: number;
  readonly column?: number;
  /** `/QueryResult/Entities/ReplicaJobSessions/ReplicaJobSession[3]/EndTimeUTC` (XML) or `$.ReplicaJobSessions[2].EndTimeUTC` (JSON). */
  readonly path?: string;
}

/**
 * An input that cannot be imported. The message names the input, the position and what is
 * wrong: `sessions.xml:14:9: invalid DateTime '2021-13-01' in EndTimeUTC (at /ReplicaJobSessions/ReplicaJobSession[2]/EndTimeUTC)`.
 */
export class ImportError extends Error {
  constructor(
    readonly source: string,
    readonly reason: string,
    readonly where: Where = {},
  ) {
    super(formatMessage(source, reason, where));
    this.name = 'ImportError';
  }
}

function formatMessage(source: string, reason: string, where: Where): string {
  let at = source;
  if (where.line !== undefined) {
    at += `:${where.line}`;
    if (where.column !== undefined) at += `:${where.column}`;
  }
  return `${at}: ${reason}${where.path ? ` (at ${where.path})` : ''}`;
}

/** A problem with one value of an entity; the reader that produced the entity adds the position. */
export class FieldError extends Error {
  constructor(
    readonly reason: string,
    /** The rendered name (element, attribute or property) at fault, if one is. */
    readonly field?: string,
  ) {
    super(reason);
  }
}
