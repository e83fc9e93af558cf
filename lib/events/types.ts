/**
 * The event catalogue: every CloudEvent `type` Sluice produces or consumes, declared once.
 * Producers, consumers, the local broker, tests and manifest validation import these names;
 * nothing else spells an event type as a string literal.
 */
export const EventType = Object.freeze({
  /** An object appeared in a watched bucket (SeaweedFS source). */
  ObjectCreated: 'io.sluice.object.created',
  /** An existing object was overwritten (SeaweedFS source). */
  ObjectUpdated: 'io.sluice.object.updated',
  /** An object was removed from a watched bucket (SeaweedFS source). */
  ObjectDeleted: 'io.sluice.object.deleted',
  /** A user or operator asks to (re)ingest an object already in the bucket. */
  IngestRequested: 'io.sluice.ingest.requested',
  /** split → embed: the chunks of one document version. */
  ChunksReady: 'io.sluice.chunks.ready',
  /**
   * embed → embed: a document version too large for one delivery is embedded one unit of
   * EMBED_UNIT_CHUNKS distinct texts at a time; this cursor names the next unit. It goes back
   * through the broker, so every delivery stays short and a retry resumes at its unit.
   */
  EmbedProgress: 'io.sluice.chunks.embedding',
  /** embed → index: the chunks of one document version with their vectors. */
  VectorsReady: 'io.sluice.vectors.ready',
  /** index: every chunk of the version is searchable and older versions are gone. Terminal. */
  DocumentIndexed: 'io.sluice.document.indexed',
  /** split: the object's current version is already fully indexed; nothing was written. Terminal. */
  DocumentUnchanged: 'io.sluice.document.unchanged',
  /** Ask the API to compare the bucket with the index and repair both directions. */
  ReconcileRequested: 'io.sluice.reconcile.requested',
  /**
   * The cluster's reconcile schedule (eventing/reconcile-schedule.yaml): a PingSource always sends
   * this Knative type (ceOverrides cannot change it); the API reconciles every bucket.
   */
  ReconcileScheduled: 'dev.knative.sources.ping',
  /** index: every point of a deleted object was removed. Terminal. */
  DocumentDeleted: 'io.sluice.document.deleted',
  /** Any stage: the document cannot be processed (bad input, limits). Terminal. */
  IngestFailed: 'io.sluice.ingest.failed',
} as const);

export type EventTypeName = (typeof EventType)[keyof typeof EventType];

export const ALL_EVENT_TYPES: readonly EventTypeName[] = Object.freeze(Object.values(EventType));

/** CloudEvent `source` values, one per producer. */
export const EventSource = Object.freeze({
  seaweedfs: (bucket: string) => `/sluice/seaweedfs/buckets/${bucket}`,
  split: '/sluice/functions/split',
  embed: '/sluice/functions/embed',
  index: '/sluice/functions/index',
  cli: '/sluice/cli',
  api: '/sluice/api',
} as const);

/** Event types that end a document's journey: no Trigger needs to consume them. */
export const TERMINAL_EVENT_TYPES: readonly EventTypeName[] = Object.freeze([
  EventType.DocumentIndexed,
  EventType.DocumentDeleted,
  EventType.DocumentUnchanged,
  EventType.IngestFailed,
]);

