/**
 * The local broker assembled: routing table from the manifests, RabbitMQ topology, the ingress
 * and one dispatcher per queue, all on one self-recovering AMQP connection.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { RecoveringChannelModel } from 'amqplib';
import { createLogger, type Logger } from '../../lib/log.js';
import { connectAmqp } from './connection.js';
import { Dispatcher, planDispatchers } from './dispatcher.js';
import type { ReceiverAuth } from '../../lib/auth/http.js';
import { brokerAudience, type ObjectRef } from '../../lib/auth/identity.js';
import type { TokenSource } from '../../lib/auth/token-source.js';
import { createIngressApp, DEFAULT_MAX_EVENT_BYTES } from './ingress.js';
import { watchQueues } from './metrics.js';
import { ConfirmPublisher } from './publisher.js';
import { buildRoutingTable, formatRoutingTable, type ResolvedRoutingTable } from './routing.js';
import type { SubscriberMap } from './subscribers.js';
import { declareTopology, planTopology, type TopologyPlan } from './topology.js';

export interface BrokerOptions {
  readonly rabbitmqUrl: string;
  /** Directory of the eventing manifests (Broker, RabbitmqBrokerConfig, Triggers). */
  readonly eventingDir: string;
  /** Service name → local URL, or the BROKER_SUBSCRIBERS text. */
  readonly subscribers: SubscriberMap | string;
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port?: number;
  readonly maxEventBytes?: number;
  /** Who may publish to the ingress of this Broker; undefined = anyone (SLUICE_AUTH=off). */
  readonly authFor?: (broker: ObjectRef) => ReceiverAuth | undefined;
  /** The dispatchers' tokens (the Broker's identity) for subscribers, sinks and replies. */
  readonly tokens?: TokenSource | undefined;
  /** How long shutdown waits for in-flight deliveries before leaving them to redelivery. */
  readonly shutdownGraceMs?: number;
  /** Which Broker to run when the manifests declare several. */
  readonly brokerName?: string;
  /** Connection attempts at startup before giving up. */
  readonly connectRetries?: number;
  readonly log?: Logger;
}

export interface RunningBroker {
  /** The ingress URL (`http://host:port/`), the local `status.address.url`. */
  readonly url: string;
  readonly port: number;
  readonly table: ResolvedRoutingTable;
  readonly topology: TopologyPlan;
  readonly connection: RecoveringChannelModel;
  /** Graceful: stop consuming, finish in-flight deliveries (bounded), close the ingress and the connection. */
  close(): Promise<void>;
}

export const DEFAULT_SHUTDOWN_GRACE_MS = 20_000;

export async function startBroker(options: BrokerOptions): Promise<RunningBroker> {
  const log = options.log ?? createLogger('broker');
  const table = await buildRoutingTable(options.eventingDir, options.subscribers, options.brokerName === undefined ? {} : { brokerName: options.brokerName });
  const topology = planTopology(table);
  log.info({ broker: `${table.broker.namespace}/${table.broker.name}`, exchange: topology.exchange, queueType: table.broker.queueType }, 'routing table');
  for (const line of formatRoutingTable(table)) log.info(`route ${line}`);
  if (table.broker.vhost !== undefined) {
    log.warn({ vhost: table.broker.vhost }, 'RabbitmqBrokerConfig names a vhost; the local broker uses the vhost of RABBITMQ_URL');
  }

  const publisher = new ConfirmPublisher(log);
  const app = createIngressApp({ exchange: topology.exchange, publisher, log, maxEventBytes: options.maxEventBytes ?? DEFAULT_MAX_EVENT_BYTES, auth: options.authFor?.({ kind: 'Broker', name: table.broker.name, namespace: table.broker.namespace }) });
  const host = options.host ?? '127.0.0.1';
  const server = await listen(app, host, options.port ?? 0);
  const port = (server.address() as AddressInfo).port;
  const url = `http://${urlHost(host)}:${port}/`;

  const dispatchers = planDispatchers(table).map((spec) => new Dispatcher(spec, { log, replyUrl: url, replyAudience: brokerAudience(table.broker.name, table.broker.namespace), tokens: options.tokens }));
  let connection: RecoveringChannelModel | undefined;
  const unwatchQueues = watchQueues(
    dispatchers.map(({ spec }) => ({ queue: spec.queue, trigger: spec.name, kind: spec.kind })),
    () => connection,
  );
  try {
    connection = await connectAmqp({
      url: options.rabbitmqUrl,
      name: `sluice-broker ${table.broker.namespace}/${table.broker.name}`,
      log,
      ...(options.connectRetries === undefined ? {} : { initialRetries: options.connectRetries }),
      setup: async (model) => {
        await declareTopology(model, topology);
        await publisher.attach(model);
        for (const dispatcher of dispatchers) await dispatcher.attach(model);
      },
    });
  } catch (err) {
    unwatchQueues();
    await closeServer(server);
    throw err;
  }
  const amqp = connection;
  log.info({ url, dispatchers: dispatchers.length }, 'broker ingress listening');

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      const grace = options.shutdownGraceMs ?? DEFAULT_SHUTDOWN_GRACE_MS;
      // Dispatchers first: their in-flight replies still need the ingress.
      await Promise.all(dispatchers.map((d) => d.stop(grace)));
      await closeServer(server);
      await publisher.close();
      await amqp.close();
      unwatchQueues();
      log.info('broker stopped');
    })();
    return closing;
  };
  return { url, port, table, topology, connection: amqp, close };
}

function listen(app: ReturnType<typeof createIngressApp>, host: string, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host);
    server.once('listening', () => resolve(server));
    server.once('error', reject);
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}

/** A wildcard bind is reached through loopback; IPv6 literals need brackets in URLs. */
function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}
