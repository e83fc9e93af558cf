/**
 * Reads the Knative eventing manifests (Broker, RabbitmqBrokerConfig, Triggers) the cluster
 * applies and turns them into the routing table the local broker runs. Pure: text in, table out.
 *
 * Delivery settings are resolved the way eventing-rabbitmq's Trigger reconciler does it
 * (pkg/reconciler/trigger/trigger.go and resources/dispatcher.go), which is NOT a field-by-field
 * merge: a Trigger with a `delivery` block uses that block alone (missing `retry` becomes 5, and
 * without its own `deadLetterSink` failed events are dropped even if the Broker has one); only a
 * Trigger without any `delivery` falls back to the Broker's block and the Broker's dead-letter
 * exchange. Without either, there are no retries and no dead-lettering.
 *
 * Fields the RabbitMQ broker ignores in the cluster (`spec.filters`, `delivery.retryAfterMax`,
 * `delivery.format`) are rejected here, so the local broker and the cluster cannot silently differ.
 * For the same reason a kustomization.yaml limits what is read to the files it lists, and one
 * that would transform them (namespace, patches, ...) is refused. Other kinds are skipped.
 */
import { parseAllDocuments } from 'yaml';
import { z } from 'zod';
import { parseIsoDuration } from './duration.js';
import { ManifestError } from './errors.js';

export const BROKER_CLASS_ANNOTATION = 'eventing.knative.dev/broker.class';
export const RABBITMQ_BROKER_CLASS = 'RabbitMQBroker';
export const PARALLELISM_ANNOTATION = 'rabbitmq.eventing.knative.dev/parallelism';

/** eventing-rabbitmq dispatcher defaults (cmd/dispatcher/main.go, trigger resources/dispatcher.go). */
export const DEFAULT_RETRY_WITH_DELIVERY = 5;
export const DEFAULT_BACKOFF_DELAY_MS = 50;
export const DEFAULT_PARALLELISM = 1;
const MAX_PARALLELISM = 1000;

export type BackoffPolicy = 'linear' | 'exponential';
export type QueueType = 'quorum' | 'classic';

/** A Knative `Destination` (duckv1): an object reference, a URI, or a ref plus a path. */
export interface Destination {
  readonly ref?: { readonly apiVersion?: string; readonly kind: string; readonly name: string; readonly namespace?: string };
  readonly uri?: string;
  /** The OIDC audience of the destination (Knative `authentication-oidc`): the token the dispatcher presents is for it. */
  readonly audience?: string;
}

/** The effective delivery settings a dispatcher runs with. */
export interface DeliveryPolicy {
  readonly retry: number;
  readonly backoffPolicy: BackoffPolicy;
  readonly backoffDelayMs: number;
  /** Per-attempt HTTP timeout; none when absent. */
  readonly timeoutMs?: number;
  readonly deadLetterSink?: Destination;
}

export interface TriggerRoute {
  readonly name: string;
  readonly namespace: string;
  /** Exact-match CloudEvent attributes (`spec.filter.attributes`); empty matches every event. */
  readonly filter: Readonly<Record<string, string>>;
  readonly subscriber: Destination;
  readonly delivery: DeliveryPolicy;
  /** Whose `delivery` block applies, which also decides whose dead-letter exchange is used. */
  readonly deliveryFrom: 'trigger' | 'broker' | 'default';
  readonly parallelism: number;
}

export interface BrokerRoute {
  readonly name: string;
  readonly namespace: string;
  readonly queueType: QueueType;
  /** `RabbitmqBrokerConfig.spec.vhost`; locally the vhost comes from RABBITMQ_URL. */
  readonly vhost?: string;
  /** The Broker's own `delivery`: Triggers without one use it, and so does its dead-letter dispatcher. */
  readonly delivery?: DeliveryPolicy;
}

export interface RoutingTable {
  readonly broker: BrokerRoute;
  readonly triggers: readonly TriggerRoute[];
}

/** One YAML file: its name (for error messages) and its text. */
export interface ManifestSource {
  readonly file: string;
  readonly text: string;
}

export interface ParseManifestsOptions {
  /** Which Broker to run when the manifests declare several. */
  readonly brokerName?: string;
}

const K8sName = z
  .string()
  .max(253)
  .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'must be a lowercase RFC 1123 name');

const Metadata = z.object({
  name: K8sName,
  namespace: K8sName.optional(),
  annotations: z.record(z.string(), z.string()).optional(),
});

const IsoDuration = z.string().transform((text, ctx) => {
  try {
    return parseIsoDuration(text);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
    return z.NEVER;
  }
});

const DestinationSchema = z
  .object({
    ref: z
      .object({ apiVersion: z.string().optional(), kind: z.string().min(1), name: K8sName, namespace: K8sName.optional() })
      .optional(),
    uri: z.string().min(1).optional(),
    audience: z.string().min(1).optional(),
  })
  .refine((d) => d.ref !== undefined || d.uri !== undefined, 'a destination needs a ref or a uri');

const DeliverySchema = z.object({
  deadLetterSink: DestinationSchema.optional(),
  retry: z.number().int().min(0).max(2_147_483_647).optional(),
  backoffPolicy: z.enum(['linear', 'exponential']).optional(),
  backoffDelay: IsoDuration.optional(),
  timeout: IsoDuration.refine((ms) => ms > 0, 'timeout must be greater than 0').optional(),
});
type DeliveryInput = z.infer<typeof DeliverySchema>;

/** CloudEvents attribute names, as Knative validates filter keys. */
const AttributeName = z.string().regex(/^[a-z0-9]+$/, 'CloudEvent attribute names are lowercase letters and digits');

const TriggerSchema = z.object({
  metadata: Metadata,
  spec: z.object({
    broker: K8sName,
    filter: z.object({ attributes: z.record(AttributeName, z.string().min(1, 'filter values must not be empty')).optional() }).nullish(),
    subscriber: DestinationSchema,
    delivery: DeliverySchema.optional(),
  }),
});

const BrokerSchema = z.object({
  metadata: Metadata,
  spec: z.object({
    config: z.object({
      apiVersion: z.string().optional(),
      kind: z.literal('RabbitmqBrokerConfig', { error: 'spec.config must reference a RabbitmqBrokerConfig' }),
      name: K8sName,
      namespace: K8sName.optional(),
    }),
    delivery: DeliverySchema.optional(),
  }),
});

const BrokerConfigSchema = z.object({
  metadata: Metadata,
  spec: z.object({
    rabbitmqClusterReference: z
      .object({ name: z.string().min(1).optional(), namespace: z.string().optional(), connectionSecret: z.object({ name: z.string() }).optional() })
      .refine((r) => (r.name === undefined) !== (r.connectionSecret === undefined), 'rabbitmqClusterReference takes name or connectionSecret, not both'),
    queueType: z.enum(['quorum', 'classic']).default('quorum'),
    vhost: z.string().optional(),
  }),
});

/** A YAML document we care about, with where it came from. */
interface Doc {
  readonly where: string;
  readonly kind: 'Broker' | 'Trigger' | 'RabbitmqBrokerConfig';
  readonly body: Record<string, unknown>;
}

/** Fields the RabbitMQ broker accepts but ignores in the cluster, so they must not be relied upon. */
const IGNORED_FIELDS: ReadonlyArray<{ path: readonly string[]; why: string }> = [
  { path: ['spec', 'filters'], why: 'the RabbitMQ broker ignores `filters` (prefix/suffix/CESQL); use `filter.attributes` (exact match)' },
  { path: ['spec', 'delivery', 'retryAfterMax'], why: 'the RabbitMQ broker dispatcher ignores Retry-After and `retryAfterMax`' },
  { path: ['spec', 'delivery', 'format'], why: 'the RabbitMQ broker dispatcher always delivers in binary mode and ignores `format`' },
];

const KINDS = new Set(['Broker', 'Trigger', 'RabbitmqBrokerConfig']);

/**
 * Builds the routing table of one RabbitMQ Broker from its manifests. Throws {@link ManifestError}
 * naming the file, document and field on any problem.
 */
export function parseManifests(sources: readonly ManifestSource[], options: ParseManifestsOptions = {}): RoutingTable {
  const docs = appliedSources(sources).flatMap(readDocuments);
  const broker = selectBroker(docs, options.brokerName);
  const brokerNs = namespaceOf(broker.parsed.metadata);
  const configRef = broker.parsed.spec.config;
  const config = findConfig(docs, configRef.name, configRef.namespace ?? brokerNs, broker.doc.where);
  const brokerDelivery = broker.parsed.spec.delivery;

  const seen = new Set<string>();
  const triggers: TriggerRoute[] = [];
  for (const doc of docs.filter((d) => d.kind === 'Trigger')) {
    const trigger = parseWith(TriggerSchema, doc);
    const namespace = namespaceOf(trigger.metadata);
    if (trigger.spec.broker !== broker.parsed.metadata.name || namespace !== brokerNs) continue;
    const key = `${namespace}/${trigger.metadata.name}`;
    if (seen.has(key)) throw new ManifestError(`${doc.where}: Trigger ${key} is declared twice`);
    seen.add(key);
    const own = trigger.spec.delivery;
    const filter = trigger.spec.filter?.attributes ?? {};
    if ('datacontenttype' in filter) {
      throw new ManifestError(
        `${doc.where}: spec.filter.attributes.datacontenttype never matches in the RabbitMQ broker ` +
          '(it carries the attribute as the AMQP header `content-type`)',
      );
    }
    triggers.push({
      name: trigger.metadata.name,
      namespace,
      filter,
      subscriber: trigger.spec.subscriber,
      delivery: toPolicy(own ?? brokerDelivery),
      deliveryFrom: own ? 'trigger' : brokerDelivery ? 'broker' : 'default',
      parallelism: parseParallelism(trigger.metadata.annotations?.[PARALLELISM_ANNOTATION], doc.where),
    });
  }

  return {
    broker: {
      name: broker.parsed.metadata.name,
      namespace: brokerNs,
      queueType: config.spec.queueType,
      ...(config.spec.vhost === undefined ? {} : { vhost: config.spec.vhost }),
      ...(brokerDelivery ? { delivery: toPolicy(brokerDelivery) } : {}),
    },
    triggers,
  };
}

/** Kustomize fields that would make the cluster's objects differ from the files we read. */
const KUSTOMIZE_TRANSFORMS = [
  'namespace', 'namePrefix', 'nameSuffix', 'patches', 'patchesStrategicMerge', 'patchesJson6902',
  'replacements', 'components', 'commonAnnotations', 'images', 'configurations', 'transformers',
];

/**
 * With a kustomization.yaml the cluster applies only the files it lists, unchanged; we read the
 * same ones, and refuse the transformations we would not apply.
 */
function appliedSources(sources: readonly ManifestSource[]): readonly ManifestSource[] {
  const isKustomization = (s: ManifestSource) => /(^|\/)kustomization\.ya?ml$/.test(s.file);
  const kustomization = sources.find(isKustomization);
  if (kustomization === undefined) return sources;
  const where = kustomization.file;
  const body: unknown = parseAllDocuments(kustomization.text)[0]?.toJS();
  const record = (body ?? {}) as Record<string, unknown>;
  for (const field of KUSTOMIZE_TRANSFORMS) {
    if (record[field] !== undefined) throw new ManifestError(`${where}: kustomize \`${field}\` is not applied by the local broker; put the result in the YAML instead`);
  }
  const resources = Array.isArray(record.resources) ? record.resources : [];
  const listed = new Set<string>();
  for (const r of resources) {
    const name = typeof r === 'string' ? r.replace(/^\.\//, '') : '';
    if (!/^[^/]+\.ya?ml$/.test(name)) throw new ManifestError(`${where}: the local broker reads only YAML files of this directory, not resource ${JSON.stringify(r)}`);
    listed.add(name);
  }
  return sources.filter((s) => !isKustomization(s) && listed.has(s.file.split('/').pop() ?? ''));
}

function readDocuments(source: ManifestSource): Doc[] {
  const out: Doc[] = [];
  parseAllDocuments(source.text).forEach((yamlDoc, index) => {
    const where = `${source.file} (document ${index + 1})`;
    const first = yamlDoc.errors[0];
    if (first) throw new ManifestError(`${where}: invalid YAML: ${first.message}`);
    const body: unknown = yamlDoc.toJS();
    if (body === null || body === undefined) return;
    if (typeof body !== 'object' || Array.isArray(body)) throw new ManifestError(`${where}: expected a Kubernetes object`);
    const record = body as Record<string, unknown>;
    const kind = record.kind;
    const apiVersion = record.apiVersion;
    if (typeof kind !== 'string' || !KINDS.has(kind)) return;
    if (typeof apiVersion !== 'string' || !apiVersion.startsWith('eventing.knative.dev/')) return;
    const name = (record.metadata as { name?: unknown } | undefined)?.name;
    const labelled = `${where}, ${kind} ${typeof name === 'string' ? name : '?'}`;
    for (const { path, why } of IGNORED_FIELDS) {
      if (valueAt(record, path) !== undefined) throw new ManifestError(`${labelled}: ${path.join('.')} is not allowed: ${why}`);
    }
    out.push({ where: labelled, kind: kind as Doc['kind'], body: record });
  });
  return out;
}

function selectBroker(docs: readonly Doc[], brokerName: string | undefined) {
  const candidates = docs.filter((d) => d.kind === 'Broker');
  const chosen = brokerName === undefined ? candidates : candidates.filter((d) => valueAt(d.body, ['metadata', 'name']) === brokerName);
  if (chosen.length === 0) {
    throw new ManifestError(brokerName === undefined ? 'no Broker in the manifests' : `no Broker named ${brokerName} in the manifests`);
  }
  if (chosen.length > 1) throw new ManifestError('several Brokers in the manifests: say which one to run (brokerName)');
  const doc = chosen[0] as Doc;
  const parsed = parseWith(BrokerSchema, doc);
  const brokerClass = parsed.metadata.annotations?.[BROKER_CLASS_ANNOTATION];
  if (brokerClass !== RABBITMQ_BROKER_CLASS) {
    throw new ManifestError(
      `${doc.where}: annotation ${BROKER_CLASS_ANNOTATION} must be ${RABBITMQ_BROKER_CLASS} (got ${brokerClass ?? 'nothing'})`,
    );
  }
  return { doc, parsed };
}

function findConfig(docs: readonly Doc[], name: string, namespace: string, brokerWhere: string) {
  for (const doc of docs.filter((d) => d.kind === 'RabbitmqBrokerConfig')) {
    const config = parseWith(BrokerConfigSchema, doc);
    if (config.metadata.name === name && namespaceOf(config.metadata) === namespace) return config;
  }
  throw new ManifestError(`${brokerWhere}: spec.config names RabbitmqBrokerConfig ${namespace}/${name}, which is not in the manifests`);
}

function toPolicy(delivery: DeliveryInput | undefined): DeliveryPolicy {
  if (delivery === undefined) return { retry: 0, backoffPolicy: 'exponential', backoffDelayMs: DEFAULT_BACKOFF_DELAY_MS };
  return {
    retry: delivery.retry ?? DEFAULT_RETRY_WITH_DELIVERY,
    backoffPolicy: delivery.backoffPolicy ?? 'exponential',
    backoffDelayMs: delivery.backoffDelay ?? DEFAULT_BACKOFF_DELAY_MS,
    ...(delivery.timeout === undefined ? {} : { timeoutMs: delivery.timeout }),
    ...(delivery.deadLetterSink === undefined ? {} : { deadLetterSink: delivery.deadLetterSink }),
  };
}

/** Same rule as the eventing-rabbitmq webhook: strconv.Atoi, then 1..1000. */
function parseParallelism(value: string | undefined, where: string): number {
  if (value === undefined) return DEFAULT_PARALLELISM;
  const n = /^[+-]?\d+$/.test(value.trim()) ? Number(value.trim()) : Number.NaN;
  if (!Number.isInteger(n) || n < 1 || n > MAX_PARALLELISM) {
    throw new ManifestError(`${where}: annotation ${PARALLELISM_ANNOTATION} must be an integer from 1 to ${MAX_PARALLELISM} (got "${value}")`);
  }
  return n;
}

/** kubectl applies a manifest without a namespace to `default` (when no -n is given). */
function namespaceOf(metadata: { namespace?: string | undefined }): string {
  return metadata.namespace ?? 'default';
}

function parseWith<T extends z.ZodType>(schema: T, doc: Doc): z.infer<T> {
  const result = schema.safeParse(doc.body);
  if (result.success) return result.data;
  const problems = result.error.issues
    .map((i) => {
      // A bad record key (filter attribute name) carries its reason in nested issues.
      const nested = 'issues' in i && Array.isArray(i.issues) ? (i.issues as Array<{ message: string }>).map((n) => n.message) : [];
      return `${i.path.join('.') || '(root)'}: ${[i.message, ...nested].join(': ')}`;
    })
    .join('; ');
  throw new ManifestError(`${doc.where}: ${problems}`);
}

function valueAt(obj: unknown, path: readonly string[]): unknown {
  let current: unknown = obj;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}
