/**
 * Step 3c: the environment of every Sluice container against its process's config schema
 * (lib/config.ts PROCESS_CONFIGS). A variable must be set in the cluster when the schema has no
 * default for it, or when its documented local default cannot work in a pod (a loopback
 * address, a path relative to the checkout). Every variable the manifests set must be one some
 * schema declares (typos), every ConfigMap/Secret key they pull in must exist, the resulting
 * environment must pass the process's own loader, and no code may read a variable that no
 * schema declares (so the schemas stay the whole list).
 */
import { directEnvReads, entryFor, readEnvExample, readProcessEnvs, type ProcessEnv } from './code-env.js';
import { sluiceImageName, type ImagesFile } from './images.js';
import { at, type K8sObject, type Reporter } from './model.js';
import type { Workload } from './workloads.js';

/** Set by the runtime, not by Sluice: never flagged as unknown. */
const RUNTIME_VARS = new Set(['NODE_ENV', 'NODE_OPTIONS', 'TZ', 'UV_THREADPOOL_SIZE']);

export interface CodeContract {
  readonly codeRoot: string;
  /** Each process's variables and loader, by image name. */
  readonly processes: ReadonlyMap<string, ProcessEnv>;
  readonly documented: ReadonlyMap<string, string>;
  /** Every variable some schema declares, or .env.example documents (the stack scripts' own). */
  readonly known: ReadonlySet<string>;
  /** Variables the code reads straight from process.env that no schema declares, with the files. */
  readonly undeclaredReads: ReadonlyMap<string, readonly string[]>;
}

/** Reads the code's side once: the process schemas, .env.example, the direct reads. */
export async function readCodeContract(codeRoot: string): Promise<CodeContract> {
  const processes = await readProcessEnvs(codeRoot);
  const documented = readEnvExample(codeRoot);
  const declared = new Set([...processes.values()].flatMap((p) => [...p.keys.keys()]));
  const undeclaredReads = new Map([...directEnvReads(codeRoot)].filter(([name]) => !declared.has(name) && !RUNTIME_VARS.has(name)));
  return { codeRoot, processes, documented, known: new Set([...declared, ...documented.keys()]), undeclaredReads };
}

/** Why a variable of a process (`schema`) needs a value in the cluster, or undefined when the code copes without one. */
export function clusterRequirement(name: string, contract: CodeContract, schema: ProcessEnv): string | undefined {
  const key = schema.keys.get(name);
  if (key !== undefined && !key.hasDefault && !key.optional) return 'its config schema has no default for it';
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
  for (const [name, files] of contract.undeclaredReads) report.error(files.join(', '), `reads ${name} from process.env, which no config schema in lib/config declares`);

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
    const schema = contract.processes.get(name);
    if (schema === undefined) {
      report.error(w.subject, `sluice-${name} has no config schema in lib/config.ts PROCESS_CONFIGS: its environment cannot be checked`);
      continue;
    }
    for (const variable of [...schema.keys.keys()].sort()) {
      const why = clusterRequirement(variable, contract, schema);
      if (why !== undefined && !env.has(variable)) report.error(w.subject, `${entry} reads ${variable} and ${why}, but the manifests do not set it`);
    }
    try {
      schema.load(Object.fromEntries(env));
    } catch (err) {
      report.error(w.subject, `its environment fails its config schema: ${(err as Error).message}`);
    }
  }
}
