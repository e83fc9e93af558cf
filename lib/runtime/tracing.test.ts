import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { CloudEvent, HTTP } from 'cloudevents';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-node';
import { createLogger } from '../log.js';
import { EventType } from '../events/types.js';
import { DocumentError } from './errors.js';
import { createFunctionApp } from './function-server.js';
import { initTracing, inSpan, withTraceContext } from './tracing.js';

const exporter = new InMemorySpanExporter();
const tracing = initTracing({ serviceName: 'test', exporter: 'none', spanProcessors: [new SimpleSpanProcessor(exporter)] });
let server: Server;
let url: string;

const INCOMING_TRACE = '0af7651916cd43dd8448eb211c80319c';
const INCOMING_SPAN = 'b7ad6b7169203331';
const TRACEPARENT = `00-${INCOMING_TRACE}-${INCOMING_SPAN}-01`;

before(async () => {
  const app = createFunctionApp({
    stage: 'embed',
    source: '/sluice/functions/embed',
    log: createLogger('test').child({}, { level: 'silent' }),
    handler: async (event) => {
      if ((event.data as { fail?: boolean }).fail) throw new DocumentError('corrupt', 'bad', { bucket: 'documents', key: 'a.pdf' });
      return new CloudEvent({ type: EventType.VectorsReady, source: '/sluice/functions/embed', subject: event.subject, data: { chunkCount: 3 } });
    },
  });
  server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
after(async () => {
  server.close();
  await tracing.shutdown();
});

async function send(attributes: Record<string, unknown>, extraHeaders: Record<string, string> = {}, data: object = {}) {
  exporter.reset();
  const message = HTTP.binary(new CloudEvent({ type: EventType.ChunksReady, source: '/t', subject: 'a.pdf', id: 'evt-1', data, ...attributes }));
  const res = await fetch(url, { method: 'POST', headers: { ...(message.headers as Record<string, string>), ...extraHeaders }, body: message.body as string });
  await res.arrayBuffer();
  return res;
}

function parseTraceparent(value: string | null) {
  const match = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/.exec(value ?? '');
  assert.ok(match, `not a traceparent: ${value}`);
  return { traceId: match[1], spanId: match[2], flags: match[3] };
}

test('the reply carries the incoming trace id with the span id of the stage span', async () => {
  const res = await send({ traceparent: TRACEPARENT, tracestate: 'vendor=1' });
  assert.equal(res.status, 200);
  const reply = parseTraceparent(res.headers.get('ce-traceparent'));
  assert.equal(reply.traceId, INCOMING_TRACE);
  assert.notEqual(reply.spanId, INCOMING_SPAN);
  assert.equal(reply.flags, '01');
  assert.equal(res.headers.get('ce-tracestate'), 'vendor=1');

  const [span, ...others] = exporter.getFinishedSpans();
  assert.equal(others.length, 0);
  assert.equal(span!.name, `embed ${EventType.ChunksReady}`);
  assert.equal(span!.spanContext().traceId, INCOMING_TRACE);
  assert.equal(span!.spanContext().spanId, reply.spanId);
  assert.equal(span!.parentSpanContext?.spanId, INCOMING_SPAN);
  assert.equal(span!.attributes['cloudevents.event_id'], 'evt-1');
  assert.equal(span!.attributes['sluice.stage'], 'embed');
});

test('without the extension, the W3C traceparent HTTP header is continued (eventing-rabbitmq delivers it so)', async () => {
  const res = await send({}, { traceparent: TRACEPARENT });
  const reply = parseTraceparent(res.headers.get('ce-traceparent'));
  assert.equal(reply.traceId, INCOMING_TRACE);
  assert.notEqual(reply.spanId, INCOMING_SPAN);
});

test('the extension wins over the transport header', async () => {
  const other = `00-${'1'.repeat(32)}-${'2'.repeat(16)}-01`;
  const res = await send({ traceparent: TRACEPARENT }, { traceparent: other });
  assert.equal(parseTraceparent(res.headers.get('ce-traceparent')).traceId, INCOMING_TRACE);
});

test('an event without trace context starts a new trace', async () => {
  const res = await send({});
  const reply = parseTraceparent(res.headers.get('ce-traceparent'));
  assert.notEqual(reply.traceId, INCOMING_TRACE);
  assert.equal(exporter.getFinishedSpans()[0]!.spanContext().traceId, reply.traceId);
  assert.equal(exporter.getFinishedSpans()[0]!.parentSpanContext, undefined);
});

test('an ingest.failed reply stays in the trace too', async () => {
  const res = await send({ traceparent: TRACEPARENT }, {}, { fail: true });
  assert.equal(res.headers.get('ce-type'), EventType.IngestFailed);
  assert.equal(parseTraceparent(res.headers.get('ce-traceparent')).traceId, INCOMING_TRACE);
});

test('withTraceContext stamps the active span onto an event published from inside a span', async () => {
  const event = new CloudEvent({ type: 't', source: '/s', data: {} });
  assert.equal(withTraceContext(event).traceparent, undefined, 'no span, nothing to stamp');
  const stamped = await inSpan('publish', {}, async (span) => {
    const out = withTraceContext(event);
    assert.equal(parseTraceparent(out.traceparent as string).spanId, span.spanContext().spanId);
    return out;
  });
  assert.equal(stamped.id, event.id);
});
