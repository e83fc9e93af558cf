/**
 * embed: the chunks of one document version in, the same chunks with vectors out
 * (VectorsReady). The embedder is created once per process and passed in.
 *
 * A document with more distinct texts than one unit (EMBED_UNIT_CHUNKS) is not embedded in one
 * delivery: chunks.ready is answered at once with a cursor (chunks.embedding, unit 0), and each
 * chunks.embedding delivery embeds one unit, stores its vectors (unit-vectors.ts) and answers
 * with the cursor of the next. Every unit goes back through the broker's queue, so no delivery
 * runs long, small documents' events are served between a big one's units, and a redelivered
 * unit resumes from what is stored. The last unit gathers every unit's vectors into the one
 * VectorsReady index expects: index still sees a version only when all of its vectors are in.
 */
import type { CloudEvent } from 'cloudevents';
import { verifyChunks, verifyClaimReference, verifyCycleTime, verifyDocument, type DocumentLimits } from '../../lib/documents/verify.js';
import type { Embedder } from '../../lib/embedding/types.js';
import { encodeVector } from '../../lib/embedding/vector-codec.js';
import { createEvent } from '../../lib/events/create-event.js';
import { Chunk, type ChunksReadyData, type DocumentRef, type EmbeddedChunk } from '../../lib/events/schemas.js';
import { EventSource, EventType } from '../../lib/events/types.js';
import { InvalidEventError } from '../../lib/runtime/errors.js';
import { parseEventData } from '../../lib/runtime/event-data.js';
import type { FunctionContext, Handler } from '../../lib/runtime/function-server.js';
import { embeddedChunks, embedUnits } from '../../lib/runtime/metrics.js';
import { claimKey, type ClaimCheckStore, type KeyedClaims } from '../../lib/storage/claim-check.js';
import type { StatusStore } from '../../lib/status/index.js';
import { createUnitVectors } from './unit-vectors.js';
import { planUnits, uniqueTexts, type UnitPlan } from './units.js';
import { createVectorSource } from './vectors.js';

export interface EmbedDependencies {
  embedder: Embedder;
  claims: ClaimCheckStore & KeyedClaims;
  status: Pick<StatusStore, 'record'>;
  /** Vectors already computed for chunks with these content hashes (same model). */
  knownVectors(hashes: readonly string[]): Promise<Map<string, ArrayLike<number>>>;
  /** What an event is checked against before anything is written (see lib/documents/verify.ts). */
  limits: DocumentLimits;
  /** Distinct texts embedded per delivery (EMBED_UNIT_CHUNKS). */
  unitChunks: number;
  now?: () => Date;
}

/**
 * How often the last unit may find an earlier unit's vectors gone (swept, lost) and send the
 * cursor back before it gives up (a 500: the broker retries, then dead-letters the event).
 */
export const MAX_REWINDS = 3;

/** Where a delivery stands: the chunks.ready data it continues, and the unit to embed. */
interface Cursor {
  data: ChunksReadyData;
  unit: number;
  rewinds: number;
  /** chunks.ready: the document's first delivery. */
  first: boolean;
}

export function createEmbedHandler({ embedder, claims, status, knownVectors, limits, unitChunks, now = () => new Date() }: EmbedDependencies): Handler {
  const { dimension } = limits;
  // A remote model learns its dimension from its first answer (0 until then), checked below.
  if (embedder.model.dimension !== 0 && embedder.model.dimension !== dimension) {
    throw new Error(`the embedding model ${embedder.model.name} makes ${embedder.model.dimension}-dimensional vectors, EMBED_DIMENSION says ${dimension}`);
  }
  const vectorsFor = createVectorSource({ embedder, knownVectors, dimension });
  const units = createUnitVectors(claims, dimension);
  // Every vector was checked against the configured dimension, reused or computed.
  const model = { name: embedder.model.name, dimension };

  return async (event, { log }) => {
    const cursor = parseCursor(event);
    const { data } = cursor;
    const { document } = data;
    // Re-derived, not believed: a forged docId would make us write vectors under a victim's
    // claim key, a forged hash would be stored and reused for every later chunk with it.
    verifyDocument(limits, document);
    verifyCycleTime(document.requestedAt ?? event.time, now());
    verifyClaimReference(limits, data.chunks.claim, document, 'chunks');
    const chunks = await claims.unpack(data.chunks, Chunk);
    verifyChunks(limits, chunks, data.chunkCount);
    // The cut into units is embed's own (its EMBED_UNIT_CHUNKS), never the sender's: a cursor
    // can only name a unit of it, and there are never more units than chunks.
    if (cursor.unit >= chunks.length) throw new InvalidEventError(`unit ${cursor.unit} is past the ${chunks.length} chunks of the document`);
    const plan = planUnits(uniqueTexts(chunks), unitChunks);
    if (cursor.first && document.requestedAt) {
      await status.record({ docId: document.docId, bucket: document.bucket, key: document.key, status: 'embedding', cycle: document.requestedAt, at: now().toISOString(), version: document.version, sequence: document.sequence, chunkCount: data.chunkCount });
    }
    const started = performance.now();

    if (plan.count === 1) {
      const { vectors, computed } = await vectorsFor(plan.texts);
      countTexts(plan.texts.length, computed);
      return vectorsReady(data, chunks, plan, vectors, { log, started });
    }
    if (cursor.first) {
      // Hand-off: the units run as chunks.embedding deliveries, on their own queue, so a big
      // document never holds one of the chunks.ready deliveries small documents are waiting for.
      log.info({ key: document.key, version: document.version, chunks: chunks.length, unique: plan.texts.length, units: plan.count }, 'embedding in units');
      return progress(data, 0, 0);
    }

    let current: Map<string, Float32Array> | undefined;
    // Past the last unit only when EMBED_UNIT_CHUNKS changed since the cursor was made: gather
    // what there is, which sends the cursor back to the first unit missing in the new cut.
    if (cursor.unit < plan.count) {
      current = await unitVectors(document, plan, cursor.unit);
      log.info({ key: document.key, unit: cursor.unit, units: plan.count, ms: Math.round(performance.now() - started) }, 'unit embedded');
      if (cursor.unit + 1 < plan.count) return progress(data, cursor.unit + 1, cursor.rewinds);
    }
    const gathered = await gather(document, plan, cursor.unit, current);
    if (typeof gathered === 'number') {
      if (cursor.rewinds >= MAX_REWINDS) throw new Error(`the vectors of unit ${gathered} of ${document.key}@${document.version} went missing ${cursor.rewinds} times`);
      log.warn({ key: document.key, unit: gathered, units: plan.count }, 'vectors of an earlier unit are gone; embedding from that unit again');
      return progress(data, gathered, cursor.rewinds + 1);
    }
    return vectorsReady(data, chunks, plan, gathered, { log, started });
  };

  /** One unit's vectors: read back when an earlier attempt stored them, else made and stored. */
  async function unitVectors(document: DocumentRef, plan: UnitPlan, unit: number): Promise<Map<string, Float32Array>> {
    const stored = await units.read(document, plan, unit);
    if (stored) {
      embedUnits.inc({ outcome: 'resumed' });
      return stored;
    }
    const texts = plan.unit(unit);
    const { vectors, computed } = await vectorsFor(texts);
    await units.write(document, plan, unit, vectors);
    countTexts(texts.length, computed);
    embedUnits.inc({ outcome: 'embedded' });
    return vectors;
  }

  /** Every unit's vectors (`current`'s from memory), or the first unit whose vectors are gone. */
  async function gather(document: DocumentRef, plan: UnitPlan, currentUnit: number, current: Map<string, Float32Array> | undefined): Promise<Map<string, Float32Array> | number> {
    const vectors = new Map<string, Float32Array>();
    for (let unit = 0; unit < plan.count; unit++) {
      const stored = unit === currentUnit ? current : await units.read(document, plan, unit);
      if (!stored) return unit;
      for (const [hash, vector] of stored) vectors.set(hash, vector);
    }
    return vectors;
  }

  /** The cursor for unit `unit`: the same chunks reference, checked again by the next delivery. */
  function progress(data: ChunksReadyData, unit: number, rewinds: number): CloudEvent<unknown> {
    const { document, chunkCount, chunks } = data;
    return createEvent(EventType.EmbedProgress, EventSource.embed, document.key, { document, chunkCount, chunks, unit, rewinds });
  }

  async function vectorsReady(
    data: ChunksReadyData,
    chunks: readonly Chunk[],
    plan: UnitPlan,
    vectors: ReadonlyMap<string, Float32Array>,
    { log, started }: FunctionContext & { started: number },
  ): Promise<CloudEvent<unknown>> {
    const { document } = data;
    embeddedChunks.inc({ origin: 'duplicate' }, chunks.length - plan.texts.length);
    // Encoded once per text: 5 000 copies of a line share one base64 string.
    const encoded = new Map([...vectors].map(([hash, vector]) => [hash, encodeVector(vector)]));
    const embedded: EmbeddedChunk[] = chunks.map((chunk) => ({ ...chunk, vector: encoded.get(chunk.hash)! }));
    const packed = await claims.pack(embedded, claimKey('vectors', document.docId, document.version));
    log.info(
      { key: document.key, version: document.version, chunks: chunks.length, unique: plan.texts.length, units: plan.count, ms: Math.round(performance.now() - started) },
      'embedded',
    );
    return createEvent(EventType.VectorsReady, EventSource.embed, document.key, { document, model, chunkCount: embedded.length, chunks: packed });
  }
}

/** chunks.ready starts at unit 0; chunks.embedding says where it is. Anything else is refused. */
function parseCursor(event: CloudEvent<unknown>): Cursor {
  if (event.type === EventType.EmbedProgress) {
    const { unit, rewinds, ...data } = parseEventData(event, EventType.EmbedProgress);
    return { data, unit, rewinds, first: false };
  }
  return { data: parseEventData(event, EventType.ChunksReady), unit: 0, rewinds: 0, first: true };
}

function countTexts(texts: number, computed: number): void {
  embeddedChunks.inc({ origin: 'model' }, computed);
  embeddedChunks.inc({ origin: 'reused' }, texts - computed);
}
