import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { EventType, EventSource } from '../../lib/events/types.js';
import { DATA_SCHEMAS } from '../../lib/events/schemas.js';
import { etagOf, isPending, mapFilerEvent, objectRefOf, type ObjectEvent } from './event-mapping.js';
import type { FilerEntry, SubscribeMetadataResponse } from './filer-client.js';

// Fixtures shaped like what SeaweedFS 4.48 sends (as loaded by our proto: snake_case, int64 as
// decimal strings, bytes as Buffers). Field values are taken from recorded real uploads.
const buckets = new Set(['documents', 'other-bucket']);
const opts = { buckets };
const TS = '1795875848271730254';

const md5 = (s: string | Buffer) => createHash('md5').update(s).digest();
const md5hex = (s: string | Buffer) => md5(s).toString('hex');

function file(name: string, body: string, extra: Partial<FilerEntry> = {}, mime = 'text/plain'): FilerEntry {
  const digest = md5(body);
  return {
    name,
    is_directory: false,
    chunks: body.length ? [{ file_id: '', offset: '0', size: String(body.length), e_tag: digest.toString('base64') }] : [],
    attributes: { file_size: String(body.length), mtime: '1795875848', mime, md5: digest },
    extended: {
      'Seaweed-X-Amz-ETag': Buffer.from(digest.toString('hex')),
      'Seaweed-X-Amz-Owner': Buffer.from('admin'),
      'x-seaweedfs-checksum-algorithm': Buffer.from('X-Amz-Checksum-Crc32'),
    },
    ...extra,
  };
}

function dirEntry(name: string): FilerEntry {
  return { name, is_directory: true, chunks: [], attributes: { file_size: '0', mime: '' }, extended: {} };
}

/** An entry created before its data: no chunks, no size, no checksum (an upload in progress). */
function pendingEntry(name: string): FilerEntry {
  return { name, is_directory: false, chunks: [], attributes: { file_size: '0', mtime: '1795875848', mime: '' }, extended: {} };
}

function created(directory: string, entry: FilerEntry, ts = TS): SubscribeMetadataResponse {
  return { directory, ts_ns: ts, event_notification: { old_entry: null, new_entry: entry, new_parent_path: directory, delete_chunks: true } };
}
function updated(directory: string, oldE: FilerEntry, newE: FilerEntry, ts = TS): SubscribeMetadataResponse {
  return { directory, ts_ns: ts, event_notification: { old_entry: oldE, new_entry: newE, new_parent_path: directory, delete_chunks: true } };
}
function deleted(directory: string, entry: FilerEntry, ts = TS): SubscribeMetadataResponse {
  return { directory, ts_ns: ts, event_notification: { old_entry: entry, new_entry: null, delete_chunks: true } };
}
function renamed(fromDir: string, oldE: FilerEntry, toDir: string, newE: FilerEntry, ts = TS): SubscribeMetadataResponse {
  return { directory: fromDir, ts_ns: ts, event_notification: { old_entry: oldE, new_entry: newE, new_parent_path: toDir } };
}

function only(events: ObjectEvent[]): ObjectEvent {
  assert.equal(events.length, 1, `expected one event, got ${events.map((e) => e.type).join(', ') || 'none'}`);
  return events[0]!;
}

function assertValid(event: ObjectEvent) {
  const schema = DATA_SCHEMAS[event.type as keyof typeof DATA_SCHEMAS];
  assert.ok(schema, `type ${event.type} is in the catalogue`);
  schema.parse(event.data);
}

describe('mapFilerEvent: creates', () => {
  test('a new object → object.created with bucket, key, size, etag, contentType, sequence', () => {
    const ev = only(mapFilerEvent(created('/buckets/documents/docs', file('a.txt', 'hello world\n')), opts));
    assert.equal(ev.type, EventType.ObjectCreated);
    assert.equal(ev.source, EventSource.seaweedfs('documents'));
    assert.equal(ev.subject, 'docs/a.txt');
    assert.equal(ev.time, '2026-11-28T14:24:08.271Z');
    assert.equal(ev.datacontenttype, 'application/json');
    assert.deepEqual(ev.data, {
      bucket: 'documents',
      key: 'docs/a.txt',
      size: 12,
      etag: '6f5902ac237024bdd0c176cb93063dc4',
      contentType: 'text/plain',
      sequence: TS,
    });
    assertValid(ev);
  });

  test('object at the bucket root', () => {
    const ev = only(mapFilerEvent(created('/buckets/documents', file('top.md', '# x', {}, 'text/markdown')), opts));
    assert.equal(ev.subject, 'top.md');
    assert.equal((ev.data as { contentType?: string }).contentType, 'text/markdown');
  });

  test('keys with spaces and unicode round-trip unchanged', () => {
    const ev = only(mapFilerEvent(created('/buckets/documents/dossiers d’été', file('rapport ü 日本.txt', 'x')), opts));
    assert.equal(ev.subject, 'dossiers d’été/rapport ü 日本.txt');
    assert.equal((ev.data as { key: string }).key, 'dossiers d’été/rapport ü 日本.txt');
  });

  test('new_parent_path missing: the directory is used', () => {
    const resp = created('/buckets/documents/x', file('b.txt', 'b'));
    delete resp.event_notification!.new_parent_path;
    assert.equal(only(mapFilerEvent(resp, opts)).subject, 'x/b.txt');
  });

  test('an empty object (size 0, MD5 of the empty string) is created, not pending', () => {
    const entry: FilerEntry = {
      name: 'empty.txt',
      chunks: [],
      attributes: { md5: md5('') },
      extended: { 'Seaweed-X-Amz-ETag': Buffer.from('d41d8cd98f00b204e9800998ecf8427e') },
    };
    const ev = only(mapFilerEvent(created('/buckets/documents', entry), opts));
    assert.deepEqual(ev.data, { bucket: 'documents', key: 'empty.txt', size: 0, etag: 'd41d8cd98f00b204e9800998ecf8427e', sequence: TS });
  });

  test('inline content without a size attribute counts as the size', () => {
    const entry: FilerEntry = { name: 'small', chunks: [], content: Buffer.from('abc'), attributes: { md5: md5('abc') } };
    assert.equal((only(mapFilerEvent(created('/buckets/documents', entry), opts)).data as { size: number }).size, 3);
  });

  test('the final object of a multipart upload → created with the multipart ETag', () => {
    const entry: FilerEntry = {
      name: 'multi part ñ.bin',
      chunks: [
        { size: '4194304', e_tag: 'vbzwLuCql3eVp50l/P3MsQ==' },
        { size: '1048576', e_tag: 'cgKCaneRBz/ieH8MlGAyeA==' },
        { size: '4', e_tag: 'euolUt/n64S5RDtvybpuAQ==' },
      ],
      attributes: { file_size: '5242884' },
      extended: {
        'Seaweed-X-Amz-ETag': Buffer.from('30dcfd3901d1c613b7fb532281748544-2'),
        'X-Seaweedfs-Multipart-Parts-Count': Buffer.from('2'),
      },
    };
    const ev = only(mapFilerEvent(created('/buckets/documents', entry), opts));
    assert.equal(ev.type, EventType.ObjectCreated);
    assert.deepEqual(ev.data, { bucket: 'documents', key: 'multi part ñ.bin', size: 5242884, etag: '30dcfd3901d1c613b7fb532281748544-2', sequence: TS });
  });

  test('ts_ns given as a number still yields a decimal sequence', () => {
    const resp = created('/buckets/documents', file('n.txt', 'n'), TS);
    resp.ts_ns = 1795875848271730;
    assert.equal((only(mapFilerEvent(resp, opts)).data as { sequence: string }).sequence, '1795875848271730');
  });
});

describe('mapFilerEvent: ignored', () => {
  test('directories (created, deleted, renamed)', () => {
    assert.deepEqual(mapFilerEvent(created('/buckets/documents', dirEntry('docs')), opts), []);
    assert.deepEqual(mapFilerEvent(deleted('/buckets/documents', dirEntry('docs')), opts), []);
    assert.deepEqual(mapFilerEvent(renamed('/buckets/documents', dirEntry('a'), '/buckets/documents', dirEntry('b')), opts), []);
  });

  test('the bucket directory itself and /buckets', () => {
    assert.deepEqual(mapFilerEvent(created('/buckets', dirEntry('documents')), opts), []);
    assert.deepEqual(mapFilerEvent(created('/', dirEntry('buckets')), opts), []);
  });

  test('a file directly in /buckets is no object', () => {
    assert.deepEqual(mapFilerEvent(created('/buckets', file('stray.txt', 's')), opts), []);
  });

  test('buckets that are not watched', () => {
    assert.deepEqual(mapFilerEvent(created('/buckets/sluice-pipeline/claims', file('c.json', '{}')), opts), []);
    assert.deepEqual(mapFilerEvent(created('/buckets/.system/owners', file('.complete', '')), opts), []);
  });

  test('a bucket whose name extends a watched one', () => {
    assert.deepEqual(mapFilerEvent(created('/buckets/documents-old', file('a.txt', 'a')), opts), []);
  });

  test('paths outside /buckets', () => {
    assert.deepEqual(mapFilerEvent(created('/etc/iam', file('identity.json', '{}')), opts), []);
    assert.deepEqual(mapFilerEvent(created('/topics/.system/log/2026-11-28', file('14-24.00000000', 'x')), opts), []);
  });

  test('multipart internals under .uploads/: the upload dir, the parts, their deletion', () => {
    const up = '/buckets/documents/.uploads/1cd625842bb4adfedfe3ed92e537e6a184fd7e4e_c35a0238';
    const upDir = dirEntry('1cd625842bb4adfedfe3ed92e537e6a184fd7e4e_c35a0238');
    upDir.extended = { key: Buffer.from('multi part ñ.bin') };
    const part = file('0001_1c19c39b-0bae-4d8c-91ab-617c30568bc8.part', 'a'.repeat(100));
    assert.deepEqual(mapFilerEvent(created('/buckets/documents', dirEntry('.uploads')), opts), []);
    assert.deepEqual(mapFilerEvent(created('/buckets/documents/.uploads', upDir), opts), []);
    assert.deepEqual(mapFilerEvent(created(up, part), opts), []);
    assert.deepEqual(mapFilerEvent(deleted(up, part), opts), []);
    assert.deepEqual(mapFilerEvent(deleted('/buckets/documents/.uploads', upDir), opts), []);
  });

  test('.uploads deeper in a key is an ordinary object', () => {
    const ev = only(mapFilerEvent(created('/buckets/documents/x/.uploads', file('f', 'f')), opts));
    assert.equal(ev.subject, 'x/.uploads/f');
  });

  test('versioned-bucket internals under <key>.versions/', () => {
    const v = file('v_0000000000000000000000000000000a', 'v1');
    assert.deepEqual(mapFilerEvent(created('/buckets/documents/report.pdf.versions', v), opts), []);
    assert.deepEqual(mapFilerEvent(created('/buckets/documents/dir/report.pdf.versions', v), opts), []);
    assert.deepEqual(mapFilerEvent(deleted('/buckets/documents/report.pdf.versions', v), opts), []);
    assert.deepEqual(mapFilerEvent(created('/buckets/documents', dirEntry('report.pdf.versions')), opts), []);
  });

  test('a file merely named *.versions is an object', () => {
    assert.equal(only(mapFilerEvent(created('/buckets/documents', file('notes.versions', 'n')), opts)).subject, 'notes.versions');
  });

  test('filer keep-alive (empty notification) and responses without a notification', () => {
    assert.deepEqual(mapFilerEvent({ ts_ns: TS, event_notification: {} }, opts), []);
    assert.deepEqual(mapFilerEvent({ ts_ns: TS }, opts), []);
  });

  test('an upload in progress (no chunks, size 0, no checksum) is not announced', () => {
    assert.equal(isPending(pendingEntry('p.bin')), true);
    assert.deepEqual(mapFilerEvent(created('/buckets/documents', pendingEntry('p.bin')), opts), []);
  });

  test('a pending entry that is deleted was never announced: no event', () => {
    assert.deepEqual(mapFilerEvent(deleted('/buckets/documents', pendingEntry('p.bin')), opts), []);
  });

  test('metadata-only changes other than user metadata and tags (rename token, owner) are no overwrite', () => {
    const tagged = file('m.md', '# hi', {}, 'text/markdown');
    tagged.extended = { ...tagged.extended, 'X-Amz-Tagging-t': Buffer.from('v'), 'X-Amz-Meta-Owner': Buffer.from('alice') };
    const withToken = file('m.md', '# hi', {}, 'text/markdown');
    withToken.extended = { ...withToken.extended, 'x-amz-meta-owner': Buffer.from('alice'), 'X-Amz-Tagging-t': Buffer.from('v'), 'x-seaweedfs-rename-token': Buffer.from('{"token":"t"}') };
    assert.deepEqual(mapFilerEvent(updated('/buckets/documents/dir1/dir2', tagged, withToken), opts), []);
    const owned = structuredClone(withToken);
    owned.extended!['Seaweed-X-Amz-Owner'] = Buffer.from('someone-else');
    assert.deepEqual(mapFilerEvent(updated('/buckets/documents/dir1/dir2', withToken, owned), opts), []);
  });

  test('a change of user metadata or tags on the same bytes is object.updated: they are indexed', () => {
    const before = file('m.md', '# hi', {}, 'text/markdown');
    const tagged = file('m.md', '# hi', {}, 'text/markdown');
    tagged.extended = { ...tagged.extended, 'X-Amz-Tagging-team': Buffer.from('sre') };
    const [ev] = mapFilerEvent(updated('/buckets/documents/dir1/dir2', before, tagged), opts);
    assert.equal(ev?.type, EventType.ObjectUpdated);
    assert.deepEqual(ev?.data, { bucket: 'documents', key: 'dir1/dir2/m.md', size: 4, etag: md5hex('# hi'), contentType: 'text/markdown', sequence: TS });
    // CopyObject onto itself with MetadataDirective REPLACE: the same ETag, a new value.
    const replaced = structuredClone(tagged);
    replaced.extended!['X-Amz-Meta-Owner'] = Buffer.from('bob');
    const owner = structuredClone(tagged);
    owner.extended!['X-Amz-Meta-Owner'] = Buffer.from('alice');
    assert.equal(mapFilerEvent(updated('/buckets/documents/dir1/dir2', owner, replaced), opts)[0]?.type, EventType.ObjectUpdated);
    // Removed metadata counts too.
    assert.equal(mapFilerEvent(updated('/buckets/documents/dir1/dir2', owner, tagged), opts)[0]?.type, EventType.ObjectUpdated);
  });

  test('an in-place update whose new entry is pending (data not written yet)', () => {
    assert.deepEqual(mapFilerEvent(updated('/buckets/documents', file('a.txt', 'a'), pendingEntry('a.txt')), opts), []);
  });
});

describe('mapFilerEvent: updates and deletes', () => {
  test('overwrite (old and new at the same path) → object.updated with the new content', () => {
    const ev = only(mapFilerEvent(updated('/buckets/documents/docs', file('a.txt', 'hello world\n'), file('a.txt', 'hello again, world\n')), opts));
    assert.equal(ev.type, EventType.ObjectUpdated);
    assert.equal(ev.subject, 'docs/a.txt');
    assert.deepEqual(ev.data, {
      bucket: 'documents',
      key: 'docs/a.txt',
      size: 19,
      etag: md5hex('hello again, world\n'),
      contentType: 'text/plain',
      sequence: TS,
    });
    assertValid(ev);
  });

  test('overwrite with identical bytes but a new content type → updated', () => {
    const ev = only(mapFilerEvent(updated('/buckets/documents', file('m.md', '#', {}, 'text/markdown'), file('m.md', '#', {}, 'text/x-markdown')), opts));
    assert.equal(ev.type, EventType.ObjectUpdated);
    assert.equal((ev.data as { contentType?: string }).contentType, 'text/x-markdown');
  });

  test('the first upload reported as old (placeholder) + new → created, not updated', () => {
    const ev = only(mapFilerEvent(updated('/buckets/documents', pendingEntry('big.bin'), file('big.bin', 'data')), opts));
    assert.equal(ev.type, EventType.ObjectCreated);
    assert.equal((ev.data as { size: number }).size, 4);
  });

  test('an in-place update whose content cannot be identified → updated (the safe side)', () => {
    const a: FilerEntry = { name: 'x', chunks: [{ size: '3', e_tag: 'not-a-digest' }], attributes: { file_size: '3' } };
    const b: FilerEntry = { name: 'x', chunks: [{ size: '3', e_tag: 'not-a-digest' }], attributes: { file_size: '3' } };
    assert.equal(only(mapFilerEvent(updated('/buckets/documents', a, b), opts)).type, EventType.ObjectUpdated);
  });

  test('delete (old entry only) → object.deleted with bucket, key, sequence', () => {
    const ev = only(mapFilerEvent(deleted('/buckets/documents/docs', file('a.txt', 'x')), opts));
    assert.equal(ev.type, EventType.ObjectDeleted);
    assert.equal(ev.subject, 'docs/a.txt');
    assert.deepEqual(ev.data, { bucket: 'documents', key: 'docs/a.txt', sequence: TS });
    assertValid(ev);
  });
});

describe('mapFilerEvent: renames', () => {
  test('rename within a bucket → deleted (old key) then created (new key)', () => {
    const events = mapFilerEvent(renamed('/buckets/documents/dir1/dir2', file('m.md', 'm'), '/buckets/documents', file('renamed.md', 'm')), opts);
    assert.deepEqual(
      events.map((e) => [e.type, e.subject]),
      [
        [EventType.ObjectDeleted, 'dir1/dir2/m.md'],
        [EventType.ObjectCreated, 'renamed.md'],
      ],
    );
    assert.notEqual(events[0]!.id, events[1]!.id);
    events.forEach(assertValid);
  });

  test('same directory, new name', () => {
    const events = mapFilerEvent(renamed('/buckets/documents', file('a b.txt', 'x'), '/buckets/documents', file('a c.txt', 'x')), opts);
    assert.deepEqual(events.map((e) => e.subject), ['a b.txt', 'a c.txt']);
  });

  test('between two watched buckets: each event carries its own bucket and source', () => {
    const events = mapFilerEvent(renamed('/buckets/documents', file('a', 'x'), '/buckets/other-bucket/in', file('a', 'x')), opts);
    assert.deepEqual(
      events.map((e) => [e.type, e.source, (e.data as { bucket: string }).bucket, e.subject]),
      [
        [EventType.ObjectDeleted, EventSource.seaweedfs('documents'), 'documents', 'a'],
        [EventType.ObjectCreated, EventSource.seaweedfs('other-bucket'), 'other-bucket', 'in/a'],
      ],
    );
  });

  test('out of a watched bucket → only deleted', () => {
    const events = mapFilerEvent(renamed('/buckets/documents', file('a', 'x'), '/buckets/archive', file('a', 'x')), opts);
    assert.deepEqual(events.map((e) => e.type), [EventType.ObjectDeleted]);
  });

  test('into a watched bucket (e.g. from .uploads/) → only created', () => {
    const events = mapFilerEvent(
      renamed('/buckets/documents/.uploads/u1', file('0001.part', 'x'), '/buckets/documents', file('final.bin', 'x')),
      opts,
    );
    assert.deepEqual(events.map((e) => [e.type, e.subject]), [[EventType.ObjectCreated, 'final.bin']]);
  });
});

describe('event ids', () => {
  test('deterministic: the same filer event maps to the same ids (replays dedupe)', () => {
    const resp = renamed('/buckets/documents', file('a', 'x'), '/buckets/documents', file('b', 'x'));
    const first = mapFilerEvent(resp, opts).map((e) => e.id);
    const again = mapFilerEvent(structuredClone(resp), opts).map((e) => e.id);
    assert.deepEqual(first, again);
  });

  test('shape <ts_ns>-<kind>-<sha1(key) prefix>', () => {
    const ev = only(mapFilerEvent(created('/buckets/documents/docs', file('a.txt', 'x')), opts));
    const sha = createHash('sha1').update('docs/a.txt').digest('hex');
    assert.equal(ev.id, `${TS}-created-${sha.slice(0, 16)}`);
  });

  test('differ by timestamp, kind and key', () => {
    const a = only(mapFilerEvent(created('/buckets/documents', file('a', 'x'), '1000'), opts)).id;
    const b = only(mapFilerEvent(created('/buckets/documents', file('a', 'x'), '1001'), opts)).id;
    const c = only(mapFilerEvent(created('/buckets/documents', file('b', 'x'), '1000'), opts)).id;
    const d = only(mapFilerEvent(deleted('/buckets/documents', file('a', 'x'), '1000'), opts)).id;
    assert.equal(new Set([a, b, c, d]).size, 4);
  });
});

describe('validation', () => {
  test('data failing the catalogue schema is dropped and reported', () => {
    const reported: { type: string; key: string }[] = [];
    const longName = 'x'.repeat(1100);
    const events = mapFilerEvent(created('/buckets/documents', file(longName, 'x')), {
      buckets,
      onInvalid: (info) => reported.push(info),
    });
    assert.deepEqual(events, []);
    assert.equal(reported.length, 1);
    assert.equal(reported[0]!.type, EventType.ObjectCreated);
  });
});

describe('etagOf', () => {
  test('the stored S3 ETag wins, quotes stripped', () => {
    assert.equal(etagOf({ extended: { 'Seaweed-X-Amz-ETag': Buffer.from('"abc-3"') }, attributes: { md5: md5('z') } }), 'abc-3');
  });
  test('else attributes.md5 as hex', () => {
    assert.equal(etagOf({ attributes: { md5: md5('hello') } }), md5hex('hello'));
  });
  test('an empty stored ETag falls through to md5', () => {
    assert.equal(etagOf({ extended: { 'Seaweed-X-Amz-ETag': Buffer.alloc(0) }, attributes: { md5: md5('q') } }), md5hex('q'));
  });
  test('else one chunk: its MD5 (base64 in the chunk) as hex', () => {
    assert.equal(etagOf({ chunks: [{ e_tag: md5('c').toString('base64') }] }), md5hex('c'));
  });
  test('else several chunks: md5 of the concatenated digests, -count', () => {
    const d1 = md5('1'), d2 = md5('2');
    assert.equal(
      etagOf({ chunks: [{ e_tag: d1.toString('base64') }, { e_tag: d2.toString('base64') }] }),
      `${md5hex(Buffer.concat([d1, d2]))}-2`,
    );
  });
  test('nothing known → undefined (and the field is left out of the event)', () => {
    assert.equal(etagOf({ chunks: [] }), undefined);
    const entry: FilerEntry = { name: 'u', chunks: [{ size: '2' }], attributes: { file_size: '2' } };
    const ev = only(mapFilerEvent(created('/buckets/documents', entry), opts));
    assert.equal('etag' in (ev.data as object), false);
  });
});

describe('objectRefOf', () => {
  test('splits bucket and key', () => {
    assert.deepEqual(objectRefOf('/buckets/documents/a/b/c.txt', buckets), { bucket: 'documents', key: 'a/b/c.txt' });
  });
  test('rejects non-objects', () => {
    for (const p of ['/buckets', '/buckets/', '/buckets/documents', '/buckets/documents/', '/bucketsx/documents/a', '/buckets/nope/a']) {
      assert.equal(objectRefOf(p, buckets), null, p);
    }
  });
});
