/**
 * The local broker against a real RabbitMQ (RABBITMQ_URL; start it with `bash stack/rabbitmq.sh
 * start`). Each run uses its own namespace, so its exchanges and queues are its own; they are
 * deleted at the end. Subscribers are tiny HTTP servers recording what they receive.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect } from 'amqplib';
import { createLogger } from '../../lib/log.js';
import { startBroker, type RunningBroker } from '../../local/broker/broker.js';
import { triggerQueue } from '../../local/broker/naming.js';
import { deleteTopology } from '../../local/broker/topology.js';
import { brokerManifest, Subscribers, waitFor, type Received } from '../support/subscribers.js';

const RABBITMQ_URL = process.env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const log = createLogger('broker-test').child({}, { level: process.env.BROKER_TEST_LOG ?? 'silent' });

const suffix = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
const NS = `it-${suffix}`;
const BROKER = 'it-broker';
const dest = (path: string) => `{ ref: { apiVersion: serving.knative.dev/v1, kind: Service, name: it-svc }, uri: ${path} }`;
const trigger = (name: string, filter: Record<string, string>, path: string, extra = '', annotations = '') => `
apiVersion: eventing.knative.dev/v1
kind: Trigger
metadata:
  name: ${name}
  namespace: ${NS}
  ${annotations ? `annotations: { ${annotations} }` : ''}
spec:
  broker: ${BROKER}
  filter:
    attributes: ${JSON.stringify(filter)}
  subscriber: ${dest(path)}
${extra}`;
const FAST_DELIVERY = (retry: number) => `  delivery:
    retry: ${retry}
    backoffPolicy: exponential
    backoffDelay: PT0.1S
    timeout: PT2S
    deadLetterSink: ${dest('/dls')}`;

const MANIFESTS = [
  brokerManifest(NS, BROKER, `  delivery:
    retry: 1
    backoffDelay: PT0.1S
    deadLetterSink: ${dest('/broker-dls')}`),
  trigger('by-type', { type: 'it.a' }, '/a'),
  trigger('by-extension', { type: 'it.b', tenant: 'acme' }, '/ext'),
  trigger('flaky', { type: 'it.flaky' }, '/flaky', FAST_DELIVERY(3)),
  trigger('failing', { type: 'it.fail' }, '/fail', FAST_DELIVERY(2)),
  trigger('asker', { type: 'it.ask' }, '/replier'),
  trigger('answers', { type: 'it.answer' }, '/answer'),
  trigger('durable', { type: 'it.durable' }, '/durable', '', 'rabbitmq.eventing.knative.dev/parallelism: "1"'),
  trigger('refused-reply', { type: 'it.big-answer' }, '/big-replier', FAST_DELIVERY(0)),
  trigger('unauthorised', { type: 'it.unauthorised' }, '/unauthorised', FAST_DELIVERY(0)),
].join('\n---\n');

function binaryEvent(type: string, id: string, extra: Record<string, string> = {}) {
  return {
    method: 'POST',
    headers: { 'ce-specversion': '1.0', 'ce-id': id, 'ce-source': '/it', 'ce-type': type, 'content-type': 'application/json', ...extra },
    body: JSON.stringify({ id }),
  };
}

describe('local broker against RabbitMQ', () => {
  const subscribers = new Subscribers();
  let dir = '';
  let broker: RunningBroker;
  const start = () =>
    startBroker({
      rabbitmqUrl: RABBITMQ_URL,
      eventingDir: dir,
      subscribers: `it-svc=${subscribers.url}`,
      port: 0,
      shutdownGraceMs: 300,
      connectRetries: 1,
      log,
    });
  const post = (init: RequestInit, path = '') => fetch(new URL(path, broker.url), init);

  before(async () => {
    await subscribers.start();
    dir = await mkdtemp(join(tmpdir(), 'sluice-broker-it-'));
    await writeFile(join(dir, 'eventing.yaml'), MANIFESTS);
    broker = await start();
  });

  after(async () => {
    await broker?.close();
    if (broker) {
      const conn = await connect(RABBITMQ_URL);
      await deleteTopology(conn, broker.topology);
      await conn.close();
    }
    await subscribers.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('builds its topology from the manifests it was given', () => {
    assert.equal(broker.topology.exchange, `b.${NS}.${BROKER}`);
    assert.deepEqual(
      broker.table.triggers.map((t) => t.name),
      ['by-type', 'by-extension', 'flaky', 'failing', 'asker', 'answers', 'durable', 'refused-reply', 'unauthorised'],
    );
  });

  it('answers 405 to other methods, 404 to other paths, 400 to invalid events, 200 on /healthz', async () => {
    assert.equal((await post({ method: 'GET' })).status, 405);
    assert.equal((await post({ method: 'PUT', body: 'x' })).status, 405);
    assert.equal((await post(binaryEvent('it.a', 'x'), '/x')).status, 404);
    const invalid = await post({ method: 'POST', headers: { 'ce-specversion': '1.0', 'ce-id': '1', 'ce-type': 'it.a' }, body: '{}' });
    assert.equal(invalid.status, 400);
    assert.match(await invalid.text(), /source/);
    const noEvent = await post({ method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    assert.equal(noEvent.status, 400);
    assert.equal((await post({ method: 'GET' }, '/healthz')).status, 200);
  });

  it('delivers a binary event to the Trigger whose type matches, and only there', async () => {
    const res = await post(binaryEvent('it.a', 'bin-1', { 'ce-subject': 'doc.pdf', 'ce-tenant': 'acme' }));
    assert.equal(res.status, 202);
    await waitFor('delivery to /a', () => subscribers.at('/a').length === 1);
    const got = subscribers.at('/a')[0] as Received;
    assert.equal(got.headers['ce-id'], 'bin-1');
    assert.equal(got.headers['ce-type'], 'it.a');
    assert.equal(got.headers['ce-subject'], 'doc.pdf');
    assert.equal(got.headers['ce-tenant'], 'acme');
    assert.equal(got.headers['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(got.body), { id: 'bin-1' });
    await sleep(300);
    assert.equal(subscribers.at('/ext').length, 0, 'type it.a must not reach the it.b Trigger');
  });

  it('matches a structured event on type and an extension attribute, exactly', async () => {
    const structured = (id: string, tenant: string) => ({
      method: 'POST',
      headers: { 'content-type': 'application/cloudevents+json; charset=utf-8' },
      body: JSON.stringify({ specversion: '1.0', id, source: '/it', type: 'it.b', tenant, datacontenttype: 'application/json', data: { id } }),
    });
    assert.equal((await post(structured('st-other', 'acme-corp'))).status, 202);
    assert.equal((await post(structured('st-1', 'acme'))).status, 202);
    await waitFor('delivery to /ext', () => subscribers.at('/ext').length === 1);
    await sleep(300);
    const got = subscribers.at('/ext');
    assert.equal(got.length, 1, 'tenant=acme-corp must not match tenant=acme');
    assert.equal(got[0]?.headers['ce-id'], 'st-1');
    assert.equal(got[0]?.headers['ce-tenant'], 'acme');
    assert.deepEqual(JSON.parse(got[0]?.body ?? ''), { id: 'st-1' });
    assert.equal(subscribers.at('/a').filter((r) => String(r.headers['ce-id']).startsWith('st-')).length, 0);
  });

  it('retries a subscriber that fails twice: 3 attempts, waits growing (2x then 4x the delay)', async () => {
    subscribers.on('/flaky', (_r, res, nth) => res.writeHead(nth <= 2 ? 500 : 200).end());
    assert.equal((await post(binaryEvent('it.flaky', 'flaky-1'))).status, 202);
    await waitFor('third attempt', () => subscribers.at('/flaky').length === 3);
    await sleep(500);
    const attempts = subscribers.at('/flaky');
    assert.equal(attempts.length, 3);
    const [a, b, c] = attempts.map((r) => r.at) as [number, number, number];
    assert.ok(b - a >= 180, `first retry waited ${b - a} ms, expected ~200`);
    assert.ok(c - b >= 380, `second retry waited ${c - b} ms, expected ~400`);
    assert.ok(c - b > b - a, 'delays grow');
    assert.equal(subscribers.at('/dls').filter((r) => r.headers['ce-id'] === 'flaky-1').length, 0);
  });

  it('dead-letters after retry + 1 attempts, with knativeerrordest and knativeerrorcode', async () => {
    subscribers.on('/fail', (_r, res) => res.writeHead(503, { 'content-type': 'text/plain' }).end('overloaded'));
    assert.equal((await post(binaryEvent('it.fail', 'fail-1', { 'ce-subject': 's' }))).status, 202);
    await waitFor('dead letter', () => subscribers.at('/dls').some((r) => r.headers['ce-id'] === 'fail-1'));
    assert.equal(subscribers.at('/fail').length, 3);
    const dead = subscribers.at('/dls').find((r) => r.headers['ce-id'] === 'fail-1') as Received;
    assert.equal(dead.headers['ce-knativeerrorcode'], '503');
    assert.equal(dead.headers['ce-knativeerrordest'], `${subscribers.url}/fail`);
    assert.equal(dead.headers['ce-knativeerrordata'], undefined, 'the RabbitMQ dispatcher does not send knativeerrordata');
    assert.equal(dead.headers['ce-type'], 'it.fail');
    assert.equal(dead.headers['ce-subject'], 's');
    assert.deepEqual(JSON.parse(dead.body), { id: 'fail-1' });
  });

  it('routes a reply CloudEvent from a subscriber to the Trigger matching its type', async () => {
    subscribers.on('/replier', (r, res) =>
      res
        .writeHead(200, { 'ce-specversion': '1.0', 'ce-id': `answer-to-${r.headers['ce-id']}`, 'ce-source': '/it/replier', 'ce-type': 'it.answer', 'content-type': 'application/json' })
        .end(JSON.stringify({ answer: 42 })),
    );
    assert.equal((await post(binaryEvent('it.ask', 'ask-1'))).status, 202);
    await waitFor('reply delivered to /answer', () => subscribers.at('/answer').length === 1);
    const answer = subscribers.at('/answer')[0] as Received;
    assert.equal(answer.headers['ce-id'], 'answer-to-ask-1');
    assert.equal(answer.headers['ce-source'], '/it/replier');
    assert.deepEqual(JSON.parse(answer.body), { answer: 42 });
  });

  it('a reply the ingress refuses (413 here) is not delivered: the original is dead-lettered, not acked with its reply lost', async () => {
    // A reply over the ingress's 1 MiB limit: what happens whenever CLAIM_CHECK_THRESHOLD_BYTES does not fit the broker.
    subscribers.on('/big-replier', (r, res) =>
      res
        .writeHead(200, { 'ce-specversion': '1.0', 'ce-id': `big-${r.headers['ce-id']}`, 'ce-source': '/it/replier', 'ce-type': 'it.answer', 'content-type': 'text/plain' })
        .end('x'.repeat(1024 * 1024 + 1)),
    );
    const before = subscribers.at('/answer').length;
    assert.equal((await post(binaryEvent('it.big-answer', 'big-ask-1'))).status, 202);
    await waitFor('the original in the dead-letter sink', () => subscribers.at('/dls').some((r) => r.headers['ce-id'] === 'big-ask-1'));
    const dead = subscribers.at('/dls').find((r) => r.headers['ce-id'] === 'big-ask-1') as Received;
    assert.equal(dead.headers['ce-knativeerrordest'], `${subscribers.url}/big-replier`);
    assert.equal(subscribers.at('/answer').length, before, 'the refused reply was not routed');
  });

  it('an event a subscriber refuses for its sender (401/403) is dead-lettered, not counted as delivered', async () => {
    subscribers.on('/unauthorised', (_r, res) => res.writeHead(401, { 'www-authenticate': 'Bearer' }).end());
    assert.equal((await post(binaryEvent('it.unauthorised', 'unauth-1'))).status, 202);
    await waitFor('dead letter', () => subscribers.at('/dls').some((r) => r.headers['ce-id'] === 'unauth-1'));
    const dead = subscribers.at('/dls').find((r) => r.headers['ce-id'] === 'unauth-1') as Received;
    assert.equal(dead.headers['ce-knativeerrorcode'], '401');
  });

  it('recovers when RabbitMQ pulls a queue from under it: reconnects, re-declares, resumes consuming', async () => {
    const queue = triggerQueue({ name: 'by-type', namespace: NS });
    const admin = await connect(RABBITMQ_URL);
    try {
      const ch = await admin.createChannel();
      await ch.deleteQueue(queue);
      await ch.close();
      // A missing queue closes the channel that asks about it, hence a channel per probe.
      const consumers = async () => {
        const probe = await admin.createChannel();
        probe.on('error', () => {});
        try {
          return (await probe.checkQueue(queue)).consumerCount;
        } catch {
          return 0;
        } finally {
          await probe.close().catch(() => {});
        }
      };
      const deadline = Date.now() + 15_000;
      while ((await consumers()) !== 1) {
        assert.ok(Date.now() < deadline, 'the broker did not re-declare and consume the deleted queue');
        await sleep(100);
      }
    } finally {
      await admin.close();
    }
    assert.equal((await post(binaryEvent('it.a', 'after-recovery'))).status, 202);
    await waitFor('delivery after recovery', () => subscribers.at('/a').some((r) => r.headers['ce-id'] === 'after-recovery'));
  });

  it('keeps queued messages across a broker restart (durable queues, persistent messages)', async () => {
    const release: Array<() => void> = [];
    subscribers.on('/durable', (_r, res) => release.push(() => res.writeHead(200).end()));
    const ids = ['d-1', 'd-2', 'd-3', 'd-4', 'd-5'];
    for (const id of ids) assert.equal((await post(binaryEvent('it.durable', id))).status, 202);
    // parallelism 1: the first is in flight (held), the other four wait in the queue.
    await waitFor('first durable delivery', () => subscribers.at('/durable').length === 1);
    await broker.close();
    for (const r of release.splice(0)) r();

    const conn = await connect(RABBITMQ_URL);
    const ch = await conn.createChannel();
    const { messageCount } = await ch.checkQueue(triggerQueue({ name: 'durable', namespace: NS }));
    await conn.close();
    assert.equal(messageCount, 5, 'the unacked in-flight message went back to the queue with the others');

    subscribers.on('/durable', (_r, res) => res.writeHead(200).end());
    broker = await start();
    await waitFor('all durable events delivered', () => ids.every((id) => subscribers.at('/durable').some((r) => r.headers['ce-id'] === id)));
    const order = subscribers.at('/durable').slice(1).map((r) => r.headers['ce-id']);
    assert.deepEqual(order, ids, 'redelivered in queue order after the restart');
  });
});
