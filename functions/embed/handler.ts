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
import { embeddedChunks } from '../../lib/runtime/metrics.js';
import { claimKey, type ClaimCheckStore } from '../../lib/storage/claim-check.js';
import type { StatusStore } from '../../lib/status/index.js';

export interface EmbedDependencies {
  embedder: Embedder;
  claims: ClaimCheckStore;
  status: Pick<StatusStore, 'record'>;
  /** Vectors already computed for chunks with these content hashes (same model). */
  knownVectors(hashes: readonly string[]): Promise<Map<string, ArrayLike<number>>>;
  now?: () => Date;
}

export function createEmbedHandler({ embedder, claims, status, knownVectors, now = () => new Date() }: EmbedDependencies): Handler {
  return async (event, { log }) => {
    const data = parseEventData(event, EventType.ChunksReady);
    const { document } = data;
    if (document.requestedAt) {
      await status.record({ docId: document.docId, bucket: document.bucket, key: document.key, status: 'embedding', cycle: document.requestedAt, at: now().toISOString(), version: document.version, sequence: document.sequence, chunkCount: data.chunkCount });
    }
    const chunks = await claims.unpack(data.chunks, Chunk);
    const started = performance.now();
    // Only chunks whose text was never embedded go through the model: an edited document
    // re-embeds its changed chunks, not all of them.
    const known = await knownVectors([...new Set(chunks.map((c) => c.hash))]);
    const missing = chunks.filter((c) => !known.has(c.hash));
    const computed = await embedAll(embedder, missing.map((c) => c.text));
    missing.forEach((chunk, i) => known.set(chunk.hash, computed[i]!));
    embeddedChunks.inc({ origin: 'model' }, missing.length);
    embeddedChunks.inc({ origin: 'reused' }, chunks.length - missing.length);
    const embedded: EmbeddedChunk[] = chunks.map((chunk) => ({ ...chunk, vector: encodeVector(Float32Array.from(known.get(chunk.hash)!)) }));
    const packed = await claims.pack(embedded, claimKey('vectors', document.docId, document.version));
    // A remote model learns its dimension from its first answer: a fresh process whose chunks
    // were all reused has not asked it anything yet, so the reused vectors tell the dimension.
    const model = { name: embedder.model.name, dimension: embedder.model.dimension || (known.values().next().value?.length ?? 0) };
    log.info(
      { key: document.key, version: document.version, chunks: chunks.length, embedded: missing.length, ms: Math.round(performance.now() - started) },
      'embedded',
    );
    return new CloudEvent({
      type: EventType.VectorsReady,
      source: EventSource.embed,
      subject: data.document.key,
      datacontenttype: 'application/json',
      data: { document, model, chunkCount: embedded.length, chunks: packed },
    });
  };
}

async function embedAll(embedder: Embedder, texts: string[]): Promise<Float32Array[]> {
  if (texts.length === 0) return [];
  try {
    return await embedder.embed(texts);
  } catch (err) {
    if (err instanceof EmbeddingBackendError && err.retryable) {
      throw new TransientError(err.message, err.retryAfterMs === undefined ? undefined : err.retryAfterMs / 1000, { cause: err });
    }
    throw err;
  }
}
