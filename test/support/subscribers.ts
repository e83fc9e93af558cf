/**
 * Stand-ins for a broker's subscribers in the broker's integration tests: one HTTP server whose
 * path says which subscriber was called, recording every request and answering as told.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export interface Received {
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
  readonly at: number;
}

/** One HTTP server standing in for every subscriber; the path says which. */
export class Subscribers {
  readonly received: Received[] = [];
  private readonly behaviour = new Map<string, (req: Received, res: ServerResponse, nth: number) => void>();
  private server: Server | undefined;
  url = '';

  on(path: string, behaviour: (req: Received, res: ServerResponse, nth: number) => void): void {
    this.behaviour.set(path, behaviour);
  }

  at(path: string): Received[] {
    return this.received.filter((r) => r.path === path);
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const r: Received = { path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString(), at: Date.now() };
        this.received.push(r);
        const nth = this.at(r.path).length;
        const behave = this.behaviour.get(r.path) ?? ((_r, s) => s.writeHead(200).end());
        behave(r, res, nth);
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}

export async function waitFor(what: string, predicate: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

/**
 * The RabbitmqBrokerConfig and Broker of a test namespace, as YAML documents (joined by `---`):
 * the broker tests each start their own broker from manifests like the cluster's. `delivery`
 * is the Broker's `spec.delivery` block, already indented under `spec:`.
 */
export function brokerManifest(ns: string, broker: string, delivery = ''): string {
  const config = `${broker}-config`;
  return [
    `apiVersion: eventing.knative.dev/v1alpha1
kind: RabbitmqBrokerConfig
metadata: { name: ${config}, namespace: ${ns} }
spec:
  rabbitmqClusterReference: { name: local, namespace: ${ns} }
  queueType: quorum`,
    `apiVersion: eventing.knative.dev/v1
kind: Broker
metadata:
  name: ${broker}
  namespace: ${ns}
  annotations: { eventing.knative.dev/broker.class: RabbitMQBroker }
spec:
  config: { apiVersion: eventing.knative.dev/v1alpha1, kind: RabbitmqBrokerConfig, name: ${config} }${delivery ? `\n${delivery}` : ''}`,
  ].join('\n---\n');
}
