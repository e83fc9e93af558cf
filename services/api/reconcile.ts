/**
 * Reconcile: the safety net for events lost outside our control. Compares each bucket's listing
 * with the status records and with the keys that have points in the index, and repairs both
 * directions through the normal pipeline: objects missing from the index or indexed at another
 * version get an ingest request; documents whose object is gone get a deletion event, including
 * orphan points that no status record knows about (written before status records existed, or
 * whose record was lost).
 */
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { CloudEvent } from 'cloudevents';
import { normaliseEtag } from '../../lib/documents/identity.js';
import { EventSource, EventType } from '../../lib/events/types.js';
import type { StatusRecord, StatusStore } from '../../lib/status/index.js';
import type { VectorStore } from '../../lib/vector-store/qdrant.js';

export interface ReconcileReport {
  bucket: string;
  objects: number;
  requested: string[];
  deleted: string[];
  inSync: number;
}

export interface ReconcileDependencies {
  s3: S3Client;
  status: Pick<StatusStore, 'list'>;
  index: Pick<VectorStore, 'documentKeys'>;
  publish(event: CloudEvent<unknown>): Promise<void>;
  /** In-progress records younger than this are left alone: their events are still flowing. */
  graceMs?: number;
  now?: () => Date;
}

export async function reconcileBucket(deps: ReconcileDependencies, bucket: string): Promise<ReconcileReport> {
  const now = deps.now ?? (() => new Date());
  const grace = deps.graceMs ?? 10 * 60_000;
  const objects = await listObjects(deps.s3, bucket);
  const records = new Map<string, StatusRecord>();
  for (const record of await deps.status.list()) if (record.bucket === bucket) records.set(record.key, record);

  const indexedKeys = await deps.index.documentKeys(bucket);

  const report: ReconcileReport = { bucket, objects: objects.size, requested: [], deleted: [], inSync: 0 };
  for (const [key, etag] of objects) {
    const record = records.get(key);
    // A record that says indexed is only believed if the index holds points of the object.
    const settled =
      record && (record.status === 'indexed' || record.status === 'unchanged') && record.version === etag && (record.chunk_count === 0 || indexedKeys.has(key));
    const busy = record && !['indexed', 'unchanged', 'failed', 'deleted'].includes(record.status) && now().getTime() - Date.parse(record.updated_at) < grace;
    const failedSameVersion = record?.status === 'failed' && record.version === etag;
    if (settled || busy || failedSameVersion) {
      report.inSync++;
      continue;
    }
    await deps.publish(new CloudEvent({ type: EventType.IngestRequested, source: EventSource.api, subject: key, datacontenttype: 'application/json', data: { bucket, key } }));
    report.requested.push(key);
  }
  // Gone from the bucket: documents whose record is not `deleted` yet, and any key that still
  // has points, with or without a record.
  const gone = new Set<string>();
  for (const [key, record] of records) if (!objects.has(key) && record.status !== 'deleted') gone.add(key);
  for (const key of indexedKeys) if (!objects.has(key)) gone.add(key);
  for (const key of [...gone].sort()) {
    await deps.publish(new CloudEvent({ type: EventType.ObjectDeleted, source: EventSource.api, subject: key, datacontenttype: 'application/json', data: { bucket, key } }));
    report.deleted.push(key);
  }
  return report;
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
