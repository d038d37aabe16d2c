/** WordFilter (pipeline/filter.ts): the sensitive-word filter of CS_BLOCKED_WORDS. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WordFilter } from '../../server/src/pipeline/filter.js';

test('mask mode replaces every character of a blocked word, case-insensitively and inside longer words', () => {
  const filter = new WordFilter(['darn', 'heck'], 'mask');
  assert.deepEqual(filter.apply('Darn it, what the HECK, darned thing'), { ok: true, text: '**** it, what the ****, ****ed thing' });
});

test('a masked word keeps its length in characters, not UTF-16 units', () => {
  const filter = new WordFilter(['傻瓜', '💩'], 'mask');
  assert.deepEqual(filter.apply('你这个傻瓜 💩!'), { ok: true, text: '你这个** *!' });
});

test('reject mode refuses a message with a blocked word and passes a clean one unchanged', () => {
  const filter = new WordFilter(['darn'], 'reject');
  assert.deepEqual(filter.apply('oh DARN'), { ok: false, reason: 'blocked word' });
  assert.deepEqual(filter.apply('all good'), { ok: true, text: 'all good' });
});

test('the same text gives the same answer on every call (no regex state carried over)', () => {
  const filter = new WordFilter(['darn'], 'reject');
  for (let i = 0; i < 3; i++) assert.equal(filter.apply('darn').ok, false, `call ${i + 1}`);
  const masking = new WordFilter(['darn'], 'mask');
  for (let i = 0; i < 3; i++) assert.deepEqual(masking.apply('x darn'), { ok: true, text: 'x ****' }, `call ${i + 1}`);
});

test('words are matched literally: regex characters in the list are not patterns', () => {
  const filter = new WordFilter(['a.b', '(x)'], 'mask');
  assert.deepEqual(filter.apply('axb a.b (x) x'), { ok: true, text: 'axb *** *** x' });
});

test('an empty list, or one of blanks only, changes nothing', () => {
  for (const words of [[], ['', '  ']]) {
    const filter = new WordFilter(words, 'reject');
    assert.deepEqual(filter.apply('anything at all'), { ok: true, text: 'anything at all' });
  }
});

test('list entries are trimmed before matching', () => {
  const filter = new WordFilter([' darn '], 'mask');
  assert.deepEqual(filter.apply('darn'), { ok: true, text: '****' });
});
