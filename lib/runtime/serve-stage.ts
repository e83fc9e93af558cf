/**
 * What every function's server.ts shares once its handler is built: the function app with the
 * configured event size limit and dead-letter sink, served on the stage's port with the
 * configured shutdown grace and tracing.
 */
import { receiverAuth, senderTokens } from '../auth/from-config.js';
import { deadLetterUrl, listenPort, type Config } from '../config.js';
import { EventSource } from '../events/types.js';
import type { Logger } from '../log.js';
import { createDeadLetterSink } from './dead-letter.js';
import { createFunctionApp, serveFunction, type Handler, type RunningFunction, type Stage } from './function-server.js';
import type { Tracing } from './tracing.js';

export interface StageServerOptions {
  stage: Stage;
  /** The stage's own local port (SPLIT_PORT, …); Knative's $PORT wins. */
  port: number;
  handler: Handler;
  log: Logger;
  tracing: Tracing;
  /** Releases the stage's resources after the last event. */
  onShutdown: () => Promise<void>;
}

export function serveStage(config: Config, options: StageServerOptions): Promise<RunningFunction> {
  const { stage, handler, log, tracing, onShutdown } = options;
  const app = createFunctionApp({
    stage,
    source: EventSource[stage],
    handler,
    log,
    maxBodyBytes: config.MAX_EVENT_BYTES,
    deadLetter: createDeadLetterSink(deadLetterUrl(config), senderTokens(config)),
    // Knative sets K_SERVICE to the Service's name, which the EventPolicies name.
    auth: receiverAuth(config, { kind: 'Service', name: config.K_SERVICE ?? `sluice-${stage}` }, log),
  });
  return serveFunction(app, {
    port: listenPort(config, options.port),
    host: config.SLUICE_BIND,
    log,
    shutdownGraceMs: config.SHUTDOWN_GRACE_MS,
    tracing,
    onShutdown,
  });
}
