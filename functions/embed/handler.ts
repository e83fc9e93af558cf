/**
 * embed: the chunks of one document version in, the same chunks with vectors out
 * (VectorsReady). The embedder is created once per process and passed in.
 */
import { CloudEvent } from 'cloudevents';
import { EmbeddingBackendError } from '../../lib/embedding/errors.js';
import type { Embedder } from '../../lib/embedding/types.js';
import { encodeVector } from '../../lib/embedding/vector-codec.js';
import { Chunk, type EmbeddedChunk } from '../../lib/events/schemas.js';
import { EventSource, EventType } from '../../lib/events/types.js';
import { TransientError } from '../../lib/runtime/errors.js';
import { parseEventData } from '../../lib/runtime/event-data.js';
import type { Handler } from '../../lib/runtime/function-server.js';
import { claimKey, type ClaimCheckStore } from '../../lib/storage/claim-check.js';

export interface EmbedDependencies {
  embedder: Embedder;
  claims: ClaimCheckStore;
}

export function createEmbedHandler({ embedder, claims }: EmbedDependencies): Handler {
  return async (event, { log }) => {
    const data = parseEventData(event, EventType.ChunksReady);
    const chunks = await claims.unpack(data.chunks, Chunk);
    const started = performance.now();
    const vectors = await embedAll(embedder, chunks.map((c) => c.text));
    const embedded: EmbeddedChunk[] = chunks.map((chunk, i) => ({ ...chunk, vector: encodeVector(vectors[i]!) }));
    const packed = await claims.pack(embedded, claimKey('vectors', data.document.docId, data.document.version));
    log.info(
      { key: data.document.key, version: data.document.version, chunks: chunks.length, ms: Math.round(performance.now() - started) },
      'embedded',
    );
    return new CloudEvent({
      type: EventType.VectorsReady,
      source: EventSource.embed,
      subject: data.document.key,
      datacontenttype: 'application/json',
      data: { document: data.document, model: embedder.model, chunkCount: embedded.length, chunks: packed },
    });
  };
}

async function embedAll(embedder: Embedder, texts: string[]): Promise<Float32Array[]> {
  try {
    return await embedder.embed(texts);
  } catch (err) {
    if (err instanceof EmbeddingBackendError && err.retryable) {
      throw new TransientError(err.message, err.retryAfterMs === undefined ? undefined : err.retryAfterMs / 1000, { cause: err });
    }
    throw err;
  }
}
