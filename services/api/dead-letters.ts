/**
 * Durable dead letters: every event the broker gave up on is kept as one JSON object in the
 * pipeline bucket (`dead-letters/<received>-<event id>.json`), so an operator can inspect it
 * and, once the cause is fixed, replay it (publish the original event again, then forget it).
 * S3 rather than a queue: the letters survive restarts, cost nothing while idle, and any S3 tool
 * can read them.
 */
import { DeleteObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { CloudEvent } from 'cloudevents';
import { z } from 'zod';
import { getJson, ObjectNotFoundError, putJson } from '../../lib/storage/s3.js';

export const DEAD_LETTER_PREFIX = 'dead-letters/';

/** The extensions Knative adds to a dead-lettered event; stripped again on replay. */
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

/** The original event, as it was before the broker added its error extensions. */
export function originalEvent(letter: StoredDeadLetter): CloudEvent<unknown> {
  const attributes: Record<string, unknown> = { ...letter.event };
  for (const name of ERROR_EXTENSIONS) delete attributes[name];
  return new CloudEvent<unknown>(attributes as ConstructorParameters<typeof CloudEvent<unknown>>[0]);
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
}

export function createDeadLetterStore(s3: S3Client, bucket: string): DeadLetterStore {
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
  return {
    async add(event, receivedAt = new Date()) {
      const letter = toStoredDeadLetter(event, receivedAt);
      await putJson(s3, bucket, keyOf(letter.id), letter);
      return letter;
    },
    async list() {
      const ids: string[] = [];
      let token: string | undefined;
      do {
        const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: DEAD_LETTER_PREFIX, ...(token ? { ContinuationToken: token } : {}) }));
        for (const object of page.Contents ?? []) {
          const id = object.Key?.slice(DEAD_LETTER_PREFIX.length).replace(/\.json$/, '');
          if (id && isDeadLetterId(id)) ids.push(id);
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      const letters: StoredDeadLetter[] = [];
      for (const id of ids.sort()) {
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
    },
  };
}

export interface ReplayResult {
  replayed: string[];
  failed: { id: string; error: string }[];
}

/**
 * Publishes each letter's original event to the broker again and removes the letter once the
 * broker has accepted it (202): a letter is never lost, at worst replayed twice.
 */
export async function replayDeadLetters(
  store: DeadLetterStore,
  publish: (event: CloudEvent<unknown>) => Promise<void>,
  ids: readonly string[],
): Promise<ReplayResult> {
  const result: ReplayResult = { replayed: [], failed: [] };
  for (const id of ids) {
    try {
      const letter = await store.get(id);
      await publish(originalEvent(letter));
      await store.remove(id);
      result.replayed.push(id);
    } catch (err) {
      if (err instanceof DeadLetterNotFoundError && ids.length === 1) throw err;
      result.failed.push({ id, error: err instanceof Error ? err.message : String(err) });
    }
  }
  return result;
}
