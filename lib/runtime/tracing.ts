/**
 * Distributed tracing across the pipeline. W3C trace context travels with each event as the
 * CloudEvents Distributed Tracing extension (`traceparent`, `tracestate`): the SeaweedFS source
 * starts a trace per object event, every stage continues it in a span of its own and stamps its
 * reply event with that span's context, so one document's path from upload to index is one
 * trace. The broker, like eventing-rabbitmq, turns the extension into the W3C `traceparent`/
 * `tracestate` headers of each delivery (no `ce-traceparent`), which {@link extractEventContext}
 * continues.
 *
 * `OTEL_TRACES_EXPORTER` picks where spans go: `none` (default) records nothing and exports
 * nothing — spans only mint the span ids passed on in `traceparent` — while `console` prints
 * them and `otlp` sends them over OTLP/HTTP to `OTEL_EXPORTER_OTLP_ENDPOINT` (or
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`), as the OpenTelemetry SDKs define those variables.
 */
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Span } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ConsoleSpanExporter,
  NodeTracerProvider,
  ParentBasedSampler,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { CloudEvent } from 'cloudevents';
import type { Config } from '../config.js';

export type TracesExporter = Config['OTEL_TRACES_EXPORTER'];

export interface TracingOptions {
  /** `service.name` of the spans: the component (split, embed, index, broker, seaweedfs-source). */
  readonly serviceName: string;
  readonly exporter: TracesExporter;
  /** Replaces the exporter's processors (tests: an in-memory exporter). */
  readonly spanProcessors?: SpanProcessor[];
}

export interface Tracing {
  /** Flushes and stops the exporter; call on shutdown so the last spans are not lost. */
  shutdown(): Promise<void>;
}

/**
 * Registers the tracer provider, the AsyncLocalStorage context manager and the W3C propagator
 * for this process. Once per process, before any event is handled.
 */
export function initTracing(options: TracingOptions): Tracing {
  const spanProcessors = options.spanProcessors ?? processorsFor(options.exporter);
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: `sluice-${options.serviceName}` }),
    // With nothing to export, root spans are not recorded; a parent that was sampled upstream
    // stays sampled, so a later stage that does export still records its part of the trace.
    sampler: new ParentBasedSampler({ root: spanProcessors.length > 0 ? new AlwaysOnSampler() : new AlwaysOffSampler() }),
    spanProcessors,
  });
  provider.register();
  return { shutdown: () => provider.shutdown() };
}

function processorsFor(exporter: TracesExporter): SpanProcessor[] {
  switch (exporter) {
    case 'none':
      return [];
    case 'console':
      return [new BatchSpanProcessor(new ConsoleSpanExporter())];
    case 'otlp':
      // The exporter reads OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT and _HEADERS itself.
      return [new BatchSpanProcessor(new OTLPTraceExporter())];
  }
}

const tracer = () => trace.getTracer('sluice');

/** The W3C trace context fields as they travel: CloudEvent extensions or HTTP headers. */
export interface TraceCarrier {
  traceparent?: string;
  tracestate?: string;
}

/**
 * The context an event continues: its `traceparent` extension, else the W3C `traceparent` HTTP
 * header of the delivery (eventing-rabbitmq in the cluster turns the extension into that header).
 */
export function extractEventContext(event: CloudEvent<unknown>, httpHeaders: Readonly<Record<string, unknown>> = {}): Context {
  const fromEvent = carrierOf(event.traceparent, event.tracestate);
  const carrier = fromEvent.traceparent !== undefined ? fromEvent : carrierOf(httpHeaders.traceparent, httpHeaders.tracestate);
  return propagation.extract(ROOT_CONTEXT, carrier);
}

/** The context a W3C trace context carrier (extension values or headers) names; root if none. */
export function contextOf(traceparent: unknown, tracestate?: unknown): Context {
  return propagation.extract(ROOT_CONTEXT, carrierOf(traceparent, tracestate));
}

function carrierOf(traceparent: unknown, tracestate: unknown): TraceCarrier {
  const carrier: TraceCarrier = {};
  if (typeof traceparent === 'string' && traceparent !== '') carrier.traceparent = traceparent;
  if (typeof tracestate === 'string' && tracestate !== '') carrier.tracestate = tracestate;
  return carrier;
}

/** The trace context of `ctx` as CloudEvent extension values (empty when there is no span). */
export function traceContextOf(ctx: Context): TraceCarrier {
  const carrier: TraceCarrier = {};
  propagation.inject(ctx, carrier);
  return carrier;
}

/**
 * The event stamped with the trace context of `ctx` (default: the active one), replacing any
 * context it had. Unchanged when there is no span to propagate.
 */
export function withTraceContext<T>(event: CloudEvent<T>, ctx: Context = context.active()): CloudEvent<T> {
  const carrier = traceContextOf(ctx);
  if (carrier.traceparent === undefined) return event;
  return event.cloneWith({ traceparent: carrier.traceparent, ...(carrier.tracestate === undefined ? {} : { tracestate: carrier.tracestate }) }, false);
}

/** Like {@link withTraceContext}, but keeps a context the event already carries. */
export function ensureTraceContext<T>(event: CloudEvent<T>, ctx: Context = context.active()): CloudEvent<T> {
  return typeof event.traceparent === 'string' && event.traceparent !== '' ? event : withTraceContext(event, ctx);
}

export interface SpanOptions {
  readonly kind?: SpanKind;
  readonly attributes?: Attributes;
  /** The parent; default the active context (a root span when there is none). */
  readonly parent?: Context;
}

/**
 * Runs `work` inside a new span (active for everything `work` awaits), ending it afterwards;
 * a thrown error marks the span failed and is rethrown.
 */
export async function inSpan<T>(name: string, options: SpanOptions, work: (span: Span, ctx: Context) => Promise<T>): Promise<T> {
  const parent = options.parent ?? context.active();
  const span = tracer().startSpan(name, { kind: options.kind ?? SpanKind.INTERNAL, ...(options.attributes ? { attributes: options.attributes } : {}) }, parent);
  const ctx = trace.setSpan(parent, span);
  try {
    return await context.with(ctx, () => work(span, ctx));
  } catch (err) {
    markFailed(span, err);
    throw err;
  } finally {
    span.end();
  }
}

export function markFailed(span: Span, err: unknown): void {
  span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
  if (err instanceof Error) span.recordException(err);
}

/** Span attributes of an event, after the OpenTelemetry CloudEvents conventions. */
export function eventSpanAttributes(event: CloudEvent<unknown>, document: { key?: string; version?: string } = {}): Attributes {
  const attributes: Attributes = {
    'cloudevents.event_id': event.id,
    'cloudevents.event_type': event.type,
    'cloudevents.event_source': event.source,
  };
  if (event.subject !== undefined) attributes['cloudevents.event_subject'] = event.subject;
  if (document.key !== undefined) attributes['sluice.document.key'] = document.key;
  if (document.version !== undefined) attributes['sluice.document.version'] = document.version;
  return attributes;
}

export { SpanKind };
