/**
 * The broker's Prometheus metrics, on the shared registry (exposed at the ingress's /metrics):
 * what the ingress accepted, what each Trigger's dispatcher did with each delivery, and the
 * depth of every Trigger and dead-letter queue, read from RabbitMQ at scrape time.
 */
import type { Channel } from 'amqplib';
import { Counter, Gauge, Histogram } from 'prom-client';
import { registry } from '../../lib/runtime/metrics.js';

export const ingressEvents = new Counter({
  name: 'sluice_broker_ingress_events_total',
  help: 'CloudEvents posted to the broker ingress, by type and outcome (accepted, invalid, too_large, unavailable)',
  labelNames: ['type', 'outcome'] as const,
  registers: [registry],
});

/**
 * One per message taken from a queue: delivered (2xx), refused (a non-retryable status, acked
 * as Knative does), dead_lettered, dropped (failed with nowhere to dead-letter), requeued (a
 * dead-letter publish failed), aborted (shutdown or a lost channel: RabbitMQ redelivers).
 */
export const deliveries = new Counter({
  name: 'sluice_broker_deliveries_total',
  help: 'Deliveries of queued events to subscribers, by Trigger, event type and outcome',
  labelNames: ['trigger', 'type', 'outcome'] as const,
  registers: [registry],
});

export const deliveryRetries = new Counter({
  name: 'sluice_broker_delivery_retries_total',
  help: 'Delivery attempts that failed and were retried after a backoff, by Trigger and event type',
  labelNames: ['trigger', 'type'] as const,
  registers: [registry],
});

export const deadLetters = new Counter({
  name: 'sluice_broker_dead_letters_total',
  help: 'Events published to a dead-letter exchange after their retries, by Trigger and event type',
  labelNames: ['trigger', 'type'] as const,
  registers: [registry],
});

export const redeliveries = new Counter({
  name: 'sluice_broker_redeliveries_total',
  help: 'Messages RabbitMQ delivered again (after a crash, a lost channel or a shutdown), by Trigger',
  labelNames: ['trigger'] as const,
  registers: [registry],
});

export const deliveryDuration = new Histogram({
  name: 'sluice_broker_delivery_duration_seconds',
  help: 'Time from taking a message off its queue to settling it (retries and the reply included), by Trigger',
  labelNames: ['trigger'] as const,
  buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
  registers: [registry],
});

export interface WatchedQueue {
  readonly queue: string;
  /** The Trigger (or `<trigger>-dlx`, `<broker>-broker-dlx`) the queue belongs to. */
  readonly trigger: string;
  readonly kind: 'trigger' | 'dead-letter';
}

const QUEUE_LABELS = ['queue', 'trigger', 'kind'] as const;

/**
 * Queue depth and consumers of the given queues, asked of RabbitMQ (`queue.declare` passive,
 * amqplib's checkQueue) each time Prometheus scrapes. A scrape while RabbitMQ is unreachable
 * shows no queue series rather than stale numbers.
 */
/** What the poller needs of a connection (amqplib's ChannelModel, recovering or not). */
export interface ChannelOpener {
  createChannel(): Promise<Channel>;
}

export function watchQueues(queues: readonly WatchedQueue[], connection: () => ChannelOpener | undefined, timeoutMs = 2_000): () => void {
  const depth = new Gauge({
    name: 'sluice_queue_depth',
    help: 'Messages ready in a Trigger or dead-letter queue (not yet delivered), from RabbitMQ',
    labelNames: QUEUE_LABELS,
    registers: [registry],
    collect: () => refresh(),
  });
  const consumers = new Gauge({
    name: 'sluice_queue_consumers',
    help: 'Consumers attached to a Trigger or dead-letter queue, from RabbitMQ',
    labelNames: QUEUE_LABELS,
    registers: [registry],
    collect: () => refresh(),
  });

  // Prometheus collects the gauges concurrently: one RabbitMQ poll serves both.
  let polling: Promise<void> | undefined;
  const refresh = (): Promise<void> => {
    polling ??= collect().finally(() => {
      polling = undefined;
    });
    return polling;
  };

  async function collect(): Promise<void> {
    depth.reset();
    consumers.reset();
    const model = connection();
    if (model === undefined) return;
    let channel: Channel | undefined;
    try {
      channel = await withTimeout(model.createChannel(), timeoutMs);
      // A missing queue closes the channel with 404: the error is reported by checkQueue.
      channel.on('error', () => {});
      for (const q of queues) {
        const { messageCount, consumerCount } = await withTimeout(channel.checkQueue(q.queue), timeoutMs);
        const labels = { queue: q.queue, trigger: q.trigger, kind: q.kind };
        depth.set(labels, messageCount);
        consumers.set(labels, consumerCount);
      }
    } catch {
      // Unreachable or mid-reconnect: the series of this scrape stay partial.
    } finally {
      await channel?.close().catch(() => {});
    }
  }

  return () => {
    registry.removeSingleMetric('sluice_queue_depth');
    registry.removeSingleMetric('sluice_queue_consumers');
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer from RabbitMQ within ${ms} ms`)), ms);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}
