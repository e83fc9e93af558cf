/**
 * Step 2: every object of a built overlay against its schema. Knative kinds go through their
 * typed model and a strict schema; core kinds and operator kinds through strict schemas. A kind
 * without a schema is an error: a new kind needs one before it ships.
 */
import type { z } from 'zod';
import { describe, type K8sObject, type Reporter } from './model.js';
import { coreSchemas } from './schemas/core.js';
import { crdSchemas } from './schemas/crds.js';
import { knativeModels, knativeSchemas } from './schemas/knative.js';

const schemas: Record<string, z.ZodType> = { ...coreSchemas, ...knativeSchemas, ...crdSchemas };

export function checkSchemas(objects: readonly K8sObject[], report: Reporter): void {
  for (const obj of objects) {
    const key = `${obj.apiVersion}/${obj.kind}`;
    const subject = describe(obj);
    const schema = schemas[key];
    if (schema === undefined) {
      report.error(subject, `no schema for ${key}: add one to test/validate/schemas/ before deploying this kind`);
      continue;
    }
    const Model = knativeModels[key];
    if (Model !== undefined) {
      try {
        new Model(obj as never).validate();
      } catch (err) {
        report.error(subject, `does not match the ${key} CRD schema: ${(err as Error).message}`);
      }
    }
    const result = schema.safeParse(obj, { reportInput: true });
    if (!result.success) for (const line of formatIssues(result.error.issues)) report.error(subject, line);
  }
}

/** One line per issue, naming the field: `spec.template.spec: unknown field "containerConcurency"`. */
export function formatIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.map((issue) => {
    const path = issue.path.map(String).join('.') || '(root)';
    if (issue.code === 'unrecognized_keys') {
      const keys = issue.keys.map((k) => `"${k}"`).join(', ');
      return `${path}: unknown field${issue.keys.length > 1 ? 's' : ''} ${keys}`;
    }
    if (issue.code === 'invalid_type') return `${path}: expected ${issue.expected}, got ${describeValue(issue.input)}`;
    return `${path}: ${issue.message}`;
  });
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  return `${Array.isArray(value) ? 'an array' : typeof value} ${JSON.stringify(value)?.slice(0, 40) ?? ''}`.trim();
}
