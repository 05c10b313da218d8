/**
 * DateTimes on the wire per version profile (issue 16, item 5): the fraction is cut to the
 * profile's precision, never rounded up, so the rendered time is never after the stored one
 * and a `>=` filter on it still finds the row.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { EM_VERSIONS, PROFILES } from '../src/profile/profiles.js';
import { formatDateTime, formatDateTimeAt, parseDateTime, type TimePrecision } from '../src/util/datetime.js';

const at = (text: string, p: TimePrecision) => formatDateTimeAt(parseDateTime(text)!, p);

describe('formatDateTimeAt', () => {
  test('each precision, trailing zeros trimmed, no dot when the fraction is zero', () => {
    const cases: [string, Record<TimePrecision, string>][] = [
      ['2021-06-16T20:00:00.1234567Z', { ticks: '.1234567', microseconds: '.123456', 'sql-datetime': '.123', seconds: '' }],
      ['2021-06-16T20:00:00.5Z', { ticks: '.5', microseconds: '.5', 'sql-datetime': '.5', seconds: '' }],
      ['2021-06-16T20:00:00Z', { ticks: '', microseconds: '', 'sql-datetime': '', seconds: '' }],
      ['2021-06-16T20:00:00.0000009Z', { ticks: '.0000009', microseconds: '', 'sql-datetime': '', seconds: '' }],
      ['2021-06-16T20:00:00.9999999Z', { ticks: '.9999999', microseconds: '.999999', 'sql-datetime': '.997', seconds: '' }],
      ['2021-06-16T20:00:00.0069Z', { ticks: '.0069', microseconds: '.0069', 'sql-datetime': '.003', seconds: '' }],
      ['2021-06-16T20:00:00.01Z', { ticks: '.01', microseconds: '.01', 'sql-datetime': '.01', seconds: '' }],
    ];
    for (const [text, want] of cases) {
      for (const [p, fraction] of Object.entries(want) as [TimePrecision, string][]) {
        assert.equal(at(text, p), `2021-06-16T20:00:00${fraction}Z`, `${text} at ${p}`);
      }
    }
  });

  test('ticks is the lossless form', () => {
    const v = parseDateTime('2025-08-16T05:17:38.22142Z')!;
    assert.equal(formatDateTimeAt(v, 'ticks'), formatDateTime(v));
  });

  test('sql-datetime: milliseconds always end in 0, 3 or 7 (SQL Server keeps 1/300 s), as in all 48 timestamps of the v12 capture', () => {
    for (let ms = 0; ms < 1000; ms++) {
      const text = at(`2025-02-19T03:33:17.${String(ms).padStart(3, '0')}9Z`, 'sql-datetime');
      const m = /\.(\d{1,3})Z$/.exec(text);
      const millis = m ? m[1].padEnd(3, '0') : '000';
      assert.match(millis, /[037]$/, text);
    }
    // Values SQL Server itself produces come out unchanged.
    for (const captured of ['2025-02-19T03:33:17.233Z', '2025-02-19T03:46:02.513Z', '2025-02-19T03:51:03.037Z', '2025-02-19T00:25:42.28Z', '2025-02-18T17:04:02.057Z']) {
      assert.equal(at(captured, 'sql-datetime'), captured);
    }
  });

  test('never after the stored value, in every profile (a >= filter on the rendered value finds the row)', () => {
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    for (let i = 0; i < 2000; i++) {
      const stored = parseDateTime(`2021-06-16T20:00:${String(next() % 60).padStart(2, '0')}.${String(next() % 10_000_000).padStart(7, '0')}Z`)!;
      for (const v of EM_VERSIONS) {
        const rendered = parseDateTime(formatDateTimeAt(stored, PROFILES[v].timePrecision))!;
        assert.ok(rendered <= stored, `${v}: ${rendered} after ${stored}`);
        // …and no more than the profile's step before it.
        const step = { seconds: 1000, 'sql-datetime': 4, microseconds: 0.001, ticks: 0 }[PROFILES[v].timePrecision];
        assert.ok(Date.parse(stored.slice(0, 23) + 'Z') - Date.parse(rendered.slice(0, 23) + 'Z') <= step, `${v}: ${rendered} too far before ${stored}`);
      }
    }
  });

  test('the profiles: 9.5 whole seconds, 12 SQL Server datetime, 13 microseconds', () => {
    assert.equal(PROFILES['9.5'].timePrecision, 'seconds');
    assert.equal(PROFILES['12'].timePrecision, 'sql-datetime');
    assert.equal(PROFILES['13'].timePrecision, 'microseconds');
  });
});

describe('parseDateTime', () => {
  const pad = (n: number, w: number) => String(n).padStart(w, '0');
  test("the UTC form EM writes reads as every other form does (a lower-case 't' takes the general path)", () => {
    const text = fc
      .tuple(fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 0, max: 13 }), fc.integer({ min: 0, max: 32 }), fc.integer({ min: 0, max: 25 }),
        fc.integer({ min: 0, max: 61 }), fc.integer({ min: 0, max: 61 }), fc.option(fc.stringMatching(/^\d{1,7}$/)))
      .map(([y, mo, d, h, mi, s, f]) => `${pad(y, 4)}-${pad(mo, 2)}-${pad(d, 2)}T${pad(h, 2)}:${pad(mi, 2)}:${pad(s, 2)}${f === null ? '' : '.' + f}Z`);
    fc.assert(fc.property(text, (t) => parseDateTime(t) === parseDateTime(t.replace('T', 't'))), { numRuns: 20_000 });
  });

  test('leap days, the year 1 and the ends of months', () => {
    assert.equal(parseDateTime('2024-02-29T23:59:59.1234567Z'), '2024-02-29T23:59:59.1234567Z');
    assert.equal(parseDateTime('2000-02-29T00:00:00Z'), '2000-02-29T00:00:00.0000000Z');
    for (const bad of ['2023-02-29T00:00:00Z', '2100-02-29T00:00:00Z', '0000-01-01T00:00:00Z', '2024-04-31T00:00:00Z', '2024-01-01T24:00:00Z', '2024-01-01T00:00:00.Z']) {
      assert.equal(parseDateTime(bad), undefined, bad);
    }
    assert.equal(parseDateTime('0001-01-01T00:00:00.5Z'), '0001-01-01T00:00:00.5000000Z');
  });
});
