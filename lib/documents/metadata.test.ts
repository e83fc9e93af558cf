import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { boundEmailFields, emailFieldsProblem, MAX_EMAIL_FIELDS_BYTES, MAX_EMAIL_SUBJECT_CHARS } from './email.js';
import { MAX_META_BYTES, MAX_META_FIELDS, MAX_META_VALUE_CHARS, metaHash, metaProblem, normaliseMeta, normaliseMetaName } from './metadata.js';

describe('normaliseMeta', () => {
  test('names lowercase, [a-z0-9_] only; values as they are', () => {
    assert.equal(normaliseMetaName('Cost-Center'), 'cost_center');
    assert.equal(normaliseMetaName('owner.e-mail'), 'owner_e_mail');
    assert.equal(normaliseMetaName('--x--'), 'x');
    assert.equal(normaliseMetaName('ünïcode'), 'n_code');
    assert.equal(normaliseMetaName('---'), undefined);
    const { meta, dropped } = normaliseMeta({ owner: 'Alice Smith', 'Cost-Center': 'R&D 42' }, { team: 'search' });
    assert.deepEqual(meta, { cost_center: 'R&D 42', owner: 'Alice Smith', team: 'search' });
    assert.deepEqual(dropped, []);
  });

  test('drops invalid entries with their reason; user metadata wins a name over a tag', () => {
    const { meta, dropped } = normaliseMeta(
      { '---': 'x', ['n'.repeat(65)]: 'long name', empty: '', big: 'v'.repeat(MAX_META_VALUE_CHARS + 1), bell: 'ring\u0007', Owner: 'meta-owner' },
      { owner: 'tag-owner', ok: 'fine' },
    );
    assert.deepEqual(meta, { ok: 'fine', owner: 'meta-owner' });
    assert.deepEqual(
      dropped.map((d) => `${d.source}:${d.name.slice(0, 5)}:${d.reason}`).sort(),
      ['metadata:---:invalid_name', 'metadata:bell:control_characters', 'metadata:big:value_too_long', 'metadata:empty:empty_value', 'metadata:nnnnn:name_too_long', 'tag:owner:duplicate_name'],
    );
  });

  test('a value at the length limit is kept whole; over it, it is dropped, never cut', () => {
    const at = 'a'.repeat(MAX_META_VALUE_CHARS);
    assert.equal(normaliseMeta({ tenant: at }, {}).meta.tenant, at);
    assert.equal(normaliseMeta({ tenant: `${at}b` }, {}).meta.tenant, undefined);
  });

  test('keeps at most MAX_META_FIELDS fields and MAX_META_BYTES of JSON, deterministically', () => {
    const many = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`f${String(i).padStart(2, '0')}`, 'v']));
    const { meta, dropped } = normaliseMeta(many, {});
    assert.equal(Object.keys(meta).length, MAX_META_FIELDS);
    assert.equal(meta.f00, 'v');
    assert.equal(meta.f39, undefined);
    assert.equal(dropped.filter((d) => d.reason === 'too_many_fields').length, 40 - MAX_META_FIELDS);

    const wide = Object.fromEntries(Array.from({ length: 31 }, (_, i) => [`w${String(i).padStart(2, '0')}`, 'é'.repeat(MAX_META_VALUE_CHARS)]));
    const bounded = normaliseMeta(wide, {});
    assert.ok(Buffer.byteLength(JSON.stringify(bounded.meta)) <= MAX_META_BYTES);
    assert.ok(bounded.dropped.some((d) => d.reason === 'too_large'));
    assert.equal(metaProblem(bounded.meta), undefined);
  });

  test('the same S3 state gives the same map and hash, whatever the order it came in', () => {
    const a = normaliseMeta({ b: '2', a: '1' }, { c: '3' });
    const b = normaliseMeta({ a: '1', b: '2' }, { c: '3' });
    assert.equal(metaHash(a.meta), metaHash(b.meta));
    assert.notEqual(metaHash(a.meta), metaHash({ ...a.meta, c: '4' }));
    assert.equal(metaHash(undefined), metaHash({}));
  });
});

describe('metaProblem', () => {
  test('accepts what normaliseMeta makes, refuses what it cannot', () => {
    assert.equal(metaProblem({ owner: 'alice', cost_center: '42' }), undefined);
    assert.equal(metaProblem({}), undefined);
    assert.match(metaProblem({ Owner: 'x' }) ?? '', /not a normalised name/);
    assert.match(metaProblem({ 'meta.tenant': 'x' }) ?? '', /not a normalised name/);
    assert.match(metaProblem({ _x: 'x' }) ?? '', /not a normalised name/);
    assert.match(metaProblem({ owner: '' }) ?? '', /non-empty string/);
    assert.match(metaProblem({ owner: 7 }) ?? '', /non-empty string/);
    assert.match(metaProblem({ owner: 'x'.repeat(MAX_META_VALUE_CHARS + 1) }) ?? '', /over the limit/);
    assert.match(metaProblem({ owner: 'a\nb' }) ?? '', /control characters/);
    assert.match(metaProblem(Object.fromEntries(Array.from({ length: MAX_META_FIELDS + 1 }, (_, i) => [`f${i}`, 'v']))) ?? '', /fields, over the limit/);
    assert.match(metaProblem(Object.fromEntries(Array.from({ length: 32 }, (_, i) => [`f${i}`, 'é'.repeat(MAX_META_VALUE_CHARS)]))) ?? '', /bytes of JSON/);
    assert.match(metaProblem([]) ?? '', /not an object/);
  });
});

describe('e-mail fields', () => {
  test('subject, from, to and date, bounded', () => {
    const fields = boundEmailFields({ subject: '  Quarterly\n report ', from: ['Ann <ann@example.org>'], to: ['bob@example.org', ''], date: new Date('2024-05-01T10:00:00+02:00') });
    assert.deepEqual(fields, { subject: 'Quarterly report', date: '2024-05-01T08:00:00.000Z', from: ['Ann <ann@example.org>'], to: ['bob@example.org'] });
    assert.equal(emailFieldsProblem(fields!), undefined);
    assert.equal(boundEmailFields({}), undefined);
    assert.equal(boundEmailFields({ date: new Date('nonsense') }), undefined);
  });

  test('a long subject is cut, a huge recipient list stays under the byte limit', () => {
    const fields = boundEmailFields({ subject: 's'.repeat(2000), to: Array.from({ length: 500 }, (_, i) => `recipient-${i}-${'x'.repeat(60)}@example.org`) })!;
    assert.equal(fields.subject?.length, MAX_EMAIL_SUBJECT_CHARS);
    assert.ok(Buffer.byteLength(JSON.stringify(fields)) <= MAX_EMAIL_FIELDS_BYTES);
    assert.ok((fields.to?.length ?? 0) > 10);
    assert.equal(emailFieldsProblem(fields), undefined);
  });

  test('refuses fields the extractor cannot have made', () => {
    assert.match(emailFieldsProblem({ subject: 'x'.repeat(MAX_EMAIL_SUBJECT_CHARS + 1) }) ?? '', /subject/);
    assert.match(emailFieldsProblem({ to: ['a\u0000b'] }) ?? '', /email\.to/);
    assert.match(emailFieldsProblem({ date: 'yesterday' }) ?? '', /ISO 8601/);
    assert.match(emailFieldsProblem({ from: Array.from({ length: 51 }, () => 'a@b.c') }) ?? '', /over the limit/);
  });
});
