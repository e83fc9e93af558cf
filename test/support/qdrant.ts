/** Direct reads and writes of the stack's Qdrant collection, behind the pipeline's back. */
import { createQdrantClient } from '../../lib/vector-store/client.js';
import type { PointPayload } from '../../lib/documents/payload.js';
import { config } from './stack.js';

export const qdrant = createQdrantClient({ url: config.QDRANT_URL, apiKey: config.QDRANT_API_KEY });

export interface StoredPoint {
  id: string;
  payload: PointPayload;
}

/** Every point of the vector collection whose `key` is one of `keys` (payload only). */
export async function pointsOfKeys(keys: readonly string[]): Promise<StoredPoint[]> {
  if (keys.length === 0) return [];
  const points: StoredPoint[] = [];
  let offset: string | number | undefined;
  do {
    const page = await qdrant
      .scroll(config.QDRANT_COLLECTION, {
        filter: { must: [{ key: 'key', match: { any: [...keys] } }] },
        limit: 256,
        with_payload: true,
        with_vector: false,
        ...(offset !== undefined ? { offset } : {}),
      })
      .catch((err: unknown) => {
        if ((err as { status?: number }).status === 404) return { points: [], next_page_offset: null };
        throw err;
      });
    for (const p of page.points) points.push({ id: String(p.id), payload: p.payload as unknown as PointPayload });
    offset = (page.next_page_offset ?? undefined) as string | number | undefined;
  } while (offset !== undefined);
  return points;
}
