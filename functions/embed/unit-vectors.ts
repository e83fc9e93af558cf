/**
 * The vectors of one unit of a large document, kept in the pipeline bucket under a key embed
 * derives itself (unitClaimKey: document, version, unit size, unit), so that a redelivered
 * unit reads them back instead of recomputing, and the last unit can gather every unit's.
 * What is read back is checked as strictly as an event: exactly the unit's hashes, vectors of
 * the model's dimension with finite values; anything else counts as not stored and is redone.
 */
import { z } from 'zod';
import { isVectorOf } from '../../lib/documents/verify.js';
import { decodeVector, encodeVector } from '../../lib/embedding/vector-codec.js';
import type { DocumentRef } from '../../lib/events/schemas.js';
import { unitClaimKey, type KeyedClaims } from '../../lib/storage/claim-check.js';
import type { UnitPlan } from './units.js';

/** One stored vector: the content hash of the text and its base64 float32 vector. */
export const UnitVector = z.object({ hash: z.string().regex(/^[0-9a-f]{64}$/), vector: z.string().min(1) });

type Version = Pick<DocumentRef, 'docId' | 'version'>;

export interface UnitVectors {
  /** The unit's vectors by hash, or undefined when they are not (correctly) stored. */
  read(document: Version, plan: UnitPlan, unit: number): Promise<Map<string, Float32Array> | undefined>;
  /** Stores the unit's vectors; `vectors` must hold one for every text of the unit. */
  write(document: Version, plan: UnitPlan, unit: number, vectors: ReadonlyMap<string, Float32Array>): Promise<void>;
}

export function createUnitVectors(claims: KeyedClaims, dimension: number): UnitVectors {
  const keyOf = (document: Version, plan: UnitPlan, unit: number) => unitClaimKey(document.docId, document.version, plan.size, unit);
  return {
    async read(document, plan, unit) {
      const items = await claims.get(keyOf(document, plan, unit), UnitVector);
      if (!items) return undefined;
      const wanted = new Set(plan.unit(unit).map((t) => t.hash));
      if (items.length !== wanted.size) return undefined;
      const vectors = new Map<string, Float32Array>();
      for (const { hash, vector } of items) {
        if (!wanted.has(hash) || vectors.has(hash)) return undefined;
        let decoded: Float32Array;
        try {
          decoded = decodeVector(vector);
        } catch {
          return undefined;
        }
        if (!isVectorOf(dimension, decoded)) return undefined;
        vectors.set(hash, decoded);
      }
      return vectors;
    },
    async write(document, plan, unit, vectors) {
      const items = plan.unit(unit).map(({ hash }) => {
        const vector = vectors.get(hash);
        if (!vector) throw new Error(`no vector for ${hash} of unit ${unit}`);
        return { hash, vector: encodeVector(vector) };
      });
      await claims.put(items, keyOf(document, plan, unit));
    },
  };
}
