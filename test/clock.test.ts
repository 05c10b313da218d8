/**
 * The one clock, driven by a fake real-time source: real, frozen, offset and sped-up time;
 * speed changes and unfreezing re-anchor without a jump; refusals change nothing; and the
 * clock built from settings (`clockFrom`) keeps EMREST_NOW's meaning.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Clock, ClockError, MAX_SPEED, MAX_TIME, MIN_TIME, parseInstant } from '../src/clock/clock.js';
import { clockFrom, envClockSettings } from '../src/config.js';

const T0 = Date.parse('2026-12-01T10:00:00.000Z');
const SIM = Date.parse('2021-06-18T00:00:00.000Z');
const H = 3_600_000;

/** A real-time source a test moves by hand. */
function fakeReal(start = T0) {
  let t = start;
  const real = () => t;
  return Object.assign(real, { tick: (ms: number) => void (t += ms), to: (ms: number) => void (t = ms) });
}

const refused = (field: string) => (e: unknown) => e instanceof ClockError && e.field === field;

/** The clock's state as GET /admin/v1/clock shows it, with `now` in ms. */
const state = (c: Clock) => ({ now: c.now(), speed: c.speed, frozen: c.frozen });

describe('Clock', () => {
  test('real: follows the real source exactly', () => {
    const real = fakeReal();
    const c = new Clock({}, real);
    assert.deepEqual(state(c), { now: T0, speed: 1, frozen: false });
    real.tick(1234);
    assert.equal(c.now(), T0 + 1234);
    assert.deepEqual(c.describe(), { now: '2026-12-01T10:00:01.234Z', speed: 1, frozen: false });
  });

  test('real time by default: Date.now', () => {
    const before = Date.now();
    const now = new Clock().now();
    assert.ok(before <= now && now <= Date.now());
  });

  test('frozen: stands still while real time passes; advance still moves it', () => {
    const real = fakeReal();
    const c = new Clock({ now: SIM, frozen: true }, real);
    real.tick(10 * H);
    assert.equal(c.now(), SIM);
    c.advance(36 * H);
    assert.equal(c.now(), SIM + 36 * H);
    real.tick(H);
    assert.deepEqual(state(c), { now: SIM + 36 * H, speed: 1, frozen: true });
    assert.deepEqual(c.describe(), { now: '2021-06-19T12:00:00.000Z', speed: 1, frozen: true });
  });

  test('offset: starts at an instant and runs from there', () => {
    const real = fakeReal();
    const c = new Clock({ now: SIM }, real);
    real.tick(5000);
    assert.equal(c.now(), SIM + 5000);
    c.set(SIM + 2 * H);
    real.tick(1000);
    assert.equal(c.now(), SIM + 2 * H + 1000);
    c.advance(H);
    assert.equal(c.now(), SIM + 3 * H + 1000);
  });

  test('sped up: simulated ms per real ms, fractional speeds floored to whole ms', () => {
    const real = fakeReal();
    const c = new Clock({ now: SIM, speed: 60 }, real);
    real.tick(1000);
    assert.equal(c.now(), SIM + 60_000);
    const slow = new Clock({ now: SIM, speed: 0.5 }, real);
    real.tick(3);
    assert.equal(slow.now(), SIM + 1);
    const fastest = new Clock({ now: SIM, speed: MAX_SPEED }, real);
    real.tick(1000);
    assert.equal(fastest.now(), SIM + 86_400_000, 'a day per real second');
  });

  test('re-anchoring: a speed change continues from where time stands, no jump', () => {
    const real = fakeReal();
    const c = new Clock({ now: SIM, speed: 10 }, real);
    real.tick(1000); // 10 s simulated
    c.setSpeed(100);
    assert.equal(c.now(), SIM + 10_000, 'no jump when the speed changes');
    real.tick(1000);
    assert.equal(c.now(), SIM + 110_000);
    c.setSpeed(1);
    real.tick(1000);
    assert.equal(c.now(), SIM + 111_000);
  });

  test('re-anchoring: freezing stops where it stands, unfreezing runs on from there', () => {
    const real = fakeReal();
    const c = new Clock({ now: SIM, speed: 2 }, real);
    real.tick(1000);
    c.freeze(true);
    assert.equal(c.now(), SIM + 2000);
    real.tick(H);
    assert.equal(c.now(), SIM + 2000, 'frozen through a real hour');
    c.setSpeed(10); // while frozen: takes effect on unfreezing, no move now
    real.tick(H);
    assert.equal(c.now(), SIM + 2000);
    c.freeze(false);
    assert.equal(c.now(), SIM + 2000, 'unfreezing does not jump over the frozen time');
    real.tick(1000);
    assert.deepEqual(state(c), { now: SIM + 12_000, speed: 10, frozen: false });
    c.freeze(false); // already running: nothing changes
    assert.equal(c.now(), SIM + 12_000);
  });

  test('set keeps frozen frozen and running running', () => {
    const real = fakeReal();
    const frozen = new Clock({ now: SIM, frozen: true }, real);
    frozen.set(SIM + H);
    real.tick(1000);
    assert.equal(frozen.now(), SIM + H);
    const running = new Clock({ now: SIM }, real);
    running.set(SIM + H);
    real.tick(1000);
    assert.equal(running.now(), SIM + H + 1000);
  });

  test('a backward jump only with force; a jump to the same instant is not backward', () => {
    const real = fakeReal();
    const c = new Clock({ now: SIM, frozen: true }, real);
    assert.throws(() => c.set(SIM - 1), refused('now'));
    assert.throws(() => c.set(SIM - H, { force: false }), /before the clock's 2021-06-18T00:00:00\.000Z; a backward jump needs force/);
    assert.equal(c.now(), SIM, 'nothing changed');
    c.set(SIM);
    c.set(SIM - H, { force: true });
    assert.equal(c.now(), SIM - H);
  });

  test('refusals change nothing: bad advance, speeds out of range, instants out of range, bad frozen', () => {
    const real = fakeReal();
    const c = new Clock({ now: SIM, speed: 3 }, real);
    const before = state(c);
    for (const ms of [-1, NaN, Infinity, MAX_TIME]) assert.throws(() => c.advance(ms), refused('advance'), String(ms));
    for (const speed of [0, -1, MAX_SPEED + 1, NaN, Infinity, '60' as unknown as number]) assert.throws(() => c.setSpeed(speed), refused('speed'), String(speed));
    for (const now of [NaN, MIN_TIME - 1, MAX_TIME + 1]) assert.throws(() => c.set(now, { force: true }), refused('now'), String(now));
    assert.throws(() => c.freeze('yes' as unknown as boolean), refused('frozen'));
    assert.deepEqual(state(c), before);
    assert.throws(() => new Clock({ speed: 0 }, real), refused('speed'));
    assert.throws(() => new Clock({ now: MAX_TIME + 1 }, real), refused('now'));
    c.advance(0);
    assert.deepEqual(state(c), before);
  });

  test('real time stepping back never makes the clock go back', () => {
    const real = fakeReal();
    const c = new Clock({}, real);
    real.tick(5000);
    assert.equal(c.now(), T0 + 5000);
    real.tick(-60_000);
    assert.equal(c.now(), T0 + 5000, 'stands still until real time catches up');
    real.tick(60_000 + 1000);
    assert.equal(c.now(), T0 + 6000);
  });

  test('describe: ISO-8601 with milliseconds and Z, at the edges too', () => {
    const c = new Clock({ now: MIN_TIME, frozen: true });
    assert.equal(c.describe().now, '0001-01-01T00:00:00.000Z');
    c.set(MAX_TIME);
    assert.equal(c.describe().now, '9999-12-31T23:59:59.999Z');
  });

  test('parseInstant: the forms EM DateTimes take', () => {
    assert.equal(parseInstant('2026-12-01T10:00:00Z'), Date.parse('2026-12-01T10:00:00Z'));
    assert.equal(parseInstant('2026-12-01T10:00:00.123Z'), Date.parse('2026-12-01T10:00:00.123Z'));
    assert.equal(parseInstant('2026-12-01T12:00:00+02:00'), Date.parse('2026-12-01T10:00:00Z'));
    assert.equal(parseInstant('2026-12-01'), Date.parse('2026-12-01T00:00:00Z'));
    for (const bad of ['', 'now', '2026-02-30T00:00:00Z', '2026-12-01T25:00:00Z', '1764583200000']) assert.equal(parseInstant(bad), undefined, bad);
  });
});

describe('clockFrom (settings → clock)', () => {
  test('EMREST_NOW: frozen at that instant; unset: real time', () => {
    const pinned = clockFrom(envClockSettings({ EMREST_NOW: '2021-06-18T00:00:00Z' }));
    assert.deepEqual(state(pinned), { now: SIM, speed: 1, frozen: true });
    const real = fakeReal();
    const free = clockFrom(envClockSettings({}), real);
    real.tick(10);
    assert.deepEqual(state(free), { now: T0 + 10, speed: 1, frozen: false });
  });

  test('settings: start, frozen, speed', () => {
    const real = fakeReal();
    const c = clockFrom({ now: SIM, frozen: false, speed: 60 }, real);
    real.tick(1000);
    assert.deepEqual(state(c), { now: SIM + 60_000, speed: 60, frozen: false });
  });
});
