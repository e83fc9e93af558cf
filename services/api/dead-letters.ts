/**
 * Durable dead letters: every event the broker gave up on is kept as one JSON object in the
 * pipeline bucket (`dead-letters/<received>-<event id>.json`), so an operator can inspect it
 * and, once the cause is fixed, replay it. S3 rather than a queue: the letters survive
 * restarts, cost nothing while idle, and any S3 tool can read them.
 *
 * A letter is evidence, never an order: it is validated on receipt (dead-letter-check.ts), the
 * store is bounded (TTL, count cap), and a replay never publishes the stored event: it asks
 * for the document again (`ingest.requested`, or `object.deleted` for a deletion), so a planted
 * letter cannot make the API publish anything it would not send on its own.
 */
import { DeleteObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { CloudEvent } from 'cloudevents';
import { z } from 'zod';
import { getJson, ObjectNotFoundError, putJson } from '../../lib/storage/s3.js';
import { replayRequestFor } from './dead-letter-check.js';

export const DEAD_LETTER_PREFIX = 'dead-letters/';

/** The extensions Knative adds to a dead-lettered event. */
export const ERROR_EXTENSIONS = ['knativeerrordest', 'knativeerrorcode', 'knativeerrordata'] as const;

/** A store id: only characters that are safe in an object key and a URL path segment. */
const ID_PATTERN = /^[A-Za-z0-9._-]{1,200}$/;

const StoredDeadLetter = z.object({
  id: z.string().regex(ID_PATTERN),
  receivedAt: z.string(),
  /** The CloudEvent as received (structured JSON form, extensions included). */
  event: z.record(z.string(), z.unknown()).and(z.object({ id: z.string(), type: z.string(), source: z.string() })),
});
export type StoredDeadLetter = z.infer<typeof StoredDeadLetter>;

/** What `GET /dead-letters` and `sluice dlq list` show for each letter. */
export interface DeadLetterSummary {
  id: string;
  receivedAt: string;
  eventId: string;
  type: string;
  source: string;
  subject?: string;
  /** Where the broker last tried to deliver it, and what it answered. */
  errorDest?: string;
  errorCode?: string;
  /** The subscriber's last response body, when the broker kept it (decoded from base64). */
  errorData?: string;
}

export class DeadLetterNotFoundError extends Error {
  override readonly name = 'DeadLetterNotFoundError';
}

/** `20261128T151002123Z-<event id>`: sorts by receive time; unique enough with the event id. */
export function deadLetterId(eventId: string, receivedAt: Date): string {
  const stamp = receivedAt.toISOString().replace(/[-:]/g, '').replace('.', '');
  const safeEventId = eventId.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 120);
  return `${stamp}-${safeEventId || 'event'}`;
}

export function isDeadLetterId(id: string): boolean {
  return ID_PATTERN.test(id) && id !== '.' && id !== '..';
}

export function toStoredDeadLetter(event: CloudEvent<unknown>, receivedAt: Date): StoredDeadLetter {
  return { id: deadLetterId(event.id, receivedAt), receivedAt: receivedAt.toISOString(), event: event.toJSON() as StoredDeadLetter['event'] };
}

export function summarise(letter: StoredDeadLetter): DeadLetterSummary {
  const e = letter.event;
  const text = (name: string) => (typeof e[name] === 'string' || typeof e[name] === 'number' ? String(e[name]) : undefined);
  const errorData = text('knativeerrordata');
  return {
    id: letter.id,
    receivedAt: letter.receivedAt,
    eventId: e.id,
    type: e.type,
    source: e.source,
    ...(text('subject') !== undefined ? { subject: text('subject') } : {}),
    ...(text('knativeerrordest') !== undefined ? { errorDest: text('knativeerrordest') } : {}),
    ...(text('knativeerrorcode') !== undefined ? { errorCode: text('knativeerrorcode') } : {}),
    ...(errorData !== undefined ? { errorData: decodeErrorData(errorData) } : {}),
  };
}

/** Knative puts the response body base64-encoded into knativeerrordata. */
function decodeErrorData(value: string): string {
  const decoded = Buffer.from(value, 'base64');
  return decoded.length > 0 && decoded.toString('base64').replace(/=+$/, '') === value.replace(/=+$/, '') ? decoded.toString('utf8') : value;
}

export interface DeadLetterStore {
  add(event: CloudEvent<unknown>, receivedAt?: Date): Promise<StoredDeadLetter>;
  list(): Promise<StoredDeadLetter[]>;
  get(id: string): Promise<StoredDeadLetter>;
  remove(id: string): Promise<void>;
  /** Deletes letters past the TTL and the oldest beyond the cap; returns what is left. */
  prune?(): Promise<{ deleted: number; stored: number }>;
  /** Letters stored, as of the last add or prune (undefined before the first count). */
  stored?(): number | undefined;
}

export interface DeadLetterLimits {
  /** At most this many letters are kept; the oldest are evicted (DEAD_LETTER_MAX_COUNT). */
  maxCount: number;
  /** Letters older than this are deleted (DEAD_LETTER_TTL_HOURS). */
  ttlMs: number;
  /** Between two adds, the store is listed again at most this often (default 60 s). */
  pruneIntervalMs?: number;
  now?: () => Date;
}

const UNBOUNDED: DeadLetterLimits = { maxCount: Number.MAX_SAFE_INTEGER, ttlMs: Number.MAX_SAFE_INTEGER };

export function createDeadLetterStore(s3: S3Client, bucket: string, limits: DeadLetterLimits = UNBOUNDED): DeadLetterStore {
  const now = limits.now ?? (() => new Date());
  const pruneInterval = limits.pruneIntervalMs ?? 60_000;
  let stored: number | undefined;
  let lastPrune = 0;
  let pruning: Promise<{ deleted: number; stored: number }> | undefined;
  const keyOf = (id: string) => {
    if (!isDeadLetterId(id)) throw new DeadLetterNotFoundError(`no dead letter ${JSON.stringify(id)}`);
    return `${DEAD_LETTER_PREFIX}${id}.json`;
  };
  const get = async (id: string) => {
    try {
      return StoredDeadLetter.parse(await getJson(s3, bucket, keyOf(id)));
    } catch (err) {
      if (err instanceof ObjectNotFoundError) throw new DeadLetterNotFoundError(`no dead letter ${id}`);
      throw err;
    }
  };
  const listKeys = async () => {
    const objects: { id: string; lastModified: Date | undefined }[] = [];
    let token: string | undefined;
    do {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: DEAD_LETTER_PREFIX, ...(token ? { ContinuationToken: token } : {}) }));
      for (const object of page.Contents ?? []) {
        const id = object.Key?.slice(DEAD_LETTER_PREFIX.length).replace(/\.json$/, '');
        if (id && isDeadLetterId(id)) objects.push({ id, lastModified: object.LastModified });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    // Ids start with the receive time: sorted, oldest first.
    return objects.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  };

  const prune = () =>
    (pruning ??= (async () => {
      const objects = await listKeys();
      const expired = now().getTime() - limits.ttlMs;
      const doomed = new Set(objects.filter((o) => o.lastModified && o.lastModified.getTime() < expired).map((o) => o.id));
      const left = objects.filter((o) => !doomed.has(o.id));
      for (const o of left.slice(0, Math.max(0, left.length - limits.maxCount))) doomed.add(o.id);
      for (const id of doomed) await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: keyOf(id) }));
      stored = objects.length - doomed.size;
      lastPrune = now().getTime();
      return { deleted: doomed.size, stored };
    })().finally(() => {
      pruning = undefined;
    }));

  return {
    async add(event, receivedAt = new Date()) {
      const letter = toStoredDeadLetter(event, receivedAt);
      await putJson(s3, bucket, keyOf(letter.id), letter);
      if (stored !== undefined) stored++;
      // Stored first (the broker saw it accepted), bounded after: an over-cap store evicts its oldest.
      if (stored === undefined || stored > limits.maxCount || now().getTime() - lastPrune > pruneInterval) await prune();
      return letter;
    },
    prune,
    stored: () => stored,
    async list() {
      const ids = (await listKeys()).map((o) => o.id);
      stored = ids.length;
      const letters: StoredDeadLetter[] = [];
      for (const id of ids) {
        // A letter replayed (removed) between listing and reading is simply gone.
        const letter = await get(id).catch((err: unknown) => {
          if (err instanceof DeadLetterNotFoundError) return undefined;
          throw err;
        });
        if (letter) letters.push(letter);
      }
      return letters;
    },
    get,
    async remove(id) {
      await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: keyOf(id) }));
      if (stored !== undefined && stored > 0) stored--;
    },
  };
}

export interface ReplayResult {
  replayed: string[];
  /** Letters that name no document of ours to ask for again: removed, nothing published. */
  discarded?: { id: string; reason: string }[];
  failed: { id: string; error: string }[];
}

/**
 * Replays letters: for each, asks for its document again (replayRequestFor: an
 * `ingest.requested` for its bucket/key, `object.deleted` for a deletion) and removes the
 * letter once the broker has accepted that (202): a letter is never lost, at worst its
 * document is requested twice. The stored event itself is never published.
 */
export async function replayDeadLetters(
  store: DeadLetterStore,
  publish: (event: CloudEvent<unknown>) => Promise<void>,
  ids: readonly string[],
  buckets: readonly string[],
): Promise<ReplayResult> {
  const result: Required<ReplayResult> = { replayed: [], discarded: [], failed: [] };
  for (const id of ids) {
    try {
      const letter = await store.get(id);
      const request = replayRequestFor(letter.event, buckets);
      if ('reason' in request) {
        await store.remove(id);
        result.discarded.push({ id, reason: request.reason });
        continue;
      }
      await publish(request.event);
      await store.remove(id);
      result.replayed.push(id);
    } catch (err) {
      if (err instanceof DeadLetterNotFoundError && ids.length === 1) throw err;
      result.failed.push({ id, error: err instanceof Error ? err.message : String(err) });
    }
  }
  return result;
}
