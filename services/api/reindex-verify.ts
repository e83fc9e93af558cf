/**
 * Is a generation being built complete? The bucket is the judge, as everywhere: every current
 * object must be in the generation at its current version, with exactly the points its status
 * record says (no other version's, no extra), and no key gone from the bucket may have points.
 * What is missing is handed back to be asked for again; the alias moves only when nothing is.
 *
 * A document the new generation failed while the serving one holds it (a limit the new
 * chunking breaks, say) blocks the swap: swapping would make it unsearchable. A document both
 * generations failed is complete (the same bytes, the same verdict).
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { documentId } from '../../lib/documents/identity.js';
import { DEAD_LETTERED, type StatusRecord, type StatusStore } from '../../lib/status/index.js';
import type { VectorStore } from '../../lib/vector-store/qdrant.js';
import { listObjects } from './reconcile.js';

export interface ObjectRef {
  bucket: string;
  key: string;
}

export interface Verification {
  objects: number;
  complete: number;
  /** Current objects the generation lacks at their version, or holds other points of. */
  missing: ObjectRef[];
  /** Not complete yet, but their records moved recently: their events are still flowing. */
  busy: number;
  /** Failed in the new generation while the serving one holds them. */
  failed: (ObjectRef & { reason: string })[];
  /** Keys with points in the generation that the bucket no longer has. */
  orphans: ObjectRef[];
}

export interface VerifyDependencies {
  s3: S3Client;
  buckets: readonly string[];
  /** The generation being built. */
  points: Pick<VectorStore, 'countDocumentPoints' | 'documentKeys'>;
  status: Pick<StatusStore, 'list'>;
  /** The serving generation's status (what a failure in the new one is compared with). */
  servingStatus: Pick<StatusStore, 'get'>;
  /** In-progress records younger than this are busy, not missing (default 2 min). */
  graceMs?: number;
  now?: () => Date;
}

const IN_PROGRESS = new Set(['queued', 'splitting', 'embedding', 'indexing']);

export async function verifyGeneration(deps: VerifyDependencies): Promise<Verification> {
  const now = (deps.now ?? (() => new Date()))().getTime();
  const grace = deps.graceMs ?? 120_000;
  const result: Verification = { objects: 0, complete: 0, missing: [], busy: 0, failed: [], orphans: [] };
  for (const bucket of deps.buckets) {
    const objects = await listObjects(deps.s3, bucket);
    const records = new Map<string, StatusRecord>();
    for (const record of await deps.status.list({ bucket })) records.set(record.key, record);
    result.objects += objects.size;
    for (const [key, etag] of objects) {
      const record = records.get(key);
      const verdict = await verifyObject(deps, bucket, key, etag, record);
      if (verdict === 'complete') result.complete++;
      else if (verdict !== 'missing' && verdict.failed) result.failed.push({ bucket, key, reason: verdict.failed });
      else if (record && IN_PROGRESS.has(record.status) && now - Date.parse(record.updated_at) < grace) result.busy++;
      else result.missing.push({ bucket, key });
    }
    for (const key of await deps.points.documentKeys(bucket)) if (!objects.has(key)) result.orphans.push({ bucket, key });
  }
  return result;
}

async function verifyObject(
  deps: VerifyDependencies,
  bucket: string,
  key: string,
  etag: string,
  record: StatusRecord | undefined,
): Promise<'complete' | 'missing' | { failed: string }> {
  if (!record) return 'missing';
  if (record.status === 'failed' && record.version === etag && record.reason !== DEAD_LETTERED) {
    const serving = await deps.servingStatus.get(record.doc_id);
    const servingHolds = serving?.indexed_version === etag && (serving.indexed_chunks ?? 0) > 0;
    return servingHolds ? { failed: record.reason ?? 'failed' } : 'complete';
  }
  if (record.indexed_version !== etag || record.indexed_chunks === undefined) return 'missing';
  const docId = documentId(bucket, key);
  const [atVersion, all] = await Promise.all([deps.points.countDocumentPoints(docId, etag), deps.points.countDocumentPoints(docId)]);
  return atVersion === record.indexed_chunks && all === atVersion ? 'complete' : 'missing';
}
