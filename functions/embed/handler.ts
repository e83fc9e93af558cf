/**
 * embed: the chunks of one document version in, the same chunks with vectors out
 * (VectorsReady). The embedder is created once per process and passed in.
 */
import { isVectorOf, verifyChunks, verifyClaimReference, verifyCycleTime, verifyDocument, type DocumentLimits } from '../../lib/documents/verify.js';
import type { Embedder } from '../../lib/embedding/types.js';
import { encodeVector } from '../../lib/embedding/vector-codec.js';
import { createEvent } from '../../lib/events/create-event.js';
import { Chunk, type EmbeddedChunk } from '../../lib/events/schemas.js';
import { EventSource, EventType } from '../../lib/events/types.js';
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
  /** What an event is checked against before anything is written (see lib/documents/verify.ts). */
  limits: DocumentLimits;
  now?: () => Date;
}

export function createEmbedHandler({ embedder, claims, status, knownVectors, limits, now = () => new Date() }: EmbedDependencies): Handler {
  const { dimension } = limits;
  // A remote model learns its dimension from its first answer (0 until then), checked below.
  if (embedder.model.dimension !== 0 && embedder.model.dimension !== dimension) {
    throw new Error(`the embedding model ${embedder.model.name} makes ${embedder.model.dimension}-dimensional vectors, EMBED_DIMENSION says ${dimension}`);
  }
  return async (event, { log }) => {
    const data = parseEventData(event, EventType.ChunksReady);
    const { document } = data;
    // Re-derived, not believed: a forged docId would make us write vectors under a victim's
    // claim key, a forged hash would be stored and reused for every later chunk with it.
    verifyDocument(limits, document);
    verifyCycleTime(document.requestedAt ?? event.time, now());
    verifyClaimReference(limits, data.chunks.claim, document, 'chunks');
    const chunks = await claims.unpack(data.chunks, Chunk);
    verifyChunks(limits, chunks, data.chunkCount);
    if (document.requestedAt) {
      await status.record({ docId: document.docId, bucket: document.bucket, key: document.key, status: 'embedding', cycle: document.requestedAt, at: now().toISOString(), version: document.version, sequence: document.sequence, chunkCount: data.chunkCount });
    }
    const started = performance.now();
    // Only chunks whose text was never embedded go through the model: an edited document
    // re-embeds its changed chunks, not all of them. A stored vector that is not one of this
    // model's (another length, NaN) is recomputed rather than copied on.
    const known = await knownVectors([...new Set(chunks.map((c) => c.hash))]);
    for (const [hash, vector] of known) if (!isVectorOf(dimension, vector)) known.delete(hash);
    const missing = chunks.filter((c) => !known.has(c.hash));
    const computed = await embedAll(embedder, missing.map((c) => c.text));
    const wrong = computed.find((v) => !isVectorOf(dimension, v));
    if (wrong) throw new Error(`the embedding model returned a ${wrong.length}-dimensional vector (or non-finite values), EMBED_DIMENSION says ${dimension}`);
    missing.forEach((chunk, i) => known.set(chunk.hash, computed[i]!));
    embeddedChunks.inc({ origin: 'model' }, missing.length);
    embeddedChunks.inc({ origin: 'reused' }, chunks.length - missing.length);
    const embedded: EmbeddedChunk[] = chunks.map((chunk) => ({ ...chunk, vector: encodeVector(Float32Array.from(known.get(chunk.hash)!)) }));
    const packed = await claims.pack(embedded, claimKey('vectors', document.docId, document.version));
    // Every vector was checked against the configured dimension, reused or computed.
    const model = { name: embedder.model.name, dimension };
    log.info(
      { key: document.key, version: document.version, chunks: chunks.length, embedded: missing.length, ms: Math.round(performance.now() - started) },
      'embedded',
    );
    return createEvent(EventType.VectorsReady, EventSource.embed, data.document.key, { document, model, chunkCount: embedded.length, chunks: packed });
  };
}

async function embedAll(embedder: Embedder, texts: string[]): Promise<Float32Array[]> {
  if (texts.length === 0) return [];
  // An EmbeddingUnavailableError is a TransientError: a 503 (with its Retry-After) to the broker.
  return embedder.embed(texts);
}
