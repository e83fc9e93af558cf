/**
 * A Trigger's dispatcher, as eventing-rabbitmq's (pkg/dispatcher/dispatcher.go): consumes the
 * Trigger queue with manual acks (prefetch 100, `parallelism` deliveries at a time), POSTs each
 * event in binary mode to the subscriber with Knative's retries, then:
 * - delivered (any status that is not retryable, 4xx included) → a CloudEvent in the response is
 *   POSTed to the broker ingress as a reply (same retry policy); if that fails the original event
 *   is dead-lettered; then ack;
 * - failed after `retry + 1` attempts → published to the dead-letter exchange with the extensions
 *   `knativeerrordest` (subscriber URL) and `knativeerrorcode` (last status; -1 when there was no
 *   response), then ack. No dead-letter exchange → logged and dropped (acked).
 * A dead-letter dispatcher is the same loop on a dead-letter queue, towards the sink, with nowhere
 * further to dead-letter.
 *
 * Unlike the Go dispatcher we publish the dead letter before acking the original (not after), so
 * a failed dead-letter publish leaves the message for redelivery instead of losing it.
 */
import type { ChannelModel, ConfirmChannel, ConsumeMessage } from 'amqplib';
import type { TokenSource } from '../../lib/auth/token-source.js';
import type { Logger } from '../../lib/log.js';
import { contextOf, inSpan, SpanKind } from '../../lib/runtime/tracing.js';
import { recycle } from './connection.js';
import { ConsumerSession } from './consumer.js';
import { eventLogFields, fromAmqpMessage, looksLikeCloudEvent, parseHttpEvent, toAmqpMessage, toHttpBinary, withExtensions, withSendTime, type BrokerEvent } from './event-codec.js';
import { deadLetters, deliveries, deliveryDuration, deliveryRetries, redeliveries } from './metrics.js';
import { brokerDeadLetterQueue, deadLetterExchangeFor, triggerDeadLetterQueue, triggerQueue } from './naming.js';
import { publishConfirmed } from './publisher.js';
import type { ResolvedRoutingTable } from './routing.js';
import { sendWithRetries, type SendPolicy } from './sender.js';

/** The Go dispatcher's channel QoS, whatever the parallelism (pkg/rabbit ChannelQoS). */
export const PREFETCH = 100;

export interface DispatcherSpec {
  /** For logs: the Trigger name, `<trigger>-dlx` or `<broker>-broker-dlx`. */
  readonly name: string;
  readonly kind: 'trigger' | 'dead-letter';
  readonly queue: string;
  readonly targetUrl: string;
  /** The OIDC audience of the target (its Destination's `audience`). */
  readonly targetAudience?: string;
  readonly delivery: SendPolicy;
  readonly parallelism: number;
  /** Where failed events go; none means they are dropped. */
  readonly deadLetterExchange?: string;
}

/** One dispatcher per Trigger, one per Trigger dead-letter queue, one for the Broker's. Pure. */
export function planDispatchers(table: ResolvedRoutingTable): DispatcherSpec[] {
  const { broker } = table;
  const specs: DispatcherSpec[] = [];
  for (const t of table.triggers) {
    const dlx = deadLetterExchangeFor(t, broker);
    specs.push({
      name: t.name,
      kind: 'trigger',
      queue: triggerQueue(t),
      targetUrl: t.subscriberUrl,
      ...(t.subscriberAudience === undefined ? {} : { targetAudience: t.subscriberAudience }),
      delivery: t.delivery,
      parallelism: t.parallelism,
      ...(dlx === undefined ? {} : { deadLetterExchange: dlx }),
    });
    if (t.deliveryFrom === 'trigger' && t.deadLetterSinkUrl !== undefined) {
      specs.push({
        name: `${t.name}-dlx`,
        kind: 'dead-letter',
        queue: triggerDeadLetterQueue(t),
        targetUrl: t.deadLetterSinkUrl,
        ...(t.deadLetterSinkAudience === undefined ? {} : { targetAudience: t.deadLetterSinkAudience }),
        delivery: t.delivery,
        parallelism: t.parallelism,
      });
    }
  }
  if (broker.deadLetterSinkUrl !== undefined && broker.delivery !== undefined) {
    specs.push({
      name: `${broker.name}-broker-dlx`,
      kind: 'dead-letter',
      queue: brokerDeadLetterQueue(broker),
      targetUrl: broker.deadLetterSinkUrl,
      ...(broker.deadLetterSinkAudience === undefined ? {} : { targetAudience: broker.deadLetterSinkAudience }),
      delivery: broker.delivery,
      parallelism: 1,
    });
  }
  return specs;
}

export interface DispatcherOptions {
  readonly log: Logger;
  /** The broker ingress, where reply events go. */
  readonly replyUrl: string;
  /** The Broker's own audience: replies are posted to its ingress. */
  readonly replyAudience: string;
  /** The dispatchers' OIDC tokens (the Broker's identity); undefined = authentication off. */
  readonly tokens?: TokenSource | undefined;
}

/** Consumes one queue across reconnects; {@link attach} runs on every (re)connect. */
export class Dispatcher {
  private session: ConsumerSession | undefined;
  private stopping = false;
  private readonly log: Logger;

  constructor(
    readonly spec: DispatcherSpec,
    private readonly options: DispatcherOptions,
  ) {
    this.log = options.log.child({ trigger: spec.name });
  }

  async attach(model: ChannelModel): Promise<void> {
    if (this.stopping) return;
    const channel = await model.createConfirmChannel();
    const session = new ConsumerSession(channel, this.spec, this.log, (message, ch, signal) => this.handle(message, ch, signal));
    channel.on('error', (err: Error) => this.log.warn({ err: err.message }, 'consumer channel error'));
    channel.on('close', () => {
      session.lost();
      if (!this.stopping) recycle(model, this.log, `consumer channel of ${this.spec.queue} closed`);
    });
    await channel.prefetch(PREFETCH);
    this.session = session;
    await session.start();
  }

  /** Stops consuming, lets in-flight deliveries finish for up to `graceMs`, then abandons them unacked. */
  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    const session = this.session;
    if (session === undefined) return;
    await session.cancel();
    const drained = await session.idle(graceMs);
    if (!drained) this.log.warn({ inFlight: session.inFlight }, 'shutdown: abandoning in-flight deliveries; RabbitMQ will redeliver them');
    session.abort();
    await session.idle(1000);
    await session.close();
  }

  /** `signal` aborts when the channel is lost or shutdown gives up waiting: then nothing is acked. */
  private async handle(message: ConsumeMessage, channel: ConfirmChannel, signal: AbortSignal): Promise<void> {
    const event = fromAmqpMessage(message.properties.headers, message.content);
    const log = this.log.child(eventLogFields(event));
    const trigger = this.spec.name;
    const type = event.attributes.type ?? 'unknown';
    if (message.fields.redelivered) redeliveries.inc({ trigger });
    const stopTimer = deliveryDuration.startTimer({ trigger });
    // A span per delivery in the event's trace: it shows the time an event waited in its queue
    // (the gap before it) and the retries. The trace context read from the message's
    // traceparent/tracestate headers is passed on unchanged, as W3C headers (event-codec.ts).
    const parent = contextOf(event.traceContext?.traceparent, event.traceContext?.tracestate);
    const attributes = { 'messaging.system': 'rabbitmq', 'messaging.destination.name': this.spec.queue, 'sluice.trigger': trigger, 'cloudevents.event_id': event.attributes.id ?? '', 'cloudevents.event_type': type };
    const outcome = await inSpan(`broker ${trigger}`, { kind: SpanKind.CONSUMER, parent, attributes }, async (span) => {
      const result = await this.deliver(message, channel, event, log, signal);
      span.setAttribute('sluice.delivery.outcome', result);
      return result;
    });
    deliveries.inc({ trigger, type, outcome });
    if (outcome === 'dead_lettered') deadLetters.inc({ trigger, type });
    if (outcome !== 'aborted') stopTimer();
  }

  private async deliver(message: ConsumeMessage, channel: ConfirmChannel, event: BrokerEvent, log: Logger, signal: AbortSignal): Promise<DeliveryOutcome> {
    const { spec } = this;
    const type = event.attributes.type ?? 'unknown';
    // The send time stands in for a missing time on this request only (event-codec.ts
    // withSendTime); a dead letter keeps the event as it was queued.
    const outcome = await sendWithRetries(spec.targetUrl, toHttpBinary(withSendTime(event)), spec.delivery, {
      signal,
      ...this.authorizationFor(spec.targetAudience),
      onRetry: ({ attempt, status, error, waitMs }) => {
        deliveryRetries.inc({ trigger: spec.name, type });
        log.warn({ attempt, status, error, waitMs, target: spec.targetUrl }, 'delivery attempt failed; retrying');
      },
    });
    if (outcome.kind === 'aborted') return 'aborted';
    if (outcome.kind === 'failed') {
      log.warn({ status: outcome.status, attempts: outcome.attempts, error: outcome.error, target: spec.targetUrl }, 'delivery failed');
      return this.settleFailed(channel, message, event, outcome.status, log);
    }
    if (outcome.status === 401 || outcome.status === 403) {
      // Not in eventing-rabbitmq (which acks any non-retryable answer): an event refused for its
      // sender's identity is a configuration fault, never a verdict on the event, so it is kept.
      log.error({ status: outcome.status, target: spec.targetUrl }, 'subscriber refused the broker\'s credentials; dead-lettering the event');
      return this.settleFailed(channel, message, event, outcome.status, log);
    }
    const refused = outcome.status >= 300;
    if (refused) {
      // eventing-rabbitmq acks whatever is not retryable: a 400 is neither retried nor dead-lettered.
      log.warn({ status: outcome.status, attempts: outcome.attempts, target: spec.targetUrl }, 'subscriber refused the event; counted as delivered (not retryable)');
    } else {
      log.info({ status: outcome.status, attempts: outcome.attempts, target: spec.targetUrl }, 'event delivered');
    }

    const { response } = outcome;
    if (looksLikeCloudEvent(response.headers)) {
      const replied = await this.reply(response.headers, response.body, event, log, signal);
      if (replied === 'aborted') return 'aborted';
      if (replied === 'failed') return this.settleFailed(channel, message, event, outcome.status, log);
    }
    settle(channel, message, true, log);
    return refused ? 'refused' : 'delivered';
  }

  /** Dead-letters the event and acks it, or requeues it when the dead-letter publish failed. */
  private async settleFailed(channel: ConfirmChannel, message: ConsumeMessage, event: BrokerEvent, status: number, log: Logger): Promise<DeliveryOutcome> {
    const result = await this.deadLetter(channel, event, status, log);
    settle(channel, message, result !== 'requeue', log);
    return result === 'requeue' ? 'requeued' : result;
  }

  /**
   * POSTs the subscriber's reply event to the ingress, as the Go dispatcher's `ceClient.Send`
   * does: binary mode, a missing time set to now, and the delivery's trace context (not the
   * response's headers) as the W3C headers.
   */
  private async reply(headers: Record<string, string>, body: Buffer, delivered: BrokerEvent, log: Logger, signal: AbortSignal): Promise<'sent' | 'failed' | 'aborted'> {
    let reply: BrokerEvent;
    try {
      const { traceContext: _fromResponse, ...parsed } = parseHttpEvent(headers, body);
      reply = withSendTime(delivered.traceContext === undefined ? parsed : { ...parsed, traceContext: delivered.traceContext });
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'subscriber replied with an invalid CloudEvent');
      return 'failed';
    }
    const fields = { replyId: reply.attributes.id, replyType: reply.attributes.type };
    const outcome = await sendWithRetries(this.options.replyUrl, toHttpBinary(reply), this.spec.delivery, { signal, ...this.authorizationFor(this.options.replyAudience) });
    if (outcome.kind === 'aborted') return 'aborted';
    if (outcome.kind === 'failed') {
      log.warn({ ...fields, status: outcome.status, error: outcome.error }, 'reply event not accepted by the broker ingress');
      return 'failed';
    }
    // A reply the ingress refuses (400 invalid, 401/403, 413 too large) is not delivered: the
    // original event is dead-lettered with the reason rather than acked with its reply lost.
    if (outcome.status !== 202) {
      log.error({ ...fields, status: outcome.status, response: outcome.response.body.subarray(0, 300).toString('utf8') }, 'the broker ingress refused the reply event; dead-lettering the original');
      return 'failed';
    }
    log.info(fields, 'reply event sent to the broker');
    return 'sent';
  }

  /** Per-attempt tokens for `audience`, when authentication is on. */
  private authorizationFor(audience: string | undefined): { authorization?: () => Promise<string> } {
    const { tokens } = this.options;
    if (!tokens || audience === undefined) return {};
    return { authorization: async () => `Bearer ${await tokens.token(audience)}` };
  }

  /** Dead-lettered or dropped (nowhere to dead-letter): ack. Requeue: the publish failed. */
  private async deadLetter(channel: ConfirmChannel, event: BrokerEvent, status: number, log: Logger): Promise<'dead_lettered' | 'dropped' | 'requeue'> {
    const exchange = this.spec.deadLetterExchange;
    if (exchange === undefined) {
      log.warn({ status }, this.spec.kind === 'dead-letter' ? 'dead-letter sink unreachable: event dropped' : 'no dead-letter sink: event dropped');
      return 'dropped';
    }
    const failed = withExtensions(event, { knativeerrordest: this.spec.targetUrl });
    try {
      // knativeerrorcode travels as an AMQP signed int, as the Go dispatcher's int32 extension does.
      await publishConfirmed(channel, exchange, toAmqpMessage(failed, { knativeerrorcode: { '!': 'int', value: status } }));
    } catch (err) {
      log.error({ exchange, err: (err as Error).message }, 'dead-letter publish failed; requeueing the message');
      return 'requeue';
    }
    log.warn({ exchange, status }, 'event dead-lettered');
    return 'dead_lettered';
  }
}

/** What became of one message taken from the queue (the `outcome` label of the deliveries metric). */
type DeliveryOutcome = 'delivered' | 'refused' | 'dead_lettered' | 'dropped' | 'requeued' | 'aborted';

/** Acks the message, or gives it back to the queue for another try. */
function settle(channel: ConfirmChannel, message: ConsumeMessage, done: boolean, log: Logger): void {
  try {
    if (done) channel.ack(message);
    else channel.nack(message, false, true);
  } catch (err) {
    // The channel died meanwhile; RabbitMQ redelivers the message on the next connection.
    log.warn({ err: (err as Error).message }, 'could not settle the message: channel closed');
  }
}
