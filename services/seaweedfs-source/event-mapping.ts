/**
 * Filer metadata event → Sluice object CloudEvents. Pure: no I/O, no clock; the same filer
 * event always yields the same CloudEvents (ids included), so a replay from the checkpoint
 * produces exact duplicates that consumers can drop by id.
 *
 * What SeaweedFS 4.48 records for S3 operations (one filer event each unless noted):
 *  - PutObject / CopyObject to a new key: `new_entry` only, in its parent directory; missing
 *    parent directories get their own (directory) events first.
 *  - PutObject over an existing key: `old_entry` + `new_entry`, same directory and name.
 *  - Tagging, CopyObject onto itself with MetadataDirective REPLACE, ACL and other metadata
 *    changes: `old_entry` + `new_entry` with identical content (same ETag, size and type). A
 *    change of user metadata (`X-Amz-Meta-*`) or tags (`X-Amz-Tagging-*`) is `updated`: they
 *    go into every point's payload (split reads them from S3 again); any other is no event.
 *  - DeleteObject: `old_entry` only.
 *  - Multipart: `.uploads/<id>` directory, one `.part` file per part, then the final object
 *    (create or overwrite), then deletes of the parts and the directory.
 *  - RenameObject (and filer `mv`): a metadata update of the source (rename token), then one
 *    event with `old_entry` at the old path and `new_entry` under `new_parent_path`.
 */
import { createHash } from 'node:crypto';
import type { CloudEvent } from 'cloudevents';
import { createEvent } from '../../lib/events/create-event.js';
import { EventSource, EventType } from '../../lib/events/types.js';
import { ObjectChangedData, ObjectDeletedData } from '../../lib/events/schemas.js';
import type { FilerEntry, SubscribeMetadataResponse } from './filer-client.js';

export const BUCKETS_DIR = '/buckets';
/** Extended attribute in which the S3 gateway stores an object's ETag (unquoted). */
export const S3_ETAG_KEY = 'Seaweed-X-Amz-ETag';
/** Multipart uploads in progress live under `<bucket>/.uploads/`. */
const UPLOADS_DIR = '.uploads';
/** Versioned buckets keep an object's versions in a `<key>.versions/` directory. */
const VERSIONS_SUFFIX = '.versions';

export type ObjectEvent = CloudEvent<ObjectChangedData> | CloudEvent<ObjectDeletedData>;
type Kind = 'created' | 'updated' | 'deleted';

export interface MappingOptions {
  /** Buckets whose objects produce events. */
  buckets: ReadonlySet<string>;
  /** Told about an event dropped because its data failed the catalogue schema. */
  onInvalid?: (info: { type: string; bucket: string; key: string; error: string }) => void;
}

interface ObjectRef {
  bucket: string;
  key: string;
}

/** The filer path of a bucket, with a trailing slash: the subscription prefix for it. */
export function bucketPathPrefix(bucket: string): string {
  return `${BUCKETS_DIR}/${bucket}/`;
}

function joinPath(dir: string, name: string): string {
  return dir.endsWith('/') ? `${dir}${name}` : `${dir}/${name}`;
}

/** Bucket and key of a filer path, or null when the path is not an object of a watched bucket. */
export function objectRefOf(fullPath: string, buckets: ReadonlySet<string>): ObjectRef | null {
  const prefix = `${BUCKETS_DIR}/`;
  if (!fullPath.startsWith(prefix)) return null;
  const rest = fullPath.slice(prefix.length);
  const slash = rest.indexOf('/');
  if (slash <= 0) return null; // the bucket directory itself
  const bucket = rest.slice(0, slash);
  const key = rest.slice(slash + 1);
  if (!buckets.has(bucket) || key.length === 0) return null;
  const dirs = key.split('/').slice(0, -1);
  if (dirs[0] === UPLOADS_DIR) return null;
  if (dirs.some((d) => d.endsWith(VERSIONS_SUFFIX))) return null;
  return { bucket, key };
}

function toNumber(v: string | number | undefined): number {
  if (v === undefined) return 0;
  const n = typeof v === 'number' ? v : Number(v);
  return Number.isFinite(n) ? n : 0;
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

/**
 * The S3 ETag of an entry, unquoted, as the S3 gateway computes it: the stored
 * `Seaweed-X-Amz-ETag` attribute (the MD5 hex of a single-part upload, `<md5>-<parts>` of a
 * multipart one), else `attributes.md5` as hex, else derived from the chunks' MD5s.
 */
export function etagOf(entry: FilerEntry): string | undefined {
  const stored = entry.extended?.[S3_ETAG_KEY];
  if (stored && stored.length > 0) {
    const etag = Buffer.from(stored).toString('utf8').replace(/^"|"$/g, '');
    if (etag.length > 0) return etag;
  }
  const md5 = entry.attributes?.md5;
  if (md5 && md5.length > 0) return hex(md5);
  const chunks = entry.chunks ?? [];
  if (chunks.length === 0) return undefined;
  const digests = chunks.map((c) => (c.e_tag ? Buffer.from(c.e_tag, 'base64') : Buffer.alloc(0)));
  if (digests.some((d) => d.length !== 16)) return undefined;
  if (digests.length === 1) return hex(digests[0]!);
  return `${createHash('md5').update(Buffer.concat(digests)).digest('hex')}-${digests.length}`;
}

function sizeOf(entry: FilerEntry): number {
  const size = toNumber(entry.attributes?.file_size);
  if (size > 0) return size;
  // Small files may be stored inline with no size attribute.
  return entry.content?.length ?? 0;
}

/**
 * An entry with no data and nothing that identifies content: a file created before its data
 * is written (an upload in progress). Real empty S3 objects carry the MD5 of the empty string.
 */
export function isPending(entry: FilerEntry): boolean {
  return (
    (entry.chunks?.length ?? 0) === 0 &&
    (entry.content?.length ?? 0) === 0 &&
    sizeOf(entry) === 0 &&
    etagOf(entry) === undefined
  );
}

function isFile(entry: FilerEntry | null | undefined): entry is FilerEntry {
  return !!entry && !entry.is_directory && typeof entry.name === 'string' && entry.name.length > 0;
}

/** Extended attributes in which the S3 gateway keeps user metadata and tags (case varies by version). */
const INDEXED_METADATA = /^(x-amz-meta-|x-amz-tagging-)/i;

/** User metadata and tags of an entry, for comparison: `name=value` lines, sorted. */
function indexedMetadataOf(entry: FilerEntry): string {
  return Object.entries(entry.extended ?? {})
    .filter(([name]) => INDEXED_METADATA.test(name))
    .map(([name, value]) => `${name.toLowerCase()}=${Buffer.from(value).toString('base64')}`)
    .sort()
    .join('\n');
}

/** Same bytes and type: the change touched only metadata (tags, ACL, rename token, ...). */
function sameContent(a: FilerEntry, b: FilerEntry): boolean {
  const etagA = etagOf(a);
  return (
    etagA !== undefined &&
    etagA === etagOf(b) &&
    sizeOf(a) === sizeOf(b) &&
    (a.attributes?.mime ?? '') === (b.attributes?.mime ?? '')
  );
}

function eventId(tsNs: string, kind: Kind, key: string): string {
  return `${tsNs}-${kind}-${createHash('sha1').update(key, 'utf8').digest('hex').slice(0, 16)}`;
}

/** RFC 3339 time of a nanosecond timestamp (millisecond precision; `sequence` keeps the ns). */
function timeOf(tsNs: string): string {
  const ms = Number(BigInt(tsNs) / 1_000_000n);
  return new Date(ms).toISOString();
}

function normaliseTsNs(v: string | number | undefined): string {
  if (v === undefined) return '0';
  const s = typeof v === 'number' ? BigInt(Math.trunc(v)).toString() : v;
  return /^\d+$/.test(s) ? s.replace(/^0+(?=\d)/, '') : '0';
}

function build(
  kind: Kind,
  ref: ObjectRef,
  entry: FilerEntry,
  tsNs: string,
  opts: MappingOptions,
): ObjectEvent | null {
  const type =
    kind === 'created' ? EventType.ObjectCreated : kind === 'updated' ? EventType.ObjectUpdated : EventType.ObjectDeleted;
  let parsed;
  if (kind === 'deleted') {
    parsed = ObjectDeletedData.safeParse({ bucket: ref.bucket, key: ref.key, sequence: tsNs });
  } else {
    const etag = etagOf(entry);
    const mime = entry.attributes?.mime;
    parsed = ObjectChangedData.safeParse({
      bucket: ref.bucket,
      key: ref.key,
      size: sizeOf(entry),
      sequence: tsNs,
      ...(etag !== undefined ? { etag } : {}),
      ...(mime ? { contentType: mime } : {}),
    });
  }
  if (!parsed.success) {
    opts.onInvalid?.({ type, bucket: ref.bucket, key: ref.key, error: parsed.error.message });
    return null;
  }
  return createEvent(type, EventSource.seaweedfs(ref.bucket), ref.key, parsed.data, { id: eventId(tsNs, kind, ref.key), time: timeOf(tsNs) }) as ObjectEvent;
}

/**
 * The object events (0, 1 or 2) one filer metadata event stands for. Directories, paths outside
 * the watched buckets, multipart parts, version internals, uploads still in progress and
 * metadata-only changes other than of user metadata or tags yield none; a rename yields `deleted` for the old key then `created`
 * for the new one.
 */
export function mapFilerEvent(resp: SubscribeMetadataResponse, opts: MappingOptions): ObjectEvent[] {
  const n = resp.event_notification;
  if (!n) return [];
  const tsNs = normaliseTsNs(resp.ts_ns);
  const dir = resp.directory ?? '';
  const oldEntry = isFile(n.old_entry) ? n.old_entry : undefined;
  const newEntry = isFile(n.new_entry) ? n.new_entry : undefined;
  const oldPath = oldEntry ? joinPath(dir, oldEntry.name!) : undefined;
  const newPath = newEntry ? joinPath(n.new_parent_path || dir, newEntry.name!) : undefined;
  const oldRef = oldPath !== undefined ? objectRefOf(oldPath, opts.buckets) : null;
  const newRef = newPath !== undefined ? objectRefOf(newPath, opts.buckets) : null;

  const out: (ObjectEvent | null)[] = [];
  if (oldEntry && newEntry && oldPath === newPath) {
    // In place: an overwrite, unless only metadata changed or the data is not there yet.
    if (!newRef || isPending(newEntry)) return [];
    if (isPending(oldEntry)) out.push(build('created', newRef, newEntry, tsNs, opts));
    else if (!sameContent(oldEntry, newEntry) || indexedMetadataOf(oldEntry) !== indexedMetadataOf(newEntry)) {
      out.push(build('updated', newRef, newEntry, tsNs, opts));
    }
  } else {
    // Create, delete, or a rename (= delete of the old key + create of the new one). A side
    // outside the watched objects (another bucket, `.uploads/`) contributes nothing.
    if (oldEntry && oldRef && !isPending(oldEntry)) out.push(build('deleted', oldRef, oldEntry, tsNs, opts));
    if (newEntry && newRef && !isPending(newEntry)) out.push(build('created', newRef, newEntry, tsNs, opts));
  }
  return out.filter((e): e is ObjectEvent => e !== null);
}
