/**
 * One AMQP connection that comes back by itself. amqplib's opt-in recovery reconnects with capped
 * exponential backoff and jitter and runs `setup` after every (re)connect: that is where topology
 * is re-declared and consumers resume. A channel that dies alone (the connection stays up) is
 * turned into a reconnect with {@link recycle}, so there is a single recovery path.
 */
import { connect, type ChannelModel, type RecoveringChannelModel } from 'amqplib';
import type { Logger } from '../../lib/log.js';

export interface AmqpConnectionOptions {
  readonly url: string;
  /** Shown as the connection name in `rabbitmqctl list_connections client_properties`. */
  readonly name: string;
  readonly log: Logger;
  /** Declares topology, opens channels, starts consumers. Runs after every (re)connect. */
  readonly setup: (model: ChannelModel) => Promise<void>;
  /** Failed attempts before startup gives up (RabbitMQ down at start is a configuration problem). */
  readonly initialRetries?: number;
}

const RECOVERY = { initialDelay: 250, maxDelay: 15_000, factor: 2, jitter: 0.2, maxRetries: Number.POSITIVE_INFINITY };

/** Connects (retrying `initialRetries` times) and keeps the connection alive until closed. */
export async function connectAmqp(options: AmqpConnectionOptions): Promise<RecoveringChannelModel> {
  const { log } = options;
  const target = redactUrl(options.url);
  const connection = await connect(options.url, {
    clientProperties: { connection_name: options.name },
    recovery: {
      ...RECOVERY,
      initialMaxRetries: options.initialRetries ?? 5,
      waitForConnect: false,
      setup: options.setup,
    },
  });
  connection.on('connect', () => log.info({ rabbitmq: target }, 'connected to RabbitMQ'));
  connection.on('disconnect', (err: Error) => log.warn({ rabbitmq: target, err: err.message }, 'lost RabbitMQ connection'));
  connection.on('connect-failed', (err: Error) => log.warn({ rabbitmq: target, err: err.message }, 'RabbitMQ connection attempt failed'));
  connection.on('reconnect-scheduled', ({ attempt, delay }: { attempt: number; delay: number }) =>
    log.info({ attempt, delayMs: delay }, 'reconnecting to RabbitMQ'),
  );
  connection.on('reconnect-failed', (err: Error) => log.error({ err: err.message }, 'gave up reconnecting to RabbitMQ'));
  connection.on('error', (err: Error) => log.warn({ err: err.message }, 'RabbitMQ connection error'));
  try {
    await connection.waitForConnect();
  } catch (err) {
    const message = (err as Error).message;
    const hint = /ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ETIMEDOUT/.test(message) ? ' (start it with: bash stack/rabbitmq.sh start)' : '';
    throw new Error(`RabbitMQ at ${target} not usable: ${message}${hint}`, { cause: err });
  }
  return connection;
}

const recycled = new WeakSet<ChannelModel>();

/**
 * Closes the connection a broken channel belongs to, so recovery rebuilds everything. Once per
 * connection: when a connection goes, all its channels report it.
 */
export function recycle(model: ChannelModel, log: Logger, reason: string): void {
  if (recycled.has(model)) return;
  recycled.add(model);
  log.warn({ reason }, 'recycling the RabbitMQ connection');
  model.close().catch(() => {});
}

/** The URL without its password, for logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.href;
  } catch {
    return 'amqp://(unparseable url)';
  }
}
