/**
 * What the real eventing-rabbitmq ingress and dispatcher put on the wire, pinned one upstream
 * function at a time (issue 16, "What the local broker does differently from the real one").
 * Sources: knative-extensions/eventing-rabbitmq (pkg/rabbit/message.go, pkg/dispatcher/
 * dispatcher.go, cmd/ingress/main.go) and the cloudevents/sdk-go v2 it builds on. The Go results
 * quoted below were obtained by running sdk-go v2.16.2's `event.Event` JSON unmarshalling (what
 * the ingress's `binding.ToEvent` calls for a structured request) on the same bodies.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidCloudEventError } from './errors.js';
import { fromAmqpMessage, integerExtension, parseHttpEvent, toAmqpMessage, toHttpBinary, withSendTime, ZERO_TIME } from './event-codec.js';

const STRUCTURED = { 'content-type': 'application/cloudevents+json' };
const ENVELOPE = '"specversion":"1.0","id":"e-1","source":"/it","type":"it.t"';
const structured = (members: string) => parseHttpEvent(STRUCTURED, Buffer.from(`{${ENVELOPE}${members}}`));
const binary = (headers: Record<string, string> = {}) =>
  parseHttpEvent({ 'ce-specversion': '1.0', 'ce-id': 'e-1', 'ce-source': '/it', 'ce-type': 'it.t', ...headers }, Buffer.alloc(0));
/** Ingress → RabbitMQ → dispatcher: the event as the dispatcher reads it back from the queue. */
const throughQueue = (event: ReturnType<typeof binary>) => {
  const msg = toAmqpMessage(event);
  return fromAmqpMessage(msg.headers, msg.content);
};
const TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
const OTHER_TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('1. time: a missing time is the dispatch time of each hop', () => {
  // pkg/rabbit/message.go CloudEventToRabbitMQMessage: `"time": cloudevents.Timestamp{Time:
  // event.Time().UTC()}.String()`, the zero time when there is none. The dispatcher's client is
  // sdk-go observability/opentelemetry/v2/client NewClientHTTP, which adds client.WithTimeNow():
  // v2/client/defaulters.go DefaultTimeToNowIfNotSet sets time.Now() when event.Time().IsZero(),
  // on a clone of the event, before each Request/Send.
  it('the queued message carries the zero time; the request to the subscriber carries the send time', () => {
    const queued = throughQueue(binary());
    assert.equal(queued.attributes.time, ZERO_TIME);
    const sent = toHttpBinary(withSendTime(queued, new Date('2026-03-04T05:06:07.890Z')));
    assert.equal(sent.headers['ce-time'], '2026-03-04T05:06:07.89Z', 'RFC 3339 in UTC, no trailing zeros, as Go renders RFC3339Nano');
    assert.notEqual(sent.headers['ce-time'], ZERO_TIME);
  });

  it('is set on each hop: the message itself keeps no time, so each send stamps its own', () => {
    const queued = throughQueue(binary());
    const first = withSendTime(queued, new Date('2026-03-04T05:06:07Z'));
    const second = withSendTime(queued, new Date('2026-03-04T05:06:09Z'));
    assert.equal(first.attributes.time, '2026-03-04T05:06:07Z');
    assert.equal(second.attributes.time, '2026-03-04T05:06:09Z');
    assert.equal(queued.attributes.time, ZERO_TIME, 'not mutated: a dead letter is published with the zero time again');
    assert.equal(toAmqpMessage(queued).headers.time, ZERO_TIME);
  });

  it('an event that has a time keeps it; an explicit zero time counts as none (IsZero)', () => {
    const timed = throughQueue(binary({ 'ce-time': '2025-01-02T03:04:05.5+01:00' }));
    assert.equal(withSendTime(timed, new Date('2026-01-01T00:00:00Z')).attributes.time, '2025-01-02T02:04:05.5Z');
    const zero = binary({ 'ce-time': '0001-01-01T01:00:00+01:00' });
    assert.equal(withSendTime(zero, new Date('2026-01-01T00:00:00Z')).attributes.time, '2026-01-01T00:00:00Z');
  });
});

describe('2. structured data is kept byte for byte', () => {
  // sdk-go v2/event/event_unmarshal.go readJsonFromIterator: `case "data": consumeData(...)` →
  // for a JSON media type (or none, isJSON("") is true) `e.DataEncoded =
  // iter.SkipAndReturnBytes()`: the member's raw bytes, never decoded and re-encoded. jsoniter's
  // SkipAndReturnBytes (iter_skip.go) starts capturing right after the colon.
  it('a large integer stays what it was (not 12345678901234567000)', () => {
    const event = structured(',"datacontenttype":"application/json","data":12345678901234567890');
    assert.equal(event.data?.toString(), '12345678901234567890');
    assert.equal(throughQueue(event).data?.toString(), '12345678901234567890');
  });

  it('formatting, number spellings, escapes and key order inside data are kept', () => {
    const data = '{ "b" : 1.50, "a": [1e3, -0, 0.1], "s": "\\u00e9\\n", "big": 9007199254740993 }';
    assert.equal(structured(`,"data":${data}`).data?.toString(), data);
  });

  it('whitespace between the colon and the value belongs to the data, as in Go', () => {
    // Go: `"data": 12345678901234567890` → " 12345678901234567890"; `"data":  [1, 2]` → "  [1, 2]".
    assert.equal(structured(',"data": 12345678901234567890').data?.toString(), ' 12345678901234567890');
    assert.equal(parseHttpEvent(STRUCTURED, Buffer.from(`{"data":  [1, 2],${ENVELOPE}}`)).data?.toString(), '  [1, 2]');
    assert.equal(structured(',"data":\t\n "str"  ').data?.toString(), '\t\n "str"');
  });

  it('bytes that are not valid UTF-8 inside data survive too', () => {
    const body = Buffer.concat([Buffer.from(`{${ENVELOPE},"data":"`), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('"}')]);
    assert.deepEqual([...(parseHttpEvent(STRUCTURED, body).data ?? [])], [0x22, 0xc3, 0x28, 0xff, 0x22]);
  });

  it('multi-byte characters before data do not shift it', () => {
    const event = structured(',"note":"héllo ✓ 𝄞","data":{"k":"ü"}');
    assert.equal(event.data?.toString(), '{"k":"ü"}');
    assert.equal(event.attributes.note, 'héllo ✓ 𝄞');
  });

  it('null data is the JSON text null (Go: DataEncoded = "null")', () => {
    assert.equal(structured(',"data":null').data?.toString(), 'null');
  });

  it('under a non-JSON media type data must be a JSON string and is its text (consumeData → ReadString)', () => {
    assert.equal(structured(',"datacontenttype":"text/plain","data":"h\\u00e9llo\\n"').data?.toString(), 'héllo\n');
    // Go: unexpected data payload for media type "text/plain", expected a string.
    assert.throws(() => structured(',"datacontenttype":"text/plain","data":{"a":1}'), InvalidCloudEventError);
  });
});

describe('3. integer and boolean extensions keep their AMQP types', () => {
  // sdk-go v2/event/event_unmarshal.go: an unknown member is `SetExtension(key, iter.Read())`;
  // jsoniter (ConfigFastest) reads a JSON number as float64, and v2/types/value.go Validate turns
  // a float64 into int32(f) unless it is outside int32 (an error: the ingress answers 400), a
  // bool stays bool. CloudEventToRabbitMQMessage then writes `headers[key] = val`: amqp091-go
  // encodes int32 as a signed 32-bit int ('I') and bool as a boolean ('t'). RabbitMQ's headers
  // exchange compares types, so a Trigger's string filter "42" does not match the int 42.
  it('JSON numbers become AMQP int headers, booleans AMQP booleans, strings stay strings', () => {
    const event = structured(',"n":42,"b":true,"f":false,"s":"42","min":-2147483648,"max":2147483647');
    const { headers } = toAmqpMessage(event);
    assert.deepEqual(headers.n, { '!': 'int', value: 42 });
    assert.deepEqual(headers.min, { '!': 'int', value: -2147483648 });
    assert.deepEqual(headers.max, { '!': 'int', value: 2147483647 });
    assert.equal(headers.b, true);
    assert.equal(headers.f, false);
    assert.equal(headers.s, '42');
    assert.equal(event.attributes.n, '42', 'the string form, for logs and policies');
  });

  it('a fraction is truncated toward zero, as int32(f) does (Go: 1.9 → 1, -1.9 → -1, -0.5 → 0, 1e3 → 1000)', () => {
    const event = structured(',"p":1.9,"m":-1.9,"z":-0.5,"e":1e3');
    assert.deepEqual(event.typedExtensions, { p: 1, m: -1, z: 0, e: 1000 });
    assert.equal(event.attributes.z, '0');
  });

  it('a number outside int32 is refused, as Go refuses it (cannot convert ... to int32: out of range)', () => {
    for (const n of ['2147483648', '2147483647.5', '-2147483648.5', '12345678901234567890']) {
      assert.throws(() => structured(`,"n":${n}`), (err: Error) => err instanceof InvalidCloudEventError && /out of range/.test(err.message), n);
    }
    assert.throws(() => integerExtension('n', Number.POSITIVE_INFINITY), InvalidCloudEventError);
  });

  it('objects and arrays are not CloudEvents values; context attributes must be strings', () => {
    // Go: invalid CloudEvents value: map[string]interface {}{"a":1}; `"subject":5`: ReadString: expects " or n.
    assert.throws(() => structured(',"o":{"a":1}'), InvalidCloudEventError);
    assert.throws(() => structured(',"subject":5'), InvalidCloudEventError);
  });

  it('binary-mode extensions are strings (HTTP headers); the dispatcher reads every header back as text (fmt.Sprint)', () => {
    assert.equal(toAmqpMessage(binary({ 'ce-n': '42' })).headers.n, '42');
    // pkg/rabbit/message.go NewMessageFromDelivery: `headers[...] = []byte(fmt.Sprint(val))`.
    const back = fromAmqpMessage({ ...toAmqpMessage(structured(',"n":42,"b":true')).headers, n: 42, b: true }, Buffer.alloc(0));
    assert.equal(back.attributes.n, '42');
    assert.equal(back.attributes.b, 'true');
    assert.equal(back.typedExtensions, undefined);
  });
});

describe('4. trace context: only the W3C headers reach the subscriber', () => {
  // cmd/ingress/main.go send: tp/ts are the request's trace context, passed to
  // CloudEventToRabbitMQMessage(event, tp, ts), which writes `traceparent`/`tracestate` headers
  // and then the extensions over them (so a traceparent extension wins). pkg/rabbit/message.go
  // NewMessageFromDelivery skips the `traceparent`/`tracestate` headers (no extensions);
  // pkg/dispatcher/dispatcher.go readSpan reads them into the context, whose span otelhttp's
  // transport sends as the W3C headers.
  it('ce-traceparent/ce-tracestate in → traceparent/tracestate headers out, no ce- trace headers', () => {
    const delivered = throughQueue(binary({ 'ce-traceparent': TRACEPARENT, 'ce-tracestate': 'vendor=1' }));
    assert.equal(delivered.attributes.traceparent, undefined);
    assert.equal(delivered.attributes.tracestate, undefined);
    const { headers } = toHttpBinary(delivered);
    assert.equal(headers.traceparent, TRACEPARENT);
    assert.equal(headers.tracestate, 'vendor=1');
    assert.equal(headers['ce-traceparent'], undefined);
    assert.equal(headers['ce-tracestate'], undefined);
  });

  it('the extension wins over the request\'s W3C header at the ingress', () => {
    const event = parseHttpEvent(
      { 'ce-specversion': '1.0', 'ce-id': 'e', 'ce-source': '/it', 'ce-type': 't', 'ce-traceparent': TRACEPARENT, traceparent: OTHER_TRACEPARENT, tracestate: 'other=2' },
      Buffer.alloc(0),
    );
    const { headers } = toAmqpMessage(event);
    assert.equal(headers.traceparent, TRACEPARENT);
    assert.equal(headers.tracestate, 'other=2', 'no tracestate extension: the request\'s stays');
  });

  it('an event without the extension is traced by the request\'s W3C header', () => {
    const event = parseHttpEvent({ 'ce-specversion': '1.0', 'ce-id': 'e', 'ce-source': '/it', 'ce-type': 't', traceparent: OTHER_TRACEPARENT }, Buffer.alloc(0));
    const msg = toAmqpMessage(event);
    assert.equal(msg.headers.traceparent, OTHER_TRACEPARENT);
    assert.equal(msg.headers.tracestate, '', 'tracestate is written with traceparent, empty or not');
    const { headers } = toHttpBinary(fromAmqpMessage(msg.headers, msg.content));
    assert.equal(headers.traceparent, OTHER_TRACEPARENT);
    assert.equal(headers.tracestate, undefined, 'an empty tracestate is not sent');
  });

  it('only the exact header names are trace context (upstream compares the key before lower-casing it)', () => {
    const back = fromAmqpMessage({ specversion: '1.0', id: 'e', 'ce-traceparent': TRACEPARENT }, Buffer.alloc(0));
    assert.equal(back.traceContext, undefined);
    assert.equal(back.attributes.traceparent, TRACEPARENT);
  });

  it('no trace context, no trace headers', () => {
    const { headers } = toHttpBinary(throughQueue(binary()));
    assert.equal(headers.traceparent, undefined);
    assert.equal(toAmqpMessage(binary()).headers.traceparent, undefined);
  });
});
