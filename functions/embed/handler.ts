/**
 * embed: the chunks of one document version in, the same chunks with vectors out
 * (VectorsReady). The embedder is created once per process and passed in.
 */
import { CloudEvent } from 'cloudevents';
import { isVectorOf, verifyChunks, verifyClaimReference, verifyCycleTime, verifyDocument, type DocumentLimits } from '../../lib/documents/verify.js';
import type { Embedder } from '../../lib/embedding/types.js';
import { encodeVector } from '../../lib/embedding/vector-codec.js';
import { Chunk, type EmbeddedChunk } from '../../lib/events/schemas.js';
import { EventSource, EventType } from '../../lib/events/types.js';
import { parseEventData } from '../../lib/runtime/event-data.js';
import type { Handler } from '../../lib/runtime/function-server.js';
import { embeddedChunks } from '../../lib/runtime/metrics.js';
import { claimKey, type ClaimCheckStore } from '../../lib/storage/claim-check.js';
import type { StatusStore } from '../../lib/status/index.js';
import { uniqueTexts } from './units.js';

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
    // Identical chunks of the document share one text, embedded once (units.ts).
    const unique = uniqueTexts(chunks);
    const known = await knownVectors(unique.map((t) => t.hash));
    for (const [hash, vector] of known) if (!isVectorOf(dimension, vector)) known.delete(hash);
    const missing = unique.filter((t) => !known.has(t.hash));
    const computed = await embedAll(embedder, missing.map((t) => t.text));
    const wrong = computed.find((v) => !isVectorOf(dimension, v));
    if (wrong) throw new Error(`the embedding model returned a ${wrong.length}-dimensional vector (or non-finite values), EMBED_DIMENSION says ${dimension}`);
    missing.forEach((t, i) => known.set(t.hash, computed[i]!));
    embeddedChunks.inc({ origin: 'model' }, missing.length);
    embeddedChunks.inc({ origin: 'reused' }, unique.length - missing.length);
    embeddedChunks.inc({ origin: 'duplicate' }, chunks.length - unique.length);
    // Encoded once per text too: 5 000 copies of a line share one base64 string.
    const encoded = new Map([...known].map(([hash, vector]) => [hash, encodeVector(Float32Array.from(vector))]));
    const embedded: EmbeddedChunk[] = chunks.map((chunk) => ({ ...chunk, vector: encoded.get(chunk.hash)! }));
    const packed = await claims.pack(embedded, claimKey('vectors', document.docId, document.version));
    // Every vector was checked against the configured dimension, reused or computed.
    const model = { name: embedder.model.name, dimension };
    log.info(
      { key: document.key, version: document.version, chunks: chunks.length, unique: unique.length, embedded: missing.length, ms: Math.round(performance.now() - started) },
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
  // An EmbeddingUnavailableError is a TransientError: a 503 (with its Retry-After) to the broker.
  return embedder.embed(texts);
}
