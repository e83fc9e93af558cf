/**
 * The Broker ingress, as eventing-rabbitmq's (cmd/ingress/main.go): any method but POST is 405,
 * any path but `/` is 404 (method checked first), an invalid CloudEvent is 400, and 202 comes
 * only after RabbitMQ confirmed the persistent publish; a failed publish is 500. We add
 * `GET /healthz` and a body size limit (413). This file is the one place errors become statuses.
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import { authorizeEvent, requireEventSender, type ReceiverAuth } from '../../lib/auth/http.js';
import { ForbiddenSenderError } from '../../lib/auth/errors.js';
import type { VerifiedSender } from '../../lib/auth/verifier.js';
import type { Logger } from '../../lib/log.js';
import { InvalidCloudEventError, PublishError } from './errors.js';
import { eventLogFields, parseHttpEvent, toAmqpMessage } from './event-codec.js';
import { registry } from '../../lib/runtime/metrics.js';
import { ingressEvents } from './metrics.js';
import type { EventPublisher } from './publisher.js';

export const DEFAULT_MAX_EVENT_BYTES = 1024 * 1024;

export interface IngressOptions {
  /** The Broker's exchange. */
  readonly exchange: string;
  readonly publisher: EventPublisher;
  readonly log: Logger;
  /** Largest accepted request body; larger is 413. */
  readonly maxEventBytes?: number;
  /**
   * Who may publish (OIDC token for the Broker's audience + eventing/policies.yaml), as the
   * eventing ingress checks with `authentication-oidc`; undefined = anyone.
   */
  readonly auth?: ReceiverAuth | undefined;
}

export function createIngressApp(options: IngressOptions): express.Express {
  const { exchange, publisher, log } = options;
  const app = express();
  app.disable('x-powered-by');

  app.get('/healthz', (_req, res) => {
    if (publisher.ready) res.json({ status: 'ok' });
    else res.status(503).json({ status: 'RabbitMQ not connected' });
  });
  app.get('/metrics', async (_req, res) => {
    res.type(registry.contentType).send(await registry.metrics());
  });

  // Before the method and path checks and before the body is read: without a token a client
  // learns nothing and costs nothing. Health and metrics stay open for probes and Prometheus.
  app.use(
    requireEventSender(options.auth, (status, message) => {
      ingressEvents.inc({ type: 'unknown', outcome: status === 401 ? 'unauthenticated' : 'forbidden' });
      log.warn({ status, err: message }, 'event refused: sender');
    }),
  );

  app.use((req, res, next) => {
    if (req.method !== 'POST') {
      res.status(405).set('Allow', 'POST').end();
      return;
    }
    // The Go ingress compares the raw request URI, so `/?x` is not `/` either.
    if (req.originalUrl !== '/') {
      res.status(404).end();
      return;
    }
    next();
  });

  app.post('/', express.raw({ type: () => true, limit: options.maxEventBytes ?? DEFAULT_MAX_EVENT_BYTES }), async (req, res) => {
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const event = parseHttpEvent(req.headers, body);
    const fields = eventLogFields(event);
    const type = event.attributes.type ?? 'unknown';
    if (options.auth) {
      try {
        authorizeEvent(options.auth, res.locals.sender as VerifiedSender, event.attributes);
      } catch (err) {
        ingressEvents.inc({ type, outcome: 'forbidden' });
        throw err;
      }
    }
    try {
      await publisher.publish(exchange, toAmqpMessage(event));
    } catch (err) {
      ingressEvents.inc({ type, outcome: 'unavailable' });
      throw err;
    }
    ingressEvents.inc({ type, outcome: 'accepted' });
    log.info({ ...fields, exchange }, 'event accepted');
    res.status(202).end();
  });

  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const status = statusOf(err);
    if (status === 413) ingressEvents.inc({ type: 'unknown', outcome: 'too_large' });
    else if (status < 500) ingressEvents.inc({ type: 'unknown', outcome: 'invalid' });
    const message = err instanceof Error ? err.message : String(err);
    if (status >= 500) log.error({ err: message }, 'event not accepted');
    else log.warn({ status, err: message }, 'event rejected');
    res.status(status).type('text/plain').send(`${message}\n`);
  });

  return app;
}

function statusOf(err: unknown): number {
  if (err instanceof InvalidCloudEventError) return 400;
  if (err instanceof ForbiddenSenderError) return 403;
  if (err instanceof PublishError) return 500;
  // body-parser errors carry their status (413 too large, 400 bad encoding, 415 charset).
  const status = (err as { status?: unknown }).status;
  return typeof status === 'number' && status >= 400 && status < 600 ? status : 500;
}
