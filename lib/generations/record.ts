/**
 * Index generations (pure): the record of which concrete collections exist behind the alias
 * users query, what each was built with, and the rules by which a generation moves
 *
 *   building ──swap──▶ serving ──swap/rollback──▶ previous ──prune──▶ (dropped)
 *      └──cancel──▶ cancelled ──prune──▶ (dropped)
 *
 * The alias (`QDRANT_COLLECTION`) always names the serving generation's collection; the swap
 * is one Qdrant aliases request (delete + create), so a search sees one generation or the
 * other, never both. No I/O here: ./store.ts persists the record, ./aliases.ts moves the alias.
 */
import { z } from 'zod';

export const GENERATION_STATES = ['building', 'serving', 'previous', 'cancelled'] as const;
export type GenerationState = (typeof GENERATION_STATES)[number];

/** What a generation's vectors were made with: a vector of another model never enters it. */
export const ModelSettings = z.object({
  backend: z.enum(['onnx', 'openai']),
  /** The model's name (sluice-model.json's `name`, or EMBED_API_MODEL). */
  name: z.string().min(1),
  /** onnx: the graph file in SLUICE_MODEL_DIR (`model_int8.onnx`, `model.onnx`). */
  file: z.string().min(1).optional(),
  /** onnx: SHA-256 of that file, so a swapped file under the same name is noticed. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/).optional(),
  dimension: z.number().int().positive(),
});
export type ModelSettings = z.infer<typeof ModelSettings>;

/** Everything that decides what a generation's points are. */
export const GenerationSettings = z.object({
  model: ModelSettings,
  chunkSize: z.number().int().positive(),
  chunkOverlap: z.number().int().nonnegative(),
  /** The sparse vector: BM25 term weights (lib/text/sparse-vector.ts) with Qdrant's idf modifier. */
  sparse: z.object({ weighting: z.literal('bm25'), modifier: z.literal('idf') }),
});
export type GenerationSettings = z.infer<typeof GenerationSettings>;

export const SPARSE_SETTINGS = Object.freeze({ weighting: 'bm25', modifier: 'idf' } as const);

export const BuildProgress = z.object({
  startedAt: z.string(),
  /** Objects listed when the build started: what done/total counts against. */
  total: z.number().int().nonnegative().optional(),
  /** When every object had been asked for (the listing is done). */
  requestedAt: z.string().optional(),
  /** When the last verification ran, and what it found missing (0 = complete). */
  verifiedAt: z.string().optional(),
  missing: z.number().int().nonnegative().optional(),
  swappedAt: z.string().optional(),
  /** Work the build was spared: settings it shares with the generation it started from. */
  reuse: z.object({ chunks: z.boolean(), vectors: z.boolean() }).optional(),
});
export type BuildProgress = z.infer<typeof BuildProgress>;

export const Generation = z.object({
  id: z.number().int().positive(),
  /** The concrete Qdrant collection (`<alias>-g<id>`). */
  collection: z.string().min(1),
  /** Its own status collection: a document's status is about one generation's points. */
  statusCollection: z.string().min(1),
  state: z.enum(GENERATION_STATES),
  settings: GenerationSettings,
  createdAt: z.string(),
  /** The generation it was built from (absent for the first). */
  from: z.number().int().positive().optional(),
  build: BuildProgress.optional(),
  /** Why it was cancelled, when it was. */
  reason: z.string().optional(),
});
export type Generation = z.infer<typeof Generation>;

export const GenerationsRecord = z.object({
  format: z.literal(1),
  alias: z.string().min(1),
  generations: z.array(Generation),
  /** Ids are never reused (a late write may re-create a dropped generation's collection). */
  nextId: z.number().int().positive().optional(),
  updatedAt: z.string(),
});
export type GenerationsRecord = z.infer<typeof GenerationsRecord>;

/** A request that the record's state does not allow (a second build, rollback with nothing to roll back to). */
export class GenerationStateError extends Error {
  override readonly name = 'GenerationStateError';
}

export function generationCollection(alias: string, id: number): string {
  return `${alias}-g${id}`;
}

/**
 * The status collection of a generation. The first keeps the name status records always had
 * (`<alias>-status`), so an existing install keeps its records without copying them.
 */
export function generationStatusCollection(alias: string, id: number): string {
  return id === 1 ? `${alias}-status` : `${generationCollection(alias, id)}-status`;
}

/** The record of an install with one generation: the one the environment describes. */
export function initialRecord(alias: string, settings: GenerationSettings, now: Date): GenerationsRecord {
  const at = now.toISOString();
  return {
    format: 1,
    alias,
    generations: [{ id: 1, collection: generationCollection(alias, 1), statusCollection: generationStatusCollection(alias, 1), state: 'serving', settings, createdAt: at }],
    updatedAt: at,
  };
}

export function servingGeneration(record: GenerationsRecord): Generation {
  const serving = record.generations.find((g) => g.state === 'serving');
  if (!serving) throw new GenerationStateError(`the generations record of ${record.alias} has no serving generation`);
  return serving;
}

export function buildingGeneration(record: GenerationsRecord): Generation | undefined {
  return record.generations.find((g) => g.state === 'building');
}

export function previousGeneration(record: GenerationsRecord): Generation | undefined {
  return record.generations.find((g) => g.state === 'previous');
}

export function findGeneration(record: GenerationsRecord, id: number): Generation | undefined {
  return record.generations.find((g) => g.id === id);
}

/** Generations whose collection exists and is kept current: deletions reach every one of them. */
export function liveGenerations(record: GenerationsRecord): Generation[] {
  return record.generations.filter((g) => g.state === 'building' || g.state === 'serving' || g.state === 'previous');
}

/** Events tagged with a generation are processed only while it takes writes. */
export function acceptsWrites(generation: Generation): boolean {
  return generation.state === 'building' || generation.state === 'serving';
}

/**
 * How long after a swap the new serving generation still gets its own copy of every object
 * event: stages read the record through a short cache, so for a moment one may still send an
 * untagged event to the generation that served before.
 */
export const SWAP_SETTLE_MS = 30_000;

/**
 * The generations a live object event (upload, overwrite, ingest request) must also be sent to,
 * tagged, besides the serving one it reaches untagged: every building generation, and the
 * serving one during SWAP_SETTLE_MS after its swap.
 */
export function fanOutTargets(record: GenerationsRecord, now: Date): Generation[] {
  return record.generations.filter(
    (g) => g.state === 'building' || (g.state === 'serving' && g.build?.swappedAt !== undefined && now.getTime() - Date.parse(g.build.swappedAt) < SWAP_SETTLE_MS),
  );
}

/** Same model (name, file and its hash, dimension): vectors of one are vectors of the other. */
export function sameModel(a: ModelSettings, b: ModelSettings): boolean {
  return a.backend === b.backend && a.name === b.name && a.file === b.file && a.sha256 === b.sha256 && a.dimension === b.dimension;
}

export function sameChunking(a: GenerationSettings, b: GenerationSettings): boolean {
  return a.chunkSize === b.chunkSize && a.chunkOverlap === b.chunkOverlap;
}

/** Adds generation N+1 in `building` with `settings`; one build at a time. */
export function beginBuild(record: GenerationsRecord, settings: GenerationSettings, now: Date): { record: GenerationsRecord; generation: Generation } {
  const building = buildingGeneration(record);
  if (building) throw new GenerationStateError(`generation ${building.id} is already being built; wait for it or cancel it (sluice reindex cancel)`);
  const serving = servingGeneration(record);
  if (sameModel(serving.settings.model, settings.model) && sameChunking(serving.settings, settings)) {
    throw new GenerationStateError(`generation ${serving.id} already serves these settings; nothing to re-index`);
  }
  const id = Math.max(record.nextId ?? 1, ...record.generations.map((g) => g.id + 1));
  const at = now.toISOString();
  const generation: Generation = {
    id,
    collection: generationCollection(record.alias, id),
    statusCollection: generationStatusCollection(record.alias, id),
    state: 'building',
    settings,
    createdAt: at,
    from: serving.id,
    build: { startedAt: at, reuse: { chunks: sameChunking(serving.settings, settings), vectors: sameModel(serving.settings.model, settings.model) } },
  };
  return { record: { ...record, generations: [...record.generations, generation], nextId: id + 1, updatedAt: at }, generation };
}

/** Applies `change` to one generation's build progress. */
export function updateBuild(record: GenerationsRecord, id: number, change: Partial<BuildProgress>, now: Date): GenerationsRecord {
  return mapGenerations(record, now, (g) => (g.id === id ? { ...g, build: { ...(g.build ?? { startedAt: g.createdAt }), ...change } } : g));
}

/**
 * The swap as the record sees it (after the alias moved): the target serves, the generation
 * that served becomes `previous` (kept for rollback until prune), an older `previous` is
 * dropped from the record (its collection is the caller's to delete: returned as `dropped`).
 */
export function completeSwap(record: GenerationsRecord, id: number, now: Date): { record: GenerationsRecord; dropped: Generation[] } {
  const target = findGeneration(record, id);
  if (!target) throw new GenerationStateError(`no generation ${id}`);
  if (target.state === 'serving') return { record, dropped: [] };
  if (target.state !== 'building' && target.state !== 'previous') throw new GenerationStateError(`generation ${id} is ${target.state}; only a building or previous generation can serve`);
  const at = now.toISOString();
  const dropped = record.generations.filter((g) => g.state === 'previous' && g.id !== id);
  const generations = record.generations
    .filter((g) => !dropped.includes(g))
    .map((g): Generation => {
      if (g.id === id) return { ...g, state: 'serving', build: { ...(g.build ?? { startedAt: g.createdAt }), swappedAt: at } };
      if (g.state === 'serving') return { ...g, state: 'previous' };
      return g;
    });
  return { record: { ...record, generations, updatedAt: at }, dropped };
}

/** The rollback target: the previous generation (the alias goes back to it, the current one becomes previous). */
export function rollbackTarget(record: GenerationsRecord): Generation {
  const previous = previousGeneration(record);
  if (!previous) throw new GenerationStateError('there is no previous generation to roll back to (pruned, or never re-indexed)');
  return previous;
}

export function cancelBuild(record: GenerationsRecord, reason: string, now: Date): { record: GenerationsRecord; cancelled: Generation } {
  const building = buildingGeneration(record);
  if (!building) throw new GenerationStateError('no generation is being built');
  const cancelled: Generation = { ...building, state: 'cancelled', reason };
  return { record: mapGenerations(record, now, (g) => (g.id === building.id ? cancelled : g)), cancelled };
}

/** Drops every generation that neither serves nor builds; returns them (their collections go too). */
export function prune(record: GenerationsRecord, now: Date): { record: GenerationsRecord; dropped: Generation[] } {
  const dropped = record.generations.filter((g) => g.state === 'previous' || g.state === 'cancelled');
  return { record: { ...record, generations: record.generations.filter((g) => !dropped.includes(g)), updatedAt: now.toISOString() }, dropped };
}

function mapGenerations(record: GenerationsRecord, now: Date, change: (g: Generation) => Generation): GenerationsRecord {
  return { ...record, generations: record.generations.map(change), updatedAt: now.toISOString() };
}
