/**
 * Re-indexing into a new generation (docs/generations.md): `sluice reindex`, `POST /reindex`
 * and `io.sluice.reindex.requested` start it here, in the API, which is the record's one writer.
 *
 * A build is: generation N+1 added to the record in `building` with its settings and its
 * collection created; every object of every bucket asked for again through the normal
 * pipeline, tagged with N+1 (so retries, dead letters, status and metrics work as usual); live
 * object events copied to N+1 meanwhile (fanOut); then, every few seconds, the progress read
 * from N+1's status records, and once they say done, the generation verified against the
 * bucket (reindex-verify.ts). What is missing is asked for again; when nothing is, the alias
 * swaps in one Qdrant request and the record follows.
 *
 * Every step is driven by state that survives a crash: the record (building, listed or not),
 * the alias (the swap's commit point: a record that lags it is caught up at start), the status
 * records. A restarted API resumes the build where those say it was.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { CloudEvent } from 'cloudevents';
import { createEvent } from '../../lib/events/create-event.js';
import { EventSource, EventType } from '../../lib/events/types.js';
import {
  aliasTarget,
  beginBuild,
  buildingGeneration,
  cancelBuild,
  completeSwap,
  createGenerationCollection,
  fanOutTargets,
  pointAlias,
  previousGeneration,
  prune,
  rollbackTarget,
  servingGeneration,
  updateBuild,
  type Generation,
  type GenerationSettings,
  type Generations,
  type SettingsChange,
} from '../../lib/generations/index.js';
import type { Logger } from '../../lib/log.js';
import { cycleOf } from '../../lib/status/index.js';
import { listObjects } from './reconcile.js';
import { verifyGeneration, type Verification } from './reindex-verify.js';

export interface ReindexOptions {
  generations: Generations;
  s3: S3Client;
  buckets: readonly string[];
  publish(event: CloudEvent<unknown>): Promise<void>;
  log: Logger;
  /** The new generation's settings: the serving one's with `change` applied (a model file named and hashed). */
  settingsFor(serving: GenerationSettings, change: SettingsChange): Promise<GenerationSettings>;
  /** Runs reconcile of the serving generation (after a rollback, to catch up what changed since the swap). */
  reconcile?(): Promise<unknown>;
  /** How often a running build checks its progress (default 3 s). */
  tickMs?: number;
  /** A missing document is asked for again at most this often (default 60 s). */
  redriveMs?: number;
  now?: () => Date;
}

export interface BuildProgressReport {
  done: number;
  total: number;
  failed: number;
  inFlight: number;
  /** Documents finished per second since the build started. */
  rate?: number;
  etaSeconds?: number;
  verification?: Pick<Verification, 'objects' | 'complete' | 'busy'> & { at: string; missing: number; missingKeys: string[]; orphans: number; failed: string[] };
}

export interface ReindexStatus {
  alias: string;
  /** The collection the alias names in Qdrant right now. */
  aliasTarget?: string;
  serving: Generation;
  building?: Generation & { progress: BuildProgressReport };
  previous?: Generation;
  generations: Generation[];
}

export interface Reindexer {
  start(change: SettingsChange): Promise<ReindexStatus>;
  status(): Promise<ReindexStatus>;
  cancel(): Promise<ReindexStatus>;
  rollback(): Promise<ReindexStatus>;
  prune(): Promise<{ dropped: number[] }>;
  /** A live object event (untagged): the same request, tagged, for each generation being built. */
  fanOut(event: CloudEvent<unknown>, object: { bucket: string; key: string }): Promise<void>;
  /** At start: the record caught up with the alias, an unfinished build resumed. */
  resume(): Promise<void>;
  /** One progress check of the running build (the timer calls it; tests call it directly). */
  tick(): Promise<void>;
  stop(): void;
}

const PUBLISH_CONCURRENCY = 8;

export function createReindexer(options: ReindexOptions): Reindexer {
  const { generations, log } = options;
  const now = options.now ?? (() => new Date());
  const tickMs = options.tickMs ?? 3_000;
  const redriveMs = options.redriveMs ?? 60_000;
  const records = generations.records;
  const redriven = new Map<string, number>();
  const lastVerification = new Map<number, Verification & { at: number }>();
  // While the counts say "not done", verify anyway this often: a request lost without a trace
  // (a record left `queued`) would otherwise hold the build forever.
  const verifyEveryMs = Math.max(30_000, tickMs * 10);
  let timer: NodeJS.Timeout | undefined;
  let ticking: Promise<void> | undefined;

  const ingestFor = (generation: number, bucket: string, key: string, time?: string) =>
    createEvent(EventType.IngestRequested, EventSource.api, key, { bucket, key, generation }, time ? { time } : {});

  const publishAll = async (events: CloudEvent<unknown>[]) => {
    for (let i = 0; i < events.length; i += PUBLISH_CONCURRENCY) await Promise.all(events.slice(i, i + PUBLISH_CONCURRENCY).map((e) => options.publish(e)));
  };

  const dropCollections = async (dropped: readonly Generation[]) => {
    for (const g of dropped) {
      for (const name of [g.collection, g.statusCollection]) {
        await generations.client.deleteCollection(name).catch((err: unknown) => log.warn({ err, collection: name }, 'dropping a generation collection failed; prune retries it'));
      }
    }
  };

  /** Asks for every object again, tagged with the generation; records how many there were. */
  const requestAll = async (generation: Generation) => {
    let total = 0;
    for (const bucket of options.buckets) {
      const objects = await listObjects(options.s3, bucket);
      total += objects.size;
      await publishAll([...objects.keys()].map((key) => ingestFor(generation.id, bucket, key)));
    }
    await records.update((r) => ({ record: updateBuild(r, generation.id, { total, requestedAt: now().toISOString() }, now()), result: undefined }));
    log.info({ generation: generation.id, objects: total }, 'every object requested for the new generation');
  };

  const swapTo = async (generation: Generation) => {
    // The commit point: one aliases request. The record follows (and is caught up at start if we die here).
    await pointAlias(generations.client, generations.alias, generation.collection);
    const dropped = await records.update((r) => {
      const swapped = completeSwap(r, generation.id, now());
      return { record: swapped.record, result: swapped.dropped };
    });
    await dropCollections(dropped);
    log.info({ alias: generations.alias, generation: generation.id, collection: generation.collection }, 'alias swapped to the new generation');
  };

  const progressOf = async (generation: Generation): Promise<BuildProgressReport> => {
    const counts = await generations.status(generation).counts();
    // Deleted counts as done: an object listed at the start and deleted since is finished with.
    const done = counts.indexed + counts.unchanged + counts.failed + counts.deleted;
    const total = Math.max(generation.build?.total ?? 0, done);
    const elapsed = (now().getTime() - Date.parse(generation.build?.startedAt ?? generation.createdAt)) / 1000;
    const rate = elapsed > 0 && done > 0 ? done / elapsed : undefined;
    const verification = lastVerification.get(generation.id);
    return {
      done,
      total,
      failed: counts.failed,
      inFlight: counts.queued + counts.splitting + counts.embedding + counts.indexing,
      ...(rate !== undefined ? { rate: Math.round(rate * 100) / 100, etaSeconds: Math.max(0, Math.round((total - done) / rate)) } : {}),
      ...(verification
        ? {
            verification: {
              at: new Date(verification.at).toISOString(),
              missingKeys: verification.missing.slice(0, 10).map((o) => `${o.bucket}/${o.key}`),
              objects: verification.objects,
              complete: verification.complete,
              busy: verification.busy,
              missing: verification.missing.length,
              orphans: verification.orphans.length,
              failed: verification.failed.map((f) => `${f.bucket}/${f.key}: ${f.reason}`),
            },
          }
        : {}),
    };
  };

  const checkBuild = async () => {
    const record = await records.read({ fresh: true });
    const generation = buildingGeneration(record);
    if (!generation) return stopTimer();
    if (generation.build?.requestedAt === undefined) return requestAll(generation);
    const progress = await progressOf(generation);
    const settled = progress.inFlight === 0 && progress.done >= (generation.build.total ?? 0);
    const verifiedAt = lastVerification.get(generation.id)?.at ?? Date.parse(generation.build.requestedAt);
    if (!settled && now().getTime() - verifiedAt < verifyEveryMs) return;
    const found = await verifyGeneration({
      s3: options.s3,
      buckets: options.buckets,
      points: generations.vectors(generation),
      status: generations.status(generation),
      servingStatus: generations.status(servingGeneration(record)),
      now,
    });
    const verification = { ...found, at: now().getTime() };
    lastVerification.set(generation.id, verification);
    await records.update((r) => ({ record: updateBuild(r, generation.id, { verifiedAt: now().toISOString(), missing: verification.missing.length + verification.orphans.length }, now()), result: undefined }));
    if (verification.missing.length === 0 && verification.orphans.length === 0 && verification.busy === 0) {
      if (verification.failed.length > 0) {
        log.warn({ generation: generation.id, failed: verification.failed.length }, 'the new generation failed documents the serving one holds; not swapping (cancel it, or fix and re-request them)');
        return;
      }
      return swapTo(generation);
    }
    const at = now().getTime();
    const due = verification.missing.filter((o) => at - (redriven.get(`${o.bucket}/${o.key}`) ?? 0) >= redriveMs);
    for (const o of due) redriven.set(`${o.bucket}/${o.key}`, at);
    await publishAll(due.map((o) => ingestFor(generation.id, o.bucket, o.key)));
    // Gone from the bucket: the deletion path removes the points from every kept generation.
    await publishAll(verification.orphans.map((o) => createEvent(EventType.ObjectDeleted, EventSource.api, o.key, { bucket: o.bucket, key: o.key })));
    if (due.length + verification.orphans.length > 0) log.info({ generation: generation.id, requested: due.length, orphans: verification.orphans.length }, 'new generation incomplete; missing documents requested again');
  };

  const tick = () => {
    ticking ??= checkBuild()
      .catch((err: unknown) => log.warn({ err }, 're-index progress check failed; the next tick retries it'))
      .finally(() => {
        ticking = undefined;
      });
    return ticking;
  };

  const startTimer = () => {
    if (timer || tickMs <= 0) return;
    timer = setInterval(() => void tick(), tickMs);
    timer.unref();
  };
  function stopTimer() {
    if (timer) clearInterval(timer);
    timer = undefined;
  }

  const status = async (): Promise<ReindexStatus> => {
    const record = await generations.record({ fresh: true });
    const building = buildingGeneration(record);
    const previous = previousGeneration(record);
    const target = await aliasTarget(generations.client, generations.alias);
    return {
      alias: generations.alias,
      ...(target ? { aliasTarget: target } : {}),
      serving: servingGeneration(record),
      ...(building ? { building: { ...building, progress: await progressOf(building) } } : {}),
      ...(previous ? { previous } : {}),
      generations: record.generations,
    };
  };

  return {
    async start(change) {
      await generations.ready();
      const serving = servingGeneration(await records.read({ fresh: true }));
      const settings = await options.settingsFor(serving.settings, change);
      const generation = await records.update((r) => {
        const begun = beginBuild(r, settings, now());
        return { record: begun.record, result: begun.generation };
      });
      await createGenerationCollection(generations.client, generation.collection, generation.settings.model.dimension);
      log.info({ generation: generation.id, from: serving.id, settings }, 're-index started');
      startTimer();
      void tick();
      return status();
    },

    status,

    async cancel() {
      const cancelled = await records.update((r) => {
        const result = cancelBuild(r, 'cancelled by request', now());
        return { record: result.record, result: result.cancelled };
      });
      // Late events for it are dropped by the stages (it no longer takes writes); prune drops
      // the collections again in case one re-created them.
      await dropCollections([cancelled]);
      log.info({ generation: cancelled.id }, 're-index cancelled');
      return status();
    },

    async rollback() {
      const target = rollbackTarget(await records.read({ fresh: true }));
      await swapTo(target);
      // Objects changed since the swap reached only the generation that served: reconcile
      // compares the bucket with the restored one's records and asks for what differs.
      void options.reconcile?.().catch((err: unknown) => log.warn({ err }, 'reconcile after rollback failed; the schedule retries it'));
      return status();
    },

    async prune() {
      const dropped = await records.update((r) => {
        const result = prune(r, now());
        return { record: result.record, result: result.dropped };
      });
      await dropCollections(dropped);
      log.info({ dropped: dropped.map((g) => g.id) }, 'generations pruned');
      return { dropped: dropped.map((g) => g.id) };
    },

    async fanOut(event, object) {
      const targets = fanOutTargets(await records.read(), now());
      if (targets.length === 0) return;
      // The copy continues the cycle of the event it copies: it can never outrank a later event for the object.
      const time = cycleOf(event, now);
      await publishAll(targets.map((g) => ingestFor(g.id, object.bucket, object.key, time)));
    },

    async resume() {
      await generations.ready();
      await records.persist();
      const record = await records.read({ fresh: true });
      const target = await aliasTarget(generations.client, generations.alias);
      const named = record.generations.find((g) => g.collection === target);
      if (named && named.state !== 'serving') {
        log.warn({ generation: named.id }, 'the alias was moved but the record was not (a crash mid-swap): catching the record up');
        await swapTo(named);
      }
      if (buildingGeneration(await records.read({ fresh: true }))) {
        log.info('resuming the unfinished re-index');
        startTimer();
      }
    },

    tick,
    stop: stopTimer,
  };
}

