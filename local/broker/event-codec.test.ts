import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createEvent } from '../../lib/events/create-event.js';
import { fromHttpMessage, toBinaryMessage } from '../../lib/events/http.js';
import { EventSource, EventType } from '../../lib/events/types.js';
import { InvalidCloudEventError } from './errors.js';
import {
  eventLogFields,
  fromAmqpMessage,
  looksLikeCloudEvent,
  normaliseTime,
  parseHttpEvent,
  toAmqpMessage,
  toHttpBinary,
  withExtensions,
  withSendTime,
  ZERO_TIME,
} from './event-codec.js';

const binaryHeaders = {
  'ce-specversion': '1.0',
  'ce-id': 'e-1',
  'ce-source': '/sluice/cli',
  'ce-type': EventType.IngestRequested,
  'ce-subject': 'doc.pdf',
  'ce-time': '2025-03-04T05:06:07.120+01:00',
  'ce-tenant': 'acme',
  'content-type': 'application/json; charset=utf-8',
  host: 'localhost',
};
const rejects = (fn: () => unknown, pattern: RegExp) =>
  assert.throws(fn, (err: Error) => err instanceof InvalidCloudEventError && pattern.test(err.message));

describe('parseHttpEvent', () => {
  it('binary mode: ce-* headers become attributes, content-type datacontenttype, the body is kept byte for byte', () => {
    const body = Buffer.from('{ "key" :"doc.pdf" }');
    const event = parseHttpEvent(binaryHeaders, body);
    assert.deepEqual(event.attributes, {
      specversion: '1.0',
      id: 'e-1',
      source: '/sluice/cli',
      type: EventType.IngestRequested,
      subject: 'doc.pdf',
      time: '2025-03-04T04:06:07.12Z',
      tenant: 'acme',
      datacontenttype: 'application/json; charset=utf-8',
    });
    assert.equal(event.data?.toString(), '{ "key" :"doc.pdf" }');
  });

  it('binary mode does not parse data, like the Go ingress', () => {
    const event = parseHttpEvent({ ...binaryHeaders, 'content-type': 'application/json' }, Buffer.from('not json'));
    assert.equal(event.data?.toString(), 'not json');
  });

  it('structured mode: attributes from the JSON object, JSON data as JSON text', () => {
    const body = JSON.stringify({ specversion: '1.0', id: 'e-2', source: '/s', type: 't', datacontenttype: 'application/json', tenant: 'acme', n: 3, data: { key: 'k' } });
    const event = parseHttpEvent({ 'content-type': 'application/cloudevents+json; charset=UTF-8' }, Buffer.from(body));
    assert.deepEqual(event.attributes, { specversion: '1.0', id: 'e-2', source: '/s', type: 't', datacontenttype: 'application/json', tenant: 'acme', n: '3' });
    assert.deepEqual(JSON.parse(event.data?.toString() ?? ''), { key: 'k' });
  });

  it('structured mode: data_base64 is decoded; a string under a text type is the text itself', () => {
    const b64 = parseHttpEvent(
      { 'content-type': 'application/cloudevents+json' },
      Buffer.from(JSON.stringify({ specversion: '1.0', id: 'a', source: '/s', type: 't', data_base64: Buffer.from([0, 1, 255]).toString('base64') })),
    );
    assert.deepEqual([...(b64.data ?? [])], [0, 1, 255]);
    const text = parseHttpEvent(
      { 'content-type': 'application/cloudevents+json' },
      Buffer.from(JSON.stringify({ specversion: '1.0', id: 'a', source: '/s', type: 't', datacontenttype: 'text/plain', data: 'hello' })),
    );
    assert.equal(text.data?.toString(), 'hello');
  });

  it('rejects what is not a valid CloudEvent, with a reason', () => {
    rejects(() => parseHttpEvent({ 'content-type': 'application/json' }, Buffer.from('{}')), /no CloudEvent/);
    rejects(() => parseHttpEvent({ ...binaryHeaders, 'ce-source': '' }, Buffer.alloc(0)), /source|invalid CloudEvent/);
    rejects(() => parseHttpEvent({ ...binaryHeaders, 'ce-type': undefined }, Buffer.alloc(0)), /type/);
    rejects(() => parseHttpEvent({ ...binaryHeaders, 'ce-specversion': '0.3' }, Buffer.alloc(0)), /specversion 0\.3/);
    rejects(() => parseHttpEvent({ ...binaryHeaders, 'ce-time': 'yesterday' }, Buffer.alloc(0)), /time/);
    rejects(() => parseHttpEvent({ ...binaryHeaders, 'ce-bad_name': 'x' }, Buffer.alloc(0)), /bad_name/);
    rejects(() => parseHttpEvent({ 'content-type': 'application/cloudevents+json' }, Buffer.from('{nope')), /not valid JSON/);
    rejects(
      () => parseHttpEvent({ 'content-type': 'application/cloudevents+json' }, Buffer.from(JSON.stringify({ specversion: '1.0', source: '/s', type: 't' }))),
      /id/,
    );
    rejects(() => parseHttpEvent({ 'content-type': 'application/cloudevents-batch+json' }, Buffer.from('[]')), /batch/);
  });

  it('looksLikeCloudEvent tells a reply event from a plain response', () => {
    assert.equal(looksLikeCloudEvent({ 'ce-specversion': '1.0' }), true);
    assert.equal(looksLikeCloudEvent({ 'content-type': 'application/cloudevents+json; charset=utf-8' }), true);
    assert.equal(looksLikeCloudEvent({ 'content-type': 'application/json' }), false);
  });
});

describe('AMQP mapping (eventing-rabbitmq CloudEventToRabbitMQMessage / NewMessageFromDelivery)', () => {
  const event = parseHttpEvent(binaryHeaders, Buffer.from('{"key":"doc.pdf"}'));

  it('puts attributes and extensions in headers under their bare names, datacontenttype as content-type', () => {
    const msg = toAmqpMessage(event);
    assert.deepEqual(msg.headers, {
      'content-type': 'application/json; charset=utf-8',
      specversion: '1.0',
      time: '2025-03-04T04:06:07.12Z',
      id: 'e-1',
      type: EventType.IngestRequested,
      source: '/sluice/cli',
      subject: 'doc.pdf',
      tenant: 'acme',
    });
    assert.equal(msg.messageId, 'e-1');
    assert.equal(msg.contentType, 'application/json; charset=utf-8');
    assert.equal(msg.content.toString(), '{"key":"doc.pdf"}');
  });

  it('always sends a time header: the Go zero time when the event has none', () => {
    const { time: _time, ...rest } = event.attributes;
    assert.equal(toAmqpMessage({ attributes: rest }).headers.time, ZERO_TIME);
  });

  it('round-trips through AMQP, skipping x- headers, and stringifying typed values', () => {
    const msg = toAmqpMessage(withExtensions(event, { knativeerrordest: 'http://x/' }), { knativeerrorcode: 500 });
    const back = fromAmqpMessage({ ...msg.headers, 'x-death': [{}], 'ce-extra': Buffer.from('b') }, msg.content);
    assert.deepEqual(back.attributes, { ...event.attributes, knativeerrordest: 'http://x/', knativeerrorcode: '500', extra: 'b' });
    assert.deepEqual(back.data, event.data);
  });

  it('log fields name the event, its document and its trace (extension, else the hop\'s trace context)', () => {
    const data = Buffer.from(JSON.stringify({ document: { key: 'docs/a.pdf', version: 'etag-1' }, chunkCount: 2 }));
    const traced = { attributes: { ...event.attributes, traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' }, data };
    const fields = { eventId: 'e-1', eventType: EventType.IngestRequested, key: 'docs/a.pdf', version: 'etag-1', traceId: '0af7651916cd43dd8448eb211c80319c' };
    assert.deepEqual(eventLogFields(traced), fields);
    assert.deepEqual(eventLogFields({ attributes: event.attributes, traceContext: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' }, data }), fields);
    assert.deepEqual(eventLogFields({ attributes: { id: 'x', type: 't', subject: 'k.txt' }, data: Buffer.from('not json') }), { eventId: 'x', eventType: 't', key: 'k.txt' });
  });

  it('an empty content-type header means no datacontenttype, an empty body no data', () => {
    assert.deepEqual(fromAmqpMessage({ 'content-type': '', id: 'a' }, Buffer.alloc(0)), { attributes: { id: 'a' } });
  });

  it('binary HTTP for subscribers', () => {
    const { headers, body } = toHttpBinary(event);
    assert.equal(headers['content-type'], 'application/json; charset=utf-8');
    assert.equal(headers['ce-id'], 'e-1');
    assert.equal(headers['ce-tenant'], 'acme');
    assert.equal(headers['ce-datacontenttype'], undefined);
    assert.equal(body.toString(), '{"key":"doc.pdf"}');
  });

  it('a producer\'s event reaches the subscriber as sent: percent-encoded ce-* values passed through, data bytes untouched', () => {
    // Producers and subscribers speak lib/events/http.ts; the broker in between keeps header
    // values as they came (as sdk-go's protocol/http Message does) and never reads the data.
    const sent = createEvent(EventType.IngestRequested, EventSource.cli, 'docs/café menu.pdf', { key: 'docs/café menu.pdf' }, { id: 'e-9' });
    const message = toBinaryMessage(sent);
    const inBroker = parseHttpEvent(message.headers, Buffer.from(message.body));
    assert.equal(inBroker.attributes.subject, 'docs/caf%C3%A9%20menu.pdf');
    const queued = toAmqpMessage(inBroker);
    const delivered = toHttpBinary(withSendTime(fromAmqpMessage(queued.headers, queued.content)));
    assert.equal(delivered.headers['ce-subject'], message.headers['ce-subject']);
    assert.equal(delivered.body.toString(), message.body.toString());
    const received = fromHttpMessage(delivered.headers, delivered.body);
    assert.equal(received.subject, 'docs/café menu.pdf');
    assert.deepEqual(received.data, { key: 'docs/café menu.pdf' });
  });
});

describe('normaliseTime (as Go renders time.RFC3339Nano in UTC)', () => {
  it('converts to UTC and trims trailing zeros of the fraction', () => {
    assert.equal(normaliseTime('2025-01-01T00:00:00Z'), '2025-01-01T00:00:00Z');
    assert.equal(normaliseTime('2025-01-01T00:30:00.500000000+01:00'), '2024-12-31T23:30:00.5Z');
    assert.equal(normaliseTime('2025-01-01T23:59:59.123456789-02:00'), '2025-01-02T01:59:59.123456789Z');
    assert.equal(normaliseTime('0001-01-01T00:00:00Z'), ZERO_TIME);
  });

  for (const bad of ['2025-02-30T00:00:00Z', '2025-01-01T24:00:00Z', '2025-01-01 00:00:00Z', '2025-01-01T00:00:00', '2025-01-01t00:00:00z', '2025-01-01T00:00:00.1234567890Z']) {
    it(`rejects ${bad}`, () => {
      assert.throws(() => normaliseTime(bad), InvalidCloudEventError);
    });
  }
});
