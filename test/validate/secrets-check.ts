/**
 * Secrets: the manifests never contain credentials, so every Secret they reference is either in
 * the built output or listed in deploy/external-secrets.json (created by hand, by cert-manager or
 * by an operator, as documented in deploy/README.md), with the keys the references need.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { at, type K8sObject, type Reporter } from './model.js';
import { formatIssues } from './schema-check.js';
import type { SecretRef } from './workloads.js';

export const EXTERNAL_SECRETS_FILE = join('deploy', 'external-secrets.json');

const ExternalSecretsSchema = z.strictObject({
  $comment: z.string().optional(),
  secrets: z.record(z.string(), z.strictObject({ keys: z.array(z.string().min(1)).min(1), createdBy: z.string().min(1) })),
});

/** Secret name → keys, from deploy/external-secrets.json. */
export function readExternalSecrets(root: string, report: Reporter): Map<string, readonly string[]> {
  const file = join(root, EXTERNAL_SECRETS_FILE);
  if (!existsSync(file)) return new Map();
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    report.error(EXTERNAL_SECRETS_FILE, `invalid JSON: ${(err as Error).message}`);
    return new Map();
  }
  const parsed = ExternalSecretsSchema.safeParse(json, { reportInput: true });
  if (!parsed.success) {
    for (const line of formatIssues(parsed.error.issues)) report.error(EXTERNAL_SECRETS_FILE, line);
    return new Map();
  }
  return new Map(Object.entries(parsed.data.secrets).map(([name, s]) => [name, s.keys]));
}

/** Keys of the Secrets in the built output plus the external ones. */
export function secretCatalog(objects: readonly K8sObject[], external: ReadonlyMap<string, readonly string[]>): Map<string, readonly string[]> {
  const catalog = new Map(external);
  for (const secret of objects.filter((o) => o.apiVersion === 'v1' && o.kind === 'Secret')) {
    const keys = [...Object.keys((at(secret, 'data') ?? {}) as object), ...Object.keys((at(secret, 'stringData') ?? {}) as object)];
    catalog.set(secret.metadata.name, keys);
  }
  return catalog;
}

export function checkSecretRefs(refs: readonly SecretRef[], catalog: ReadonlyMap<string, readonly string[]>, report: Reporter): void {
  for (const ref of refs) {
    const keys = catalog.get(ref.name);
    if (keys === undefined) {
      if (!ref.optional) report.error(ref.from, `references Secret ${ref.name}, which is neither in the manifests nor in ${EXTERNAL_SECRETS_FILE}`);
      continue;
    }
    for (const key of ref.keys) if (!keys.includes(key)) report.error(ref.from, `needs key ${key} of Secret ${ref.name}, which has ${keys.join(', ')}`);
  }
}

/** An external secret nothing references any more is stale documentation. */
export function checkUnusedExternalSecrets(external: ReadonlyMap<string, readonly string[]>, referenced: ReadonlySet<string>, report: Reporter): void {
  for (const name of external.keys()) {
    if (!referenced.has(name)) report.warning(EXTERNAL_SECRETS_FILE, `Secret ${name} is referenced by no overlay`);
  }
}
