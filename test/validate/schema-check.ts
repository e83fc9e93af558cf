/**
 * Step 2: every object of a built overlay against its schema. Kinds with an upstream model
 * (schemas/models.ts: Kubernetes, Knative, Traefik, KEDA, Prometheus operator, cert-manager) go
 * through the model's validation and the unknown-field walk; kinds without one (RabbitMQ's) through
 * the strict zod schemas of schemas/crds.ts; Knative kinds also through the Sluice rules of
 * schemas/knative.ts. A kind with neither is an error: a new kind needs one before it ships.
 */
import type { z } from 'zod';
import { hasModel, modelProblems } from './model-check.js';
import { describe, type K8sObject, type Reporter } from './model.js';
import { crdSchemas } from './schemas/crds.js';
import { knativeRules } from './schemas/knative.js';

const schemas: Record<string, z.ZodType> = { ...knativeRules, ...crdSchemas };

export function checkSchemas(objects: readonly K8sObject[], report: Reporter): void {
  for (const obj of objects) {
    const key = `${obj.apiVersion}/${obj.kind}`;
    const subject = describe(obj);
    const schema = schemas[key];
    if (schema === undefined && !hasModel(key)) {
      report.error(subject, `no schema for ${key}: add a model to test/validate/schemas/models.ts or a schema to schemas/crds.ts before deploying this kind`);
      continue;
    }
    for (const line of modelProblems(key, obj)) report.error(subject, line);
    if (schema === undefined) continue;
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
