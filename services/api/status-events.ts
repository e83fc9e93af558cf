/**
 * The API's event subscriber: turns pipeline events into status records that no stage writes
 * itself (queued, failed), and runs reconcile on request.
 */
import type { CloudEvent } from 'cloudevents';
import { documentId } from '../../lib/documents/identity.js';
import type { ReindexRequestedData } from '../../lib/events/schemas.js';
import { EventType } from '../../lib/events/types.js';
import { InvalidEventError } from '../../lib/runtime/errors.js';
import { parseEventData } from '../../lib/runtime/event-data.js';
import { cycleOf, DEAD_LETTERED, DEFAULT_MAX_CLOCK_SKEW_MS, parseCycleTime, type StatusStore } from '../../lib/status/index.js';

export interface StatusEventDependencies {
  status: Pick<StatusStore, 'record'>;
  defaultBucket: string;
  /** The configured buckets: a status is only ever recorded for one of them. */
  buckets?: readonly string[];
  reconcile(bucket?: string): Promise<unknown>;
  now?: () => Date;
  /** How far ahead of our clock a cycle time may be (STATUS_MAX_CLOCK_SKEW_S). */
  maxClockSkewMs?: number;
  /**
   * The status store of an index generation an event is tagged with (a re-index build);
   * undefined when it no longer takes writes. Unknown generation: InvalidEventError.
   */
  statusFor?(generation: number): Promise<Pick<StatusStore, 'record'> | undefined>;
  /** A live (untagged) object event, copied to every generation being built (services/api/reindex.ts). */
  fanOut?(event: CloudEvent<unknown>, object: { bucket: string; key: string }): Promise<void>;
  /** Starts a re-index (io.sluice.reindex.requested). */
  reindex?(request: ReindexRequestedData): Promise<unknown>;
}

/** The status store a transition of `generation` goes to: the serving one's when untagged. */
async function statusOf(deps: Pick<StatusEventDependencies, 'status' | 'statusFor'>, generation: number | undefined): Promise<Pick<StatusStore, 'record'> | undefined> {
  if (generation === undefined) return deps.status;
  if (!deps.statusFor) throw new InvalidEventError(`generation ${generation}: this API keeps no generations`);
  return deps.statusFor(generation);
}

/** Refuses (400, nothing written) a bucket that is not one of ours. */
function checkBucket(bucket: string, deps: Pick<StatusEventDependencies, 'buckets'>): void {
  if (deps.buckets && !deps.buckets.includes(bucket)) throw new InvalidEventError(`bucket ${JSON.stringify(bucket.slice(0, 80))} is not a configured bucket`);
}

/**
 * The cycle a transition belongs to: `requestedAt` when the event carries one, else the event's
 * time. Either must be a real time no later than now + skew (else 400): a cycle in the future
 * would make every later real transition stale and freeze the record.
 */
function cycleFor(event: CloudEvent<unknown>, requestedAt: unknown, deps: Pick<StatusEventDependencies, 'now' | 'maxClockSkewMs'>): string {
  const now = deps.now ?? (() => new Date());
  const skew = deps.maxClockSkewMs ?? DEFAULT_MAX_CLOCK_SKEW_MS;
  return requestedAt === undefined
    ? parseCycleTime(cycleOf(event, now), 'time', { now, maxSkewMs: skew })
    : parseCycleTime(requestedAt, 'requestedAt', { now, maxSkewMs: skew });
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
      checkBucket(bucket, deps);
      const cycle = cycleFor(event, undefined, deps);
      const generation = 'generation' in data ? data.generation : undefined;
      const status = await statusOf(deps, generation);
      await status?.record({ docId: documentId(bucket, data.key), bucket, key: data.key, status: 'queued', cycle, at, sequence: 'sequence' in data ? data.sequence : undefined });
      // A live change reaches the generation being built too (as its own, tagged, request).
      if (generation === undefined) await deps.fanOut?.(event, { bucket, key: data.key });
      return;
    }
    case EventType.IngestFailed: {
      const data = parseEventData(event, EventType.IngestFailed);
      checkBucket(data.bucket, deps);
      const cycle = cycleFor(event, data.requestedAt, deps);
      const status = await statusOf(deps, data.generation);
      await status?.record({
        docId: documentId(data.bucket, data.key),
        bucket: data.bucket,
        key: data.key,
        status: 'failed',
        cycle,
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
    case EventType.ReindexRequested: {
      const data = parseEventData(event, EventType.ReindexRequested);
      if (!deps.reindex) throw new InvalidEventError('this API does not build index generations');
      await deps.reindex(data);
      return;
    }
    case EventType.ReconcileScheduled:
      // The cluster's schedule (eventing/reconcile-schedule.yaml): every bucket, whatever the data says.
      await deps.reconcile();
      return;
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
export async function recordDeadLetter(
  event: CloudEvent<unknown>,
  deps: Pick<StatusEventDependencies, 'status' | 'statusFor' | 'defaultBucket' | 'buckets' | 'now' | 'maxClockSkewMs'>,
): Promise<boolean> {
  if (String(event.knativeerrorcode) === '400') return false;
  const data = (typeof event.data === 'string' ? safeJson(event.data) : event.data) as Record<string, unknown> | undefined;
  const document = (data?.document ?? data) as { bucket?: unknown; key?: unknown; version?: unknown; requestedAt?: unknown } | undefined;
  if (!document || typeof document.key !== 'string') return false;
  const bucket = typeof document.bucket === 'string' ? document.bucket : deps.defaultBucket;
  checkBucket(bucket, deps);
  const cycle = cycleFor(event, document.requestedAt, deps);
  const now = deps.now ?? (() => new Date());
  // The generation the dead-lettered work was for (a re-index build), when the data names a real one.
  const generation = typeof data?.generation === 'number' && Number.isInteger(data.generation) && data.generation > 0 ? data.generation : undefined;
  const status = await statusOf(deps, generation);
  if (!status) return false;
  await status.record({
    docId: documentId(bucket, document.key),
    bucket,
    key: document.key,
    status: 'failed',
    cycle,
    at: now().toISOString(),
    version: typeof document.version === 'string' ? document.version : undefined,
    reason: DEAD_LETTERED,
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
