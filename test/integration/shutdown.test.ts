/**
 * Graceful shutdown of the local broker against a real RabbitMQ (RABBITMQ_URL): close() stops
 * consuming, lets an in-flight delivery finish and acks it, or — past the grace period —
 * leaves it unacked so RabbitMQ requeues it for the next consumer. Also checks what the
 * broker declares: durable quorum queues. (The function side is
 * lib/runtime/function-server.shutdown.test.ts, on a real process and SIGTERM.)
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect, type ChannelModel } from 'amqplib';
import { createLogger } from '../../lib/log.js';
import { startBroker, type RunningBroker } from '../../local/broker/broker.js';
import { triggerQueue } from '../../local/broker/naming.js';
import { deleteTopology } from '../../local/broker/topology.js';

const RABBITMQ_URL = process.env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const log = createLogger('shutdown-test').child({}, { level: process.env.BROKER_TEST_LOG ?? 'silent' });
const NS = `sd-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
const QUEUE = triggerQueue({ name: 'slow', namespace: NS });

const MANIFESTS = `apiVersion: eventing.knative.dev/v1alpha1
kind: RabbitmqBrokerConfig
metadata: { name: sd-config, namespace: ${NS} }
spec:
  rabbitmqClusterReference: { name: local, namespace: ${NS} }
  queueType: quorum
---
apiVersion: eventing.knative.dev/v1
kind: Broker
metadata:
  name: sd-broker
  namespace: ${NS}
  annotations: { eventing.knative.dev/broker.class: RabbitMQBroker }
spec:
  config: { apiVersion: eventing.knative.dev/v1alpha1, kind: RabbitmqBrokerConfig, name: sd-config }
---
apiVersion: eventing.knative.dev/v1
kind: Trigger
metadata:
  name: slow
  namespace: ${NS}
  annotations: { rabbitmq.eventing.knative.dev/parallelism: "1" }
spec:
  broker: sd-broker
  filter:
    attributes: { type: sd.slow }
  subscriber: { ref: { apiVersion: serving.knative.dev/v1, kind: Service, name: sd-svc } }
  delivery:
    retry: 0
    timeout: PT30S
`;

/** A subscriber that answers each request when the test says so. */
class HeldSubscriber {
  readonly received: string[] = [];
  private readonly held: ServerResponse[] = [];
  holdAll = true;
  private server: Server | undefined;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      this.received.push(String(req.headers['ce-id']));
      req.resume();
      req.on('end', () => (this.holdAll ? this.held.push(res) : res.writeHead(202).end()));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  releaseAll(): void {
    for (const res of this.held.splice(0)) if (!res.destroyed) res.writeHead(202).end();
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}

async function waitFor(what: string, predicate: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

const event = (id: string) => ({
  method: 'POST',
  headers: { 'ce-specversion': '1.0', 'ce-id': id, 'ce-source': '/sd', 'ce-type': 'sd.slow', 'content-type': 'application/json' },
  body: JSON.stringify({ id }),
});

describe('broker shutdown against RabbitMQ', () => {
  const subscriber = new HeldSubscriber();
  let dir = '';
  let amqp: ChannelModel;
  let lastBroker: RunningBroker | undefined;
  const start = async (shutdownGraceMs: number) => {
    lastBroker = await startBroker({ rabbitmqUrl: RABBITMQ_URL, eventingDir: dir, subscribers: `sd-svc=${subscriber.url}`, port: 0, shutdownGraceMs, connectRetries: 1, log });
    return lastBroker;
  };
  const depth = async () => {
    const ch = await amqp.createChannel();
    try {
      return (await ch.checkQueue(QUEUE)).messageCount;
    } finally {
      await ch.close();
    }
  };

  before(async () => {
    await subscriber.start();
    dir = await mkdtemp(join(tmpdir(), 'sluice-shutdown-it-'));
    await writeFile(join(dir, 'eventing.yaml'), MANIFESTS);
    amqp = await connect(RABBITMQ_URL);
  });

  after(async () => {
    subscriber.holdAll = false;
    subscriber.releaseAll();
    if (lastBroker) {
      await lastBroker.close();
      await deleteTopology(amqp, lastBroker.topology);
    }
    await amqp?.close();
    await subscriber.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('declares the Trigger queue durable and quorum (a classic re-declaration is refused)', async () => {
    const broker = await start(5_000);
    const ch = await amqp.createChannel();
    ch.on('error', () => {});
    await ch.assertQueue(QUEUE, { durable: true, autoDelete: false, arguments: { 'x-queue-type': 'quorum' } });
    await assert.rejects(ch.assertQueue(QUEUE, { durable: true, autoDelete: false, arguments: { 'x-queue-type': 'classic' } }), /PRECONDITION_FAILED/);
    await broker.close();
  });

  it('close() lets an in-flight delivery finish and acks it; an event arriving meanwhile stays queued', async () => {
    subscriber.holdAll = true;
    const broker = await start(10_000);
    assert.equal((await fetch(broker.url, event('in-flight'))).status, 202);
    await waitFor('the delivery to reach the subscriber', () => subscriber.received.includes('in-flight'));

    let closed = false;
    const closing = broker.close().then(() => (closed = true));
    await sleep(300);
    assert.equal(closed, false, 'close() waits for the in-flight delivery');
    // The ingress still takes events while the dispatchers drain (replies need it); they queue up.
    assert.equal((await fetch(broker.url, event('arrived-during-close'))).status, 202);
    subscriber.releaseAll();
    await closing;

    assert.deepEqual(subscriber.received.filter((id) => id !== 'in-flight'), [], 'nothing new was consumed after close() began');
    assert.equal(await depth(), 1, 'the in-flight event was acked; the late one waits in the queue');
  });

  it('past the grace period close() abandons the delivery unacked, and the next broker gets it again', async () => {
    subscriber.received.length = 0;
    subscriber.holdAll = true;
    const first = await start(200);
    await waitFor('the queued event to be delivered', () => subscriber.received.includes('arrived-during-close'));
    await first.close();
    assert.equal(await depth(), 1, 'unacked: RabbitMQ requeued it');

    subscriber.holdAll = false;
    subscriber.releaseAll();
    await start(5_000);
    await waitFor('the redelivery', () => subscriber.received.filter((id) => id === 'arrived-during-close').length === 2);
    // Acked once the subscriber answered: the queue drains.
    const deadline = Date.now() + 10_000;
    while ((await depth()) !== 0 && Date.now() < deadline) await sleep(50);
    assert.equal(await depth(), 0);
  });
});
