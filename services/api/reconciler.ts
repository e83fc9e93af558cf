/**
 * Reconcile as a job: every configured bucket (reconcile.ts), then the sweeps that keep the
 * pipeline bucket bounded (claim-check objects past their age, dead letters past TTL or cap).
 * Run on request (`POST /reconcile`, `io.sluice.reconcile.requested`) and on a schedule: a timer
 * here locally (RECONCILE_INTERVAL_S), a PingSource sending `reconcile.requested` in the cluster
 * (eventing/reconcile-schedule.yaml). Runs never overlap: a request during a run waits for it; a timer tick during one is skipped.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { CloudEvent } from 'cloudevents';
import type { Logger } from '../../lib/log.js';
import { InvalidEventError } from '../../lib/runtime/errors.js';
import type { HealPolicy, StatusStore } from '../../lib/status/index.js';
import { sweepClaims } from '../../lib/storage/claim-check.js';
import type { VectorStore } from '../../lib/vector-store/qdrant.js';
import type { DeadLetterStore } from './dead-letters.js';
import { reconcileBucket, type ReconcileReport } from './reconcile.js';

export interface ReconcilerOptions {
  s3: S3Client;
  status: Pick<StatusStore, 'list' | 'record'>;
  index: Pick<VectorStore, 'documentKeys'>;
  publish(event: CloudEvent<unknown>): Promise<void>;
  buckets: readonly string[];
  log: Logger;
  /** Where claim-check objects live; no sweep without it. */
  pipelineBucket?: string;
  /** Claims older than this are deleted (CLAIM_MAX_AGE_HOURS). */
  claimMaxAgeMs?: number;
  deadLetters?: Pick<DeadLetterStore, 'prune'>;
  heal?: HealPolicy;
  now?: () => Date;
}

export interface Reconciler {
  /** One bucket (must be configured) or all of them. */
  run(bucket?: string): Promise<ReconcileReport[]>;
  /** Runs every `intervalMs` until the returned stop is called; 0 = never. */
  schedule(intervalMs: number): () => void;
}

export function createReconciler(options: ReconcilerOptions): Reconciler {
  const { buckets, log } = options;
  let running: Promise<ReconcileReport[]> | undefined;

  const sweep = async () => {
    if (options.pipelineBucket && options.claimMaxAgeMs !== undefined) {
      const claims = await sweepClaims(options.s3, options.pipelineBucket, options.claimMaxAgeMs, (options.now ?? (() => new Date()))());
      if (claims > 0) log.info({ claims }, 'old claim-check objects deleted');
    }
    const letters = await options.deadLetters?.prune?.();
    if (letters && letters.deleted > 0) log.info(letters, 'expired or over-cap dead letters deleted');
  };

  const runAll = async (wanted: readonly string[]) => {
    const reports: ReconcileReport[] = [];
    for (const b of wanted) {
      const report = await reconcileBucket(
        { s3: options.s3, status: options.status, index: options.index, publish: options.publish, ...(options.heal ? { heal: options.heal } : {}), ...(options.now ? { now: options.now } : {}) },
        b,
      );
      log.info({ bucket: b, requested: report.requested.length, healed: report.healed.length, deleted: report.deleted.length, inSync: report.inSync }, 'reconciled');
      reports.push(report);
    }
    await sweep();
    return reports;
  };

  const run = async (bucket?: string) => {
    if (bucket !== undefined && !buckets.includes(bucket)) throw new InvalidEventError(`bucket ${bucket} is not a configured bucket`);
    const wanted = bucket ? [bucket] : buckets;
    // One run at a time: a request during a run starts after it (it may see what that run changed).
    while (running) await running.catch(() => undefined);
    running = runAll(wanted).finally(() => {
      running = undefined;
    });
    return running;
  };

  return {
    run,
    schedule(intervalMs) {
      if (intervalMs <= 0) return () => undefined;
      const timer = setInterval(() => {
        if (running) return; // the previous run is still going: skip this tick
        run().catch((err: unknown) => log.warn({ err }, 'scheduled reconcile failed; next try at the next tick'));
      }, intervalMs);
      timer.unref();
      return () => clearInterval(timer);
    },
  };
}
