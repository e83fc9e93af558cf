/**
 * Reading a process's environment with its zod schema: once, at start, empty values meaning
 * "not set" (as in .env files), every problem reported in one ConfigError.
 */
import { z } from 'zod';

/** The environment does not make a valid configuration: fix it (the message names each variable). */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export type Env = Readonly<Record<string, string | undefined>>;

/** Parses `env` with `schema`; throws ConfigError listing every problem. */
export function parseEnv<S extends z.ZodTypeAny>(schema: S, env: Env): z.output<S> {
  // Empty strings in .env mean "not set": treat them as absent so defaults apply.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigError(`invalid configuration: ${problems}`);
  }
  return parsed.data as z.output<S>;
}

export const port = (fallback: number) => z.coerce.number().int().min(1).max(65535).default(fallback);
export const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);
export const nonNegativeInt = (fallback: number) => z.coerce.number().int().nonnegative().default(fallback);
/** `true`/`false` (also `1`/`0`, `yes`/`no`, `on`/`off`), any case; anything else is an error, not `false`. */
export const booleanFlag = (fallback: boolean) =>
  z
    .string()
    .toLowerCase()
    .refine((v) => /^(true|false|1|0|yes|no|on|off)$/.test(v), 'must be true or false')
    .transform((v) => /^(true|1|yes|on)$/.test(v))
    .default(fallback);
export const optionalPositiveInt = () => z.coerce.number().int().positive().optional();
export const httpUrl = (message = 'must be an http(s) URL') => z.string().url(message).refine((u) => /^https?:$/.test(new URL(u).protocol), message);

/** `a, b,a` → `['a', 'b']`: trimmed, empty entries dropped, each once, in order. */
export function commaList(value: string | undefined): string[] {
  return [
    ...new Set(
      (value ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    ),
  ];
}
