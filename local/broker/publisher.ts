/**
 * Publishing with publisher confirms: a publish counts only once RabbitMQ has acked it, which is
 * when the ingress may answer 202 and the dispatcher may ack the message it dead-letters.
 */
import type { ChannelModel, ConfirmChannel } from 'amqplib';
import type { Logger } from '../../lib/log.js';
import { recycle } from './connection.js';
import { PublishError } from './errors.js';
import type { AmqpMessage } from './event-codec.js';

/** Publishes persistently and resolves once the broker confirms. Throws {@link PublishError}. */
export function publishConfirmed(channel: ConfirmChannel, exchange: string, message: AmqpMessage): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (err: unknown) =>
      err ? reject(new PublishError(`RabbitMQ did not confirm the publish to ${exchange}: ${describe(err)}`)) : resolve();
    try {
      channel.publish(
        exchange,
        '',
        message.content,
        {
          headers: message.headers,
          messageId: message.messageId,
          persistent: true,
          ...(message.contentType === undefined ? {} : { contentType: message.contentType }),
        },
        done,
      );
    } catch (err) {
      done(err);
    }
  });
}

/** What the ingress needs: publish, and whether it currently can. */
export interface EventPublisher {
  readonly ready: boolean;
  publish(exchange: string, message: AmqpMessage): Promise<void>;
}

/** A confirm channel re-opened on every (re)connect; publishing while disconnected fails at once. */
export class ConfirmPublisher implements EventPublisher {
  private channel: ConfirmChannel | undefined;
  private closing = false;

  constructor(private readonly log: Logger) {}

  get ready(): boolean {
    return this.channel !== undefined;
  }

  /** Opens the channel on a fresh connection (the connection's setup calls this). */
  async attach(model: ChannelModel): Promise<void> {
    const channel = await model.createConfirmChannel();
    channel.on('error', (err: Error) => this.log.warn({ err: err.message }, 'publish channel error'));
    channel.on('close', () => {
      if (this.channel === channel) this.channel = undefined;
      if (!this.closing) recycle(model, this.log, 'publish channel closed');
    });
    this.channel = channel;
  }

  publish(exchange: string, message: AmqpMessage): Promise<void> {
    if (this.channel === undefined) return Promise.reject(new PublishError('not connected to RabbitMQ'));
    return publishConfirmed(this.channel, exchange, message);
  }

  async close(): Promise<void> {
    this.closing = true;
    const channel = this.channel;
    this.channel = undefined;
    await channel?.close().catch(() => {});
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err ?? 'nacked');
}
