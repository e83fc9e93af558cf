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
  /** The schedule and the last run, whoever asked for it (the console's pipeline view). */
  state(): ReconcileState;
}

export interface ReconcileState {
  /** The timer's interval; 0 when this process runs none (in the cluster a PingSource asks). */
  intervalMs: number;
  running: boolean;
  lastRun?: {
    startedAt: string;
    finishedAt: string;
    /** Summed over the buckets of that run. */
    requested: number;
    deleted: number;
    healed: number;
    inSync: number;
    error?: string;
  };
  /** When the timer fires next, if it runs. */
  nextRunAt?: string;
}

export function createReconciler(options: ReconcilerOptions): Reconciler {
  const { buckets, log } = options;
  const clock = options.now ?? (() => new Date());
  let running: Promise<ReconcileReport[]> | undefined;
  let intervalMs = 0;
  let scheduledAt = 0;
  let lastRun: ReconcileState['lastRun'];

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
    const startedAt = clock().toISOString();
    running = runAll(wanted)
      .then(
        (reports) => {
          const sum = (pick: (r: ReconcileReport) => number) => reports.reduce((n, r) => n + pick(r), 0);
          lastRun = { startedAt, finishedAt: clock().toISOString(), requested: sum((r) => r.requested.length), deleted: sum((r) => r.deleted.length), healed: sum((r) => r.healed.length), inSync: sum((r) => r.inSync) };
          return reports;
        },
        (err: unknown) => {
          lastRun = { startedAt, finishedAt: clock().toISOString(), requested: 0, deleted: 0, healed: 0, inSync: 0, error: err instanceof Error ? err.message : String(err) };
          throw err;
        },
      )
      .finally(() => {
        running = undefined;
      });
    return running;
  };

  return {
    run,
    schedule(every) {
      if (every <= 0) return () => undefined;
      intervalMs = every;
      scheduledAt = clock().getTime();
      const timer = setInterval(() => {
        if (running) return; // the previous run is still going: skip this tick
        run().catch((err: unknown) => log.warn({ err }, 'scheduled reconcile failed; next try at the next tick'));
      }, every);
      timer.unref();
      return () => {
        clearInterval(timer);
        intervalMs = 0;
      };
    },
    state() {
      const now = clock().getTime();
      const nextRunAt = intervalMs > 0 ? new Date(scheduledAt + Math.ceil((now - scheduledAt + 1) / intervalMs) * intervalMs).toISOString() : undefined;
      return { intervalMs, running: running !== undefined, ...(lastRun ? { lastRun } : {}), ...(nextRunAt ? { nextRunAt } : {}) };
    },
  };
}
