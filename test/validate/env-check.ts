/**
 * Step 3c: the environment of every Sluice container against what its code reads. A variable
 * must be set in the cluster when the code has no default for it, or when its documented local
 * default cannot work in a pod (a loopback address, a path relative to the checkout). Every
 * variable the manifests set must be one the code reads (typos), every ConfigMap/Secret key
 * they pull in must exist, and the resulting environment must pass the code's own config schema.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { configSchemaKeys, entryFor, envReadsEverywhere, envReadsFrom, readEnvExample, type SchemaKey } from './code-env.js';
import { sluiceImageName, type ImagesFile } from './images.js';
import { at, type K8sObject, type Reporter } from './model.js';
import type { Workload } from './workloads.js';

/**
 * Contracts agreed per workload, checked on top of what the scan finds: the source cannot run
 * without the filer address and the sink (K_SINK, injected by the ContainerSource).
 */
const DECLARED: Record<string, { required: readonly string[]; optional: readonly string[] }> = {
  'seaweedfs-source': { required: ['SEAWEEDFS_FILER_GRPC', 'K_SINK'], optional: ['SEAWEEDFS_BUCKETS', 'SOURCE_CLIENT_NAME', 'SEAWEEDFS_FILER_PROTO'] },
};
/** Set by the runtime, not by Sluice: never flagged as unknown. */
const RUNTIME_VARS = new Set(['NODE_ENV', 'NODE_OPTIONS', 'TZ', 'UV_THREADPOOL_SIZE']);

export interface CodeContract {
  readonly codeRoot: string;
  readonly schemaKeys: ReadonlyMap<string, SchemaKey>;
  readonly documented: ReadonlyMap<string, string>;
  readonly known: ReadonlySet<string>;
  readonly loadConfig?: (env: Record<string, string>) => unknown;
}

/** Reads the code's side once: schema keys, .env.example, every variable read anywhere, loadConfig. */
export async function readCodeContract(codeRoot: string): Promise<CodeContract> {
  const configFile = join(codeRoot, 'lib', 'config.ts');
  const text = existsSync(configFile) ? readFileSync(configFile, 'utf8') : '';
  const schemaKeys = new Map(configSchemaKeys(text).map((k) => [k.name, k]));
  const documented = readEnvExample(codeRoot);
  const known = new Set([...envReadsEverywhere(codeRoot), ...documented.keys(), ...Object.values(DECLARED).flatMap((d) => [...d.required, ...d.optional])]);
  const mod = existsSync(configFile) ? ((await import(pathToFileURL(configFile).href)) as { loadConfig?: CodeContract['loadConfig'] }) : {};
  return { codeRoot, schemaKeys, documented, known, ...(mod.loadConfig ? { loadConfig: mod.loadConfig } : {}) };
}

/** Why a variable needs a value in the cluster, or undefined when the code copes without one. */
export function clusterRequirement(name: string, contract: CodeContract, declaredRequired: readonly string[]): string | undefined {
  const key = contract.schemaKeys.get(name);
  if (key !== undefined && !key.hasDefault && !key.optional) return 'lib/config.ts has no default for it';
  if (declaredRequired.includes(name)) return 'the workload cannot run without it';
  const local = contract.documented.get(name);
  if (local !== undefined && /(^|[/@])(127\.0\.0\.1|localhost)([:/]|$)/.test(local)) return `its default ${local} is a loopback address`;
  if (local !== undefined && /^\.{1,2}(\/|$)/.test(local)) return `its default ${local} is relative to a checkout`;
  return undefined;
}

export interface EnvCheckContext {
  readonly objects: readonly K8sObject[];
  readonly workloads: readonly Workload[];
  readonly images: ImagesFile;
  readonly contract: CodeContract;
  /** Keys of a Secret (in the manifests or created outside them), undefined when unknown. */
  readonly secretKeys: (name: string) => readonly string[] | undefined;
  readonly report: Reporter;
}

export function checkEnv({ objects, workloads: all, images, contract, secretKeys, report }: EnvCheckContext): void {
  const configMaps = new Map(objects.filter((o) => o.kind === 'ConfigMap').map((c) => [c.metadata.name, (at(c, 'data') ?? {}) as Record<string, string>]));
  const readsByEntry = new Map<string, Set<string>>();

  for (const w of all) {
    const name = sluiceImageName(images, w.container.image);
    if (name === undefined) continue;
    const env = new Map<string, string>(Object.entries(w.injected));
    for (const from of w.container.envFrom ?? []) {
      if (from.configMapRef) {
        const data = configMaps.get(from.configMapRef.name);
        if (data === undefined) {
          if (!from.configMapRef.optional) report.error(w.subject, `envFrom ConfigMap ${from.configMapRef.name} is not in the manifests`);
          continue;
        }
        for (const [k, v] of Object.entries(data)) {
          if (!contract.known.has(k) && !RUNTIME_VARS.has(k)) report.error(`ConfigMap ${from.configMapRef.name}`, `sets ${k}, which no Sluice code reads (a typo?)`);
          env.set((from.prefix ?? '') + k, v);
        }
      }
      // Secret keys are checked by the secret check; their values are stand-ins here.
      if (from.secretRef) for (const k of secretKeys(from.secretRef.name) ?? []) env.set((from.prefix ?? '') + k, 'secret');
    }
    for (const v of w.container.env ?? []) {
      if (!contract.known.has(v.name) && !RUNTIME_VARS.has(v.name)) report.error(w.subject, `sets ${v.name}, which no Sluice code reads (a typo?)`);
      const cmRef = v.valueFrom?.configMapKeyRef;
      if (cmRef && configMaps.get(cmRef.name)?.[cmRef.key] === undefined && !cmRef.optional) {
        report.error(w.subject, `env ${v.name} takes key ${cmRef.key} of ConfigMap ${cmRef.name}, which does not exist`);
      }
      env.set(v.name, v.value ?? (cmRef ? (configMaps.get(cmRef.name)?.[cmRef.key] ?? '') : 'from-ref'));
    }

    const entry = entryFor(contract.codeRoot, name);
    const declared = DECLARED[name];
    let reads = readsByEntry.get(entry);
    if (reads === undefined) {
      reads = envReadsFrom(contract.codeRoot, entry);
      readsByEntry.set(entry, reads);
    }
    const needed = new Set([...reads, ...(declared?.required ?? []), ...(declared?.optional ?? [])]);
    for (const variable of [...needed].sort()) {
      const why = clusterRequirement(variable, contract, declared?.required ?? []);
      if (why !== undefined && !env.has(variable)) report.error(w.subject, `${entry} reads ${variable} and ${why}, but the manifests do not set it`);
    }
    if (contract.loadConfig !== undefined && reads.has('S3_ENDPOINT')) {
      try {
        contract.loadConfig(Object.fromEntries(env));
      } catch (err) {
        report.error(w.subject, `its environment fails lib/config.ts: ${(err as Error).message}`);
      }
    }
  }
}
