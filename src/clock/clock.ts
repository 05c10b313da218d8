/**
 * The one clock: everything that says "now" (timestamps, the 30-day windows, logon idle expiry,
 * schedules) reads it. Pure: real time comes in through an injectable source, so tests drive it.
 *
 * State: an anchor (simulated instant, real instant), a speed (simulated ms per real ms) and
 * whether it is frozen. Running, `now = anchorSim + (real - anchorReal) * speed`; frozen, it is
 * `anchorSim`. Every change of speed or of frozen re-anchors at the current `now`, so time never
 * jumps; only `set` and `advance` move it. A real clock that steps back (NTP) never makes `now`
 * go back: it stands still until real time catches up.
 */

import { parseDateTime, toEpochMs } from '../util/datetime.js';

/** Where real time comes from: epoch milliseconds (`Date.now`, or a test's fake). */
export type RealTime = () => number;

/** The instants an EM DateTime can hold (years 1–9999): the clock never leaves them. */
export const MIN_TIME = Date.parse('0001-01-01T00:00:00.000Z');
export const MAX_TIME = Date.parse('9999-12-31T23:59:59.999Z');
/** Fastest speed: a simulated day per real second. */
export const MAX_SPEED = 86_400;

/** What a refused operation was about, so that callers can name the field. */
export type ClockField = 'now' | 'advance' | 'speed' | 'frozen';

/** A refused operation; nothing was changed. */
export class ClockError extends RangeError {
  constructor(
    readonly field: ClockField,
    message: string,
  ) {
    super(message);
  }
}

export interface ClockOptions {
  /** Start instant, epoch ms (default: the real now). */
  readonly now?: number;
  /** Simulated ms per real ms, 0 < speed ≤ MAX_SPEED (default 1). */
  readonly speed?: number;
  /** Stand still (default false). */
  readonly frozen?: boolean;
}

/** A clock as another clock can take it over (another node's, shared through the store). */
export interface ClockState {
  readonly anchorSim: number;
  /** Real epoch ms at `anchorSim`: nodes share real time (one host, or NTP). */
  readonly anchorReal: number;
  readonly speed: number;
  readonly frozen: boolean;
}

/** The clock as the admin API shows it. */
export interface ClockDescription {
  /** ISO-8601 with milliseconds and `Z`. */
  readonly now: string;
  readonly speed: number;
  readonly frozen: boolean;
}

/**
 * Epoch ms of an ISO-8601 instant in the forms EM DateTimes take (`2026-12-01T10:00:00Z`,
 * an offset, a fraction, date only; no zone = UTC); undefined when it is none.
 */
export function parseInstant(text: string): number | undefined {
  const parsed = parseDateTime(text);
  return parsed === undefined ? undefined : toEpochMs(parsed);
}

const iso = (ms: number) => new Date(ms).toISOString();

/** Refuses an instant outside what an EM DateTime holds. */
function checkInstant(field: ClockField, ms: number): void {
  if (!Number.isFinite(ms)) throw new ClockError(field, `${field}: not a finite instant`);
  if (ms < MIN_TIME || ms > MAX_TIME) throw new ClockError(field, `${field}: the clock holds instants from ${iso(MIN_TIME)} to ${iso(MAX_TIME)}`);
}

export function checkSpeed(speed: number): void {
  if (typeof speed !== 'number' || !Number.isFinite(speed) || !(speed > 0 && speed <= MAX_SPEED)) {
    throw new ClockError('speed', `speed must be a number greater than 0 and at most ${MAX_SPEED}, got ${JSON.stringify(speed)}`);
  }
}

export class Clock {
  #anchorSim: number;
  #anchorReal: number;
  #speed: number;
  #frozen: boolean;
  /** The latest `now` given out since the last move: running time never goes back. */
  #latest: number;
  readonly #real: RealTime;
  readonly #listeners: (() => void)[] = [];

  constructor(options: ClockOptions = {}, realTime: RealTime = Date.now) {
    this.#real = realTime;
    const real = realTime();
    const start = options.now ?? real;
    checkInstant('now', start);
    const speed = options.speed ?? 1;
    checkSpeed(speed);
    this.#anchorSim = start;
    this.#anchorReal = real;
    this.#speed = speed;
    this.#frozen = options.frozen ?? false;
    this.#latest = start;
  }

  /** Simulated epoch milliseconds (whole). */
  now(): number {
    if (this.#frozen) return this.#anchorSim;
    const t = Math.min(MAX_TIME, Math.floor(this.#anchorSim + (this.#real() - this.#anchorReal) * this.#speed));
    if (t > this.#latest) this.#latest = t;
    return this.#latest;
  }

  get speed(): number {
    return this.#speed;
  }

  get frozen(): boolean {
    return this.#frozen;
  }

  /** Jumps to `now`; a jump backward is refused unless `force`. Frozen stays frozen. */
  set(now: number, options: { readonly force?: boolean } = {}): void {
    checkInstant('now', now);
    const current = this.now();
    if (now < current && !options.force) {
      throw new ClockError('now', `now: ${iso(now)} is before the clock's ${iso(current)}; a backward jump needs force`);
    }
    this.#anchor(now);
    this.#changed();
  }

  /** Moves forward by `ms` (≥ 0), frozen or not. */
  advance(ms: number): void {
    if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) throw new ClockError('advance', `advance must be a finite, non-negative duration, got ${ms}`);
    const target = this.now() + ms;
    checkInstant('advance', target);
    this.#anchor(target);
    this.#changed();
  }

  /** Simulated ms per real ms from now on; time does not jump. */
  setSpeed(speed: number): void {
    checkSpeed(speed);
    this.#anchor(this.now());
    this.#speed = speed;
    this.#changed();
  }

  /** Stops or restarts time where it stands. */
  freeze(frozen: boolean): void {
    if (typeof frozen !== 'boolean') throw new ClockError('frozen', `frozen must be true or false, got ${JSON.stringify(frozen)}`);
    if (frozen === this.#frozen) return;
    this.#anchor(this.now());
    this.#frozen = frozen;
    this.#changed();
  }

  describe(): ClockDescription {
    return { now: iso(this.now()), speed: this.#speed, frozen: this.#frozen };
  }

  #anchor(sim: number): void {
    this.#anchorSim = sim;
    this.#anchorReal = this.#real();
    this.#latest = sim;
  }

  #changed(): void {
    for (const listener of this.#listeners) listener();
  }

  /** Calls `listener` after every change made through this clock's operations (not `adopt`). */
  onChange(listener: () => void): void {
    this.#listeners.push(listener);
  }

  state(): ClockState {
    return { anchorSim: this.#anchorSim, anchorReal: this.#anchorReal, speed: this.#speed, frozen: this.#frozen };
  }

  /** Becomes the clock `state` describes, as it runs now (a shared clock moved elsewhere; may go back). */
  adopt(state: ClockState): void {
    checkSpeed(state.speed);
    this.#anchorSim = state.anchorSim;
    this.#anchorReal = state.anchorReal;
    this.#speed = state.speed;
    this.#frozen = state.frozen;
    this.#latest = state.frozen ? state.anchorSim : Math.floor(state.anchorSim + (this.#real() - state.anchorReal) * state.speed);
    checkInstant('now', this.#latest);
  }
}
