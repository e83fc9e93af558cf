/**
 * Where the generations record lives: one small JSON object in the pipeline bucket
 * (`generations/<alias>.json`, beside the claims and dead letters), so it survives every
 * process and the Qdrant server alike, and is read by every stage through a short cache.
 *
 * Until the first write there is no object: every reader then sees the record of an install
 * with one generation built with the environment's settings (initialRecord). The API writes it
 * at start, so from then on the settings are the record's, not the environment's.
 *
 * One writer: the API (reindex start, progress, swap, cancel, rollback, prune), its updates
 * serialised in-process. Run one API replica while a build runs (documented in
 * docs/generations.md); stages only read.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { getJson, ObjectNotFoundError, putJson } from '../storage/s3.js';
import { GenerationsRecord, initialRecord, type GenerationSettings } from './record.js';

export interface GenerationRecordStore {
  /** The record, from the cache when it is younger than the TTL (or `fresh` asks otherwise). */
  read(options?: { fresh?: boolean }): Promise<GenerationsRecord>;
  /** Reads the record fresh, applies `change`, writes the result; updates never interleave here. */
  update<T>(change: (record: GenerationsRecord) => Promise<{ record: GenerationsRecord; result: T }> | { record: GenerationsRecord; result: T }): Promise<T>;
  /** Writes the record as it reads now if no object exists yet (pins the environment's settings). */
  persist(): Promise<GenerationsRecord>;
}

export interface GenerationRecordStoreOptions {
  s3: S3Client;
  bucket: string;
  alias: string;
  /** The settings of generation 1 when there is no record yet (from the environment). */
  initialSettings: () => Promise<GenerationSettings>;
  /** How long a read may be served from memory (default 1 s). */
  ttlMs?: number;
  now?: () => Date;
}

export function generationsRecordKey(alias: string): string {
  return `generations/${alias}.json`;
}

const MAX_RECORD_BYTES = 1024 * 1024;

export function createGenerationRecordStore(options: GenerationRecordStoreOptions): GenerationRecordStore {
  const { s3, bucket, alias } = options;
  const key = generationsRecordKey(alias);
  const ttl = options.ttlMs ?? 1000;
  const now = options.now ?? (() => new Date());
  let cache: { record: GenerationsRecord; stored: boolean; at: number } | undefined;
  let updating: Promise<unknown> = Promise.resolve();
  // Computed once: for embed and the API it hashes the model file.
  let initial: Promise<GenerationSettings> | undefined;
  const initialSettings = () => (initial ??= options.initialSettings().catch((err: unknown) => {
    initial = undefined;
    throw err;
  }));

  const load = async (): Promise<{ record: GenerationsRecord; stored: boolean }> => {
    let raw: unknown;
    try {
      raw = await getJson(s3, bucket, key, MAX_RECORD_BYTES);
    } catch (err) {
      if (!(err instanceof ObjectNotFoundError)) throw err;
      return { record: initialRecord(alias, await initialSettings(), now()), stored: false };
    }
    const parsed = GenerationsRecord.safeParse(raw);
    // Written only by us: a record we cannot read is a bug or a hand edit, never to be guessed around.
    if (!parsed.success) throw new Error(`s3://${bucket}/${key} is not a generations record: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    if (parsed.data.alias !== alias) throw new Error(`s3://${bucket}/${key} is the record of ${parsed.data.alias}, not ${alias}`);
    return { record: parsed.data, stored: true };
  };

  const read = async ({ fresh = false } = {}) => {
    if (!fresh && cache && Date.now() - cache.at < ttl) return cache.record;
    const loaded = await load();
    cache = { ...loaded, at: Date.now() };
    return loaded.record;
  };

  const write = async (record: GenerationsRecord) => {
    await putJson(s3, bucket, key, record);
    cache = { record, stored: true, at: Date.now() };
  };

  const serialised = <T>(work: () => Promise<T>): Promise<T> => {
    const next = updating.then(work, work);
    updating = next.catch(() => undefined);
    return next;
  };

  return {
    read,
    update: (change) =>
      serialised(async () => {
        const { record: current } = await load();
        const { record, result } = await change(current);
        if (record !== current) await write(record);
        return result;
      }),
    persist: () =>
      serialised(async () => {
        const loaded = await load();
        if (!loaded.stored) await write(loaded.record);
        return loaded.record;
      }),
  };
}
