/**
 * Reconcile: the safety net for events lost outside our control. Compares each bucket's listing
 * with the status records and with the keys that have points in the index, and repairs both
 * directions through the normal pipeline: objects missing from the index or indexed at another
 * version get an ingest request; documents whose object is gone get a deletion event, including
 * orphan points that no status record knows about (written before status records existed, or
 * whose record was lost).
 *
 * It also heals: a document whose cycle was dead-lettered (an outage longer than the broker's
 * retry budget) is re-requested once its per-document backoff has passed (lib/status/heal.ts),
 * so nobody has to run `sluice dlq replay` after an outage. A document failed for a reason of
 * its own stays failed at that version: trying again cannot help.
 */
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import type { CloudEvent } from 'cloudevents';
import { normaliseEtag } from '../../lib/documents/identity.js';
import { createEvent } from '../../lib/events/create-event.js';
import { EventSource, EventType } from '../../lib/events/types.js';
import { DEFAULT_HEAL_POLICY, needsHealing, nextHealAt, type HealPolicy, type StatusRecord, type StatusStore } from '../../lib/status/index.js';
import { documentId } from '../../lib/documents/identity.js';
import type { VectorStore } from '../../lib/vector-store/qdrant.js';

export interface ReconcileReport {
  bucket: string;
  objects: number;
  requested: string[];
  deleted: string[];
  inSync: number;
  /** Of `requested`: dead-lettered documents re-requested by self-healing. */
  healed: string[];
  /** Dead-lettered documents whose next re-request is not due yet (counted in inSync). */
  healWaiting: number;
}

export interface ReconcileDependencies {
  s3: S3Client;
  status: Pick<StatusStore, 'list' | 'record'>;
  index: Pick<VectorStore, 'documentKeys'>;
  publish(event: CloudEvent<unknown>): Promise<void>;
  /** In-progress records younger than this are left alone: their events are still flowing. */
  graceMs?: number;
  heal?: HealPolicy;
  now?: () => Date;
}

export async function reconcileBucket(deps: ReconcileDependencies, bucket: string): Promise<ReconcileReport> {
  const now = deps.now ?? (() => new Date());
  const grace = deps.graceMs ?? 10 * 60_000;
  const objects = await listObjects(deps.s3, bucket);
  const heal = deps.heal ?? DEFAULT_HEAL_POLICY;
  const records = new Map<string, StatusRecord>();
  for (const record of await deps.status.list({ bucket })) records.set(record.key, record);

  const indexedKeys = await deps.index.documentKeys(bucket);

  const report: ReconcileReport = { bucket, objects: objects.size, requested: [], deleted: [], inSync: 0, healed: [], healWaiting: 0 };
  for (const [key, etag] of objects) {
    const record = records.get(key);
    if (needsHealing(record) && (record.version === undefined || record.version === etag)) {
      if (now() < nextHealAt(record, heal)!) {
        report.healWaiting++;
        report.inSync++;
        continue;
      }
      await healDocument(deps, bucket, key, (record.heal_attempts ?? 0) + 1, now());
      report.requested.push(key);
      report.healed.push(key);
      continue;
    }
    // A record that says indexed is only believed if the index holds points of the object.
    const settled =
      record && (record.status === 'indexed' || record.status === 'unchanged') && record.version === etag && (record.chunk_count === 0 || indexedKeys.has(key));
    const busy = record && !['indexed', 'unchanged', 'failed', 'deleted'].includes(record.status) && now().getTime() - Date.parse(record.updated_at) < grace;
    const failedSameVersion = record?.status === 'failed' && record.version === etag;
    if (settled || busy || failedSameVersion) {
      report.inSync++;
      continue;
    }
    await deps.publish(createEvent(EventType.IngestRequested, EventSource.api, key, { bucket, key }));
    report.requested.push(key);
  }
  // Gone from the bucket: documents whose record is not `deleted` yet, and any key that still
  // has points, with or without a record.
  const gone = new Set<string>();
  for (const [key, record] of records) if (!objects.has(key) && record.status !== 'deleted') gone.add(key);
  for (const key of indexedKeys) if (!objects.has(key)) gone.add(key);
  for (const key of [...gone].sort()) {
    await deps.publish(createEvent(EventType.ObjectDeleted, EventSource.api, key, { bucket, key }));
    report.deleted.push(key);
  }
  return report;
}

/**
 * Re-requests a dead-lettered document: first records the new cycle as `queued` with its heal
 * attempt (so the count survives however the cycle ends), then publishes the ingest request
 * whose time is that cycle. A publish that fails leaves a `queued` record, which the next
 * reconcile re-requests once it is past the grace period.
 */
async function healDocument(deps: ReconcileDependencies, bucket: string, key: string, attempt: number, at: Date): Promise<void> {
  const cycle = at.toISOString();
  await deps.status.record({ docId: documentId(bucket, key), bucket, key, status: 'queued', cycle, at: cycle, healAttempt: attempt });
  await deps.publish(createEvent(EventType.IngestRequested, EventSource.api, key, { bucket, key }, { time: cycle }));
}

async function listObjects(s3: S3Client, bucket: string): Promise<Map<string, string>> {
  const objects = new Map<string, string>();
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
    for (const object of page.Contents ?? []) if (object.Key) objects.set(object.Key, normaliseEtag(object.ETag) ?? '');
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return objects;
}
