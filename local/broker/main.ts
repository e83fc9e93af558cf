/**
 * The local broker as a process. Configuration: lib/config/broker.ts (RabbitMQ, the ingress
 * address and limits, the eventing manifests, BROKER_SUBSCRIBERS and its one default, the
 * shutdown grace), the base schema's SLUICE_AUTH/OIDC_* (the ingress verifies tokens and
 * enforces eventing/policies.yaml; dispatchers present the Broker's own tokens) and
 * OTEL_TRACES_EXPORTER (a span per delivery, in the event's trace).
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadBrokerConfig } from '../../lib/config.js';
import { receiverAuth, senderTokens } from '../../lib/auth/from-config.js';
import { createLogger } from '../../lib/log.js';
import { initTracing } from '../../lib/runtime/tracing.js';
import { startBroker } from './broker.js';

const log = createLogger('broker');

/** The directory holding `eventing/`, from SLUICE_ROOT or by walking up from this file (src or dist). */
function repoRoot(fromEnv: string | undefined): string {
  if (fromEnv !== undefined) return fromEnv;
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'eventing')) || !existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the repository root (a directory with eventing/); set BROKER_EVENTING_DIR');
    dir = parent;
  }
  return dir;
}

try {
  const config = loadBrokerConfig();
  const tracing = initTracing({ serviceName: 'broker', exporter: config.OTEL_TRACES_EXPORTER });
  const eventingDir = resolve(config.BROKER_EVENTING_DIR ?? join(repoRoot(config.SLUICE_ROOT), 'eventing'));
  const broker = await startBroker({
    rabbitmqUrl: config.RABBITMQ_URL,
    eventingDir,
    subscribers: config.subscribers,
    host: config.SLUICE_BIND,
    port: config.BROKER_PORT,
    maxEventBytes: config.BROKER_MAX_EVENT_BYTES,
    shutdownGraceMs: config.BROKER_SHUTDOWN_GRACE_MS,
    authFor: (broker) => receiverAuth(config, broker, log),
    tokens: senderTokens(config),
    log,
  });
  const onSignal = (signal: string) => {
    log.info({ signal }, 'shutting down');
    broker.close().then(
      async () => {
        await tracing.shutdown();
        process.exit(0);
      },
      (err: unknown) => {
        log.error({ err: (err as Error).message }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
} catch (err) {
  log.fatal({ err: (err as Error).message }, 'broker failed to start');
  process.exit(1);
}
