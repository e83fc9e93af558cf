/**
 * The containers of the built manifests, with their owner and the environment Kubernetes or
 * Knative gives them, plus the Secrets they reference. Shared by the env, image and secret checks.
 */
import { at, describe, isRecord, type K8sObject } from './model.js';

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    fieldRef?: { fieldPath: string };
    configMapKeyRef?: { name: string; key: string; optional?: boolean };
    secretKeyRef?: { name: string; key: string; optional?: boolean };
  };
}
export interface EnvFromSource {
  configMapRef?: { name: string; optional?: boolean };
  secretRef?: { name: string; optional?: boolean };
  prefix?: string;
}
export interface ContainerSpec {
  name?: string;
  image: string;
  env?: EnvVar[];
  envFrom?: EnvFromSource[];
}

export interface Workload {
  readonly owner: K8sObject;
  readonly subject: string;
  readonly container: ContainerSpec;
  /** Variables the platform sets in this kind of workload, with stand-in values. */
  readonly injected: Readonly<Record<string, string>>;
  readonly volumes: readonly unknown[];
}

/** Knative's runtime contract; ContainerSource adds the sink. */
const INJECTED: Record<string, Readonly<Record<string, string>>> = {
  'serving.knative.dev/v1/Service': { PORT: '8080', K_SERVICE: 'service', K_CONFIGURATION: 'configuration', K_REVISION: 'revision-00001' },
  'sources.knative.dev/v1/ContainerSource': { K_SINK: 'http://sink.invalid/', K_CE_OVERRIDES: '{}' },
};
const POD_TEMPLATE: Record<string, string> = {
  'serving.knative.dev/v1/Service': 'spec.template.spec',
  'sources.knative.dev/v1/ContainerSource': 'spec.template.spec',
  'apps/v1/Deployment': 'spec.template.spec',
  'apps/v1/StatefulSet': 'spec.template.spec',
  'batch/v1/Job': 'spec.template.spec',
};

export function workloads(objects: readonly K8sObject[]): Workload[] {
  return objects.flatMap((owner) => {
    const key = `${owner.apiVersion}/${owner.kind}`;
    const path = POD_TEMPLATE[key];
    if (path === undefined) return [];
    const pod = at(owner, path);
    const containers = [...asArray(at(pod, 'initContainers')), ...asArray(at(pod, 'containers'))].filter(isRecord) as unknown as ContainerSpec[];
    return containers.map((container) => ({
      owner,
      subject: `${describe(owner)} container ${container.name ?? '(unnamed)'}`,
      container,
      injected: INJECTED[key] ?? {},
      volumes: asArray(at(pod, 'volumes')),
    }));
  });
}

/** A reference to a Secret and the keys it must hold (none: the whole Secret, e.g. envFrom). */
export interface SecretRef {
  readonly from: string;
  readonly name: string;
  readonly keys: readonly string[];
  readonly optional: boolean;
}

/** Every Secret the manifests reference: pod env and volumes, Traefik basicAuth, KEDA auth. */
export function secretRefs(objects: readonly K8sObject[]): SecretRef[] {
  const refs: SecretRef[] = [];
  for (const w of workloads(objects)) {
    for (const from of w.container.envFrom ?? []) {
      if (from.secretRef) refs.push({ from: w.subject, name: from.secretRef.name, keys: [], optional: from.secretRef.optional === true });
    }
    for (const v of w.container.env ?? []) {
      const ref = v.valueFrom?.secretKeyRef;
      if (ref) refs.push({ from: `${w.subject} env ${v.name}`, name: ref.name, keys: [ref.key], optional: ref.optional === true });
    }
  }
  for (const owner of objects) {
    const pod = at(owner, 'spec.template.spec');
    for (const volume of asArray(at(pod, 'volumes'))) {
      const name = at(volume, 'secret.secretName');
      if (typeof name === 'string') refs.push({ from: `${describe(owner)} volume ${String(at(volume, 'name'))}`, name, keys: [], optional: at(volume, 'secret.optional') === true });
    }
    const basicAuth = at(owner, 'spec.basicAuth.secret');
    if (owner.kind === 'Middleware' && typeof basicAuth === 'string') refs.push({ from: describe(owner), name: basicAuth, keys: ['users'], optional: false });
    if (owner.kind === 'TriggerAuthentication') {
      for (const t of asArray(at(owner, 'spec.secretTargetRef'))) {
        refs.push({ from: describe(owner), name: String(at(t, 'name')), keys: [String(at(t, 'key'))], optional: false });
      }
    }
    const tls = at(owner, 'spec.tls.secretName');
    if (owner.kind === 'IngressRoute' && typeof tls === 'string') refs.push({ from: describe(owner), name: tls, keys: ['tls.crt', 'tls.key'], optional: false });
  }
  return refs;
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
