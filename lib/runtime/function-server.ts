/**
 * The HTTP shell every Sluice function runs in: the Knative container contract ($PORT, health
 * endpoints, SIGTERM), CloudEvents in binary or structured mode, a reply CloudEvent in the
 * response. Stage logic never sees HTTP; this is the one place errors become status codes.
 * Around each event: a child logger with the event's id, type, document key and version and
 * trace id; a span continuing the event's trace (the reply carries it on); the stage metrics.
 */
import type { Server } from 'node:http';
import express, { type NextFunction, type Request, type Response } from 'express';
import { CloudEvent } from 'cloudevents';
import type { Logger } from '../log.js';
import { EventType } from '../events/types.js';
import { checkEventAllowed, requireEventSender, type ReceiverAuth } from '../auth/http.js';
import { toBinaryMessage } from '../events/http.js';
import { createEvent } from '../events/create-event.js';
import { Drain } from './drain.js';
import type { DeadLetterSink } from './dead-letter.js';
import { parseRequestEvent } from './http-event.js';
import { DocumentError, InvalidEventError, TransientError } from './errors.js';
import { documentOf, eventLogFields, parsedData } from './event-context.js';
import { chunksPerEvent, chunksTotal, eventsReceived, eventsTotal, registry, stageDuration, vectorsWritten } from './metrics.js';
import { eventSpanAttributes, extractEventContext, inSpan, markFailed, SpanKind, withTraceContext, type Tracing } from './tracing.js';

export interface FunctionContext {
  log: Logger;
}

/** Pure stage logic: an event in, an optional reply event out. */
export type Handler = (event: CloudEvent<unknown>, context: FunctionContext) => Promise<CloudEvent<unknown> | undefined>;

export type Stage = 'split' | 'embed' | 'index';

export interface FunctionServerOptions {
  stage: Stage;
  source: string;
  handler: Handler;
  log: Logger;
  /** Largest request body accepted (the event); larger is 413. */
  maxBodyBytes?: number;
  /** Readiness: false until the stage's dependencies (e.g. the model) are loaded. */
  isReady?: () => boolean;
  /**
   * Where schema-invalid events go (the Broker's dead-letter sink): the broker itself never
   * dead-letters a 400. If posting there fails the answer is 503, so the broker retries and in
   * the end dead-letters the event through its own path.
   */
  deadLetter?: DeadLetterSink;
  /**
   * Who may send events here (OIDC token + eventing/policies.yaml); undefined = anyone. Checked
   * before the body is read (401/403), and the policy's event filters once it is parsed (403).
   */
  auth?: ReceiverAuth | undefined;
}

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/** The express app of a function, with the in-flight tracking its shutdown waits on. */
export type FunctionApp = express.Express & { readonly drain: Drain };

export function createFunctionApp(options: FunctionServerOptions): FunctionApp {
  const { stage, handler, log } = options;
  const drain = new Drain();
  const app = express();
  app.disable('x-powered-by');

  app.get('/health/liveness', (_req, res) => void res.status(200).send('ok'));
  app.get('/health/readiness', (_req, res) => {
    if (drain.isDraining) {
      res.status(503).send('shutting down');
      return;
    }
    const ready = options.isReady?.() ?? true;
    res.status(ready ? 200 : 503).send(ready ? 'ready' : 'starting');
  });
  app.get('/metrics', async (_req, res) => {
    res.type(registry.contentType).send(await registry.metrics());
  });

  // Counted from before the body is read, so shutdown also waits for a request still uploading.
  app.post('/', (_req, res, next) => {
    if (!drain.begin()) {
      // Shutting down: the broker retries the event (503), by then on another pod.
      res.status(503).set({ 'Retry-After': '1', Connection: 'close' }).json({ error: 'shutting down' });
      return;
    }
    res.once('close', () => drain.end());
    next();
  });
  app.post(
    '/',
    requireEventSender(options.auth, (status, message) => {
      eventsReceived.inc({ stage, type: 'unknown' });
      eventsTotal.inc({ stage, type: 'unknown', outcome: status === 401 ? 'unauthenticated' : 'forbidden' });
      log.warn({ status, err: message }, 'refused an event from an unauthenticated or unauthorised sender');
    }),
  );

  app.post('/', express.raw({ type: () => true, limit: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES }), async (req, res) => {
    let event: CloudEvent<unknown>;
    try {
      event = parseRequestEvent(req);
    } catch (err) {
      eventsReceived.inc({ stage, type: 'unknown' });
      eventsTotal.inc({ stage, type: 'unknown', outcome: 'invalid' });
      log.warn({ err: errorMessage(err) }, 'rejected a request that is not a valid CloudEvent');
      res.status(400).json({ error: 'invalid CloudEvent', detail: errorMessage(err) });
      return;
    }
    eventsReceived.inc({ stage, type: event.type });
    if (!checkEventAllowed(options.auth, res, event)) {
      eventsTotal.inc({ stage, type: event.type, outcome: 'forbidden' });
      log.warn({ eventType: event.type }, 'refused an event type its sender may not send here');
      return;
    }
    const data = parsedData(event.data);
    const document = documentOf(data);
    const eventLog = log.child(eventLogFields(event, data));
    const stopTimer = stageDuration.startTimer({ stage, type: event.type });
    const parent = extractEventContext(event, req.headers);
    await inSpan(`${stage} ${event.type}`, { kind: SpanKind.CONSUMER, parent, attributes: { 'sluice.stage': stage, ...eventSpanAttributes(event, document) } }, async (span, ctx) => {
      try {
        const reply = await handler(event, { log: eventLog });
        eventsTotal.inc({ stage, type: event.type, outcome: 'processed' });
        if (reply) recordReply(stage, reply);
        sendReply(res, reply && withTraceContext(reply, ctx));
      } catch (err) {
        if (!(err instanceof DocumentError)) markFailed(span, err);
        await respondToError(err, event, options, eventLog, res, (reply) => withTraceContext(reply, ctx));
      } finally {
        stopTimer();
      }
    });
  });

  // Body-parser errors: 413 for an event over maxBodyBytes, 400 for a broken body.
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const status = (err as { status?: unknown }).status;
    const code = typeof status === 'number' && status >= 400 && status < 500 ? status : 500;
    eventsReceived.inc({ stage, type: 'unknown' });
    eventsTotal.inc({ stage, type: 'unknown', outcome: code === 413 ? 'too_large' : 'invalid' });
    log.warn({ status: code, err: errorMessage(err) }, 'request refused before it was read');
    res.status(code).json({ error: errorMessage(err) });
  });

  return Object.assign(app, { drain });
}

/** Batch sizes and chunks written, from the `chunkCount` of the reply. */
function recordReply(stage: Stage, reply: CloudEvent<unknown>): void {
  // A cursor over a large document, not a batch: its chunks are handed on once, by vectors.ready.
  if (reply.type === EventType.EmbedProgress) return;
  const data = parsedData(reply.data) as { chunkCount?: unknown } | undefined;
  const chunkCount = data?.chunkCount;
  if (typeof chunkCount !== 'number') return;
  chunksPerEvent.observe({ stage, type: reply.type }, chunkCount);
  chunksTotal.inc({ stage, type: reply.type }, chunkCount);
  if (reply.type === EventType.DocumentIndexed) vectorsWritten.inc(chunkCount);
}

function sendReply(res: Response, reply: CloudEvent<unknown> | undefined): void {
  if (!reply) {
    res.status(202).end();
    return;
  }
  const message = toBinaryMessage(reply);
  res.status(200).set(message.headers).send(Buffer.from(message.body));
}

async function respondToError(
  err: unknown,
  event: CloudEvent<unknown>,
  options: FunctionServerOptions,
  log: Logger,
  res: Response,
  stamp: (reply: CloudEvent<unknown>) => CloudEvent<unknown>,
): Promise<void> {
  const { stage } = options;
  if (err instanceof DocumentError) {
    // Bad document: record the failure downstream and let the broker move on (no retry).
    eventsTotal.inc({ stage, type: event.type, outcome: 'failed' });
    log.warn({ key: err.document.key, version: err.document.version, reason: err.reason, err: err.message }, 'document failed');
    sendReply(
      res,
      stamp(
        createEvent(EventType.IngestFailed, options.source, err.document.key, { ...err.document, stage, reason: err.reason, message: err.message }),
      ),
    );
    return;
  }
  if (err instanceof InvalidEventError) {
    eventsTotal.inc({ stage, type: event.type, outcome: 'invalid' });
    log.warn({ problems: err.problems }, err.message);
    if (options.deadLetter) {
      try {
        await options.deadLetter(event, { destination: options.source, code: 400, message: `${err.message}: ${JSON.stringify(err.problems ?? [])}` });
        log.info('invalid event sent to the dead-letter sink');
      } catch (sinkErr) {
        log.error({ err: errorMessage(sinkErr) }, 'dead-letter sink unreachable; asking the broker to retry');
        res.status(503).json({ error: 'invalid event, and the dead-letter sink is unreachable' });
        return;
      }
    }
    res.status(400).json({ error: err.message, problems: err.problems });
    return;
  }
  eventsTotal.inc({ stage, type: event.type, outcome: 'retry' });
  if (err instanceof TransientError) {
    log.warn({ err: err.message }, 'transient failure; the broker will retry');
    if (err.retryAfterSeconds !== undefined) res.set('Retry-After', String(Math.ceil(err.retryAfterSeconds)));
    res.status(503).json({ error: err.message });
    return;
  }
  log.error({ err }, 'unexpected failure; the broker will retry');
  res.status(500).json({ error: errorMessage(err) });
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export interface RunningFunction {
  server: Server;
  /** Graceful stop: refuse new events, wait for in-flight ones (up to the grace), release resources. */
  close(): Promise<void>;
}

export interface ServeOptions {
  port: number;
  host: string;
  log: Logger;
  /** How long SIGTERM waits for in-flight events before exiting anyway. */
  shutdownGraceMs?: number;
  /** Flushed last, so the spans of the final events are exported. */
  tracing?: Tracing;
  /** Releases the stage's resources (clients, model) after the last event. */
  onShutdown?: () => Promise<void>;
}

export const DEFAULT_SHUTDOWN_GRACE_MS = 25_000;

function settlesWithin(promise: Promise<void>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    void promise.then(() => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/**
 * Listens on the given port and wires SIGTERM/SIGINT: readiness turns 503 and new events are
 * refused (the broker redelivers them elsewhere), the listener closes, in-flight events finish
 * within the grace period (Knative SIGKILLs after its termination grace), resources are
 * released, and the process exits 0. An event still running when the grace runs out gets no
 * response, which the broker treats as a failed attempt and retries.
 */
export function serveFunction(app: express.Express & { readonly drain?: Drain }, options: ServeOptions): Promise<RunningFunction> {
  const { log } = options;
  // An app without in-flight tracking (the API) is drained by the listener closing alone.
  const drain = app.drain ?? new Drain();
  const graceMs = options.shutdownGraceMs ?? DEFAULT_SHUTDOWN_GRACE_MS;
  return new Promise((resolve, reject) => {
    const server = app.listen(options.port, options.host, () => {
      log.info({ port: options.port, host: options.host }, 'listening');
      let closing: Promise<void> | undefined;
      const close = () => {
        closing ??= (async () => {
          drain.startDraining();
          const listenerClosed = new Promise<void>((done) => server.close(() => done()));
          server.closeIdleConnections();
          const drained = app.drain ? await drain.idle(graceMs) : await settlesWithin(listenerClosed, graceMs);
          if (drained) log.info('in-flight events finished');
          else log.warn({ inFlight: drain.inFlight, graceMs }, 'shutdown grace period over: abandoning in-flight events to the broker\'s retries');
          server.closeAllConnections();
          await listenerClosed;
          await options.onShutdown?.();
          await options.tracing?.shutdown();
        })();
        return closing;
      };
      const onSignal = (signal: string) => {
        log.info({ signal, inFlight: drain.inFlight, graceMs }, 'shutting down: refusing new events');
        // A hung resource release must not outlive Knative's grace period either.
        setTimeout(() => {
          log.error('shutdown did not finish in time; exiting');
          process.exit(1);
        }, graceMs + 5_000).unref();
        close().then(
          () => {
            log.info('stopped');
            process.exit(0);
          },
          (err: unknown) => {
            log.error({ err }, 'shutdown failed');
            process.exit(1);
          },
        );
      };
      process.once('SIGTERM', onSignal);
      process.once('SIGINT', onSignal);
      resolve({ server, close });
    });
    server.once('error', reject);
  });
}
