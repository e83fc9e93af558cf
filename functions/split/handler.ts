/**
 * split: an object event in, the chunks of that object version out (ChunksReady).
 * Pure stage logic: storage, claim checks and limits are passed in; no HTTP here.
 */
import type { CloudEvent } from 'cloudevents';
import { documentId, sha256Hex } from '../../lib/documents/identity.js';
import { metaHash, normaliseMeta } from '../../lib/documents/metadata.js';
import { verifyBucket, verifyCycleTime, type DocumentLimits } from '../../lib/documents/verify.js';
import { createEvent } from '../../lib/events/create-event.js';
import type { DocumentRef } from '../../lib/events/schemas.js';
import { EventSource, EventType } from '../../lib/events/types.js';
import { DocumentError, InvalidEventError } from '../../lib/runtime/errors.js';
import { parseEventData } from '../../lib/runtime/event-data.js';
import type { Handler } from '../../lib/runtime/function-server.js';
import { claimKey, type ClaimCheckStore } from '../../lib/storage/claim-check.js';
import { ObjectNotFoundError, ObjectTooLargeError, type StoredObject } from '../../lib/storage/s3.js';
import { cycleOf, type StatusStore, type StatusTransition } from '../../lib/status/index.js';
import type { ChunkerOptions } from './chunk.js';
import { ExtractError } from './extract/index.js';
import type { SplitDocument, Splitter } from './worker/isolated.js';

/** The configured buckets (the first is the default) and the size limits split enforces. */
export type SplitLimits = Pick<DocumentLimits, 'buckets' | 'maxObjectBytes' | 'maxChunks'>;

export interface SplitDependencies {
  readObject(bucket: string, key: string, maxBytes: number): Promise<StoredObject>;
  /** ETag, user metadata and tags of the object's current version (throws ObjectNotFoundError). */
  headObject(bucket: string, key: string): Promise<ObjectHead>;
  /** Points the index holds for one version of a document, written with this metadata hash. */
  countIndexed(docId: string, version: string, metaHash: string): Promise<number>;
  status: Pick<StatusStore, 'get' | 'record'>;
  now?: () => Date;
  claims: ClaimCheckStore;
  /** Extraction and chunking of untrusted bytes (isolated, with its own limits). */
  splitter: Splitter;
  /** An event naming a bucket outside `limits.buckets` is rejected. */
  limits: SplitLimits;
  /**
   * The index generation an event is for (its tag, or the serving one), with that generation's
   * chunking, points and status; undefined when it no longer takes writes (the event is
   * dropped). Without it: `countIndexed`, `status` and the splitter's own chunking.
   */
  target?(requested: number | undefined): Promise<SplitTarget | undefined>;
}

export interface SplitTarget {
  /** Carried on the reply, so that embed and index work for the same generation. */
  id: number;
  chunking: ChunkerOptions;
  countIndexed(docId: string, version: string, metaHash: string): Promise<number>;
  status: Pick<StatusStore, 'get' | 'record'>;
}

export interface ObjectHead {
  etag: string;
  size: number;
  contentType: string;
  /** User metadata (`x-amz-meta-*`, without the prefix) and tags, as S3 holds them. */
  userMetadata?: Readonly<Record<string, string>>;
  tags?: Readonly<Record<string, string>>;
}

interface ObjectRequest {
  bucket: string;
  key: string;
  sequence?: string;
  generation?: number;
}

export function createSplitHandler(deps: SplitDependencies): Handler {
  const defaultBucket = deps.limits.buckets[0];
  if (!defaultBucket) throw new Error('split needs at least one bucket');

  const now = deps.now ?? (() => new Date());

  return async (event, { log }) => {
    const request = readRequest(event, defaultBucket);
    // split derives the docId itself; what it is told is only which object, and when.
    verifyBucket(deps.limits, request.bucket);
    verifyCycleTime(event.time, now());
    const cycle = cycleOf(event, now);
    const docId = documentId(request.bucket, request.key);
    const target = deps.target ? await deps.target(request.generation) : undefined;
    if (deps.target && !target) {
      log.info({ key: request.key, generation: request.generation }, 'generation no longer takes writes; dropped');
      return undefined;
    }
    const generation = target ? { generation: target.id } : {};
    const status = target?.status ?? deps.status;
    const countIndexed = target?.countIndexed ?? deps.countIndexed;
    const failure = (reason: string, message: string, version?: string) =>
      new DocumentError(reason, message, { bucket: request.bucket, key: request.key, requestedAt: cycle, ...(version ? { version } : {}), ...generation });
    const mark = (transition: StatusTransition['status'], extra: Partial<StatusTransition> = {}) =>
      status.record({ docId, bucket: request.bucket, key: request.key, status: transition, cycle, at: now().toISOString(), sequence: request.sequence, ...extra });

    // An unchanged object costs a HEAD, its tags and two small reads: no download, no
    // embedding, no writes.
    const current = await head(deps, request, failure);
    // Refused from the HEAD: an oversized object is never downloaded.
    if (current.size > deps.limits.maxObjectBytes) {
      throw failure('too_large', new ObjectTooLargeError(current.size, deps.limits.maxObjectBytes).message, current.etag || undefined);
    }
    // The metadata as S3 has it now; the points must hold exactly this (their meta_hash), or
    // the version is processed again: a metadata-only change re-writes the payloads, and embed
    // finds every vector already computed (by chunk hash), so the model is not called.
    const { meta, dropped } = normaliseMeta(current.userMetadata, current.tags);
    if (dropped.length > 0) log.warn({ key: request.key, dropped }, 'object metadata left out of the index');
    const hash = metaHash(meta);
    const previous = await status.get(docId);
    if (
      previous?.indexed_version === current.etag &&
      previous.indexed_chunks !== undefined &&
      (await countIndexed(docId, current.etag, hash)) === previous.indexed_chunks
    ) {
      await mark('unchanged', { version: current.etag, chunkCount: previous.indexed_chunks });
      log.info({ key: request.key, version: current.etag }, 'unchanged');
      return createEvent(EventType.DocumentUnchanged, EventSource.split, request.key, {
        document: {
          bucket: request.bucket,
          key: request.key,
          docId,
          version: current.etag,
          ...(request.sequence ? { sequence: request.sequence } : {}),
          size: current.size,
          contentType: current.contentType,
          requestedAt: cycle,
          meta,
        },
        chunkCount: previous.indexed_chunks,
        ...generation,
      });
    }
    await mark('splitting', { version: current.etag });

    const object = await read(deps, request, failure);
    const version = object.etag || sha256Hex(object.bytes);
    if (object.size === 0) throw failure('empty', 'object is empty (0 bytes)', version);

    const { kind, chunks, email } = await split(deps.splitter, object, request.key, (reason, message) => failure(reason, message, version), target?.chunking);
    if (chunks.length === 0) {
      const why = kind === 'pdf' ? ': the PDF has no text layer' : '';
      throw failure('no_text', `no extractable text in this ${kind} document${why}`, version);
    }
    if (chunks.length > deps.limits.maxChunks) {
      throw failure('too_many_chunks', `${chunks.length} chunks, over the limit of ${deps.limits.maxChunks} (MAX_CHUNKS_PER_DOCUMENT)`, version);
    }

    const document: DocumentRef = {
      bucket: request.bucket,
      key: request.key,
      docId,
      version,
      ...(request.sequence ? { sequence: request.sequence } : {}),
      size: object.size,
      contentType: object.contentType,
      requestedAt: cycle,
      meta,
      ...(email ? { email } : {}),
    };
    const packed = await deps.claims.pack(chunks, claimKey('chunks', document.docId, version, target?.id));
    log.info({ key: request.key, version, kind, chunks: chunks.length, claimCheck: 'claim' in packed }, 'split');
    return createEvent(EventType.ChunksReady, EventSource.split, request.key, { document, chunkCount: chunks.length, chunks: packed, ...generation });
  };
}

function readRequest(event: CloudEvent<unknown>, defaultBucket: string): ObjectRequest {
  switch (event.type) {
    case EventType.ObjectCreated:
    case EventType.ObjectUpdated: {
      const data = parseEventData(event, event.type);
      return { bucket: data.bucket, key: data.key, ...(data.sequence ? { sequence: data.sequence } : {}) };
    }
    case EventType.IngestRequested: {
      const data = parseEventData(event, EventType.IngestRequested);
      return { bucket: data.bucket ?? defaultBucket, key: data.key, ...(data.generation !== undefined ? { generation: data.generation } : {}) };
    }
    default:
      throw new InvalidEventError(`split does not handle events of type ${event.type}`);
  }
}

async function head(
  deps: SplitDependencies,
  request: ObjectRequest,
  failure: (reason: string, message: string) => DocumentError,
): Promise<ObjectHead> {
  try {
    return await deps.headObject(request.bucket, request.key);
  } catch (err) {
    if (err instanceof ObjectNotFoundError) throw failure('not_found', err.message);
    throw err;
  }
}

async function read(
  deps: SplitDependencies,
  request: ObjectRequest,
  failure: (reason: string, message: string) => DocumentError,
): Promise<StoredObject> {
  try {
    return await deps.readObject(request.bucket, request.key, deps.limits.maxObjectBytes);
  } catch (err) {
    if (err instanceof ObjectNotFoundError) throw failure('not_found', err.message);
    if (err instanceof ObjectTooLargeError) throw failure('too_large', err.message);
    throw err;
  }
}

async function split(
  splitter: Splitter,
  object: StoredObject,
  key: string,
  failure: (reason: string, message: string) => DocumentError,
  chunking?: ChunkerOptions,
): Promise<SplitDocument> {
  try {
    return await splitter.split(object.bytes, key, object.contentType, chunking);
  } catch (err) {
    if (err instanceof ExtractError) throw failure(err.reason, err.message);
    // Anything else is the worker failing to run at all: ours to fix, so retried, not blamed on the document.
    throw err;
  }
}
