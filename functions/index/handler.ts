/**
 * index: vectors of one document version in → points upserted with deterministic ids, then the
 * document's points of every other version removed (DocumentIndexed). An object deletion
 * removes all of the document's points (DocumentDeleted).
 *
 * Events arrive at least once and in any order, so the bucket is the judge: a version is
 * written only while it is the object's current version, and checked again after writing, so
 * that a slow event for an old version can never leave stale chunks behind, without locks.
 * A deletion is applied only if the object is really gone (it may have been re-created since).
 */
import type { CloudEvent } from 'cloudevents';
import { documentId, pointId } from '../../lib/documents/identity.js';
import { createEvent } from '../../lib/events/create-event.js';
import type { PointPayload } from '../../lib/documents/payload.js';
import {
  verifyBucket,
  verifyChunks,
  verifyClaimReference,
  verifyCycleTime,
  verifyDocument,
  verifyModel,
  verifyVectors,
  type DocumentLimits,
} from '../../lib/documents/verify.js';
import { EmbeddedChunk, type DocumentRef } from '../../lib/events/schemas.js';
import { EventSource, EventType } from '../../lib/events/types.js';
import { InvalidEventError } from '../../lib/runtime/errors.js';
import { parseEventData } from '../../lib/runtime/event-data.js';
import type { FunctionContext, Handler } from '../../lib/runtime/function-server.js';
import type { ClaimCheckStore, ClaimCleanup } from '../../lib/storage/claim-check.js';
import { cycleOf, type StatusStore, type StatusTransition } from '../../lib/status/index.js';
import { chunkSparseVector } from '../../lib/text/sparse-vector.js';
import type { VectorPoint, VectorStore } from '../../lib/vector-store/qdrant.js';

export interface IndexDependencies {
  store: VectorStore;
  claims: ClaimCheckStore & ClaimCleanup;
  status: Pick<StatusStore, 'record'>;
  /** ETag of the object's current version, or undefined when it does not exist. */
  currentVersion(bucket: string, key: string): Promise<string | undefined>;
  /** What an event is checked against before anything is written (see lib/documents/verify.ts). */
  limits: DocumentLimits;
  now?: () => Date;
  /**
   * The index generation a vectors event is for: its collection, status and limits; undefined
   * when it no longer takes writes (the event is dropped). Without it: the dependencies above.
   */
  target?(requested: number | undefined): Promise<IndexTarget | undefined>;
  /** Where a deletion applies: every generation whose collection is kept. Without it: `store`. */
  deletionTargets?(): Promise<Omit<IndexTarget, 'limits'>[]>;
}

export interface IndexTarget {
  id: number;
  store: VectorStore;
  status: Pick<StatusStore, 'record'>;
  limits: DocumentLimits;
}

export function createIndexHandler(deps: IndexDependencies): Handler {
  const now = deps.now ?? (() => new Date());

  const mark = (
    status: Pick<StatusStore, 'record'>,
    document: Pick<DocumentRef, 'docId' | 'bucket' | 'key'>,
    cycle: string,
    transition: StatusTransition['status'],
    extra: Partial<StatusTransition> = {},
  ) => status.record({ docId: document.docId, bucket: document.bucket, key: document.key, status: transition, cycle, at: now().toISOString(), ...extra });

  const indexVectors = async (event: CloudEvent<unknown>, { log }: FunctionContext) => {
    const data = parseEventData(event, EventType.VectorsReady);
    const { document, model } = data;
    const target = deps.target ? await deps.target(data.generation) : undefined;
    if (deps.target && !target) {
      log.info({ key: document.key, generation: data.generation }, 'generation no longer takes writes; dropped');
      return undefined;
    }
    const { store, status, limits } = target ?? deps;
    const generation = target ? { generation: target.id } : {};
    // Whatever the sender says that index can check, it checks before reading or writing
    // anything: the collection's dimension is fixed by the first write, the points by their ids.
    verifyDocument(limits, document);
    verifyCycleTime(document.requestedAt ?? event.time, now());
    verifyModel(limits, model);
    verifyClaimReference(limits, data.chunks.claim, document, 'vectors', target?.id);
    const cycle = document.requestedAt ?? cycleOf(event, now);
    const isCurrent = async () => (await deps.currentVersion(document.bucket, document.key)) === document.version;

    if (!(await isCurrent())) {
      // Superseded (overwritten or deleted since): the newer event owns the document.
      await store.deleteDocument(document.docId, { onlyVersion: document.version });
      log.info({ key: document.key, version: document.version }, 'stale version skipped');
      return undefined;
    }
    const chunks = await deps.claims.unpack(data.chunks, EmbeddedChunk);
    verifyChunks(limits, chunks, data.chunkCount);
    const vectors = verifyVectors(limits, chunks);
    await mark(status, document, cycle, 'indexing', { version: document.version, sequence: document.sequence, chunkCount: data.chunkCount });
    await store.ensureCollection(limits.dimension);
    const points = toPoints(document, chunks, vectors, now().toISOString());
    // New version first, then remove the old one: a search never finds the document missing.
    await store.upsert(points);
    await store.deleteDocument(document.docId, { keepVersion: document.version });
    if (!(await isCurrent())) {
      // Overwritten while we wrote: take our version back out. Deleting the other versions may
      // just have removed the points of the version that is current now, if it was indexed
      // before (A → B → A) and split already answered `unchanged` for it: hand the document
      // back to split, which re-checks the current version and rebuilds what is missing.
      await store.deleteDocument(document.docId, { onlyVersion: document.version });
      if ((await deps.currentVersion(document.bucket, document.key)) === undefined) {
        log.info({ key: document.key, version: document.version }, 'object deleted during indexing; removed');
        return undefined;
      }
      log.info({ key: document.key, version: document.version }, 'version superseded during indexing; removed, re-ingestion requested');
      return ingestRequest(document.bucket, document.key, cycle, target?.id);
    }
    await mark(status, document, cycle, 'indexed', { version: document.version, sequence: document.sequence, chunkCount: points.length });
    // Bounded state: the version's claims are done with. Best effort; reconcile sweeps leftovers by age.
    await deps.claims.deleteClaims({ ...document, generation: target?.id }).catch((err: unknown) => log.warn({ err, key: document.key }, 'claim cleanup failed'));
    log.info({ key: document.key, version: document.version, points: points.length }, 'indexed');
    return createEvent(EventType.DocumentIndexed, EventSource.index, document.key, { document, chunkCount: points.length, collection: store.collection, ...generation });
  };

  const deleteDocument = async (event: CloudEvent<unknown>, { log }: FunctionContext) => {
    const data = parseEventData(event, EventType.ObjectDeleted);
    verifyBucket(deps.limits, data.bucket);
    verifyCycleTime(event.time, now());
    const docId = documentId(data.bucket, data.key);
    if ((await deps.currentVersion(data.bucket, data.key)) !== undefined) {
      log.info({ key: data.key }, 'object exists again; stale deletion ignored');
      return undefined;
    }
    // Every generation kept (serving, building, previous): none may keep a deleted object's text.
    const targets = deps.deletionTargets ? await deps.deletionTargets() : [{ store: deps.store, status: deps.status }];
    for (const { store } of targets) await store.deleteDocument(docId);
    if ((await deps.currentVersion(data.bucket, data.key)) !== undefined) {
      // Re-created between our check and the deletion: its points may have gone with the old ones.
      log.info({ key: data.key }, 'object re-created during deletion; re-ingestion requested');
      return ingestRequest(data.bucket, data.key, cycleOf(event, now));
    }
    for (const { status } of targets) await mark(status, { docId, bucket: data.bucket, key: data.key }, cycleOf(event, now), 'deleted', { sequence: data.sequence });
    // The deleted object's text must not live on in its claims.
    await deps.claims.deleteClaims({ docId }).catch((err: unknown) => log.warn({ err, key: data.key }, 'claim cleanup failed'));
    log.info({ key: data.key }, 'deleted');
    return createEvent(EventType.DocumentDeleted, EventSource.index, data.key, {
      bucket: data.bucket,
      key: data.key,
      docId,
      ...(data.sequence ? { sequence: data.sequence } : {}),
      collection: deps.store.collection,
    });
  };

  return async (event, context) => {
    switch (event.type) {
      case EventType.VectorsReady:
        return indexVectors(event, context);
      case EventType.ObjectDeleted:
        return deleteDocument(event, context);
      default:
        throw new InvalidEventError(`index does not handle events of type ${event.type}`);
    }
  };
}

/**
 * Asks split to look at the object's current version again (a reply, routed like any event).
 * It continues the cycle that found the problem (its time is that cycle's), so it cannot
 * outrank the status of anything that happened to the object since, such as a deletion.
 */
function ingestRequest(bucket: string, key: string, cycle: string, generation?: number): CloudEvent<unknown> {
  return createEvent(EventType.IngestRequested, EventSource.index, key, { bucket, key, ...(generation !== undefined ? { generation } : {}) }, { time: cycle });
}

function toPoints(document: DocumentRef, chunks: readonly EmbeddedChunk[], vectors: readonly Float32Array[], indexedAt: string): VectorPoint[] {
  return chunks.map((chunk, i) => {
    const payload: PointPayload = {
      doc_id: document.docId,
      bucket: document.bucket,
      key: document.key,
      version: document.version,
      ...(document.sequence ? { sequence: document.sequence } : {}),
      chunk_index: chunk.index,
      chunk_count: chunks.length,
      chunk_hash: chunk.hash,
      text: chunk.text,
      ...(chunk.page !== undefined ? { page: chunk.page } : {}),
      ...(chunk.heading !== undefined ? { heading: chunk.heading } : {}),
      ...(chunk.ocr ? { ocr: true } : {}),
      content_type: document.contentType,
      indexed_at: indexedAt,
    };
    return { id: pointId(document.docId, document.version, chunk.index), vector: Array.from(vectors[i]!), sparse: chunkSparseVector(chunk), payload };
  });
}
