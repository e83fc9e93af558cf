import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CloudEvent } from 'cloudevents';
import { pino } from 'pino';
import { encodeHeaderValue } from '../../lib/events/http.js';
import { EventType } from '../../lib/events/types.js';
import { HttpSink } from './sink.js';

const log = pino({ level: 'silent' });
const servers: Server[] = [];
after(() => servers.forEach((s) => s.close()));

interface Received {
  headers: IncomingMessage['headers'];
  body: string;
}

/** A sink answering the scripted statuses in turn (the last one forever). */
async function scriptedSink(statuses: number[], port = 0): Promise<{ url: string; received: Received[]; server: Server }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.writeHead(statuses[Math.min(received.length - 1, statuses.length - 1)]!);
      res.end('nope');
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, received, server };
}

const event = () =>
  new CloudEvent({
    id: '1-created-abc',
    type: EventType.ObjectCreated,
    source: '/sluice/seaweedfs/buckets/documents',
    subject: 'a b/ü.txt',
    datacontenttype: 'application/json',
    data: { bucket: 'documents', key: 'a b/ü.txt', size: 1 },
  });

const fast = { log, minRetryDelayMs: 5, maxRetryDelayMs: 20 };

describe('HttpSink', () => {
  test('posts a binary-mode CloudEvent', async () => {
    const s = await scriptedSink([202]);
    await new HttpSink(s.url, fast).send(event());
    assert.equal(s.received.length, 1);
    const { headers, body } = s.received[0]!;
    assert.equal(headers['ce-id'], '1-created-abc');
    assert.equal(headers['ce-type'], EventType.ObjectCreated);
    assert.equal(headers['ce-source'], '/sluice/seaweedfs/buckets/documents');
    assert.equal(headers['ce-specversion'], '1.0');
    assert.match(String(headers['content-type']), /^application\/json/);
    // Non-ASCII header values are percent-encoded (CloudEvents HTTP binding 1.0.2).
    assert.equal(headers['ce-subject'], 'a%20b/%C3%BC.txt');
    assert.equal(decodeURIComponent(String(headers['ce-subject'])), 'a b/ü.txt');
    assert.deepEqual(JSON.parse(body), { bucket: 'documents', key: 'a b/ü.txt', size: 1 });
  });

  test('header values: percent-encoding outside printable ASCII, and of " and %', () => {
    assert.equal(encodeHeaderValue('plain/key-1_2.txt'), 'plain/key-1_2.txt');
    assert.equal(encodeHeaderValue('a b'), 'a%20b');
    assert.equal(encodeHeaderValue('100% "x"'), '100%25%20%22x%22');
    assert.equal(encodeHeaderValue('日本\n'), '%E6%97%A5%E6%9C%AC%0A');
    for (const s of ['dossiers d’été/rapport ü 日本.txt', '% "', '😀 tab\t']) assert.equal(decodeURIComponent(encodeHeaderValue(s)), s);
  });

  test('retries 5xx and 404/408/409/429 until a 2xx', async () => {
    const s = await scriptedSink([503, 500, 404, 408, 409, 429, 200]);
    await new HttpSink(s.url, fast).send(event());
    assert.equal(s.received.length, 7);
  });

  test('a refusal (400/401/403/413/422) never skips the event: it is retried until accepted', async () => {
    for (const status of [400, 401, 403, 413, 422]) {
      const s = await scriptedSink([status, status, 202]);
      await new HttpSink(s.url, fast).send(event());
      assert.equal(s.received.length, 3, String(status));
    }
  });

  test('keeps retrying while the sink is unreachable, delivers once it is up', async () => {
    const probe = await scriptedSink([200]);
    const port = (probe.server.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.server.close(() => r()));
    const sending = new HttpSink(`http://127.0.0.1:${port}/`, fast).send(event());
    await new Promise((r) => setTimeout(r, 150));
    const s = await scriptedSink([204], port);
    await sending;
    assert.equal(s.received.length, 1);
  });

  test('an abort stops the retries', async () => {
    const s = await scriptedSink([503]);
    const controller = new AbortController();
    const sending = new HttpSink(s.url, { ...fast, signal: controller.signal }).send(event());
    setTimeout(() => controller.abort(new Error('stop')), 60);
    await assert.rejects(sending, /stop/);
    assert.ok(s.received.length >= 1);
  });
});
