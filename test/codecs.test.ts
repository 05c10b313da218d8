/**
 * The scalar codecs (src/model/codecs.ts), every kind in every direction: filter text and
 * imported values in (accepted and refused, with the refusal's wording), stored values out to
 * the wire, the blank of rows created from links, and the round trips that tie them together
 * (what the wire shows, import and filter read back as the same stored value).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { parseFilter } from '../src/filter/parse.js';
import { codecOf, isRefusal, type Codec, type Imported, type Parsed, type Stored } from '../src/model/codecs.js';
import { TYPES, type FieldDecl } from '../src/model/index.js';
import { BadQuery, planPredicate } from '../src/query/plan.js';
import { BackupServer, ReplicaJobSession } from '../src/model/all.js';

const G = '7445e6ce-1f5d-4d8a-9e0b-0a1b2c3d4e5f';

const x = { key: 'x', column: 't.x' } as const;

const STRING = codecOf({ ...x, kind: 'string' });
const INT = codecOf({ ...x, kind: 'int' });
const LONG = codecOf({ ...x, kind: 'long' });
const BOOL = codecOf({ ...x, kind: 'bool' });
const DATETIME = codecOf({ ...x, kind: 'datetime' });
const ENUM = codecOf({ ...x, kind: 'enum', members: ['None', 'Success', 'Warning', 'Failed'] });
const UID = codecOf({ ...x, kind: 'uid', uidKind: 'Job' });

const refusal = (p: Parsed): string => {
  assert.ok(isRefusal(p), `accepted as ${JSON.stringify(p)}`);
  return p.refused;
};

/** Each `[input, stored]` is accepted as `stored`; each `[input, reason]` in `refused` is refused with it. */
function table<I>(
  direction: (input: I) => Parsed,
  accepted: readonly (readonly [I, Stored])[],
  refused: readonly (readonly [I, string])[],
): void {
  for (const [input, stored] of accepted) {
    test(`accepts ${JSON.stringify(input)} as ${JSON.stringify(stored)}`, () => {
      assert.deepEqual(direction(input), stored);
    });
  }
  for (const [input, reason] of refused) {
    test(`refuses ${JSON.stringify(input)}`, () => {
      assert.equal(refusal(direction(input)), reason);
    });
  }
}

describe('string', () => {
  describe('from filter: as given, whitespace and case kept', () => {
    table(STRING.fromFilter, [['', ''], [' a ', ' a '], ['Replication Job 1', 'Replication Job 1'], ['1', '1']], []);
  });
  describe('from import: JSON strings only', () => {
    table(STRING.fromImport, [['', ''], ['  x\n', '  x\n']], [
      [5, 'expected a string, got 5'],
      [true, 'expected a string, got true'],
    ]);
  });
  test('to wire, blank', () => {
    assert.equal(STRING.toWire('a b'), 'a b');
    assert.equal(STRING.blank, '');
  });
});

describe('int (32 bits) and long (safe integers)', () => {
  describe('int from filter', () => {
    table(INT.fromFilter, [
      ['0', 0], ['42', 42], ['-7', -7], ['+5', 5], ['007', 7], ['0000000000000000000001', 1], [' 9392 ', 9392],
      ['2147483647', 2147483647], ['-2147483648', -2147483648],
    ], [
      ['2147483648', 'integer out of range'],
      ['-2147483649', 'integer out of range'],
      ['', 'expected an integer'],
      ['1.5', 'expected an integer'],
      ['1e3', 'expected an integer'],
      ['0x10', 'expected an integer'],
      ['٣', 'expected an integer'],
      ['- 1', 'expected an integer'],
    ]);
    test('-0 is zero', () => {
      assert.equal(INT.fromFilter('-0'), 0);
      assert.equal(INT.fromImport(-0), 0);
    });
  });
  describe('long from filter', () => {
    table(LONG.fromFilter, [
      ['2147483648', 2147483648], ['17179869184', 17179869184],
      ['9007199254740991', Number.MAX_SAFE_INTEGER], ['-9007199254740991', Number.MIN_SAFE_INTEGER],
    ], [
      ['9007199254740992', 'integer out of range'],
      ['9223372036854775807', 'integer out of range'],
      ['9'.repeat(400), 'integer out of range'],
      ['NaN', 'expected an integer'],
      ['Infinity', 'expected an integer'],
    ]);
  });
  describe('int from import: JSON integers and integer text', () => {
    table(INT.fromImport, [[42, 42], [-2147483648, -2147483648], ['42', 42], [' +42\n', 42]], [
      [2147483648, 'integer out of range 2147483648'],
      ['2147483648', "integer out of range '2147483648'"],
      [1.5, 'invalid integer 1.5'],
      ['lots', "invalid integer 'lots'"],
      [true, 'invalid integer true'],
    ]);
  });
  describe('long from import', () => {
    table(LONG.fromImport, [[53687091200, 53687091200], ['53687091200', 53687091200]], [
      [2 ** 53, 'integer out of range 9007199254740992'],
      ['9223372036854775807', "integer out of range '9223372036854775807'"],
    ]);
  });
  test('to wire, blank', () => {
    assert.equal(INT.toWire(9392), 9392);
    assert.equal(LONG.toWire(17179869184), 17179869184);
    assert.equal(INT.blank, 0);
    assert.equal(LONG.blank, 0);
  });
});

describe('bool', () => {
  describe('from filter: true/false in any case, and 1/0', () => {
    table(BOOL.fromFilter, [
      ['true', 1], ['false', 0], ['TRUE', 1], ['False', 0], ['1', 1], ['0', 0], [' true ', 1],
    ], [
      ['yes', 'expected true or false'],
      ['', 'expected true or false'],
      ['2', 'expected true or false'],
      ['t', 'expected true or false'],
    ]);
  });
  describe('from import: the same text, and JSON booleans', () => {
    table(BOOL.fromImport, [
      [true, 1], [false, 0], ['true', 1], ['false', 0], ['True', 1], ['1', 1], ['0', 0], ['\n  false\n', 0],
    ], [
      [1, 'invalid boolean 1 (expected true or false)'],
      ['yes', "invalid boolean 'yes' (expected true or false)"],
    ]);
  });
  test('to wire, blank', () => {
    assert.equal(BOOL.toWire(1), true);
    assert.equal(BOOL.toWire(0), false);
    assert.equal(BOOL.blank, 0);
  });
});

describe('datetime', () => {
  const WHEN = '2021-06-15T22:06:57.2630000Z';
  const DATE_REASON = 'expected a UTC date and time such as 2021-06-15T22:06:57Z';
  describe('from filter', () => {
    table(DATETIME.fromFilter, [
      ['2021-06-15T22:06:57.263Z', WHEN],
      ['2021-06-15 22:06:57.263', WHEN],
      ['2021-06-16T00:06:57.263+02:00', WHEN],
      ['2021-06-15T22:06:57.263000099Z', WHEN],
      [' 2021-06-15T22:06:57.263Z ', WHEN],
      ['2021-06-16', '2021-06-16T00:00:00.0000000Z'],
    ], [
      ['2021-02-30', DATE_REASON],
      ['2021-06-15T25:00', DATE_REASON],
      ['yesterday', DATE_REASON],
      ['', DATE_REASON],
    ]);
  });
  describe('from import: text only', () => {
    table(DATETIME.fromImport, [['2021-06-15T22:06:57.263Z', WHEN], ['\n 2021-06-15T22:06:57.263Z\n', WHEN]], [
      ['2021-06-15T25:11:06.11Z', "invalid DateTime '2021-06-15T25:11:06.11Z'"],
      [1623794817263, 'expected a string, got 1623794817263'],
    ]);
  });
  test('to wire: trailing fraction zeros trimmed', () => {
    assert.equal(DATETIME.toWire(WHEN), '2021-06-15T22:06:57.263Z');
    assert.equal(DATETIME.toWire('2021-06-16T00:00:00.0000000Z'), '2021-06-16T00:00:00Z');
  });
  test('no blank', () => assert.equal(DATETIME.blank, undefined));
});

describe('enum', () => {
  const MEMBERS = 'None, Success, Warning, Failed';
  describe('from filter: members in any case, as ordinals', () => {
    table(ENUM.fromFilter, [['None', 0], ['Success', 1], ['failed', 3], ['WARNING', 2], [' Warning ', 2]], [
      ['Succeeded', `expected one of ${MEMBERS}`],
      ['1', `expected one of ${MEMBERS}`],
      ['', `expected one of ${MEMBERS}`],
    ]);
  });
  describe('from import', () => {
    table(ENUM.fromImport, [['Failed', 3], ['failed', 3], [' Success\n', 1]], [
      ['Succeeded', `unknown member 'Succeeded' (expected one of ${MEMBERS})`],
      [1, 'expected a string, got 1'],
    ]);
  });
  test('to wire: the member; an ordinal no member has is omitted', () => {
    assert.equal(ENUM.toWire(2), 'Warning');
    assert.equal(ENUM.toWire(9), undefined);
  });
  test('blank: the first member', () => assert.equal(ENUM.blank, 0));
});

describe('uid', () => {
  const URN = 'urn:veeam:Job:<GUID>';
  describe('from filter: a bare GUID or a URN of the field’s kind', () => {
    table(UID.fromFilter, [
      [G, G], [G.toUpperCase(), G], [`urn:veeam:Job:${G}`, G], [`URN:VEEAM:JOB:${G.toUpperCase()}`, G], [` ${G} `, G],
    ], [
      [`urn:veeam:Repository:${G}`, `a UID of kind Repository, expected a GUID or ${URN}`],
      [`urn:veeam:ReplicaJobSession:${G}`, `a UID of kind ReplicaJobSession, expected a GUID or ${URN}`],
      [`{${G}}`, `expected a GUID or ${URN}`],
      [G.replace(/-/g, ''), `expected a GUID or ${URN}`],
      [G.slice(0, 35), `expected a GUID or ${URN}`],
      [`urn:veeam:Job:${G}0`, `expected a GUID or ${URN}`],
      [`urn:veeam:Job2:${G}`, `expected a GUID or ${URN}`],
      ['', `expected a GUID or ${URN}`],
    ]);
  });
  describe('from import: the same text; JSON strings only', () => {
    table(UID.fromImport, [[`urn:veeam:Job:${G}`, G], [G, G], [`\n urn:veeam:job:${G}\n`, G]], [
      [`urn:veeam:Repository:${G}`, `UID 'urn:veeam:Repository:${G}' is of kind Repository, expected ${URN}`],
      ['not-a-guid', `invalid UID 'not-a-guid' (expected ${URN})`],
      [`urn:veeam:Repository:zzz`, `invalid UID 'urn:veeam:Repository:zzz' (expected ${URN})`],
      [42, 'expected a string, got 42'],
    ]);
  });
  test('to wire: the URN of the field’s kind', () => assert.equal(UID.toWire(G), `urn:veeam:Job:${G}`));
  test('no blank', () => assert.equal(UID.blank, undefined));
});

test('an imported value quoted in a refusal is cut at 60 characters', () => {
  assert.equal(refusal(INT.fromImport('x'.repeat(100))), `invalid integer '${'x'.repeat(60)}…'`);
});

test('one codec per field, the same for every field of a plain kind', () => {
  const a: FieldDecl = { ...x, kind: 'enum', members: ['A'] };
  const b: FieldDecl = { ...x, kind: 'enum', members: ['A', 'B'] };
  assert.equal(codecOf(a), codecOf(a));
  assert.notEqual(codecOf(a), codecOf(b));
  assert.equal(codecOf({ key: 'y', column: 't.y', kind: 'long' }), LONG);
});

describe('round trips over every declared field', () => {
  const fields = TYPES.flatMap((t) => t.fields.map((f) => ({ name: `${t.name}.${f.key}`, f })));
  const storedArb = (f: FieldDecl): fc.Arbitrary<Stored> => {
    switch (f.kind) {
      case 'string': return fc.string();
      case 'int': return fc.integer();
      case 'long': return fc.maxSafeInteger();
      case 'bool': return fc.constantFrom(0, 1);
      case 'datetime':
        return fc
          .tuple(fc.date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }), fc.integer({ min: 0, max: 9999 }))
          .map(([d, ticks]) => `${d.toISOString().slice(0, 23)}${String(ticks).padStart(4, '0')}Z`);
      case 'enum': return fc.nat({ max: f.members.length - 1 });
      case 'uid': return fc.uuid().map((g) => g.toLowerCase());
    }
  };
  const back = (codec: Codec, direction: 'fromImport' | 'fromFilter', wire: Imported) =>
    direction === 'fromImport' ? codec.fromImport(wire) : codec.fromFilter(String(wire));

  for (const { name, f } of fields) {
    test(`${name} (${f.kind}): wire → import and wire text → filter give the stored value back`, () => {
      const codec = codecOf(f);
      fc.assert(
        fc.property(storedArb(f), (stored) => {
          const wire = codec.toWire(stored);
          assert.notEqual(wire, undefined);
          for (const direction of ['fromImport', 'fromFilter'] as const) {
            const got = back(codec, direction, wire as Imported);
            // -0 and 0 are one stored value.
            assert.ok(Object.is(got, stored) || got === stored, `${direction}(${JSON.stringify(wire)}) = ${JSON.stringify(got)}, stored ${JSON.stringify(stored)}`);
          }
        }),
        { numRuns: 200 },
      );
    });
  }
});

describe('in a query plan (filter → 400 message)', () => {
  const plan = (type: typeof ReplicaJobSession, filter: string) => planPredicate(type, parseFilter(filter)!);
  const valueOf = (type: typeof ReplicaJobSession, filter: string) => {
    const p = plan(type, filter);
    assert.equal(p.kind, 'cmp');
    return p.kind === 'cmp' ? p.value : undefined;
  };

  test('IsRetry==1 and IsRetry=="TRUE" are IsRetry==true', () => {
    assert.equal(valueOf(ReplicaJobSession, 'IsRetry==1'), 1);
    assert.equal(valueOf(ReplicaJobSession, 'IsRetry=="TRUE"'), 1);
    assert.equal(valueOf(ReplicaJobSession, 'IsRetry==0'), 0);
  });
  test('a URN of another kind is refused, naming the kind the field wants', () => {
    assert.throws(() => plan(ReplicaJobSession, `JobUid==urn:veeam:Repository:${G}`), (e: unknown) => {
      assert.ok(e instanceof BadQuery);
      assert.equal(e.message, `Invalid value 'urn:veeam:Repository:${G}' for JobUid: a UID of kind Repository, expected a GUID or urn:veeam:Job:<GUID>`);
      return true;
    });
    assert.equal(valueOf(ReplicaJobSession, `BackupServerUid==urn:veeam:backupserver:${G.toUpperCase()}`), G);
  });
  test('an int beyond 32 bits is refused; a sign and quoted blanks are accepted', () => {
    assert.throws(() => plan(BackupServer, 'Port==2147483648'), { message: "Invalid value '2147483648' for Port: integer out of range" });
    assert.equal(valueOf(BackupServer, 'Port==+9392'), 9392);
    assert.equal(valueOf(BackupServer, 'Port==" 9392 "'), 9392);
  });
});
