/**
 * index: vectors of one document version in → points upserted with deterministic ids, then
 * the document's points of every other version removed (DocumentIndexed). An object deletion
 * removes all of the document's points (DocumentDeleted).
 */
import { CloudEvent } from 'cloudevents';
import { documentId, pointId } from '../../lib/documents/identity.js';
import type { PointPayload } from '../../lib/documents/payload.js';
import { decodeVector } from '../../lib/embedding/vector-codec.js';
import { EmbeddedChunk } from '../../lib/events/schemas.js';
import { EventSource, EventType } from '../../lib/events/types.js';
import { InvalidEventError } from '../../lib/runtime/errors.js';
import { parseEventData } from '../../lib/runtime/event-data.js';
import type { Handler } from '../../lib/runtime/function-server.js';
import type { ClaimCheckStore } from '../../lib/storage/claim-check.js';
import type { VectorPoint, VectorStore } from '../../lib/vector-store/qdrant.js';

export interface IndexDependencies {
  store: VectorStore;
  claims: ClaimCheckStore;
  now?: () => Date;
}

export function createIndexHandler(deps: IndexDependencies): Handler {
  const now = deps.now ?? (() => new Date());

  const indexVectors: Handler = async (event, { log }) => {
    const data = parseEventData(event, EventType.VectorsReady);
    const { document, model } = data;
    const chunks = await deps.claims.unpack(data.chunks, EmbeddedChunk);
    await deps.store.ensureCollection(model.dimension);
    const indexedAt = now().toISOString();
    const points: VectorPoint[] = chunks.map((chunk) => {
      const vector = decodeVector(chunk.vector);
      if (vector.length !== model.dimension) {
        throw new InvalidEventError(`chunk ${chunk.index} has ${vector.length} dimensions, the model declares ${model.dimension}`);
      }
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
        content_type: document.contentType,
        indexed_at: indexedAt,
      };
      return { id: pointId(document.docId, document.version, chunk.index), vector: Array.from(vector), payload };
    });
    // New version first, then remove the old one: a search never finds the document missing.
    await deps.store.upsert(points);
    await deps.store.deleteDocument(document.docId, { keepVersion: document.version });
    log.info({ key: document.key, version: document.version, points: points.length }, 'indexed');
    return new CloudEvent({
      type: EventType.DocumentIndexed,
      source: EventSource.index,
      subject: document.key,
      datacontenttype: 'application/json',
      data: { document, chunkCount: points.length, collection: deps.store.collection },
    });
  };

  const deleteDocument: Handler = async (event, { log }) => {
    const data = parseEventData(event, EventType.ObjectDeleted);
    const docId = documentId(data.bucket, data.key);
    await deps.store.deleteDocument(docId);
    log.info({ key: data.key }, 'deleted');
    return new CloudEvent({
      type: EventType.DocumentDeleted,
      source: EventSource.index,
      subject: data.key,
      datacontenttype: 'application/json',
      data: { bucket: data.bucket, key: data.key, docId, ...(data.sequence ? { sequence: data.sequence } : {}), collection: deps.store.collection },
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
