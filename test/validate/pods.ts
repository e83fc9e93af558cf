/**
 * The pods a built overlay will run in its namespace: those of its own workloads (with the labels
 * the platform adds, e.g. Knative's `serving.knative.dev/service`) and those the operators create
 * for its objects (eventing-rabbitmq for a Broker and its Triggers, the RabbitMQ cluster operator
 * for a RabbitmqCluster). NetworkPolicy selectors are checked against these.
 */
import { at, describe, isRecord, type K8sObject } from './model.js';

export interface Pod {
  /** "Deployment sluice/x", or "eventing-rabbitmq ingress of Broker sluice/sluice". */
  readonly subject: string;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Container ports (TCP) the pod listens on; undefined when not known (operator-made pods). */
  readonly ports?: readonly number[];
  /** The pod spec as written in the manifests; undefined for operator-made pods. */
  readonly spec?: Record<string, unknown>;
  readonly owner?: K8sObject;
}

const POD_TEMPLATE: Record<string, string> = {
  'serving.knative.dev/v1/Service': 'spec.template',
  'sources.knative.dev/v1/ContainerSource': 'spec.template',
  'apps/v1/Deployment': 'spec.template',
  'apps/v1/StatefulSet': 'spec.template',
  'batch/v1/Job': 'spec.template',
};

/**
 * Knative Serving adds the queue-proxy to every revision pod: queue-port 8012, https 8112,
 * autoscaler metrics 9090, user metrics 9091 (knative.dev/serving pkg/networking/constants.go, knative-v1.22.0).
 */
const QUEUE_PROXY_PORTS = [8012, 8112, 9090, 9091];

export function podsOf(objects: readonly K8sObject[]): Pod[] {
  const pods: Pod[] = [];
  for (const owner of objects) {
    const key = `${owner.apiVersion}/${owner.kind}`;
    const ns = owner.metadata.namespace ?? 'default';
    const path = POD_TEMPLATE[key];
    if (path !== undefined) {
      const template = at(owner, path);
      const spec = at(template, 'spec');
      if (!isRecord(spec)) continue;
      const labels: Record<string, string> = { ...((at(template, 'metadata.labels') ?? {}) as Record<string, string>) };
      const ports = containers(spec).flatMap((c) => (Array.isArray(c.ports) ? c.ports : []).map((p) => Number(at(p, 'containerPort'))));
      if (key === 'serving.knative.dev/v1/Service') {
        Object.assign(labels, { 'serving.knative.dev/service': owner.metadata.name, 'serving.knative.dev/configuration': owner.metadata.name });
        ports.push(...QUEUE_PROXY_PORTS);
      }
      pods.push({ subject: describe(owner), namespace: ns, labels, ports, spec, owner });
    }
    if (owner.kind === 'Broker' && owner.metadata.annotations?.['eventing.knative.dev/broker.class'] === 'RabbitMQBroker') {
      // eventing-rabbitmq pkg/reconciler/broker/resources/{ingress,dispatcher}.go and
      // pkg/reconciler/trigger/resources/dispatcher.go: IngressLabels, DispatcherLabels.
      for (const role of ['ingress', 'dispatcher-dlq', 'dispatcher']) {
        pods.push({
          subject: `eventing-rabbitmq ${role} of ${describe(owner)}`,
          namespace: ns,
          labels: { 'eventing.knative.dev/broker': owner.metadata.name, 'eventing.knative.dev/brokerRole': role },
        });
      }
    }
    if (owner.kind === 'RabbitmqCluster') {
      // RabbitMQ cluster operator internal/metadata/label.go: Label(instance name).
      pods.push({
        subject: `RabbitMQ node of ${describe(owner)}`,
        namespace: ns,
        labels: { 'app.kubernetes.io/name': owner.metadata.name, 'app.kubernetes.io/component': 'rabbitmq', 'app.kubernetes.io/part-of': 'rabbitmq' },
      });
    }
  }
  return pods;
}

export function containers(spec: Record<string, unknown>): Record<string, unknown>[] {
  const list = (v: unknown) => (Array.isArray(v) ? v.filter(isRecord) : []);
  return [...list(spec.initContainers), ...list(spec.containers)];
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/** Kubernetes label-selector semantics (an empty selector selects everything). */
export function selects(selector: LabelSelector, labels: Readonly<Record<string, string>>): boolean {
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, e.key);
    const value = labels[e.key];
    const ok =
      e.operator === 'In' ? has && (e.values ?? []).includes(value!)
      : e.operator === 'NotIn' ? !has || !(e.values ?? []).includes(value!)
      : e.operator === 'Exists' ? has
      : e.operator === 'DoesNotExist' ? !has
      : false;
    if (!ok) return false;
  }
  return true;
}
