/**
 * Vectors a generation need not compute: those its own collection already holds for a chunk's
 * content hash, and, when another kept generation was made with the same model (same file,
 * same hash), that generation's. A re-index that only changes the chunking re-embeds only the
 * chunks whose text is new; one that changes the model reuses nothing (and must not).
 */
import { sameModel, type Generation } from './record.js';
import type { Generations } from './resolver.js';

export async function reusableVectors(generations: Generations, generation: Generation, hashes: readonly string[]): Promise<Map<string, number[]>> {
  const found = await generations.vectors(generation).vectorsByChunkHash(hashes);
  if (found.size === hashes.length) return found;
  for (const other of await generations.live()) {
    if (other.id === generation.id || !sameModel(other.settings.model, generation.settings.model)) continue;
    const missing = hashes.filter((h) => !found.has(h));
    if (missing.length === 0) break;
    for (const [hash, vector] of await generations.vectors(other).vectorsByChunkHash(missing)) found.set(hash, vector);
  }
  return found;
}
