/**
 * functions/<name>/func.yaml (Knative Functions): schema of the fields we use, and agreement with
 * the Knative Service in knative/ that `kubectl apply` deploys, so `func deploy` and
 * `make deploy` produce the same service (name, image, scale, concurrency, resources, health).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { imageRef, type ImagesFile } from './images.js';
import { at, type K8sObject, type Reporter } from './model.js';
import { formatIssues } from './schema-check.js';
import { Quantity } from './schemas/core.js';

const FuncYaml = z.strictObject({
  specVersion: z.string().regex(/^\d+\.\d+\.\d+$/),
  name: z.string().min(1),
  runtime: z.enum(['node', 'typescript', 'go', 'python', 'quarkus', 'rust', 'springboot']),
  registry: z.string().min(1),
  image: z.string().min(1),
  namespace: z.string().min(1),
  invoke: z.enum(['http', 'cloudevent']).optional(),
  created: z.string().optional(),
  build: z.strictObject({ builder: z.enum(['pack', 's2i', 'host']).optional() }).optional(),
  run: z.strictObject({ envs: z.array(z.strictObject({ name: z.string().optional(), value: z.string() })).optional() }).optional(),
  deploy: z
    .strictObject({
      namespace: z.string().optional(),
      annotations: z.record(z.string(), z.string()).optional(),
      labels: z.array(z.strictObject({ key: z.string(), value: z.string() })).optional(),
      healthEndpoints: z.strictObject({ liveness: z.string().optional(), readiness: z.string().optional() }).optional(),
      options: z
        .strictObject({
          scale: z
            .strictObject({
              min: z.int().nonnegative().optional(),
              max: z.int().positive().optional(),
              metric: z.enum(['concurrency', 'rps']).optional(),
              target: z.number().positive().optional(),
              utilization: z.number().min(1).max(100).optional(),
            })
            .optional(),
          resources: z
            .strictObject({
              requests: z.strictObject({ cpu: Quantity.optional(), memory: Quantity.optional() }).optional(),
              limits: z.strictObject({ cpu: Quantity.optional(), memory: Quantity.optional(), concurrency: z.int().nonnegative().optional() }).optional(),
            })
            .optional(),
        })
        .optional(),
    })
    .optional(),
});

/** Checks every functions/<name>/ that has a server.ts against its func.yaml and knative/ Service. */
export function checkFuncYamls(root: string, knativeServices: readonly K8sObject[], images: ImagesFile, report: Reporter): void {
  const dir = join(root, 'functions');
  if (!existsSync(dir)) return;
  for (const fn of readdirSync(dir).sort()) {
    const file = join('functions', fn, 'func.yaml');
    if (!existsSync(join(root, file))) {
      if (existsSync(join(root, 'functions', fn, 'server.ts'))) report.error(file, 'missing: every function has a func.yaml');
      continue;
    }
    const parsed = FuncYaml.safeParse(parse(readFileSync(join(root, file), 'utf8')), { reportInput: true });
    if (!parsed.success) {
      for (const line of formatIssues(parsed.error.issues)) report.error(file, line);
      continue;
    }
    const f = parsed.data;
    const same = (what: string, funcValue: unknown, serviceValue: unknown) => {
      if (String(funcValue) !== String(serviceValue)) report.error(file, `${what} is ${String(funcValue)} but knative/ says ${String(serviceValue)}`);
    };
    if (f.name !== `sluice-${fn}`) report.error(file, `name must be sluice-${fn}`);
    if (f.image !== imageRef(images, fn)) report.error(file, `image must be ${imageRef(images, fn)} (deploy/images.env)`);
    const service = knativeServices.find((s) => s.metadata.name === f.name);
    if (service === undefined) {
      report.error(file, `knative/ has no Service ${f.name}`);
      continue;
    }
    same('namespace', f.deploy?.namespace ?? f.namespace, service.metadata.namespace);
    const a = (at(service, 'spec.template.metadata.annotations') ?? {}) as Record<string, string>;
    const scale = f.deploy?.options?.scale;
    same('deploy.options.scale.min', scale?.min, a['autoscaling.knative.dev/min-scale']);
    same('deploy.options.scale.max', scale?.max, a['autoscaling.knative.dev/max-scale']);
    same('deploy.options.scale.target', scale?.target, a['autoscaling.knative.dev/target']);
    same('deploy.options.scale.utilization', scale?.utilization, a['autoscaling.knative.dev/target-utilization-percentage']);
    const container = at(service, 'spec.template.spec.containers.0');
    const res = f.deploy?.options?.resources;
    for (const kind of ['requests', 'limits'] as const) {
      for (const r of ['cpu', 'memory'] as const) same(`deploy.options.resources.${kind}.${r}`, res?.[kind]?.[r], at(container, `resources.${kind}.${r}`));
    }
    same('deploy.options.resources.limits.concurrency', res?.limits?.concurrency, at(service, 'spec.template.spec.containerConcurrency'));
    same('deploy.healthEndpoints.readiness', f.deploy?.healthEndpoints?.readiness, at(container, 'readinessProbe.httpGet.path'));
    same('deploy.healthEndpoints.liveness', f.deploy?.healthEndpoints?.liveness, at(container, 'livenessProbe.httpGet.path'));
  }
}
