/**
 * A CloudEvent out of an HTTP request, binary or structured mode, for every service that receives
 * events (the functions and the API). Header values arrive percent-encoded (lib/events/http.ts).
 */
import express, { type RequestHandler, type Request } from 'express';
import type { CloudEvent } from 'cloudevents';
import { fromHttpMessage } from '../events/http.js';

/** Throws (cloudevents' ValidationError) unless the request carries exactly one valid CloudEvent. */
export function parseRequestEvent(req: Pick<Request, 'headers' | 'body'>): CloudEvent<unknown> {
  return fromHttpMessage(req.headers, Buffer.isBuffer(req.body) ? req.body : '');
}

/**
 * Middleware pair for an event endpoint: reads the raw body (up to `limit`), answers 400 when it
 * is not a CloudEvent, and otherwise leaves the event in `res.locals.event`.
 */
export function receiveCloudEvent(limit: string | number): RequestHandler[] {
  return [
    express.raw({ type: () => true, limit }),
    (req, res, next) => {
      try {
        res.locals.event = parseRequestEvent(req);
      } catch (err) {
        res.status(400).json({ error: 'invalid CloudEvent', detail: err instanceof Error ? err.message : String(err) });
        return;
      }
      next();
    },
  ];
}
