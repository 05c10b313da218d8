/**
 * The golden runner (`support/golden.ts`) fails on a wrong golden value: its comparisons, its
 * placeholders, its file validation, and one wrong case run end to end against the fixture.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startFixtureServer, type Server } from './support/server.js';
import { parseXml } from './support/xml.js';
import { Bindings, compareJson, compareXml, loadGolden, runCase, validateGolden, type GoldenFile } from './support/golden.js';

const b = () => new Bindings({ B: 'http://h/api', T: 'dG9r', SID: 'sid' }, { Id: '[0-9a-f]{4}' });
const root = (xml: string) => parseXml(xml).documentElement!;
const xmlCmp = (expected: string, actual: string) => compareXml(b(), root(expected), root(actual), '/');

describe('XML comparison', () => {
  const doc = '<A xmlns="urn:x" p="1" q="2"><B>t</B><C /></A>';

  test('attribute order and whitespace-only text do not matter', () => {
    xmlCmp(doc, '<A q="2" xmlns="urn:x" p="1">\n  <B>t</B>\n  <C></C>\n</A>');
  });

  for (const [label, actual] of [
    ['element order', '<A xmlns="urn:x" p="1" q="2"><C /><B>t</B></A>'],
    ['an attribute value', '<A xmlns="urn:x" p="1" q="3"><B>t</B><C /></A>'],
    ['an extra attribute', '<A xmlns="urn:x" p="1" q="2" r="0"><B>t</B><C /></A>'],
    ['a missing attribute', '<A xmlns="urn:x" p="1"><B>t</B><C /></A>'],
    ['text', '<A xmlns="urn:x" p="1" q="2"><B>u</B><C /></A>'],
    ['text with surrounding spaces', '<A xmlns="urn:x" p="1" q="2"><B> t</B><C /></A>'],
    ['an extra element', '<A xmlns="urn:x" p="1" q="2"><B>t</B><C /><D /></A>'],
    ['a missing element', '<A xmlns="urn:x" p="1" q="2"><B>t</B></A>'],
    ['the namespace', '<A xmlns="urn:y" p="1" q="2"><B>t</B><C /></A>'],
    ['a second namespace declaration', '<A xmlns="urn:x" xmlns:xsd="urn:xsd" p="1" q="2"><B>t</B><C /></A>'],
    ['text instead of an element', '<A xmlns="urn:x" p="1" q="2"><B>t</B>C</A>'],
  ] as const) {
    test(`fails on ${label}`, () => assert.throws(() => xmlCmp(doc, actual), assert.AssertionError));
  }
});

describe('XML attribute order (attributeOrder strict)', () => {
  const doc = '<A xmlns="urn:x" p="1" q="2"><B r="3" s="4" /></A>';
  test('the same order passes', () => compareXml(b(), root(doc), root(doc), '/', 'strict'));
  test('fails on attributes out of order, at the root or below', () => {
    assert.throws(() => compareXml(b(), root(doc), root('<A xmlns="urn:x" q="2" p="1"><B r="3" s="4" /></A>'), '/', 'strict'), assert.AssertionError);
    assert.throws(() => compareXml(b(), root(doc), root('<A xmlns="urn:x" p="1" q="2"><B s="4" r="3" /></A>'), '/', 'strict'), assert.AssertionError);
  });
});

describe('JSON comparison', () => {
  const expected = { a: 1, b: { c: [true, null, 's'] } };

  test('same value, same key order', () => compareJson(b(), expected, { a: 1, b: { c: [true, null, 's'] } }, '$'));

  test('key order is checked unless keyOrder is "any"', () => {
    assert.throws(() => compareJson(b(), expected, { b: { c: [true, null, 's'] }, a: 1 }, '$'), /key order/);
    compareJson(b(), expected, { b: { c: [true, null, 's'] }, a: 1 }, '$', 'any');
  });

  for (const [label, actual] of [
    ['a value', { a: 2, b: { c: [true, null, 's'] } }],
    ['a type (number vs string)', { a: '1', b: { c: [true, null, 's'] } }],
    ['null vs absent', { a: 1, b: { c: [true, 's'] } }],
    ['an extra key', { a: 1, b: { c: [true, null, 's'], d: 0 } }],
    ['a missing key', { a: 1, b: {} }],
    ['array order', { a: 1, b: { c: [null, true, 's'] } }],
  ] as const) {
    test(`fails on ${label}`, () => assert.throws(() => compareJson(b(), expected, actual, '$'), assert.AssertionError));
  }
});

describe('placeholders', () => {
  test('runner variables, wildcards, captures and base64', () => {
    const x = b();
    assert.ok(x.matches('{B}/x', 'http://h/api/x', ''));
    assert.ok(!x.matches('{B}/x', 'http://h/apix/x', ''));
    assert.ok(x.matches('a{*}z', 'a anything z', ''));
    assert.ok(!x.matches('a{*}z', 'a anything y', ''));
    assert.ok(!x.matches('{Id}', 'ABCD', ''), 'a capture must match its expression');
    assert.ok(x.matches('s/{Id}', 's/ab12', ''));
    assert.ok(!x.matches('{Id}', 'cd34', ''), 'once bound, a capture is literal');
    assert.ok(x.matches('{b64:Id}', Buffer.from('ab12').toString('base64'), ''));
    assert.equal(x.fill('{B}/logonSessions/{Id}', ''), 'http://h/api/logonSessions/ab12');
    assert.throws(() => x.fill('{*}', ''), /cannot be sent/);
    assert.throws(() => b().fill('{Id}', ''), /before it is bound/);
    assert.throws(() => x.matches('{Nope}', 'x', ''), /unknown placeholder/);
  });

  test('a capture used twice in one string must repeat', () => {
    assert.ok(b().matches('{Id}-{Id}', 'ab12-ab12', ''));
    assert.ok(!b().matches('{Id}-{Id}', 'ab12-cd34', ''));
  });
});

describe('golden files', () => {
  test('every file validates; a misspelt key is refused', () => {
    const files = loadGolden();
    assert.ok(files.length >= 14);
    const [{ golden }] = files;
    const bad = JSON.parse(JSON.stringify(golden));
    bad.cases[0].response = { ...(bad.cases[0].response ?? {}), hedaers: {} };
    assert.throws(() => validateGolden(bad, 'bad'), /unknown response key "hedaers"/);
    assert.throws(() => validateGolden({ ...golden, cases: [] }, 'bad'), /non-empty/);
  });
});

describe('a wrong golden case fails against the fixture', () => {
  let server: Server;
  before(async () => {
    server = await startFixtureServer();
  });
  after(() => server.close());

  const file = (response: object): GoldenFile => validateGolden({
    example: 'X',
    title: 'self-test',
    cases: [{ name: 'c', request: { path: '/api/', headers: {} }, response }],
  }, 'self-test');
  const entry = (version: string) => [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<EnterpriseManager xmlns="http://www.veeam.com/ent/v1.0" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">',
    '  <Links>',
    '    <Link Rel="Down" Type="LogonSessionList" Href="{B}/logonSessions" />',
    '    <Link Rel="Create" Type="LogonSession" Href="{B}/sessionMngr/?v=latest" />',
    '  </Links>',
    '  <SupportedVersions>',
    ...['v1_5', 'v1_6', version].flatMap((v) => [
      `    <SupportedVersion Name="${v}">`,
      `      <Links><Link Rel="Create" Type="LogonSession" Href="{B}/sessionMngr/?v=${v}" /></Links>`,
      '    </SupportedVersion>',
    ]),
    '  </SupportedVersions>',
    '</EnterpriseManager>',
  ];

  test('the right expectation passes', async () => {
    const f = file({ status: 200, xml: entry('v1_7') });
    await runCase(server, f, f.cases[0]);
  });

  for (const [label, response, message] of [
    ['a wrong value in the body', { status: 200, xml: entry('v1_8') }, /@Name: expected "v1_8", got "v1_7"/],
    ['a wrong status', { status: 201 }, /expected status 201, got 200/],
    ['a wrong header', { status: 200, headers: { 'content-type': 'text/xml' } }, /header content-type/],
    ['a header that must be absent', { status: 200, headers: { 'content-length': null } }, /must be absent/],
    ['a JSON body for an XML answer', { status: 200, json: {} }, /Content-Type/],
    ['wrong bytes', { status: 200, bytes: { startsWith: '<?xml version="1.0"?>' } }, /starts with/],
  ] as const) {
    test(`fails on ${label}`, async () => {
      const f = file(response);
      await assert.rejects(runCase(server, f, f.cases[0]), message);
    });
  }
});
