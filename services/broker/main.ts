/**
 * The local broker as a process. Environment:
 * - RABBITMQ_URL            amqp://guest:guest@127.0.0.1:5672 (its path is the vhost)
 * - SLUICE_BIND, BROKER_PORT 127.0.0.1, 8180: the ingress address
 * - BROKER_EVENTING_DIR     <repo>/eventing: the manifests the cluster applies
 * - BROKER_SUBSCRIBERS      sluice-split=http://127.0.0.1:8181,...: Service name → local URL
 *                           (default: the four Sluice Services on SPLIT/EMBED/INDEX/API_PORT)
 * - BROKER_MAX_EVENT_BYTES  1048576: larger requests get 413
 * - BROKER_SHUTDOWN_GRACE_MS 20000: how long SIGTERM waits for in-flight deliveries
 * - SLUICE_AUTH, OIDC_*     sender identity: the ingress verifies tokens and enforces
 *                           eventing/policies.yaml; dispatchers present the Broker's own tokens
 * - OTEL_TRACES_EXPORTER    none | console | otlp: a span per delivery, in the event's trace
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../lib/config.js';
import { receiverAuth, senderTokens } from '../../lib/auth/from-config.js';
import { createLogger } from '../../lib/log.js';
import { initTracing } from '../../lib/runtime/tracing.js';
import { DEFAULT_SHUTDOWN_GRACE_MS, startBroker } from './broker.js';
import { DEFAULT_MAX_EVENT_BYTES } from './ingress.js';

const log = createLogger('broker');
const env = (name: string): string | undefined => (process.env[name] === '' ? undefined : process.env[name]);

function intEnv(name: string, fallback: number, min: number, max: number): number {
  const raw = env(name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${name} must be an integer from ${min} to ${max} (got "${raw}")`);
  return n;
}

/** The directory holding `eventing/`, from SLUICE_ROOT or by walking up from this file (src or dist). */
function repoRoot(): string {
  const fromEnv = env('SLUICE_ROOT');
  if (fromEnv !== undefined) return fromEnv;
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'eventing')) || !existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the repository root (a directory with eventing/); set BROKER_EVENTING_DIR');
    dir = parent;
  }
  return dir;
}

function defaultSubscribers(): string {
  const port = (name: string, fallback: number) => intEnv(name, fallback, 1, 65535);
  return [
    `sluice-split=http://127.0.0.1:${port('SPLIT_PORT', 8181)}`,
    `sluice-embed=http://127.0.0.1:${port('EMBED_PORT', 8182)}`,
    `sluice-index=http://127.0.0.1:${port('INDEX_PORT', 8183)}`,
    `sluice-api=http://127.0.0.1:${port('API_PORT', 8184)}`,
  ].join(',');
}

try {
  const config = loadConfig();
  const tracing = initTracing({ serviceName: 'broker', exporter: config.OTEL_TRACES_EXPORTER });
  const eventingDir = resolve(env('BROKER_EVENTING_DIR') ?? join(repoRoot(), 'eventing'));
  const broker = await startBroker({
    rabbitmqUrl: env('RABBITMQ_URL') ?? 'amqp://guest:guest@127.0.0.1:5672',
    eventingDir,
    subscribers: env('BROKER_SUBSCRIBERS') ?? defaultSubscribers(),
    host: env('SLUICE_BIND') ?? '127.0.0.1',
    port: intEnv('BROKER_PORT', 8180, 0, 65535),
    maxEventBytes: intEnv('BROKER_MAX_EVENT_BYTES', DEFAULT_MAX_EVENT_BYTES, 1, 2 ** 31),
    shutdownGraceMs: intEnv('BROKER_SHUTDOWN_GRACE_MS', DEFAULT_SHUTDOWN_GRACE_MS, 0, 3_600_000),
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
