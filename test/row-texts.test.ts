/**
 * The kept row texts: a text is given back only at the revision it was kept at, per compiled
 * writer, and the whole stays within its bound, texts read since the last sweep kept longest.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RowTexts } from '../src/represent/row-texts.js';

const text = (chars: number, mark = 'x') => [mark.repeat(chars / 2), mark.repeat(chars / 2)];

describe('RowTexts', () => {
  test('a text comes back at its revision and writer only; a new revision replaces it', () => {
    const texts = new RowTexts(1_000_000);
    const xml = {}, json = {};
    texts.put(xml, 'a', 'r1', ['<A Href="', '/a" />']);
    assert.deepEqual(texts.get(xml, 'a', 'r1'), ['<A Href="', '/a" />']);
    assert.equal(texts.get(xml, 'a', 'r2'), undefined, 'another revision');
    assert.equal(texts.get(json, 'a', 'r1'), undefined, 'another writer');
    assert.equal(texts.get(xml, 'b', 'r1'), undefined, 'another row');
    texts.put(xml, 'a', 'r2', ['<A2 />']);
    assert.equal(texts.get(xml, 'a', 'r1'), undefined);
    assert.deepEqual(texts.get(xml, 'a', 'r2'), ['<A2 />']);
    assert.equal(texts.size.texts, 1);
  });

  test('bounded: the oldest unread texts go first, read ones get a second chance; a text over the bound is not kept', () => {
    const perText = 1000 + 128;
    const texts = new RowTexts(perText * 10);
    const w = {};
    for (let i = 0; i < 10; i++) texts.put(w, `r${i}`, '1', text(1000));
    assert.deepEqual(texts.size, { texts: 10, chars: perText * 10 });
    texts.get(w, 'r0', '1');
    texts.get(w, 'r1', '1');
    texts.put(w, 'r10', '1', text(1000));
    texts.put(w, 'r11', '1', text(1000));
    assert.deepEqual(texts.size, { texts: 10, chars: perText * 10 });
    assert.ok(texts.get(w, 'r0', '1') && texts.get(w, 'r1', '1'), 'read since the last sweep: kept');
    assert.equal(texts.get(w, 'r2', '1'), undefined, 'the oldest unread went');
    assert.equal(texts.get(w, 'r3', '1'), undefined);
    assert.ok(texts.get(w, 'r4', '1') && texts.get(w, 'r11', '1'));
    texts.put(w, 'huge', '1', text(perText * 10));
    assert.equal(texts.get(w, 'huge', '1'), undefined);
    assert.equal(texts.size.texts, 10);
    for (let i = 0; i < 1000; i++) texts.put(w, `n${i}`, '1', text(2 * (i % 700)));
    assert.ok(texts.size.chars <= perText * 10);
  });
});
