/**
 * The HTTP shell every Sluice function runs in: the Knative container contract ($PORT, health
 * endpoints, SIGTERM), CloudEvents in binary or structured mode, a reply CloudEvent in the
 * response. Stage logic never sees HTTP; this is the one place errors become status codes.
 */
import type { Server } from 'node:http';
import express, { type Request, type Response } from 'express';
import { CloudEvent, HTTP, ValidationError } from 'cloudevents';
import type { Logger } from '../log.js';
import { EventType } from '../events/types.js';
import { decodeHeaderValue, encodeHeaderValue, mapCeHeaders } from './ce-headers.js';
import { DocumentError, InvalidEventError, TransientError } from './errors.js';
import { eventsTotal, registry, stageDuration } from './metrics.js';

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
  /** Largest request body accepted (the event). */
  maxBodyBytes?: number;
  /** Readiness: false until the stage's dependencies (e.g. the model) are loaded. */
  isReady?: () => boolean;
}

export function createFunctionApp(options: FunctionServerOptions): express.Express {
  const { stage, handler, log } = options;
  const app = express();
  app.disable('x-powered-by');

  app.get('/health/liveness', (_req, res) => void res.status(200).send('ok'));
  app.get('/health/readiness', (_req, res) => {
    const ready = options.isReady?.() ?? true;
    res.status(ready ? 200 : 503).send(ready ? 'ready' : 'starting');
  });
  app.get('/metrics', async (_req, res) => {
    res.type(registry.contentType).send(await registry.metrics());
  });

  app.post('/', express.raw({ type: () => true, limit: options.maxBodyBytes ?? 32 * 1024 * 1024 }), async (req, res) => {
    let event: CloudEvent<unknown>;
    try {
      event = parseCloudEvent(req);
    } catch (err) {
      eventsTotal.inc({ stage, type: 'unknown', outcome: 'invalid' });
      log.warn({ err: errorMessage(err) }, 'rejected a request that is not a valid CloudEvent');
      res.status(400).json({ error: 'invalid CloudEvent', detail: errorMessage(err) });
      return;
    }
    const eventLog = log.child({ eventId: event.id, eventType: event.type, subject: event.subject });
    const stopTimer = stageDuration.startTimer({ stage, type: event.type });
    try {
      const reply = await handler(event, { log: eventLog });
      eventsTotal.inc({ stage, type: event.type, outcome: 'processed' });
      sendReply(res, reply);
    } catch (err) {
      respondToError(err, event, options, eventLog, res);
    } finally {
      stopTimer();
    }
  });

  return app;
}

function parseCloudEvent(req: Request): CloudEvent<unknown> {
  const body = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
  const parsed = HTTP.toEvent({ headers: mapCeHeaders(req.headers, decodeHeaderValue), body });
  if (Array.isArray(parsed)) throw new ValidationError('batched CloudEvents are not accepted');
  return parsed as CloudEvent<unknown>;
}

function sendReply(res: Response, reply: CloudEvent<unknown> | undefined): void {
  if (!reply) {
    res.status(202).end();
    return;
  }
  const message = HTTP.binary(reply);
  res.status(200).set(mapCeHeaders(message.headers, encodeHeaderValue)).send(message.body);
}

function respondToError(
  err: unknown,
  event: CloudEvent<unknown>,
  options: FunctionServerOptions,
  log: Logger,
  res: Response,
): void {
  const { stage } = options;
  if (err instanceof DocumentError) {
    // Bad document: record the failure downstream and let the broker move on (no retry).
    eventsTotal.inc({ stage, type: event.type, outcome: 'failed' });
    log.warn({ key: err.document.key, version: err.document.version, reason: err.reason, err: err.message }, 'document failed');
    sendReply(
      res,
      new CloudEvent({
        type: EventType.IngestFailed,
        source: options.source,
        subject: err.document.key,
        datacontenttype: 'application/json',
        data: { ...err.document, stage, reason: err.reason, message: err.message },
      }),
    );
    return;
  }
  if (err instanceof InvalidEventError) {
    eventsTotal.inc({ stage, type: event.type, outcome: 'invalid' });
    log.warn({ problems: err.problems }, err.message);
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
  close(): Promise<void>;
}

/**
 * Listens on the given port and wires SIGTERM/SIGINT: stop accepting, let in-flight events
 * finish (Knative waits the termination grace period before SIGKILL), then release resources.
 */
export function serveFunction(
  app: express.Express,
  options: { port: number; host: string; log: Logger; onShutdown?: () => Promise<void> },
): Promise<RunningFunction> {
  return new Promise((resolve, reject) => {
    const server = app.listen(options.port, options.host, () => {
      options.log.info({ port: options.port, host: options.host }, 'listening');
      const close = async () => {
        await new Promise<void>((done) => server.close(() => done()));
        await options.onShutdown?.();
      };
      const onSignal = (signal: string) => {
        options.log.info({ signal }, 'shutting down');
        close().then(
          () => process.exit(0),
          (err: unknown) => {
            options.log.error({ err }, 'shutdown failed');
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
