/**
 * RabbitMQ object names. They follow eventing-rabbitmq's scheme (pkg/rabbitmqnaming/naming.go:
 * `b.<ns>.<broker>.<uid>`, `t.<ns>.<trigger>.dlx.<uid>`, ...) minus the Kubernetes UID, which a
 * local run does not have: stable across restarts and readable in `rabbitmqctl list_queues`. Pure.
 */
import type { BrokerRoute, TriggerRoute } from './manifests.js';

type Named = Pick<BrokerRoute, 'name' | 'namespace'>;

/** Binding argument naming the Trigger; RabbitMQ ignores `x-` arguments when matching. */
export const TRIGGER_BINDING_KEY = 'x-knative-trigger';
/** Binding argument naming the Broker on its dead-letter queue binding. */
export const DLQ_BINDING_KEY = 'x-knative-dlq';

/** The Broker's headers exchange, where the ingress publishes. */
export const brokerExchange = (b: Named): string => `b.${b.namespace}.${b.name}`;
/** The Broker's dead-letter exchange (only when the Broker has a deadLetterSink). */
export const brokerDeadLetterExchange = (b: Named): string => `b.${b.namespace}.${b.name}.dlx`;
export const brokerDeadLetterQueue = (b: Named): string => `b.${b.namespace}.${b.name}.dlq`;

/** The Trigger's queue, bound to the Broker exchange with the Trigger's filter. */
export const triggerQueue = (t: Named): string => `t.${t.namespace}.${t.name}`;
/** The Trigger's own dead-letter exchange and queue (only when its delivery has a deadLetterSink). */
export const triggerDeadLetterExchange = (t: Named): string => `t.${t.namespace}.${t.name}.dlx`;
export const triggerDeadLetterQueue = (t: Named): string => `t.${t.namespace}.${t.name}.dlq`;

/**
 * The exchange a Trigger's failed events go to, or undefined when they are dropped. A Trigger
 * with its own delivery uses its own dead-letter exchange or none; one without uses the Broker's.
 */
export function deadLetterExchangeFor(trigger: TriggerRoute, broker: Named): string | undefined {
  if (trigger.delivery.deadLetterSink === undefined) return undefined;
  return trigger.deliveryFrom === 'trigger' ? triggerDeadLetterExchange(trigger) : brokerDeadLetterExchange(broker);
}
