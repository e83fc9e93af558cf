/**
 * Validates the deployment manifests offline:
 *   1. `kubectl kustomize` builds every overlay under deploy/overlays;
 *   2. every object of each build matches its schema (Knative models, strict schemas);
 *   3. cross-references: eventing and serving, ingress and KEDA, images (deploy/images.env),
 *      environment against the code, secrets, func.yaml, each overlay's promises, monitors
 *      and the Grafana dashboard against the metrics the code defines.
 *
 *   node --import tsx test/validate/validate.ts [MANIFEST_ROOT] [--code-root DIR]
 *
 * MANIFEST_ROOT holds knative/, eventing/, deploy/ and functions/*\/func.yaml (default: this
 * repository); the code the environment is checked against comes from --code-root (default:
 * MANIFEST_ROOT). Exits 1 with one line per problem when anything is wrong.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { checkEnv, readCodeContract } from './env-check.js';
import { checkEventing } from './eventing-checks.js';
import { checkFuncYamls } from './func-check.js';
import { checkDockerfile, checkImageEntries, checkImages, IMAGES_FILE, readImagesFile } from './images.js';
import { checkIngress } from './ingress-checks.js';
import { buildOverlays, parseObjects } from './kustomize.js';
import { prepareModelChecks } from './model-check.js';
import { checkNetworkPolicies } from './network-checks.js';
import { checkDashboards, checkMonitors } from './monitoring-check.js';
import { ofKind, ProblemList, type K8sObject, type Problem } from './model.js';
import { checkOverlayPolicy } from './policies.js';
import { checkEventPolicies } from './policy-checks.js';
import { checkSchemas } from './schema-check.js';
import { checkHardening } from './security-checks.js';
import { checkSecretRefs, checkUnusedExternalSecrets, readExternalSecrets, secretCatalog } from './secrets-check.js';
import { secretRefs, workloads } from './workloads.js';

export interface ValidateOptions {
  /** Directory holding knative/, eventing/, deploy/, functions/. */
  readonly root: string;
  /** Directory holding the code (lib/, functions/, services/, .env.example); default: root. */
  readonly codeRoot?: string;
}

export interface ValidationResult {
  readonly overlays: readonly string[];
  readonly objectCount: number;
  readonly errors: readonly Problem[];
  readonly warnings: readonly Problem[];
}

export async function validateManifests(options: ValidateOptions): Promise<ValidationResult> {
  const root = resolve(options.root);
  const codeRoot = resolve(options.codeRoot ?? root);
  const problems = new ProblemList();
  const files = problems.scope();

  const building = Promise.all([buildOverlays(root, (o) => problems.scope(o)), readCodeContract(codeRoot)]);
  // The models' field checker is CPU work for a few seconds: do it while kustomize runs.
  prepareModelChecks();
  const [overlays, contract] = await building;
  const images = readImagesFile(root, files);
  const external = readExternalSecrets(root, files);
  const knativeServices = ofKind(readKnativeDir(root, files), 'serving.knative.dev', 'Service');
  const knativeServiceNames = new Set(knativeServices.map((s) => s.metadata.name));
  const referencedSecrets = new Set<string>();

  for (const { name, objects } of overlays) {
    const report = problems.scope(name);
    checkSchemas(objects, report);
    checkEventing({ objects, knativeServiceNames, report });
    checkIngress(objects, report);
    checkOverlayPolicy(name, objects, report);
    checkMonitors(objects, report);
    checkHardening(name, objects, report);
    checkNetworkPolicies(objects, report);
    checkEventPolicies(objects, report);
    const all = workloads(objects);
    const catalog = secretCatalog(objects, external);
    const refs = secretRefs(objects);
    for (const ref of refs) referencedSecrets.add(ref.name);
    checkSecretRefs(refs, catalog, report);
    if (images !== undefined) {
      checkImages(all, images, report);
      checkEnv({ objects, workloads: all, images, contract, secretKeys: (n) => catalog.get(n), report });
    }
  }

  if (images !== undefined) {
    checkFuncYamls(root, knativeServices, images, files);
    checkImageEntries(images, codeRoot, files);
    checkDockerfile(codeRoot, files);
    for (const name of images.names) {
      const needsModel = contract.processes.get(name)?.keys.has('SLUICE_MODEL_DIR') ?? false;
      if (needsModel && !images.withModel.includes(name)) files.error(IMAGES_FILE, `sluice-${name} loads the embedding model (reads SLUICE_MODEL_DIR): add it to IMAGES_WITH_MODEL`);
    }
  }
  if (overlays.length > 0) checkUnusedExternalSecrets(external, referencedSecrets, files);
  checkDashboards(root, codeRoot, files);

  const all = problems.all;
  return {
    overlays: overlays.map((o) => o.name),
    objectCount: overlays.reduce((n, o) => n + o.objects.length, 0),
    errors: all.filter((p) => p.severity === 'error'),
    warnings: all.filter((p) => p.severity === 'warning'),
  };
}

/** The Knative Services as written in knative/*.yaml (the Trigger subscribers must be among them). */
function readKnativeDir(root: string, report: ReturnType<ProblemList['scope']>): K8sObject[] {
  const dir = join(root, 'knative');
  if (!existsSync(dir)) {
    report.error('knative/', 'missing: the Knative Services live there');
    return [];
  }
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f) && !/^kustomization\.ya?ml$/.test(f))
    .sort()
    .flatMap((f) => parseObjects(readFileSync(join(dir, f), 'utf8'), join('knative', f), report));
}

export function formatProblem(p: Problem): string {
  const where = p.overlays.length > 0 ? ` [${p.overlays.join(', ')}]` : '';
  return `${p.severity === 'error' ? 'ERROR' : 'warning'}${where} ${p.subject}: ${p.message}`;
}

async function main(argv: readonly string[]): Promise<number> {
  const codeIndex = argv.indexOf('--code-root');
  const codeRoot = codeIndex >= 0 ? argv[codeIndex + 1] : undefined;
  const positional = argv.filter((a, i) => !a.startsWith('--') && (codeIndex < 0 || i !== codeIndex + 1));
  const root = positional[0] ?? resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
  const started = performance.now();
  const result = await validateManifests({ root, ...(codeRoot === undefined ? {} : { codeRoot }) });
  for (const p of [...result.warnings, ...result.errors]) console.log(formatProblem(p));
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const summary = `${result.overlays.length} overlay(s) (${result.overlays.join(', ')}), ${result.objectCount} objects, ${seconds}s`;
  if (result.errors.length > 0) {
    console.log(`manifest validation FAILED: ${result.errors.length} error(s), ${result.warnings.length} warning(s) in ${summary}`);
    return 1;
  }
  console.log(`manifest validation passed: ${summary}${result.warnings.length > 0 ? `, ${result.warnings.length} warning(s)` : ''}`);
  return 0;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.exitCode = await main(process.argv.slice(2));
}
