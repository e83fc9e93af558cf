/**
 * SeaweedFS event source: follows the filer's metadata log and posts one CloudEvent per object
 * change in the watched buckets to the sink. In the cluster it runs as a Knative ContainerSource
 * (which injects `K_SINK`); locally `K_SINK` falls back to `BROKER_URL`.
 *
 * Configuration: lib/config/source.ts (the filer, the buckets, the sink, the checkpoint, the
 * source's OIDC identity and tracing).
 *
 * Delivery is at-least-once and in filer order: the checkpoint (filer KV key
 * `sluice/source/<client>/checkpoint`) only moves past an event once the sink accepted it, and
 * event ids are derived from the filer event, so replays repeat ids.
 */
import { randomInt } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { ROOT_CONTEXT } from '@opentelemetry/api';
import { loadSourceConfig, type SourceConfig } from '../../lib/config.js';
import { createLogger, type Logger } from '../../lib/log.js';
import { createBackoff, retry, type Backoff } from '../../lib/retry.js';
import { eventLogFields } from '../../lib/runtime/event-context.js';
import { serveMetrics } from '../../lib/runtime/metrics-server.js';
import { eventSpanAttributes, initTracing, inSpan, SpanKind, withTraceContext } from '../../lib/runtime/tracing.js';
import { Checkpointer, FileCheckpointStore, FilerKvCheckpointStore, type CheckpointStore } from './checkpoint.js';
import { bucketPathPrefix, mapFilerEvent } from './event-mapping.js';
import { FilerClient, type SubscribeMetadataResponse } from './filer-client.js';
import { sourceEvents } from './metrics.js';
import { HttpSink } from './sink.js';
import { senderTokens } from '../../lib/auth/from-config.js';
import type { TokenSource } from '../../lib/auth/token-source.js';

/** What {@link runSource} needs; {@link sourceOptions} builds it from the source's configuration. */
export interface SourceOptions {
  filerAddress: string;
  buckets: readonly string[];
  sinkUrl: string;
  clientName: string;
  startFromNs: string;
  checkpointFile?: string;
  /** The filer's .proto; default: the copy next to the code. */
  protoPath?: string;
  /** The source's OIDC tokens for the Broker (undefined = authentication off). */
  tokens?: TokenSource | undefined;
  /** Resubscription backoff (ms): retry n waits `backoffDelayMs × 2^n`, at most `maxBackoffMs`, plus up to 20 %. */
  backoffDelayMs?: number;
  maxBackoffMs?: number;
}

export function sourceOptions(config: SourceConfig): SourceOptions {
  return {
    filerAddress: config.SEAWEEDFS_FILER_GRPC,
    buckets: config.buckets,
    sinkUrl: config.sinkUrl,
    clientName: config.SOURCE_CLIENT_NAME,
    startFromNs: config.SOURCE_START_FROM_NS,
    ...(config.SOURCE_CHECKPOINT_FILE ? { checkpointFile: config.SOURCE_CHECKPOINT_FILE } : {}),
    ...(config.SEAWEEDFS_FILER_PROTO ? { protoPath: config.SEAWEEDFS_FILER_PROTO } : {}),
  };
}

/** Retries `fn` (any failure) with backoff until it succeeds or `signal` aborts (then resolves undefined). */
async function untilDone<T>(what: string, fn: () => Promise<T>, signal: AbortSignal, log: Logger, backoff: Backoff): Promise<{ value: T } | undefined> {
  try {
    const value = await retry(fn, {
      retries: Infinity,
      backoff,
      retryable: () => true,
      signal,
      onRetry: ({ attempt, error }) => log.warn({ attempt, err: (error as Error).message }, `${what} failed; retrying`),
    });
    return { value };
  } catch (err) {
    if (signal.aborted) return undefined;
    throw err;
  }
}

/**
 * Runs the source until `signal` aborts: subscribe from the checkpoint, map and deliver events
 * in order, advance the checkpoint, resubscribe after any stream error. Resolves after the last
 * checkpoint write.
 */
export async function runSource(cfg: SourceOptions, signal: AbortSignal, log: Logger = createLogger('seaweedfs-source')): Promise<void> {
  // Exponential (lib/retry.ts) from 500 ms up to 30 s, with jitter: retry n waits 250 ms × 2^n.
  const backoff = createBackoff({ delayMs: cfg.backoffDelayMs ?? 250, maxMs: cfg.maxBackoffMs ?? 30_000, jitter: true });
  const filer = new FilerClient(cfg.filerAddress, undefined, cfg.protoPath);
  const store: CheckpointStore = cfg.checkpointFile
    ? new FileCheckpointStore(cfg.checkpointFile)
    : new FilerKvCheckpointStore(filer, cfg.clientName);
  const sink = new HttpSink(cfg.sinkUrl, { log, signal, tokens: cfg.tokens });
  const buckets = new Set(cfg.buckets);
  const pathPrefixes = cfg.buckets.map(bucketPathPrefix);

  log.info(
    { filer: cfg.filerAddress, buckets: cfg.buckets, sink: cfg.sinkUrl, clientName: cfg.clientName, checkpoint: store.description },
    'seaweedfs source starting',
  );

  const loaded = await untilDone('loading checkpoint', () => store.load(), signal, log, backoff);
  if (!loaded) {
    filer.close();
    return;
  }
  const initial = loaded.value ?? cfg.startFromNs;
  log.info({ sinceNs: initial, fromCheckpoint: loaded.value !== undefined }, 'resuming filer metadata log');
  const checkpointer = new Checkpointer(store, initial, { log });

  const handle = async (resp: SubscribeMetadataResponse): Promise<boolean> => {
    const events = mapFilerEvent(resp, {
      buckets,
      onInvalid: (info) => log.error(info, 'object event failed its data schema; skipping it'),
    });
    for (const event of events) {
      // Each object event is the root of its document's trace; the stages continue it.
      const attributes = eventSpanAttributes(event, { key: event.subject });
      const traced = await inSpan(`seaweedfs-source ${event.type}`, { kind: SpanKind.PRODUCER, parent: ROOT_CONTEXT, attributes }, async (_span, ctx) => {
        const stamped = withTraceContext(event, ctx);
        await sink.send(stamped);
        sourceEvents.inc({ type: event.type, outcome: 'delivered' });
        return { stamped, outcome: 'delivered' };
      });
      log.info({ ...eventLogFields(traced.stamped, traced.stamped.data), source: event.source, outcome: traced.outcome }, 'object event sent');
    }
    if (signal.aborted) return false;
    if (resp.ts_ns !== undefined) checkpointer.advance(String(resp.ts_ns));
    return true;
  };

  // A random non-zero id per process and a growing epoch per subscription: the filer keeps a
  // stream only while it knows its (id, epoch), and treats a repeated pair as a duplicate.
  const clientId = randomInt(1, 2 ** 31 - 1);
  let epoch = 0;
  let failures = 0;
  while (!signal.aborted) {
    epoch += 1;
    const sinceNs = checkpointer.position;
    const stream = filer.subscribe({ clientName: cfg.clientName, sinceNs, pathPrefixes, clientId, clientEpoch: epoch });
    const cancel = () => stream.cancel();
    signal.addEventListener('abort', cancel, { once: true });
    log.info({ sinceNs, clientId, epoch }, 'subscribed to filer metadata');
    try {
      for await (const resp of stream as AsyncIterable<SubscribeMetadataResponse>) {
        failures = 0;
        if (!(await handle(resp))) break;
      }
      if (!signal.aborted) log.warn('filer ended the subscription; resubscribing');
    } catch (err) {
      if (!signal.aborted) log.warn({ err: (err as Error).message, sinceNs: checkpointer.position }, 'filer subscription failed; resubscribing');
    } finally {
      signal.removeEventListener('abort', cancel);
      stream.cancel();
    }
    if (signal.aborted) break;
    failures += 1;
    await sleep(backoff(failures, undefined), undefined, { signal }).catch(() => undefined);
  }

  await checkpointer.flush();
  checkpointer.close();
  filer.close();
  log.info({ sinceNs: checkpointer.position }, 'seaweedfs source stopped');
}

async function main(): Promise<void> {
  const log = createLogger('seaweedfs-source');
  let config: SourceConfig;
  let cfg: SourceOptions;
  try {
    config = loadSourceConfig();
    cfg = { ...sourceOptions(config), tokens: senderTokens(config) };
  } catch (err) {
    log.fatal({ err: (err as Error).message }, 'invalid configuration');
    process.exit(2);
  }
  const tracing = initTracing({ serviceName: 'seaweedfs-source', exporter: config.OTEL_TRACES_EXPORTER });
  const metrics = await serveMetrics({ port: config.SOURCE_METRICS_PORT, host: config.SLUICE_BIND, log });
  const controller = new AbortController();
  const stop = (sig: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      log.warn({ signal: sig }, 'second signal; exiting now');
      process.exit(1);
    }
    log.info({ signal: sig }, 'shutting down');
    controller.abort(new Error(`received ${sig}`));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  try {
    await runSource(cfg, controller.signal, log);
  } catch (err) {
    log.fatal({ err: (err as Error).message, stack: (err as Error).stack }, 'seaweedfs source crashed');
    process.exit(1);
  }
  metrics?.close();
  await tracing.shutdown();
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  void main();
}
