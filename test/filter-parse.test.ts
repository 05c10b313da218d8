/**
 * Table-driven tests of the filter parser (spec §6.3): the AST of valid filters (positions are
 * 1-based positions of the field name in the original text), the exact error position of invalid
 * ones, and printFilter → parseFilter round trips.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { and, cmp, or, printFilter, type FilterNode } from '../src/filter/ast.js';
import { FilterSyntaxError, MAX_COMPARISONS, MAX_DEPTH, parseFilter } from '../src/filter/parse.js';

interface Valid {
  readonly text: string;
  readonly ast: FilterNode;
}

/** `depth` nested parentheses around one comparison. */
const nested = (depth: number) => '('.repeat(depth) + 'a==1' + ')'.repeat(depth);
/** `n` comparisons `a==1` joined by `;` (each is 5 characters long with its separator). */
const chain = (n: number) => Array.from({ length: n }, () => 'a==1').join(';');

const VALID: readonly Valid[] = [
  // Basics, whitespace outside quotes dropped.
  { text: 'Result==Success', ast: cmp('Result', '==', 'Success', 1) },
  { text: 'Result == Success', ast: cmp('Result', '==', 'Success', 1) },
  { text: '  Result==Success  ', ast: cmp('Result', '==', 'Success', 3) },
  { text: 'Result\t==\r\nSuccess', ast: cmp('Result', '==', 'Success', 1) },
  { text: 'Res ult = = Suc cess', ast: cmp('Result', '==', 'Success', 1) },
  { text: 'result==success', ast: cmp('result', '==', 'success', 1) }, // case kept as written
  { text: 'a_1B==x', ast: cmp('a_1B', '==', 'x', 1) },
  { text: 'JobName==Replication Job 1', ast: cmp('JobName', '==', 'ReplicationJob1', 1) },
  // Quoting.
  { text: 'JobName=="Replication Job 1"', ast: cmp('JobName', '==', 'Replication Job 1', 1) },
  { text: 'Name==""Backup""', ast: cmp('Name', '==', '"Backup"', 1) },
  { text: 'Name=="My ""x"" job"', ast: cmp('Name', '==', 'My "x" job', 1) },
  { text: 'Name==""', ast: cmp('Name', '==', '', 1) },
  { text: 'Name == "" ', ast: cmp('Name', '==', '', 1) },
  { text: 'Name==a""b', ast: cmp('Name', '==', 'a"b', 1) },
  { text: 'Name=="a b"c" d"', ast: cmp('Name', '==', 'a bc d', 1) },
  { text: 'Name==" "', ast: cmp('Name', '==', ' ', 1) },
  { text: 'Name=="a;b,c(d)e f"', ast: cmp('Name', '==', 'a;b,c(d)e f', 1) },
  { text: 'Name==";"', ast: cmp('Name', '==', ';', 1) },
  { text: 'Name==","', ast: cmp('Name', '==', ',', 1) },
  { text: 'Name=="("', ast: cmp('Name', '==', '(', 1) },
  { text: 'Name==")"', ast: cmp('Name', '==', ')', 1) },
  { text: 'Name=="\tx\n"', ast: cmp('Name', '==', '\tx\n', 1) },
  { text: 'Name==Straße😀é', ast: cmp('Name', '==', 'Straße😀é', 1) },
  { text: 'Name==a=b!c<d>e', ast: cmp('Name', '==', 'a=b!c<d>e', 1) },
  { text: 'result=="Failed"', ast: cmp('result', '==', 'Failed', 1) },
  { text: 'CreationTime>="2021-06-16 00:00:00"', ast: cmp('CreationTime', '>=', '2021-06-16 00:00:00', 1) },
  { text: 'CreationTime>=2021-06-16 00:00:00', ast: cmp('CreationTime', '>=', '2021-06-1600:00:00', 1) },
  { text: 'CreationTime>=2026-11-29T03:10:53', ast: cmp('CreationTime', '>=', '2026-11-29T03:10:53', 1) },
  // All six operators; longest match.
  { text: 'a==1', ast: cmp('a', '==', '1', 1) },
  { text: 'a!=1', ast: cmp('a', '!=', '1', 1) },
  { text: 'a>=1', ast: cmp('a', '>=', '1', 1) },
  { text: 'a<=1', ast: cmp('a', '<=', '1', 1) },
  { text: 'a>1', ast: cmp('a', '>', '1', 1) },
  { text: 'a<1', ast: cmp('a', '<', '1', 1) },
  { text: 'a>==1', ast: cmp('a', '>=', '=1', 1) },
  { text: 'a<==1', ast: cmp('a', '<=', '=1', 1) },
  { text: 'a===1', ast: cmp('a', '==', '=1', 1) },
  { text: 'a!==1', ast: cmp('a', '!=', '=1', 1) },
  { text: 'a<>1', ast: cmp('a', '<', '>1', 1) },
  { text: 'a> =1', ast: cmp('a', '>=', '1', 1) },
  // Precedence: ";" (AND) binds tighter than "," (OR).
  { text: 'a==1,b==2;c==3', ast: or([cmp('a', '==', '1', 1), and([cmp('b', '==', '2', 6), cmp('c', '==', '3', 11)])]) },
  { text: 'a==1;b==2,c==3', ast: or([and([cmp('a', '==', '1', 1), cmp('b', '==', '2', 6)]), cmp('c', '==', '3', 11)]) },
  { text: 'a==1;b==2;c==3', ast: and([cmp('a', '==', '1', 1), cmp('b', '==', '2', 6), cmp('c', '==', '3', 11)]) },
  { text: 'a==1 , b==2', ast: or([cmp('a', '==', '1', 1), cmp('b', '==', '2', 8)]) },
  // Parentheses.
  {
    text: '(Result==Failed,Result==Warning);JobName=="Replication Job 1"',
    ast: and([
      or([cmp('Result', '==', 'Failed', 2), cmp('Result', '==', 'Warning', 17)]),
      cmp('JobName', '==', 'Replication Job 1', 34),
    ]),
  },
  { text: '((a==1))', ast: cmp('a', '==', '1', 3) },
  { text: 'a==1;(b==2,c==3)', ast: and([cmp('a', '==', '1', 1), or([cmp('b', '==', '2', 7), cmp('c', '==', '3', 12)])]) },
  {
    text: '(a==1;(b==2,c==3)),d==4',
    ast: or([and([cmp('a', '==', '1', 2), or([cmp('b', '==', '2', 8), cmp('c', '==', '3', 13)])]), cmp('d', '==', '4', 20)]),
  },
  // The seed's filter.
  {
    text: 'BackupServerName=="enterprise06.tech.local";Result==Success',
    ast: and([cmp('BackupServerName', '==', 'enterprise06.tech.local', 1), cmp('Result', '==', 'Success', 45)]),
  },
  // Limits: exactly MAX_DEPTH levels and MAX_COMPARISONS comparisons are accepted.
  { text: nested(MAX_DEPTH), ast: cmp('a', '==', '1', MAX_DEPTH + 1) },
  {
    text: chain(MAX_COMPARISONS),
    ast: and(Array.from({ length: MAX_COMPARISONS }, (_, i) => cmp('a', '==', '1', 5 * i + 1))),
  },
];

interface Invalid {
  readonly text: string;
  readonly position: number;
  readonly why: string;
}

const INVALID: readonly Invalid[] = [
  { text: 'Name=="abc', position: 7, why: 'unterminated quote' },
  { text: 'Name == "a b', position: 9, why: 'unterminated quote after whitespace' },
  { text: 'Name=="a""b', position: 7, why: 'unterminated quote containing an escaped quote' },
  { text: 'Name==x"y', position: 8, why: 'unterminated quote in the middle of a value' },
  { text: 'Name==""""""x"', position: 14, why: 'unterminated quote after literal quotes' },
  { text: 'Result==', position: 9, why: 'empty value at the end' },
  { text: 'Result ==   ', position: 13, why: 'empty value, trailing whitespace' },
  { text: 'Result==;Name==x', position: 9, why: 'empty value before ;' },
  { text: 'Result==,Name==x', position: 9, why: 'empty value before ,' },
  { text: '(Result==)', position: 10, why: 'empty value before )' },
  { text: '(Result==Failed', position: 16, why: "stray '(' (reported at the end)" },
  { text: '((a==1)', position: 8, why: "one '(' not closed" },
  { text: 'Result==Failed)', position: 15, why: "unbalanced ')'" },
  { text: '(a==1))', position: 7, why: "unbalanced ')' after a group" },
  { text: ')a==1', position: 1, why: "leading ')'" },
  { text: 'Result=Success', position: 7, why: "single '='" },
  { text: 'Result = Success', position: 8, why: "single '=' with spaces" },
  { text: 'Result', position: 7, why: 'missing operator at the end' },
  { text: 'Result;a==1', position: 7, why: 'missing operator before ;' },
  { text: 'Result!Success', position: 7, why: "'!' alone is not an operator" },
  { text: 'Result=<1', position: 7, why: "'=<' is not an operator" },
  { text: ';Result==Success', position: 1, why: "leading ';'" },
  { text: ',Result==Success', position: 1, why: "leading ','" },
  { text: 'Result==Success;', position: 17, why: "trailing ';'" },
  { text: 'a==1;;b==2', position: 6, why: "empty item between ';'" },
  { text: '()', position: 2, why: 'empty parentheses' },
  { text: 'Name==a(b', position: 8, why: "'(' inside a value" },
  { text: 'Name==(a)', position: 7, why: "'(' starting a value" },
  { text: '1Result==x', position: 1, why: 'field starting with a digit' },
  { text: '_a==1', position: 1, why: "field starting with '_'" },
  { text: 'é==1', position: 1, why: 'non-ASCII field name' },
  { text: '"Name"==x', position: 1, why: 'quoted field name' },
  { text: '""', position: 1, why: 'only a quoted empty string' },
  { text: '==x', position: 1, why: 'missing field name' },
  { text: nested(MAX_DEPTH + 1), position: MAX_DEPTH + 1, why: 'nesting deeper than MAX_DEPTH' },
  {
    text: chain(MAX_COMPARISONS + 1),
    position: 5 * MAX_COMPARISONS + 1,
    why: 'more than MAX_COMPARISONS comparisons',
  },
];

/** The AST without positions (printFilter's text has its own positions). */
function shape(node: FilterNode): unknown {
  return node.kind === 'cmp'
    ? { field: node.field, op: node.op, value: node.value }
    : { kind: node.kind, items: node.items.map(shape) };
}

describe('parseFilter: valid filters', () => {
  for (const { text, ast } of VALID) {
    test(JSON.stringify(text.length > 80 ? text.slice(0, 77) + '...' : text), () => {
      assert.deepEqual(parseFilter(text), ast);
    });
  }

  test('empty and whitespace-only filters are no filter', () => {
    for (const text of ['', ' ', '   ', '\t', '\r\n', ' \t \n ']) assert.equal(parseFilter(text), undefined, JSON.stringify(text));
  });
});

describe('parseFilter: invalid filters', () => {
  for (const { text, position, why } of INVALID) {
    test(`${why}: ${JSON.stringify(text.length > 60 ? text.slice(0, 57) + '...' : text)}`, () => {
      assert.throws(
        () => parseFilter(text),
        (e: unknown) => {
          assert.ok(e instanceof FilterSyntaxError, `expected FilterSyntaxError, got ${String(e)}`);
          assert.equal(e.position, position, `position (reason: ${e.reason})`);
          assert.equal(e.input, text);
          assert.match(e.message, new RegExp(`position ${position}\\b`));
          return true;
        },
      );
    });
  }

  test("an unclosed '(' names the parenthesis's own position in the reason", () => {
    assert.throws(() => parseFilter('a==1;(b==2'), (e: unknown) => {
      assert.ok(e instanceof FilterSyntaxError);
      assert.equal(e.position, 11);
      assert.match(e.reason, /position 6/);
      return true;
    });
  });
});

describe('printFilter round trip', () => {
  for (const { text, ast } of VALID) {
    test(JSON.stringify(text.length > 80 ? text.slice(0, 77) + '...' : text), () => {
      const printed = printFilter(ast);
      const reparsed = parseFilter(printed);
      assert.ok(reparsed, printed);
      assert.deepEqual(shape(reparsed), shape(ast), printed);
    });
  }

  test('values made of quotes, quotes at either end, specials and whitespace', () => {
    const values = ['', '""', '"""', '""""', '"a', 'a"', '"a"', '""a""', ' ', ' a ', 'a;b', '(', ')', ',', ';', 'x\ty', '😀', '"Backup"'];
    for (const value of values) {
      const ast = cmp('Name', '==', value);
      const printed = printFilter(ast);
      assert.deepEqual(shape(parseFilter(printed)!), shape(ast), `${JSON.stringify(value)} printed as ${printed}`);
    }
  });
});
