/**
 * An S3 object's own metadata as the index carries it: the user metadata (`x-amz-meta-*`) and
 * the object's tags, read from S3 itself (never from an event), normalised into one flat map
 * of names to strings, bounded, and hashed. The map is the `meta` of every point of the
 * document (lib/documents/payload.ts), its hash the `meta_hash` that tells split whether the
 * index holds the object's current metadata (a metadata-only change re-writes payloads).
 *
 * One pure function, used by split (to build the map) and by index (to check that the map it
 * is asked to write is the object's current one), so both always agree.
 */
import { sha256Hex } from './identity.js';

/** Fields kept per document; further ones are dropped (with a reason). */
export const MAX_META_FIELDS = 32;
/** A normalised name's length limit. */
export const MAX_META_NAME_CHARS = 64;
/**
 * A value's length limit. Longer values are dropped, not cut: a cut tenant or owner value
 * could equal another one.
 */
export const MAX_META_VALUE_CHARS = 256;
/** The whole map as UTF-8 JSON: what it adds to every event and every point. */
export const MAX_META_BYTES = 8 * 1024;

/**
 * A normalised name: lowercase letters, digits and `_`, starting and ending with a letter or
 * digit. Safe in a Qdrant payload path (`meta.<name>`) and in a query string.
 */
export const META_NAME = /^[a-z0-9](?:[a-z0-9_]*[a-z0-9])?$/;

// C0 and C1 control characters and DEL: no real label holds them, and JSON escapes them
// six-fold.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

export type DocumentMeta = Record<string, string>;

export type MetaSource = 'metadata' | 'tag';

export type MetaDropReason = 'invalid_name' | 'name_too_long' | 'empty_value' | 'value_too_long' | 'control_characters' | 'duplicate_name' | 'too_many_fields' | 'too_large';

export interface DroppedMeta {
  source: MetaSource;
  /** The name as S3 has it (cut to 100 characters for the log). */
  name: string;
  reason: MetaDropReason;
}

export interface NormalisedMeta {
  meta: DocumentMeta;
  dropped: DroppedMeta[];
}

/** `Cost-Center` → `cost_center`, `owner.e-mail` → `owner_e_mail`; undefined when nothing is left. */
export function normaliseMetaName(name: string): string | undefined {
  const normalised = name
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .replace(/^_+|_+$/g, '');
  return normalised === '' ? undefined : normalised;
}

/**
 * The `meta` map of an object: user metadata first (S3 gives its names without the
 * `x-amz-meta-` prefix), then tags; each source in the order of its raw names, so the result
 * depends only on what S3 holds. A name taken by an earlier entry, an invalid name or value,
 * and whatever is over the count or size limit is dropped, with the reason.
 */
export function normaliseMeta(userMetadata: Readonly<Record<string, string | undefined>> | undefined, tags: Readonly<Record<string, string | undefined>> | undefined): NormalisedMeta {
  const dropped: DroppedMeta[] = [];
  const candidates = new Map<string, { value: string; source: MetaSource }>();
  const drop = (source: MetaSource, name: string, reason: MetaDropReason) => dropped.push({ source, name: name.slice(0, 100), reason });
  const take = (source: MetaSource, entries: Readonly<Record<string, string | undefined>> | undefined) => {
    for (const raw of Object.keys(entries ?? {}).sort()) {
      const value = entries![raw] ?? '';
      const name = normaliseMetaName(raw);
      if (name === undefined) drop(source, raw, 'invalid_name');
      else if (name.length > MAX_META_NAME_CHARS) drop(source, raw, 'name_too_long');
      else if (value === '') drop(source, raw, 'empty_value');
      else if (value.length > MAX_META_VALUE_CHARS) drop(source, raw, 'value_too_long');
      else if (CONTROL.test(value)) drop(source, raw, 'control_characters');
      else if (candidates.has(name)) drop(source, raw, 'duplicate_name');
      else candidates.set(name, { value, source });
    }
  };
  take('metadata', userMetadata);
  take('tag', tags);

  const meta: DocumentMeta = {};
  let count = 0;
  let bytes = 2; // {}
  for (const name of [...candidates.keys()].sort()) {
    const { value, source } = candidates.get(name)!;
    // `"name":"value"`, and a comma before every entry but the first.
    const added = Buffer.byteLength(JSON.stringify(name) + JSON.stringify(value)) + 1 + (count > 0 ? 1 : 0);
    if (count >= MAX_META_FIELDS) drop(source, name, 'too_many_fields');
    else if (bytes + added > MAX_META_BYTES) drop(source, name, 'too_large');
    else {
      meta[name] = value;
      count++;
      bytes += added;
    }
  }
  return { meta, dropped };
}

/**
 * What is wrong with a `meta` map that normaliseMeta could not have produced, or undefined.
 * index asks this of every event before writing (a forged or corrupted event).
 */
export function metaProblem(meta: unknown): string | undefined {
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) return 'meta is not an object';
  const entries = Object.entries(meta);
  if (entries.length > MAX_META_FIELDS) return `meta has ${entries.length} fields, over the limit of ${MAX_META_FIELDS}`;
  for (const [name, value] of entries) {
    if (name.length > MAX_META_NAME_CHARS || !META_NAME.test(name)) return `meta name ${JSON.stringify(name.slice(0, 100))} is not a normalised name ([a-z0-9_], at most ${MAX_META_NAME_CHARS})`;
    if (typeof value !== 'string' || value === '') return `meta.${name} is not a non-empty string`;
    if (value.length > MAX_META_VALUE_CHARS) return `meta.${name} has ${value.length} characters, over the limit of ${MAX_META_VALUE_CHARS}`;
    if (CONTROL.test(value)) return `meta.${name} holds control characters`;
  }
  const bytes = Buffer.byteLength(JSON.stringify(meta));
  if (bytes > MAX_META_BYTES) return `meta is ${bytes} bytes of JSON, over the limit of ${MAX_META_BYTES}`;
  return undefined;
}

/**
 * SHA-256 of the map's canonical JSON (names sorted): equal for equal maps, whatever order
 * their entries were built in. The hash of no metadata is that of `{}`.
 */
export function metaHash(meta: DocumentMeta | undefined): string {
  const sorted = Object.fromEntries(Object.entries(meta ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return sha256Hex(JSON.stringify(sorted));
}
