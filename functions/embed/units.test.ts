import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sha256Hex } from '../../lib/documents/identity.js';
import { planUnits, uniqueTexts } from './units.js';

const chunk = (text: string) => ({ text, hash: sha256Hex(text) });

test('uniqueTexts keeps the first of each text, in order of appearance', () => {
  const texts = uniqueTexts(['a', 'b', 'a', 'c', 'b', 'a'].map(chunk));
  assert.deepEqual(texts.map((t) => t.text), ['a', 'b', 'c']);
  assert.deepEqual(texts.map((t) => t.hash), ['a', 'b', 'c'].map((t) => sha256Hex(t)));
  assert.equal(uniqueTexts(Array.from({ length: 5000 }, () => chunk('x'))).length, 1);
});

test('planUnits cuts the texts into units of at most the size, the same way every time', () => {
  const texts = uniqueTexts(Array.from({ length: 10 }, (_, i) => chunk(`t${i}`)));
  const plan = planUnits(texts, 4);
  assert.equal(plan.count, 3);
  assert.deepEqual([0, 1, 2].map((u) => plan.unit(u).map((t) => t.text)), [['t0', 't1', 't2', 't3'], ['t4', 't5', 't6', 't7'], ['t8', 't9']]);
  assert.deepEqual(planUnits(texts, 10).count, 1);
  assert.deepEqual(planUnits(texts, 5).count, 2);
  assert.equal(planUnits([], 4).count, 1, 'never no unit');
  assert.throws(() => plan.unit(3), RangeError);
  assert.throws(() => plan.unit(-1), RangeError);
  assert.throws(() => planUnits(texts, 0), RangeError);
});
