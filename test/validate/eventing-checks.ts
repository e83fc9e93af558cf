/**
 * Step 3a: cross-references a schema cannot see, for the eventing and serving objects of one
 * built overlay: Broker → RabbitmqBrokerConfig → RabbitmqCluster; Trigger filters against the
 * event catalogue (lib/events/types.ts); subscribers and dead-letter sinks against the Knative
 * Services defined in knative/; delivery durations; parallelism; the source's sink; autoscaling.
 */
import { ALL_EVENT_TYPES, TERMINAL_EVENT_TYPES } from '../../lib/events/types.js';
import { isoDurationMs } from './iso-duration.js';
import { at, describe, isRecord, ofKind, type K8sObject, type Reporter } from './model.js';

export const BROKER_CLASS_ANNOTATION = 'eventing.knative.dev/broker.class';
export const PARALLELISM_ANNOTATION = 'rabbitmq.eventing.knative.dev/parallelism';
const SCALE = 'autoscaling.knative.dev/';
const VISIBILITY_LABEL = 'networking.knative.dev/visibility';

interface Ref {
  apiVersion?: string;
  kind?: string;
  name?: string;
  namespace?: string;
}

export interface EventingContext {
  readonly objects: readonly K8sObject[];
  /** Names of the Knative Services declared in <root>/knative/*.yaml. */
  readonly knativeServiceNames: ReadonlySet<string>;
  readonly report: Reporter;
}

export function checkEventing({ objects, knativeServiceNames, report }: EventingContext): void {
  const services = new Map(ofKind(objects, 'serving.knative.dev', 'Service').map((s) => [key(s), s]));
  const brokers = ofKind(objects, 'eventing.knative.dev', 'Broker');

  const checkServiceRef = (subject: string, field: string, ref: Ref | undefined, ns: string, requireKnativeDir: boolean): void => {
    if (ref === undefined) return;
    if (ref.kind !== 'Service' || ref.apiVersion !== 'serving.knative.dev/v1') {
      report.error(subject, `${field} must reference a Knative Service (serving.knative.dev/v1), got ${ref.apiVersion ?? '?'} ${ref.kind ?? '?'}`);
      return;
    }
    const name = ref.name ?? '';
    if (!services.has(`${ref.namespace ?? ns}/${name}`)) {
      report.error(subject, `${field} names Knative Service ${name}, which is not in the manifests (known: ${[...services.keys()].join(', ')})`);
    } else if (requireKnativeDir && !knativeServiceNames.has(name)) {
      report.error(subject, `${field} names Knative Service ${name}, which is not defined in knative/`);
    }
  };

  for (const broker of brokers) {
    const subject = describe(broker);
    const ns = broker.metadata.namespace ?? 'default';
    const cls = broker.metadata.annotations?.[BROKER_CLASS_ANNOTATION];
    if (cls !== 'RabbitMQBroker') report.error(subject, `annotation ${BROKER_CLASS_ANNOTATION} must be RabbitMQBroker (got ${cls ?? 'nothing'})`);
    const config = at(broker, 'spec.config') as Ref | undefined;
    const brokerConfig = objects.find((o) => o.kind === 'RabbitmqBrokerConfig' && o.metadata.name === config?.name && (o.metadata.namespace ?? 'default') === (config?.namespace ?? ns));
    if (config?.kind !== 'RabbitmqBrokerConfig' || brokerConfig === undefined) {
      report.error(subject, `spec.config must name a RabbitmqBrokerConfig in the manifests (got ${config?.kind ?? '?'} ${config?.name ?? '?'})`);
    } else {
      const cluster = at(brokerConfig, 'spec.rabbitmqClusterReference') as Ref | undefined;
      if (cluster?.name !== undefined && !objects.some((o) => o.kind === 'RabbitmqCluster' && o.metadata.name === cluster.name)) {
        report.error(describe(brokerConfig), `spec.rabbitmqClusterReference names RabbitmqCluster ${cluster.name}, which is not in the manifests`);
      }
    }
    checkDelivery(subject, at(broker, 'spec.delivery'), report);
    checkServiceRef(subject, 'spec.delivery.deadLetterSink.ref', at(broker, 'spec.delivery.deadLetterSink.ref') as Ref | undefined, ns, false);
  }

  const filtered = new Map<string, string[]>();
  const routes = new Set<string>();
  for (const trigger of ofKind(objects, 'eventing.knative.dev', 'Trigger')) {
    const subject = describe(trigger);
    const ns = trigger.metadata.namespace ?? 'default';
    const spec = at(trigger, 'spec');
    if (isRecord(spec) && 'filters' in spec) {
      report.error(subject, 'spec.filters is ignored by the RabbitMQ broker: use spec.filter.attributes (exact match)');
    }
    const brokerName = at(trigger, 'spec.broker');
    if (!brokers.some((b) => b.metadata.name === brokerName && (b.metadata.namespace ?? 'default') === ns)) {
      report.error(subject, `spec.broker ${String(brokerName)} is not a Broker in namespace ${ns}`);
    }
    const attributes = at(trigger, 'spec.filter.attributes');
    const type = isRecord(attributes) ? attributes.type : undefined;
    if (typeof type !== 'string') {
      report.error(subject, 'spec.filter.attributes.type is missing: every Sluice Trigger routes one event type');
    } else if (!(ALL_EVENT_TYPES as readonly string[]).includes(type)) {
      report.error(subject, `filters on type ${type}, which is not in the event catalogue (lib/events/types.ts): ${ALL_EVENT_TYPES.join(', ')}`);
    } else {
      filtered.set(type, [...(filtered.get(type) ?? []), trigger.metadata.name]);
    }
    const subscriber = at(trigger, 'spec.subscriber.ref') as Ref | undefined;
    if (subscriber === undefined) report.error(subject, 'spec.subscriber must reference a Knative Service (ref)');
    checkServiceRef(subject, 'spec.subscriber.ref', subscriber, ns, true);
    const route = `${JSON.stringify(attributes)} -> ${subscriber?.name ?? ''}`;
    if (routes.has(route)) report.error(subject, `another Trigger already routes ${route}: the subscriber would get every event twice`);
    routes.add(route);
    checkDelivery(subject, at(trigger, 'spec.delivery'), report);
    checkServiceRef(subject, 'spec.delivery.deadLetterSink.ref', at(trigger, 'spec.delivery.deadLetterSink.ref') as Ref | undefined, ns, false);
    checkTimeoutFits(subject, at(trigger, 'spec.delivery.timeout'), services.get(`${subscriber?.namespace ?? ns}/${subscriber?.name ?? ''}`), report);
    const parallelism = trigger.metadata.annotations?.[PARALLELISM_ANNOTATION];
    if (parallelism !== undefined && !(/^\d+$/.test(parallelism) && Number(parallelism) >= 1 && Number(parallelism) <= 1000)) {
      report.error(subject, `annotation ${PARALLELISM_ANNOTATION} must be an integer from 1 to 1000 (got "${parallelism}")`);
    }
  }

  for (const type of ALL_EVENT_TYPES) {
    if (!(TERMINAL_EVENT_TYPES as readonly string[]).includes(type) && !filtered.has(type)) {
      report.error(`event type ${type}`, 'is produced and not terminal (lib/events/types.ts) but no Trigger routes it');
    }
  }

  for (const source of ofKind(objects, 'sources.knative.dev', 'ContainerSource')) {
    const sink = at(source, 'spec.sink.ref') as Ref | undefined;
    const ns = source.metadata.namespace ?? 'default';
    if (sink?.kind !== 'Broker' || !brokers.some((b) => b.metadata.name === sink.name && (b.metadata.namespace ?? 'default') === (sink.namespace ?? ns))) {
      report.error(describe(source), `spec.sink.ref must be a Broker in the manifests (got ${sink?.kind ?? '?'} ${sink?.name ?? '?'})`);
    }
  }

  for (const service of services.values()) checkAutoscaling(service, report);
  checkReachableScale(services, ofKind(objects, 'eventing.knative.dev', 'Trigger'), report);
}

/**
 * The dispatcher sends at most `parallelism` events per Trigger at once and KPA scales on
 * in-flight requests, so a KPA subscriber that only the broker calls (cluster-local) never gets
 * more than sum(parallelism) / target pods.
 */
function checkReachableScale(services: ReadonlyMap<string, K8sObject>, triggers: readonly K8sObject[], report: Reporter): void {
  for (const service of services.values()) {
    const labels = (at(service, 'metadata.labels') ?? {}) as Record<string, string>;
    if (labels[VISIBILITY_LABEL] !== 'cluster-local') continue;
    const a = (at(service, 'spec.template.metadata.annotations') ?? {}) as Record<string, string>;
    if ((a[SCALE + 'class'] ?? 'kpa.autoscaling.knative.dev') !== 'kpa.autoscaling.knative.dev') continue;
    const mine = triggers.filter((t) => at(t, 'spec.subscriber.ref.name') === service.metadata.name);
    if (mine.length === 0) continue;
    const inFlight = mine.reduce((sum, t) => sum + Number(t.metadata.annotations?.[PARALLELISM_ANNOTATION] ?? 1), 0);
    const target = Number(a[SCALE + 'target']);
    const max = Number(a[SCALE + 'max-scale']);
    if (target > 0 && max > Math.ceil(inFlight / target)) {
      report.warning(
        describe(service),
        `max-scale ${max} is unreachable: its Triggers deliver at most ${inFlight} events at once (sum of parallelism) and each pod targets ${target}; raise ${PARALLELISM_ANNOTATION}`,
      );
    }
  }
}

function checkDelivery(subject: string, delivery: unknown, report: Reporter): void {
  if (!isRecord(delivery)) return;
  for (const field of ['backoffDelay', 'timeout'] as const) {
    const value = delivery[field];
    if (value !== undefined && (typeof value !== 'string' || isoDurationMs(value) === undefined)) {
      report.error(subject, `spec.delivery.${field} must be an ISO-8601 duration such as PT0.5S (got ${JSON.stringify(value)})`);
    }
  }
  if (delivery.deadLetterSink === undefined) report.warning(subject, 'spec.delivery has no deadLetterSink: failed events are dropped');
}

/** Knative ends a request at timeoutSeconds: a longer dispatcher timeout could never be reached. */
function checkTimeoutFits(subject: string, timeout: unknown, service: K8sObject | undefined, report: Reporter): void {
  const ms = typeof timeout === 'string' ? isoDurationMs(timeout) : undefined;
  const seconds = service === undefined ? undefined : at(service, 'spec.template.spec.timeoutSeconds');
  if (ms !== undefined && typeof seconds === 'number' && ms > seconds * 1000) {
    report.error(subject, `spec.delivery.timeout ${String(timeout)} exceeds the subscriber's timeoutSeconds (${seconds}s)`);
  }
}

function checkAutoscaling(service: K8sObject, report: Reporter): void {
  const subject = describe(service);
  const a = (at(service, 'spec.template.metadata.annotations') ?? {}) as Record<string, string>;
  const int = (name: string): number | undefined => {
    const raw = a[SCALE + name];
    if (raw === undefined) return undefined;
    if (!/^\d+$/.test(raw)) report.error(subject, `annotation ${SCALE}${name} must be a non-negative integer (got "${raw}")`);
    return Number(raw);
  };
  const min = int('min-scale');
  const max = int('max-scale');
  if (min === undefined) report.error(subject, `annotation ${SCALE}min-scale must be set (0 = scale to zero)`);
  if (max === undefined || max < 1) report.error(subject, `annotation ${SCALE}max-scale must be set to at least 1`);
  if (min !== undefined && max !== undefined && min > max) report.error(subject, `min-scale ${min} is above max-scale ${max}`);
  const cls = a[SCALE + 'class'] ?? 'kpa.autoscaling.knative.dev';
  const cc = at(service, 'spec.template.spec.containerConcurrency');
  if (cc === undefined) report.error(subject, 'spec.template.spec.containerConcurrency must be set (the per-pod limit of each stage)');
  if (cls === 'kpa.autoscaling.knative.dev') {
    const metric = a[SCALE + 'metric'] ?? 'concurrency';
    if (metric !== 'concurrency' && metric !== 'rps') report.error(subject, `KPA scales on concurrency or rps, not ${metric}`);
    const target = a[SCALE + 'target'];
    if (target === undefined || !(Number(target) > 0)) report.error(subject, `annotation ${SCALE}target must be a positive number (got ${target ?? 'nothing'})`);
    else if (metric === 'concurrency' && typeof cc === 'number' && cc > 0 && Number(target) > cc) {
      report.error(subject, `target ${target} is above containerConcurrency ${cc}: the autoscaler would never see it reached`);
    }
  } else if (cls === 'hpa.autoscaling.knative.dev') {
    if (min === 0) report.error(subject, 'the HPA class cannot scale to zero: min-scale must be at least 1');
  } else {
    report.error(subject, `unknown autoscaling class ${cls}`);
  }
  checkProbes(service, report);
}

/** Knative probes the user port: a probe on another port never succeeds. */
function checkProbes(service: K8sObject, report: Reporter): void {
  const subject = describe(service);
  const container = at(service, 'spec.template.spec.containers.0');
  const ports = at(container, 'ports');
  const port = Array.isArray(ports) && ports.length === 1 ? at(ports[0], 'containerPort') : undefined;
  if (port === undefined) report.error(subject, 'the container must declare exactly one containerPort');
  for (const [probe, path] of [['readinessProbe', '/health/readiness'], ['livenessProbe', '/health/liveness']] as const) {
    const get = at(container, `${probe}.httpGet`);
    if (!isRecord(get)) {
      report.error(subject, `${probe} must be an httpGet on ${path}`);
      continue;
    }
    if (get.path !== path) report.error(subject, `${probe}.httpGet.path must be ${path} (the function runtime's endpoint), got ${String(get.path)}`);
    if (get.port !== undefined && get.port !== port) report.error(subject, `${probe}.httpGet.port ${String(get.port)} is not the containerPort ${String(port)}`);
  }
}

function key(obj: K8sObject): string {
  return `${obj.metadata.namespace ?? 'default'}/${obj.metadata.name}`;
}
