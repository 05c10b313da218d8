/**
 * The compiled list writers write exactly what the generic writers write of the same row's
 * node: every type, entity and reference, every profile and XML style, over the demo's rows
 * and over rows whose free strings hold everything that needs escaping. A row's text split at
 * its link base (to be kept for any base) makes the same items under every base.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { DEMO_DEFAULTS, generateDemo } from '../src/demo/demo.js';
import { TYPES, type Row, type TypeDecl } from '../src/model/index.js';
import { planOrder } from '../src/query/plan.js';
import { EM_VERSIONS, PROFILES } from '../src/profile/profiles.js';
import { DOCUMENTED_STYLE } from '../src/profile/xml-style.js';
import { rowShape } from '../src/represent/documents.js';
import { nodeOf } from '../src/represent/entities.js';
import { toJson } from '../src/represent/json.js';
import { itemWriter, splitWriter } from '../src/represent/row-writer.js';
import { xmlFragment } from '../src/represent/xml.js';
import { FIXTURE_NOW } from './support/fixture.js';
import { storesOfTestFile } from './support/store.js';

const store = storesOfTestFile('emrest-row-writer-')();
const rowsOf = new Map<TypeDecl, Row[]>();

/** Text each writer must escape (or replace), in XML and in JSON. */
const NASTY = 'a&b<c>d"e\'f\tg\nh\ri\u0001j\\k\u2028l\uD800m\uFFFFn/o';

before(async () => {
  await generateDemo(store, { ...DEMO_DEFAULTS, now: Date.parse(FIXTURE_NOW) });
  for (const type of TYPES) {
    const { rows } = await store.query({ type, order: planOrder(type), offset: 0, limit: 20 });
    // The same rows with every free string made nasty, and with every optional value absent.
    const nasty = rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'string' && type.fields.find((f) => f.key === k)?.kind === 'string' ? NASTY + v : v])));
    const bare = rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, type.fields.find((f) => f.key === k)?.optional ? null : v])));
    rowsOf.set(type, [...rows, ...nasty, ...bare, { ...rows[0], name: '' }].filter(Boolean));
  }
});

const BASES = ['http://h/api', 'http://a&b"<c>/api'];

describe('compiled list writers', () => {
  for (const version of EM_VERSIONS) {
    const profile = PROFILES[version];
    for (const format of ['entities', 'references'] as const) {
      test(`EM ${version} ${format}: XML (both styles, any indent) and JSON as the generic writers`, () => {
        for (const type of TYPES) {
          const rows = rowsOf.get(type)!;
          if (rows.length === 0) continue;
          const shape = rowShape(type, format, profile);
          for (const base of BASES) {
            for (const style of [profile.xmlStyle, DOCUMENTED_STYLE]) {
              for (const indent of ['', '      ']) {
                const write = itemWriter(shape, false, { ...profile, xmlStyle: style }, indent, base);
                rows.forEach((row, i) => assert.equal(write(row, i), xmlFragment(nodeOf(shape, row, base), indent, style) + '\n', `${type.name} XML`));
              }
            }
            const write = itemWriter(shape, true, profile, '', base);
            rows.forEach((row, i) => assert.equal(write(row, i), (i === 0 ? '' : ',') + toJson(nodeOf(shape, row, base), profile.jsonNulls), `${type.name} JSON`));
          }
        }
      });
    }
  }
});

describe('split row texts', () => {
  for (const version of EM_VERSIONS) {
    const profile = PROFILES[version];
    test(`EM ${version}: a row split under one base makes each base's item; a row holding the mark is not split`, () => {
      for (const type of TYPES) {
        const rows = rowsOf.get(type)!;
        for (const format of ['entities', 'references'] as const) {
          const shape = rowShape(type, format, profile);
          for (const json of [false, true]) {
            const [first, second] = BASES.map((base) => splitWriter(shape, json, profile, '    ', base));
            assert.equal(first.key, second.key, 'one compiled writer for every base');
            for (const [i, row] of rows.entries()) {
              const split = first.split(row);
              const marked = Object.values(row).some((v) => typeof v === 'string' && v.includes('\u0001'));
              assert.equal(split === undefined, marked, `${type.name}: split unless a value holds the mark`);
              for (const [b, writer] of [first, second].entries()) {
                const expected = itemWriter(shape, json, profile, '    ', BASES[b])(row, i);
                assert.equal(split === undefined ? writer.write(row, i) : writer.item(split, i), expected, `${type.name} ${format} ${json ? 'JSON' : 'XML'}`);
              }
            }
          }
        }
      }
    });
  }
});
