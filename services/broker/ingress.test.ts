import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { createLogger } from '../../lib/log.js';
import { PublishError } from './errors.js';
import type { AmqpMessage } from './event-codec.js';
import { createIngressApp } from './ingress.js';
import type { EventPublisher } from './publisher.js';

/** Records publishes; can be told to fail or to be disconnected. */
class FakePublisher implements EventPublisher {
  readonly published: Array<{ exchange: string; message: AmqpMessage }> = [];
  ready = true;
  fail = false;
  async publish(exchange: string, message: AmqpMessage): Promise<void> {
    if (this.fail) throw new PublishError('RabbitMQ did not confirm the publish to x: message nacked');
    this.published.push({ exchange, message });
  }
}

const publisher = new FakePublisher();
let server: Server;
let base = '';
const event = { 'ce-specversion': '1.0', 'ce-id': 'i-1', 'ce-source': '/t', 'ce-type': 't.x', 'content-type': 'text/plain' };

before(async () => {
  const app = createIngressApp({ exchange: 'b.ns.b', publisher, maxEventBytes: 64, log: createLogger('t').child({}, { level: 'silent' }) });
  server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => server.close());
beforeEach(() => {
  publisher.published.length = 0;
  publisher.fail = false;
  publisher.ready = true;
});

describe('ingress', () => {
  it('202 once published, with the event as AMQP headers and body', async () => {
    const res = await fetch(`${base}/`, { method: 'POST', headers: event, body: 'hello' });
    assert.equal(res.status, 202);
    assert.equal(publisher.published.length, 1);
    const { exchange, message } = publisher.published[0] as { exchange: string; message: AmqpMessage };
    assert.equal(exchange, 'b.ns.b');
    assert.equal(message.headers.type, 't.x');
    assert.equal(message.headers['content-type'], 'text/plain');
    assert.equal(message.content.toString(), 'hello');
  });

  it('405 for other methods (any path, as the Go ingress checks the method first), 404 for other paths', async () => {
    assert.equal((await fetch(`${base}/`)).status, 405);
    assert.equal((await fetch(`${base}/`, { method: 'DELETE' })).status, 405);
    assert.equal((await fetch(`${base}/elsewhere`)).status, 405);
    assert.equal((await fetch(`${base}/x`, { method: 'POST', headers: event, body: 'a' })).status, 404);
    assert.equal((await fetch(`${base}/?q=1`, { method: 'POST', headers: event, body: 'a' })).status, 404);
    assert.equal(publisher.published.length, 0);
  });

  it('400 with the reason for an invalid event', async () => {
    const res = await fetch(`${base}/`, { method: 'POST', headers: { ...event, 'ce-source': '' }, body: 'a' });
    assert.equal(res.status, 400);
    assert.match(await res.text(), /source/);
  });

  it('413 over the size limit', async () => {
    const res = await fetch(`${base}/`, { method: 'POST', headers: event, body: 'x'.repeat(65) });
    assert.equal(res.status, 413);
    assert.equal(publisher.published.length, 0);
  });

  it('500 when RabbitMQ does not confirm', async () => {
    publisher.fail = true;
    const res = await fetch(`${base}/`, { method: 'POST', headers: event, body: 'a' });
    assert.equal(res.status, 500);
    assert.match(await res.text(), /did not confirm/);
  });

  it('/metrics counts what the ingress did with each event', async () => {
    const metricsText = async () => (await fetch(`${base}/metrics`)).text();
    const count = (text: string, labels: string) => Number(new RegExp(`^sluice_broker_ingress_events_total\\{${labels}\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
    const before = await metricsText();
    await fetch(`${base}/`, { method: 'POST', headers: { ...event, 'ce-type': 'm.counted' }, body: 'a' });
    await fetch(`${base}/`, { method: 'POST', headers: event, body: 'x'.repeat(65) });
    publisher.fail = true;
    await fetch(`${base}/`, { method: 'POST', headers: { ...event, 'ce-type': 'm.counted' }, body: 'a' });
    const after = await metricsText();
    assert.equal(count(after, 'type="m.counted",outcome="accepted"'), 1);
    assert.equal(count(after, 'type="m.counted",outcome="unavailable"'), 1);
    assert.equal(count(after, 'type="unknown",outcome="too_large"') - count(before, 'type="unknown",outcome="too_large"'), 1);
    assert.match(after, /^sluice_process_resident_memory_bytes \d+/m);
  });

  it('/healthz says whether RabbitMQ is connected', async () => {
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
    publisher.ready = false;
    assert.equal((await fetch(`${base}/healthz`)).status, 503);
  });
});

describe('ingress with basic auth (SLUICE_BASIC_AUTH)', () => {
  let authServer: Server;
  let authBase = '';
  before(async () => {
    const app = createIngressApp({ exchange: 'b.ns.b', publisher, users: { ops: 's3cret' }, log: createLogger('t').child({}, { level: 'silent' }) });
    authServer = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => authServer.once('listening', resolve));
    authBase = `http://127.0.0.1:${(authServer.address() as AddressInfo).port}`;
  });
  after(() => authServer.close());

  const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

  it('401 with a challenge and nothing published, without or with wrong credentials', async () => {
    for (const headers of [event, { ...event, authorization: basic('ops', 'wrong') }]) {
      const res = await fetch(`${authBase}/`, { method: 'POST', headers, body: 'hello' });
      assert.equal(res.status, 401);
      assert.match(res.headers.get('www-authenticate') ?? '', /^Basic realm="sluice-broker"/);
    }
    assert.equal(publisher.published.length, 0);
  });

  it('202 with the configured credentials; health and metrics stay open', async () => {
    const res = await fetch(`${authBase}/`, { method: 'POST', headers: { ...event, authorization: basic('ops', 's3cret') }, body: 'hello' });
    assert.equal(res.status, 202);
    assert.equal(publisher.published.length, 1);
    assert.equal((await fetch(`${authBase}/healthz`)).status, 200);
    assert.equal((await fetch(`${authBase}/metrics`)).status, 200);
  });
});
