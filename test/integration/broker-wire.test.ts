/**
 * The local broker's wire behaviour end to end through a real RabbitMQ, where it must match
 * eventing-rabbitmq (issue 16; local/broker/README.md names the upstream source of each):
 * a missing time becomes the dispatch time, structured data arrives byte for byte, integer and
 * boolean extensions stay typed in RabbitMQ (a string Trigger filter does not match them), and
 * the trace context reaches subscribers only as W3C headers. Like broker.test.ts it starts its
 * own broker in a namespace of its own, deleted at the end.
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
import { ZERO_TIME } from '../../local/broker/event-codec.js';
import { deleteTopology } from '../../local/broker/topology.js';
import { brokerManifest, Subscribers, waitFor, type Received } from '../support/subscribers.js';

const RABBITMQ_URL = process.env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const log = createLogger('broker-wire-test').child({}, { level: process.env.BROKER_TEST_LOG ?? 'silent' });
const NS = `wire-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
const BROKER = 'wire-broker';
const TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

const trigger = (name: string, filter: Record<string, string>, path: string) => `
apiVersion: eventing.knative.dev/v1
kind: Trigger
metadata: { name: ${name}, namespace: ${NS} }
spec:
  broker: ${BROKER}
  filter:
    attributes: ${JSON.stringify(filter)}
  subscriber: { ref: { apiVersion: serving.knative.dev/v1, kind: Service, name: wire-svc }, uri: ${path} }`;

const MANIFESTS = [
  brokerManifest(NS, BROKER),
  trigger('all', { type: 'it.wire' }, '/all'),
  trigger('n-as-string', { type: 'it.wire', n: '42' }, '/n-string'),
  trigger('flag-as-string', { type: 'it.wire', flag: 'true' }, '/flag-string'),
  trigger('asker', { type: 'it.wire.ask' }, '/replier'),
  trigger('answers', { type: 'it.wire.answer' }, '/answer'),
].join('\n---\n');

const binary = (type: string, id: string, extra: Record<string, string> = {}): RequestInit => ({
  method: 'POST',
  headers: { 'ce-specversion': '1.0', 'ce-id': id, 'ce-source': '/it', 'ce-type': type, 'content-type': 'application/json', ...extra },
  body: '{}',
});
const structured = (json: string): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/cloudevents+json' }, body: json });

describe('local broker on the wire, as eventing-rabbitmq (through RabbitMQ)', () => {
  const subscribers = new Subscribers();
  let dir = '';
  let broker: RunningBroker;
  const post = async (init: RequestInit) => assert.equal((await fetch(broker.url, init)).status, 202);
  const receivedAt = async (path: string, id: string): Promise<Received> => {
    await waitFor(`${id} at ${path}`, () => subscribers.at(path).some((r) => r.headers['ce-id'] === id));
    return subscribers.at(path).find((r) => r.headers['ce-id'] === id) as Received;
  };

  before(async () => {
    await subscribers.start();
    dir = await mkdtemp(join(tmpdir(), 'sluice-broker-wire-'));
    await writeFile(join(dir, 'eventing.yaml'), MANIFESTS);
    broker = await startBroker({ rabbitmqUrl: RABBITMQ_URL, eventingDir: dir, subscribers: `wire-svc=${subscribers.url}`, port: 0, shutdownGraceMs: 300, connectRetries: 1, log });
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

  it('1. an event without time reaches the subscriber with its dispatch time, and so does a reply without time', async () => {
    subscribers.on('/replier', (r, res) =>
      res.writeHead(200, { 'ce-specversion': '1.0', 'ce-id': `answer-${r.headers['ce-id']}`, 'ce-source': '/it/replier', 'ce-type': 'it.wire.answer' }).end(),
    );
    const before = Date.now();
    await post(binary('it.wire', 'no-time'));
    await post(binary('it.wire.ask', 'ask-no-time'));
    const got = await receivedAt('/all', 'no-time');
    const answer = await receivedAt('/answer', 'answer-ask-no-time');
    for (const r of [got, answer]) {
      const time = String(r.headers['ce-time']);
      assert.notEqual(time, ZERO_TIME);
      assert.match(time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
      const at = Date.parse(time);
      assert.ok(at >= before - 1000 && at <= r.at + 1000, `${time} is not the dispatch time (${new Date(r.at).toISOString()})`);
    }
    const timed = '2025-01-02T03:04:05.5Z';
    await post(binary('it.wire', 'with-time', { 'ce-time': timed }));
    assert.equal((await receivedAt('/all', 'with-time')).headers['ce-time'], timed, 'a time the event has is kept');
  });

  it('2. structured-mode JSON data arrives byte for byte (12345678901234567890 stays that)', async () => {
    const data = '{"big":12345678901234567890,  "price": 1.50, "s":"\\u00e9"}';
    await post(structured(`{"specversion":"1.0","id":"raw-data","source":"/it","type":"it.wire","datacontenttype":"application/json","data":${data}}`));
    await post(structured('{"specversion":"1.0","id":"raw-number","source":"/it","type":"it.wire","data":12345678901234567890}'));
    assert.equal((await receivedAt('/all', 'raw-data')).body, data);
    const number = await receivedAt('/all', 'raw-number');
    assert.equal(number.body, '12345678901234567890');
    assert.equal(number.headers['content-type'], undefined, 'no datacontenttype, none invented');
  });

  it('3. integer and boolean extensions keep their AMQP types: string filters do not match them, string extensions do', async () => {
    await post(structured('{"specversion":"1.0","id":"typed","source":"/it","type":"it.wire","n":42,"flag":true}'));
    await post(binary('it.wire', 'strings', { 'ce-n': '42', 'ce-flag': 'true' }));
    const typed = await receivedAt('/all', 'typed');
    assert.equal(typed.headers['ce-n'], '42', 'the subscriber sees the value (binary mode is text)');
    assert.equal(typed.headers['ce-flag'], 'true');
    // The string twin proves the filters do match when the types agree.
    await receivedAt('/n-string', 'strings');
    await receivedAt('/flag-string', 'strings');
    await sleep(300);
    assert.equal(subscribers.at('/n-string').filter((r) => r.headers['ce-id'] === 'typed').length, 0, 'int 42 must not match the filter "42"');
    assert.equal(subscribers.at('/flag-string').filter((r) => r.headers['ce-id'] === 'typed').length, 0, 'bool true must not match the filter "true"');
  });

  it('3. a structured extension outside int32 is refused with 400 and never queued', async () => {
    const res = await fetch(broker.url, structured('{"specversion":"1.0","id":"too-big","source":"/it","type":"it.wire","n":2147483648}'));
    assert.equal(res.status, 400);
    assert.match(await res.text(), /out of range/);
    await sleep(300);
    assert.equal(subscribers.received.filter((r) => r.headers['ce-id'] === 'too-big').length, 0);
  });

  it('4. ce-traceparent/ce-tracestate are dropped; the subscriber gets the W3C traceparent/tracestate headers', async () => {
    await post(binary('it.wire', 'traced', { 'ce-traceparent': TRACEPARENT, 'ce-tracestate': 'vendor=1' }));
    const got = await receivedAt('/all', 'traced');
    assert.equal(got.headers.traceparent, TRACEPARENT);
    assert.equal(got.headers.tracestate, 'vendor=1');
    assert.equal(got.headers['ce-traceparent'], undefined);
    assert.equal(got.headers['ce-tracestate'], undefined);
    const w3c = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    await post(binary('it.wire', 'w3c-only', { traceparent: w3c }));
    const plain = await receivedAt('/all', 'w3c-only');
    assert.equal(plain.headers.traceparent, w3c, 'a request\'s own W3C trace context is carried through the queue');
    assert.equal(plain.headers['ce-traceparent'], undefined);
  });
});
