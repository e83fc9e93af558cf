/**
 * Structured JSON logging (pino) shared by every process. One logger per component; child
 * loggers carry event context (id, type, key, version, trace id) so every line about an event
 * says so. LOG_LEVEL sets the level (trace, debug, info, warn, error, fatal, silent).
 *
 * Secrets never reach the logs, whatever is logged: fields named like a secret are censored,
 * credentials in URLs (`amqp://user:password@host`) are masked, and the values of the
 * process's secret environment variables (S3 secret key, API keys, passwords) are replaced
 * wherever they appear, in the message, in fields and in serialised errors.
 */
import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

const CENSOR = '[redacted]';
/** Field names whose values are secrets, whatever the nesting. */
const SECRET_FIELD = /(password|passwd|secret|api[-_]?key|authorization|auth[-_]?token|access[-_]?token|bearer|cookie|credential|private[-_]?key)/i;
/** Environment variables whose values are secrets: a whole `_`-separated word says so. */
const SECRET_ENV = /(^|_)(SECRET|PASSWORD|PASSWD|PASS|API_KEY|TOKEN|CREDENTIALS?|PRIVATE_KEY)(_|$)/;
/**
 * `://user:password@` in any URL. Anchored on the literal `://`, not on the scheme before it: a
 * leading `[a-z][a-z0-9+.-]*` made redaction quadratic on long runs such as `a.a.a.…` (log
 * lines can carry document text); masking credentials after any `://` is the same or safer.
 */
const URL_CREDENTIALS = /:\/\/([^\s:/@]*):([^\s@/]+)@/g;
const MAX_DEPTH = 8;

/** The secret values of an environment: secret-named variables and passwords in URL variables. */
export function secretValuesOf(env: NodeJS.ProcessEnv): string[] {
  const values = new Set<string>();
  for (const [name, value] of Object.entries(env)) {
    if (!value) continue;
    if (SECRET_ENV.test(name)) values.add(value);
    for (const match of value.matchAll(URL_CREDENTIALS)) values.add(decodeURIComponentSafe(match[2]!));
  }
  // Short values would censor ordinary words; such a secret is no secret anyway.
  return [...values].filter((v) => v.length >= 6).sort((a, b) => b.length - a.length);
}

/** A string with URL credentials masked and every known secret value replaced. */
export function redactText(text: string, secrets: readonly string[]): string {
  let out = text.replace(URL_CREDENTIALS, (_m, user: string) => `://${user}:${CENSOR}@`);
  for (const secret of secrets) {
    // As written, and as it appears inside a JSON string (quotes and backslashes escaped).
    for (const form of new Set([secret, JSON.stringify(secret).slice(1, -1)])) {
      if (out.includes(form)) out = out.split(form).join(CENSOR);
    }
  }
  return out;
}

/** A copy of a log object with secrets censored (plain objects and arrays are walked). */
export function redactValue(value: unknown, secrets: readonly string[], depth = 0): unknown {
  if (typeof value === 'string') return redactText(value, secrets);
  if (value === null || typeof value !== 'object' || depth > MAX_DEPTH) return value;
  if (Array.isArray(value)) return value.map((v) => redactValue(v, secrets, depth + 1));
  // Errors and class instances are left to pino's serialisers; the line is scrubbed as text after.
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) out[key] = SECRET_FIELD.test(key) && v !== undefined ? CENSOR : redactValue(v, secrets, depth + 1);
  return out;
}

export interface LoggerOptions {
  /** Where lines go (default stdout). Tests pass a stream to read them. */
  destination?: DestinationStream;
  /** Secret values to censor (default: from process.env). */
  env?: NodeJS.ProcessEnv;
  level?: string;
}

export function createLogger(component: string, options: LoggerOptions = {}): Logger {
  const secrets = secretValuesOf(options.env ?? process.env);
  const destination = options.destination ?? pino.destination({ dest: 1, sync: true });
  return pino(
    {
      name: component,
      level: options.level ?? process.env.LOG_LEVEL ?? 'info',
      base: { component },
      // Structured: fields named like a secret are censored wherever they are nested.
      formatters: { log: (object) => redactValue(object, secrets) as Record<string, unknown> },
    },
    // Textual, on the finished line: message, child bindings, error messages and stacks.
    { write: (line: string) => destination.write(redactText(line, secrets)) },
  );
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
