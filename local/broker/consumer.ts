/**
 * One channel's consumer of one queue: a FIFO of received messages worked by at most
 * `parallelism` handlers at a time (parallelism 1 keeps queue order). The handler acks; the
 * session only decides what runs when, and stops cleanly.
 */
import type { ConfirmChannel, ConsumeMessage } from 'amqplib';
import type { Logger } from '../../lib/log.js';

export interface ConsumerSpec {
  readonly queue: string;
  readonly targetUrl: string;
  readonly parallelism: number;
}

export type MessageHandler = (message: ConsumeMessage, channel: ConfirmChannel, signal: AbortSignal) => Promise<void>;

export class ConsumerSession {
  private consumerTag: string | undefined;
  private readonly pending: ConsumeMessage[] = [];
  private active = 0;
  private closed = false;
  private waiters: Array<() => void> = [];
  private readonly aborter = new AbortController();

  constructor(
    private readonly channel: ConfirmChannel,
    private readonly spec: ConsumerSpec,
    private readonly log: Logger,
    private readonly handler: MessageHandler,
  ) {}

  get inFlight(): number {
    return this.active;
  }

  async start(): Promise<void> {
    const { consumerTag } = await this.channel.consume(this.spec.queue, (message) => this.receive(message), { noAck: false });
    this.consumerTag = consumerTag;
    this.log.info({ queue: this.spec.queue, target: this.spec.targetUrl, parallelism: this.spec.parallelism }, 'consuming');
  }

  /** Stops new deliveries; messages not yet started go back to the queue. */
  async cancel(): Promise<void> {
    if (this.consumerTag !== undefined && !this.closed) await this.channel.cancel(this.consumerTag).catch(() => {});
    const unstarted = this.pending.splice(0);
    for (const message of unstarted) {
      try {
        this.channel.nack(message, false, true);
      } catch {
        // channel already closed: they are requeued anyway
      }
    }
  }

  /** The channel is gone: its unacked messages are back in the queue, so in-flight work stops. */
  lost(): void {
    this.closed = true;
    this.pending.splice(0);
    this.abort();
    this.notify();
  }

  /** Cuts in-flight deliveries short (requests and backoff waits); they ack nothing. */
  abort(): void {
    this.aborter.abort();
  }

  /** Resolves true once no handler runs, false if `ms` passed first. */
  idle(ms: number): Promise<boolean> {
    if (this.active === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), ms);
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.channel.close().catch(() => {});
  }

  private receive(message: ConsumeMessage | null): void {
    if (message === null) {
      // The server cancelled the consumer (queue deleted): recovery re-declares and resumes.
      this.log.warn({ queue: this.spec.queue }, 'consumer cancelled by RabbitMQ');
      this.channel.close().catch(() => {});
      return;
    }
    this.pending.push(message);
    this.pump();
  }

  private pump(): void {
    while (!this.closed && this.active < this.spec.parallelism && this.pending.length > 0) {
      const message = this.pending.shift() as ConsumeMessage;
      this.active++;
      this.handler(message, this.channel, this.aborter.signal)
        .catch((err: unknown) => this.log.error({ err: (err as Error).message }, 'unexpected dispatch error; message left for redelivery'))
        .finally(() => {
          this.active--;
          if (this.active === 0) this.notify();
          this.pump();
        });
    }
  }

  private notify(): void {
    if (this.active !== 0) return;
    const waiters = this.waiters.splice(0);
    for (const w of waiters) w();
  }
}
