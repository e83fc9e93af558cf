/**
 * Structured JSON logging (pino) shared by every process. One logger per component; child
 * loggers carry event context (id, type, key, version) so every line about an event says so.
 */
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(component: string): Logger {
  return pino({
    name: component,
    level: process.env.LOG_LEVEL ?? 'info',
    base: { component },
    // Secrets must never reach logs even when an object carrying them is logged whole.
    redact: {
      paths: ['*.secretAccessKey', '*.password', '*.apiKey', '*.authorization', '*.Authorization', 'headers.authorization'],
      censor: '[redacted]',
    },
  });
}
