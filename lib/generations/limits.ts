/**
 * What an event for a generation is verified against: the configured limits, with the chunk
 * size and the dimension of that generation (a re-index to larger chunks or another model
 * must not be refused by the limits of the generation it replaces).
 */
import { derivedMaxClaimBytes, type DocumentLimits } from '../documents/verify.js';
import type { Generation } from './record.js';

export function generationLimits(base: DocumentLimits, generation: Pick<Generation, 'settings'>, configuredMaxClaimBytes?: number): DocumentLimits {
  const limits = { ...base, maxChunkChars: generation.settings.chunkSize, dimension: generation.settings.model.dimension };
  return { ...limits, maxClaimBytes: configuredMaxClaimBytes ?? derivedMaxClaimBytes(limits) };
}
