/**
 * Builds every overlay under <root>/deploy/overlays with `kubectl kustomize` (offline) and parses
 * the output into objects. Overlays build in parallel: each is one short kubectl process.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { isRecord, type K8sObject, type Overlay, type Reporter } from './model.js';

const run = promisify(execFile);

/** The overlay directories (those with a kustomization file), in name order. */
export async function findOverlays(root: string): Promise<string[]> {
  const dir = join(root, 'deploy', 'overlays');
  const names = existsSync(dir) ? await readdir(dir) : [];
  return names.filter((n) => ['kustomization.yaml', 'kustomization.yml', 'Kustomization'].some((f) => existsSync(join(dir, n, f)))).sort();
}

/**
 * Builds each overlay; an overlay that does not build is reported and left out. `kubectl` is
 * looked up on PATH (KUBECTL overrides).
 */
export async function buildOverlays(root: string, report: (overlay: string) => Reporter): Promise<Overlay[]> {
  const names = await findOverlays(root);
  if (names.length === 0) report('(none)').error(join(root, 'deploy', 'overlays'), 'no overlay with a kustomization.yaml');
  const built = await Promise.all(
    names.map(async (name): Promise<Overlay | undefined> => {
      const dir = join(root, 'deploy', 'overlays', name);
      try {
        const { stdout } = await run(process.env.KUBECTL ?? 'kubectl', ['kustomize', dir], { maxBuffer: 64 * 1024 * 1024 });
        return { name, objects: parseObjects(stdout, `kubectl kustomize ${dir}`, report(name)) };
      } catch (err) {
        const e = err as NodeJS.ErrnoException & { stderr?: string };
        const why = e.code === 'ENOENT' ? 'kubectl not found on PATH (set KUBECTL)' : (e.stderr ?? e.message).trim();
        report(name).error(`deploy/overlays/${name}`, `kubectl kustomize failed: ${why}`);
        return undefined;
      }
    }),
  );
  return built.filter((o): o is Overlay => o !== undefined);
}

/** Parses a multi-document YAML stream into objects; non-objects and YAML errors are reported. */
export function parseObjects(text: string, where: string, reporter: Reporter): K8sObject[] {
  const objects: K8sObject[] = [];
  parseAllDocuments(text).forEach((doc, index) => {
    const first = doc.errors[0];
    if (first) {
      reporter.error(`${where} (document ${index + 1})`, `invalid YAML: ${first.message}`);
      return;
    }
    const body: unknown = doc.toJS();
    if (body === null || body === undefined) return;
    const name = isRecord(body) && isRecord(body.metadata) ? body.metadata.name : undefined;
    if (!isRecord(body) || typeof body.apiVersion !== 'string' || typeof body.kind !== 'string' || typeof name !== 'string') {
      reporter.error(`${where} (document ${index + 1})`, 'not a Kubernetes object (apiVersion, kind and metadata.name are required)');
      return;
    }
    objects.push(body as unknown as K8sObject);
  });
  return objects;
}
