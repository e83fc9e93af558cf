/**
 * The API's event subscriber: turns pipeline events into status records that no stage writes
 * itself (queued, failed), and runs reconcile on request.
 */
import type { CloudEvent } from 'cloudevents';
import { documentId } from '../../lib/documents/identity.js';
import { EventType } from '../../lib/events/types.js';
import { InvalidEventError } from '../../lib/runtime/errors.js';
import { parseEventData } from '../../lib/runtime/event-data.js';
import { cycleOf, type StatusStore } from '../../lib/status/index.js';

export interface StatusEventDependencies {
  status: Pick<StatusStore, 'record'>;
  defaultBucket: string;
  reconcile(bucket?: string): Promise<unknown>;
  now?: () => Date;
}

export async function handleStatusEvent(event: CloudEvent<unknown>, deps: StatusEventDependencies): Promise<void> {
  const now = deps.now ?? (() => new Date());
  const at = now().toISOString();
  switch (event.type) {
    case EventType.ObjectCreated:
    case EventType.ObjectUpdated:
    case EventType.IngestRequested: {
      const data = parseEventData(event, event.type as typeof EventType.ObjectCreated | typeof EventType.IngestRequested);
      const bucket = data.bucket ?? deps.defaultBucket;
      await deps.status.record({ docId: documentId(bucket, data.key), bucket, key: data.key, status: 'queued', cycle: cycleOf(event, now), at, sequence: 'sequence' in data ? data.sequence : undefined });
      return;
    }
    case EventType.IngestFailed: {
      const data = parseEventData(event, EventType.IngestFailed);
      await deps.status.record({
        docId: documentId(data.bucket, data.key),
        bucket: data.bucket,
        key: data.key,
        status: 'failed',
        cycle: data.requestedAt ?? cycleOf(event, now),
        at,
        version: data.version,
        reason: data.reason,
        error: `${data.stage}: ${data.message}`,
      });
      return;
    }
    case EventType.ReconcileRequested: {
      const data = parseEventData(event, EventType.ReconcileRequested);
      await deps.reconcile(data.bucket);
      return;
    }
    default:
      throw new InvalidEventError(`the API does not handle events of type ${event.type}`);
  }
}

/**
 * A dead letter (the broker gave up after its retries) is a failure of the document it is
 * about, when it names one: recorded so `sluice status` shows it. Not so an event a function
 * refused as invalid (400): it failed verification, so what it says about a document is not
 * believed (a forged event must not mark its victim failed); it is kept in the list only.
 */
export async function recordDeadLetter(event: CloudEvent<unknown>, deps: Pick<StatusEventDependencies, 'status' | 'defaultBucket' | 'now'>): Promise<boolean> {
  if (String(event.knativeerrorcode) === '400') return false;
  const data = (typeof event.data === 'string' ? safeJson(event.data) : event.data) as Record<string, unknown> | undefined;
  const document = (data?.document ?? data) as { bucket?: unknown; key?: unknown; version?: unknown; requestedAt?: unknown } | undefined;
  if (!document || typeof document.key !== 'string') return false;
  const bucket = typeof document.bucket === 'string' ? document.bucket : deps.defaultBucket;
  const now = deps.now ?? (() => new Date());
  await deps.status.record({
    docId: documentId(bucket, document.key),
    bucket,
    key: document.key,
    status: 'failed',
    cycle: typeof document.requestedAt === 'string' ? document.requestedAt : cycleOf(event, now),
    at: now().toISOString(),
    version: typeof document.version === 'string' ? document.version : undefined,
    reason: 'dead_lettered',
    error: `${event.type} was dead-lettered after the broker's retries (last response ${String(event.knativeerrorcode ?? 'unknown')} from ${String(event.knativeerrordest ?? 'unknown')})`,
  });
  return true;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
