import { StoreBusyError } from '../../store/store.js';

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

/**
 * An error as it crosses to another thread (a structured clone keeps no class): an
 * `ImportError` its reason and position, a busy store what it waited for, any other error its
 * message and code.
 */
export type SentError =
  | { readonly kind: 'import'; readonly reason: string; readonly where: Where }
  | { readonly kind: 'busy'; readonly what: string }
  | { readonly kind: 'other'; readonly message: string; readonly code?: string };

export function sentError(e: unknown): SentError {
  if (e instanceof ImportError) return { kind: 'import', reason: e.reason, where: e.where };
  if (e instanceof StoreBusyError) return { kind: 'busy', what: e.what };
  const err = e as NodeJS.ErrnoException;
  return { kind: 'other', message: err.message, code: err.code };
}

/** The error `sentError` sent, as its class again (an `ImportError` of `source`). */
export function receivedError(e: SentError, source: string): Error {
  if (e.kind === 'import') return new ImportError(source, e.reason, e.where);
  if (e.kind === 'busy') return new StoreBusyError(e.what);
  return Object.assign(new Error(e.message), e.code === undefined ? {} : { code: e.code });
}
