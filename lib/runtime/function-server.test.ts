import { test, before, after } from 'node:test';
import { Writable } from 'node:stream';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { CloudEvent, HTTP } from 'cloudevents';
import { createLogger } from '../log.js';
import { EventType } from '../events/types.js';
import { DocumentError, InvalidEventError, TransientError } from './errors.js';
import { createFunctionApp, type Handler } from './function-server.js';

let server: Server;
let url: string;

const handler: Handler = async (event) => {
  const data = event.data as { mode: string };
  switch (data.mode) {
    case 'reply':
      return new CloudEvent({ type: 'test.reply', source: '/test', subject: event.subject, data: { echoed: event.id } });
    case 'none':
      return undefined;
    case 'bad-document':
      throw new DocumentError('corrupt', 'PDF could not be parsed', { bucket: 'documents', key: 'x.pdf', version: 'v1' });
    case 'invalid':
      throw new InvalidEventError('data does not match', ['key: required']);
    case 'transient':
      throw new TransientError('Qdrant is down', 7);
    default:
      throw new Error('boom');
  }
};

before(async () => {
  const app = createFunctionApp({ stage: 'split', source: '/sluice/functions/split', handler, log: createLogger('test').child({}, { level: 'silent' }) });
  server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
after(() => server.close());

const send = (mode: string, encode: typeof HTTP.binary = HTTP.binary) => {
  const message = encode(new CloudEvent({ type: 'test.in', source: '/t', subject: 'k', id: 'evt-1', data: { mode } }));
  return fetch(url, { method: 'POST', headers: message.headers as Record<string, string>, body: message.body as string });
};

test('binary and structured events get a binary reply event', async () => {
  for (const encode of [HTTP.binary, HTTP.structured]) {
    const res = await send('reply', encode);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('ce-type'), 'test.reply');
    assert.equal(res.headers.get('ce-subject'), 'k');
    assert.deepEqual(await res.json(), { echoed: 'evt-1' });
  }
});

test('non-ASCII attribute values travel percent-encoded both ways', async () => {
  const message = HTTP.binary(new CloudEvent({ type: 'test.in', source: '/t', subject: 'k', id: 'evt-2', data: { mode: 'reply' } }));
  const headers = { ...(message.headers as Record<string, string>), 'ce-subject': 'docs/caf%C3%A9%20menu.pdf' };
  const res = await fetch(url, { method: 'POST', headers, body: message.body as string });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('ce-subject'), 'docs/caf%C3%A9%20menu.pdf');
  assert.equal(decodeURIComponent(res.headers.get('ce-subject')!), 'docs/café menu.pdf');
});

test('no reply is 202 with an empty body', async () => {
  const res = await send('none');
  assert.equal(res.status, 202);
  assert.equal(await res.text(), '');
});

test('a bad document becomes an ingest.failed reply, so the broker does not retry', async () => {
  const res = await send('bad-document');
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('ce-type'), EventType.IngestFailed);
  assert.deepEqual(await res.json(), { bucket: 'documents', key: 'x.pdf', version: 'v1', stage: 'split', reason: 'corrupt', message: 'PDF could not be parsed' });
});

test('status codes tell the broker what to do', async () => {
  assert.equal((await send('invalid')).status, 400);
  const transient = await send('transient');
  assert.equal(transient.status, 503);
  assert.equal(transient.headers.get('retry-after'), '7');
  assert.equal((await send('unexpected')).status, 500);
  const notAnEvent = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"hello":1}' });
  assert.equal(notAnEvent.status, 400);
});

test('health and metrics endpoints answer', async () => {
  assert.equal((await fetch(new URL('/health/liveness', url))).status, 200);
  assert.equal((await fetch(new URL('/health/readiness', url))).status, 200);
  assert.match(await (await fetch(new URL('/metrics', url))).text(), /sluice_events_total\{stage="split",type="test.in",outcome="processed"\}/);
});

test('an event over maxBodyBytes is refused with 413 and counted', async () => {
  const message = HTTP.binary(new CloudEvent({ type: 'test.in', source: '/t', subject: 'k', id: 'evt-big', data: { mode: 'reply', pad: 'x'.repeat(1024 * 1024) } }));
  const res = await fetch(url, { method: 'POST', headers: message.headers as Record<string, string>, body: message.body as string });
  assert.equal(res.status, 413);
  assert.match(await (await fetch(new URL('/metrics', url))).text(), /sluice_events_total\{stage="split",type="unknown",outcome="too_large"\} 1/);
});

test('received events and stage durations reach the metrics', async () => {
  const res = await send('reply');
  assert.equal(res.status, 200);
  const text = await (await fetch(new URL('/metrics', url))).text();
  assert.match(text, /sluice_events_received_total\{stage="split",type="test.in"\} \d+/);
  assert.match(text, /sluice_stage_duration_seconds_count\{stage="split",type="test.in"\} \d+/);
});

test('every log line about an event names its id, type, document key and version, and trace id; reply batch sizes are measured', async () => {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const app = createFunctionApp({
    stage: 'embed',
    source: '/sluice/functions/embed',
    log: createLogger('embed', { destination, level: 'info' }),
    handler: async (event, { log }) => {
      log.info('working on it');
      return new CloudEvent({ type: EventType.VectorsReady, source: '/sluice/functions/embed', subject: event.subject, data: { chunkCount: 7 } });
    },
  });
  const own = app.listen(0, '127.0.0.1');
  await new Promise((r) => own.once('listening', r));
  try {
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const message = HTTP.binary(
      new CloudEvent({ type: EventType.ChunksReady, source: '/t', subject: 'docs/a.pdf', id: 'evt-log', traceparent, data: { document: { key: 'docs/a.pdf', version: 'etag-9' }, chunkCount: 7 } }),
    );
    const res = await fetch(`http://127.0.0.1:${(own.address() as AddressInfo).port}/`, { method: 'POST', headers: message.headers as Record<string, string>, body: message.body as string });
    assert.equal(res.status, 200);
    const line = lines.find((l) => l.msg === 'working on it');
    assert.ok(line, 'the handler logged');
    assert.equal(line.eventId, 'evt-log');
    assert.equal(line.eventType, EventType.ChunksReady);
    assert.equal(line.key, 'docs/a.pdf');
    assert.equal(line.version, 'etag-9');
    assert.equal(line.traceId, '0af7651916cd43dd8448eb211c80319c');
    const text = await (await fetch(`http://127.0.0.1:${(own.address() as AddressInfo).port}/metrics`)).text();
    assert.match(text, new RegExp(`sluice_chunks_per_event_sum\\{stage="embed",type="${EventType.VectorsReady.replace(/\./g, '\\.')}"\\} 7`));
    assert.match(text, new RegExp(`sluice_chunks_total\\{stage="embed",type="${EventType.VectorsReady.replace(/\./g, '\\.')}"\\} 7`));
  } finally {
    own.close();
  }
});

test('a schema-invalid event goes to the dead-letter sink with the broker\'s error extensions, then 400', async () => {
  const letters: Array<{ headers: Record<string, string | string[] | undefined>; body: string }> = [];
  let sinkStatus = 202;
  const sink = (await import('node:http')).createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      letters.push({ headers: req.headers, body });
      res.statusCode = sinkStatus;
      res.end();
    });
  });
  sink.listen(0, '127.0.0.1');
  await new Promise((r) => sink.once('listening', r));
  const { createDeadLetterSink } = await import('./dead-letter.js');
  const app = createFunctionApp({
    stage: 'embed',
    source: '/sluice/functions/embed',
    handler,
    log: createLogger('test').child({}, { level: 'silent' }),
    deadLetter: createDeadLetterSink(`http://127.0.0.1:${(sink.address() as AddressInfo).port}/dead-letters`, undefined),
  });
  const fn = app.listen(0, '127.0.0.1');
  await new Promise((r) => fn.once('listening', r));
  const fnUrl = `http://127.0.0.1:${(fn.address() as AddressInfo).port}/`;
  const post = () => {
    const message = HTTP.binary(new CloudEvent({ type: 'test.in', source: '/t', subject: 'k', id: 'poison-1', data: { mode: 'invalid' } }));
    return fetch(fnUrl, { method: 'POST', headers: message.headers as Record<string, string>, body: message.body as string });
  };
  try {
    const res = await post();
    assert.equal(res.status, 400);
    assert.equal(letters.length, 1);
    const letter = letters[0]!;
    assert.equal(letter.headers['ce-id'], 'poison-1');
    assert.equal(letter.headers['ce-knativeerrorcode'], '400');
    assert.equal(letter.headers['ce-knativeerrordest'], '/sluice/functions/embed');
    assert.match(Buffer.from(String(letter.headers['ce-knativeerrordata']), 'base64').toString(), /data does not match.*key: required/);
    assert.deepEqual(JSON.parse(letter.body), { mode: 'invalid' });

    // When the sink cannot take it, the broker must keep the event: a retryable answer.
    sinkStatus = 500;
    assert.equal((await post()).status, 503);
  } finally {
    fn.close();
    sink.close();
  }
});
