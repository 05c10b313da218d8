/** ISO-8601 durations of fixed length (the admin clock's `advance`). */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DurationError, parseDuration } from '../src/clock/duration.js';

const S = 1000, M = 60 * S, H = 60 * M, D = 24 * H;

describe('parseDuration', () => {
  for (const [text, ms] of [
    ['PT36H', 36 * H],
    ['PT0S', 0],
    ['PT90S', 90 * S],
    ['PT1.5H', 1.5 * H],
    ['PT0,25S', 250],
    ['PT0.5S', 500],
    ['PT0.0004S', 0],
    ['PT15M', 15 * M],
    ['PT15M1S', 15 * M + S],
    ['P1D', D],
    ['P1DT12H', 36 * H],
    ['P2DT3H4M5.5S', 2 * D + 3 * H + 4 * M + 5.5 * S],
    ['P1W', 7 * D],
    ['P1W2D', 9 * D],
    ['P0.5D', 12 * H],
    ['P30D', 30 * D],
    ['pt36h', 36 * H],
    ['P365DT0H', 365 * D],
  ] as const) {
    test(`${text} = ${ms} ms`, () => assert.equal(parseDuration(text), ms));
  }

  for (const [text, message] of [
    ['P1M', /years and months have no fixed length/],
    ['P1Y', /years and months/],
    ['P1Y2M3DT4H', /years and months/],
    ['-PT1H', /negative/],
    ['+PT1H', /signed/],
    ['PT-1H', /not an ISO-8601 duration/],
    ['P', /not an ISO-8601 duration/],
    ['PT', /not an ISO-8601 duration/],
    ['P1DT', /not an ISO-8601 duration/],
    ['', /not an ISO-8601 duration/],
    ['36H', /not an ISO-8601 duration/],
    ['PT36', /not an ISO-8601 duration/],
    ['PT1S1M', /not an ISO-8601 duration/],
    ['P1D1W', /not an ISO-8601 duration/],
    ['PT.5S', /not an ISO-8601 duration/],
    ['PT1.5H30M', /only the last component may have a fraction/],
    [' PT1H', /not an ISO-8601 duration/],
    ['PT1H ', /not an ISO-8601 duration/],
    ['P1e3D', /not an ISO-8601 duration/],
    [`P${'9'.repeat(30)}D`, /too long/],
  ] as const) {
    test(`${JSON.stringify(text)} is refused`, () => {
      assert.throws(() => parseDuration(text), (e: unknown) => e instanceof DurationError && message.test((e as Error).message));
    });
  }
});
