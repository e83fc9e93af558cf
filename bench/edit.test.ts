import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { editOneWord } from './edit.js';

describe('editOneWord', () => {
  it('replaces the middle "the" and keeps the length', () => {
    const text = 'a the b the c the d';
    const edited = editOneWord(text)!;
    assert.equal(edited, 'a the b one c the d');
    assert.equal(edited.length, text.length);
  });

  it('leaves "the" inside other words alone and gives undefined without one', () => {
    assert.equal(editOneWord('there theory other'), undefined);
    assert.equal(editOneWord('x the y'), 'x one y');
  });
});
