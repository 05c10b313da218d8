import { join, resolve } from 'node:path';
import { Clock, type RealTime } from './clock/clock.js';
import { parseDateTime, toEpochMs } from './util/datetime.js';

/**
 * Every setting's default and every fixed limit, each with its reason, in one place.
 * `settingsFrom` (settings.ts) turns flags and environment into what a server runs with.
 */
export const DEFAULTS = Object.freeze({
  dataDir: 'data',
  host: '127.0.0.1',
  httpPort: 9399,
  httpsPort: 9398,
  /** Idle timeout of a logon session (spec §2). */
  sessionTimeoutSeconds: 900,
  /** The longest `--session-timeout` takes: a year. */
  maxSessionTimeoutSeconds: 31_536_000,
  /** Session collections show this many days back (spec §4.6). */
  windowDays: 30,
  /** Page size when a query gives none (spec §6.5). */
  defaultPageSize: 100,
  jsonBom: false,
  logLevel: 'warn',

  /** Failed logons per (user, client address) and window that lock the pair out (`0`: never). */
  logonLockout: '10/60s',
  /** The first lockout lasts one window, each one after it, while failures continue, twice as long: up to this. */
  maxLockoutMs: 15 * 60_000,
  /** Pairs the lockout tracks at once: an attacker cycling user names cannot grow the table without bound. */
  lockoutPairs: 10_000,
  /** Logon sessions kept per user; a new logon beyond it drops that user's least recently used. */
  maxLogonSessionsPerUser: 1000,
  /** How long a checked password spares the next logon the scrypt work. */
  verifiedPasswordTtlMs: 5 * 60_000,
  /** How often idle-timer touches are written: well inside the idle timeout, and cheap. */
  idleTimerFlushMs: 5000,
  /**
   * The same in worker processes (`serve --workers`): a session's use on one worker reaches the
   * others through the store only, so it is written sooner (every worker also writes its
   * touches before a clock move is answered).
   */
  clusterIdleTimerFlushMs: 250,

  /** Largest request body of the EM API (its endpoints ignore bodies). */
  bodyLimitBytes: 1024 * 1024,
  /** Largest import body of the admin API. */
  adminBodyLimitBytes: 64 * 1024 * 1024,
  /** Rendered query answers kept for reuse while the data generation is unchanged. */
  responseCacheBytes: 64 * 1024 * 1024,
  /**
   * Rendered rows kept for reuse while their revisions are unchanged (`--row-texts-mb`, MiB of
   * text per process, mostly one byte a character): an answer not in the response cache then
   * costs little more than reading its rows' revisions, even while the estate writes. 32 MiB
   * hold about 25,000 entity rows of each format asked for.
   */
  rowTextsMb: 32,
  maxRowTextsMb: 4096,
  /** Rows stepped out of the store, rendered and written at a time. */
  chunkRows: 500,
  /**
   * Answers that may be long (unbounded, or a page over two chunks) written at once; more wait
   * their turn before they read anything, so memory stays bounded however many are asked for.
   */
  maxStreams: 8,
  /** A client that takes nothing of a streamed answer for this long is dropped: it holds a turn. */
  stallMs: 60_000,

  /** EM `Task`s kept in memory (`/api/tasks`); creating one more forgets the oldest. */
  maxTasks: 1000,
  /**
   * How long a job action's request waits for the estate to carry the action out before it
   * answers 202 (EM's tasks finish within moments): a client that looks right after the answer
   * finds the task Finished and the session it started; a slower action finishes its task later.
   */
  jobActionWaitMs: 5000,
  /** Real time between the live estate's catch-ups with a running clock (at speed 600, 10 simulated minutes). */
  estateTickMs: 1000,
  /**
   * The estate thread's young generation (MiB): V8's default of 48 grew the thread's heap to
   * ≈ 250 MiB of mostly empty pages while it replayed a 1M-session history; 12 keeps it near
   * what it holds (≈ 100 MiB) and replays as fast.
   */
  estateYoungGenerationMb: 12,

  /**
   * Requests the journal keeps (`serve --journal N`): a test suite's worth of polling, at a
   * few hundred bytes each (about 3 MB); the oldest go first.
   */
  journalEntries: 10_000,
  /** The most `--journal` takes: a million entries is a few hundred MB. */
  maxJournalEntries: 1_000_000,
  /**
   * HTTP worker processes (`serve --workers`): one, not one per core, because one process
   * keeps every part of the control-plane contract exactly (docs/WORKERS.md says what several
   * share and how); several are asked for.
   */
  workers: 1,
  /** The most `--workers` takes. */
  maxWorkers: 256,
  /** How long a worker process waits for an answer over cluster IPC (the primary, the leader). */
  clusterIpcTimeoutMs: 15_000,
});

export const databasePath = (dataDir: string) => join(resolve(dataDir), 'emrest.db');

/** The data directory: flag, then EMREST_DATA_DIR, then the default. */
export const dataDirFrom = (flag: string | undefined, env = process.env) => flag ?? env.EMREST_DATA_DIR ?? DEFAULTS.dataDir;

/**
 * The pinned "now" of EMREST_NOW (an EM DateTime such as `2021-06-18T00:00:00Z`), in epoch
 * milliseconds, so tests and demos see a fixed time; undefined when unset (real time).
 */
export function pinnedNow(env = process.env): number | undefined {
  const pinned = env.EMREST_NOW;
  if (pinned === undefined || pinned === '') return undefined;
  const parsed = parseDateTime(pinned);
  if (!parsed) throw new Error(`EMREST_NOW is not a date and time: ${pinned}`);
  return toEpochMs(parsed);
}

/** What a clock starts as: `serve`'s flags and EMREST_NOW, checked by `settingsFrom`. */
export interface ClockSettings {
  /** Start instant in epoch milliseconds; absent: the real now. */
  readonly now?: number;
  /** Stands still (moved only by the admin API). */
  readonly frozen: boolean;
  /** Simulated seconds per real second. */
  readonly speed: number;
}

/** What EMREST_NOW alone asks for: standing still at that instant; absent, real time. */
export function envClockSettings(env = process.env): ClockSettings {
  const now = pinnedNow(env);
  return { now, frozen: now !== undefined, speed: 1 };
}

/** The one place a clock is built from settings (serve, seed, the app context). */
export const clockFrom = (settings: ClockSettings = envClockSettings(), realTime: RealTime = Date.now): Clock =>
  new Clock({ now: settings.now, frozen: settings.frozen, speed: settings.speed }, realTime);
