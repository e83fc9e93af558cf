/**
 * One object against its upstream model (schemas/models.ts): the model's `validate()` (types,
 * required fields, enums of the OpenAPI schema) and the unknown-field walk over its interface
 * (unknown-fields.ts). The TypeScript program behind the walk is built once per process, on
 * first use: a few seconds, so validate.ts starts it while kustomize runs.
 */
import { createFieldChecker, type FieldChecker } from './unknown-fields.js';
import { models } from './schemas/models.js';

let checker: FieldChecker | undefined;

/** Builds the field checker now (idempotent). */
export function prepareModelChecks(): void {
  checker ??= createFieldChecker(models);
}

export function hasModel(key: string): boolean {
  return models[key] !== undefined;
}

/** Problems of `obj` as a "apiVersion/kind" object, one line each; [] when it conforms. */
export function modelProblems(key: string, obj: unknown): string[] {
  const entry = models[key];
  if (entry === undefined) return [];
  prepareModelChecks();
  const problems: string[] = [];
  try {
    new entry.Model(obj as never).validate();
  } catch (err) {
    problems.push(`does not match the ${key} schema: ${(err as Error).message}`);
  }
  return [...problems, ...checker!(key, obj)];
}
