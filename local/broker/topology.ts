/**
 * The RabbitMQ objects of one Broker, as eventing-rabbitmq's reconcilers create them: a durable
 * headers exchange for the Broker; per Trigger a durable queue (quorum or classic, from the
 * RabbitmqBrokerConfig) bound with its filter attributes and `x-match: all`; a dead-letter
 * exchange and queue per Trigger with its own deadLetterSink, and one for the Broker's sink.
 *
 * A binding cannot be listed or replaced over AMQP, so a Trigger whose filter changes keeps its
 * old binding too; Knative forbids changing a filter for the same reason. Delete the queue
 * (`rabbitmqctl delete_queue t.<ns>.<trigger>`) after editing a filter.
 */
import type { Channel, ChannelModel } from 'amqplib';
import {
  brokerDeadLetterExchange,
  brokerDeadLetterQueue,
  brokerExchange,
  DLQ_BINDING_KEY,
  TRIGGER_BINDING_KEY,
  triggerDeadLetterExchange,
  triggerDeadLetterQueue,
  triggerQueue,
} from './naming.js';
import type { QueueType } from './manifests.js';
import type { ResolvedRoutingTable } from './routing.js';

export interface TopologyPlan {
  /** Where the ingress publishes. */
  readonly exchange: string;
  readonly exchanges: readonly string[];
  readonly queues: ReadonlyArray<{ readonly name: string; readonly queueType: QueueType }>;
  readonly bindings: ReadonlyArray<{ readonly queue: string; readonly exchange: string; readonly args: Readonly<Record<string, string>> }>;
}

/** What to declare for a routing table. Pure. */
export function planTopology(table: ResolvedRoutingTable): TopologyPlan {
  const { broker } = table;
  const queueType = broker.queueType;
  const exchange = brokerExchange(broker);
  const exchanges = [exchange];
  const queues: Array<TopologyPlan['queues'][number]> = [];
  const bindings: Array<TopologyPlan['bindings'][number]> = [];

  if (broker.deadLetterSinkUrl !== undefined) {
    exchanges.push(brokerDeadLetterExchange(broker));
    queues.push({ name: brokerDeadLetterQueue(broker), queueType });
    bindings.push({ queue: brokerDeadLetterQueue(broker), exchange: brokerDeadLetterExchange(broker), args: { [DLQ_BINDING_KEY]: broker.name } });
  }
  for (const trigger of table.triggers) {
    queues.push({ name: triggerQueue(trigger), queueType });
    bindings.push({
      queue: triggerQueue(trigger),
      exchange,
      args: { ...trigger.filter, 'x-match': 'all', [TRIGGER_BINDING_KEY]: trigger.name },
    });
    if (trigger.deliveryFrom === 'trigger' && trigger.delivery.deadLetterSink !== undefined) {
      exchanges.push(triggerDeadLetterExchange(trigger));
      queues.push({ name: triggerDeadLetterQueue(trigger), queueType });
      bindings.push({ queue: triggerDeadLetterQueue(trigger), exchange: triggerDeadLetterExchange(trigger), args: { 'x-match': 'all' } });
    }
  }
  return { exchange, exchanges, queues, bindings };
}

/** Declares everything in the plan (idempotent). Runs on its own channel, closed afterwards. */
export async function declareTopology(model: ChannelModel, plan: TopologyPlan): Promise<void> {
  await withChannel(model, async (ch) => {
    for (const name of plan.exchanges) await ch.assertExchange(name, 'headers', { durable: true, autoDelete: false });
    for (const { name, queueType } of plan.queues) {
      try {
        await ch.assertQueue(name, { durable: true, autoDelete: false, arguments: { 'x-queue-type': queueType } });
      } catch (err) {
        throw new Error(
          `cannot declare queue ${name} as a durable ${queueType} queue (${(err as Error).message}); ` +
            `if it exists with other settings, delete it: rabbitmqctl delete_queue ${name}`,
          { cause: err },
        );
      }
    }
    for (const b of plan.bindings) await ch.bindQueue(b.queue, b.exchange, '', b.args);
  });
}

/** Deletes the plan's queues and exchanges, messages included (tests, local resets). */
export async function deleteTopology(model: ChannelModel, plan: TopologyPlan): Promise<void> {
  await withChannel(model, async (ch) => {
    for (const { name } of plan.queues) await ch.deleteQueue(name);
    for (const name of plan.exchanges) await ch.deleteExchange(name);
  });
}

async function withChannel(model: ChannelModel, work: (ch: Channel) => Promise<void>): Promise<void> {
  const ch = await model.createChannel();
  // A failed declaration closes the channel with an error event; the rejected call reports it.
  ch.on('error', () => {});
  try {
    await work(ch);
  } finally {
    await ch.close().catch(() => {});
  }
}
