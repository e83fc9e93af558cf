/**
 * Strict schemas for the operator kinds Sluice uses that have no typed npm models: RabbitMQ
 * cluster operator, Traefik, cert-manager, KEDA. Only the fields we use (plus close relatives),
 * from each project's CRD reference; unknown fields are rejected so typos are caught.
 */
import { z } from 'zod';
import { Affinity, ObjectMeta, Quantity, StringMap, Subdomain } from './core.js';

const Resources = z.strictObject({
  requests: z.partialRecord(z.enum(['cpu', 'memory']), Quantity).optional(),
  limits: z.partialRecord(z.enum(['cpu', 'memory']), Quantity).optional(),
});

const object = <S extends z.ZodType>(apiVersion: string, kind: string, spec: S) =>
  z.strictObject({ apiVersion: z.literal(apiVersion), kind: z.literal(kind), metadata: ObjectMeta, spec });

/** rabbitmq.com/v1beta1 RabbitmqCluster (cluster operator). */
const RabbitmqCluster = object(
  'rabbitmq.com/v1beta1',
  'RabbitmqCluster',
  z.strictObject({
    replicas: z.int().positive().optional(),
    image: z.string().optional(),
    resources: Resources.optional(),
    persistence: z.strictObject({ storage: Quantity.optional(), storageClassName: z.string().optional() }).optional(),
    rabbitmq: z
      .strictObject({
        additionalConfig: z.string().optional(),
        advancedConfig: z.string().optional(),
        envConfig: z.string().optional(),
        additionalPlugins: z.array(z.string()).optional(),
      })
      .optional(),
    affinity: Affinity.optional(),
    service: z.strictObject({ type: z.enum(['ClusterIP', 'NodePort', 'LoadBalancer']).optional(), annotations: StringMap.optional() }).optional(),
    terminationGracePeriodSeconds: z.int().nonnegative().optional(),
  }),
);

/** Traefik v3 CRDs (traefik.io/v1alpha1). */
const MiddlewareRef = z.strictObject({ name: Subdomain, namespace: Subdomain.optional() });
const IngressRoute = object(
  'traefik.io/v1alpha1',
  'IngressRoute',
  z.strictObject({
    entryPoints: z.array(z.string()).min(1).optional(),
    routes: z
      .array(
        z.strictObject({
          kind: z.literal('Rule').optional(),
          match: z.string().min(1),
          priority: z.int().optional(),
          middlewares: z.array(MiddlewareRef).optional(),
          services: z
            .array(
              z.strictObject({
                name: Subdomain,
                namespace: Subdomain.optional(),
                kind: z.enum(['Service', 'TraefikService']).optional(),
                port: z.union([z.int().min(1).max(65535), z.string().min(1)]),
                passHostHeader: z.boolean().optional(),
                scheme: z.enum(['http', 'https', 'h2c']).optional(),
                weight: z.int().nonnegative().optional(),
              }),
            )
            .min(1),
        }),
      )
      .min(1),
    tls: z
      .strictObject({ secretName: Subdomain.optional(), certResolver: z.string().optional(), options: MiddlewareRef.optional() })
      .optional(),
  }),
);
const Middleware = object(
  'traefik.io/v1alpha1',
  'Middleware',
  z
    .strictObject({
      basicAuth: z
        .strictObject({ secret: Subdomain, realm: z.string().optional(), removeHeader: z.boolean().optional(), headerField: z.string().optional() })
        .optional(),
      rateLimit: z
        .strictObject({
          average: z.int().nonnegative(),
          period: z.string().regex(/^\d+(ms|s|m|h)$/, 'must be a Go duration like 1s or 1m').optional(),
          burst: z.int().positive().optional(),
        })
        .optional(),
      buffering: z
        .strictObject({
          maxRequestBodyBytes: z.int().nonnegative().optional(),
          memRequestBodyBytes: z.int().nonnegative().optional(),
          maxResponseBodyBytes: z.int().nonnegative().optional(),
          memResponseBodyBytes: z.int().nonnegative().optional(),
          retryExpression: z.string().optional(),
        })
        .optional(),
      redirectScheme: z.strictObject({ scheme: z.enum(['http', 'https']), permanent: z.boolean().optional() }).optional(),
    })
    .refine((spec) => Object.keys(spec).length === 1, 'a Middleware configures exactly one middleware'),
);

/** cert-manager.io/v1 Certificate. */
const Certificate = object(
  'cert-manager.io/v1',
  'Certificate',
  z.strictObject({
    secretName: Subdomain,
    dnsNames: z.array(z.string().min(1)).min(1),
    commonName: z.string().optional(),
    duration: z.string().optional(),
    renewBefore: z.string().optional(),
    issuerRef: z.strictObject({ name: Subdomain, kind: z.enum(['Issuer', 'ClusterIssuer']).optional(), group: z.string().optional() }),
    privateKey: z
      .strictObject({
        algorithm: z.enum(['RSA', 'ECDSA', 'Ed25519']).optional(),
        size: z.int().positive().optional(),
        rotationPolicy: z.enum(['Never', 'Always']).optional(),
        encoding: z.enum(['PKCS1', 'PKCS8']).optional(),
      })
      .optional(),
  }),
);

/** KEDA (keda.sh/v1alpha1). The RabbitMQ scaler's metadata keys are checked too. */
const RabbitmqScalerMetadata = z.strictObject({
  host: z.string().optional(),
  protocol: z.enum(['auto', 'amqp', 'http']).optional(),
  queueName: z.string().min(1),
  vhostName: z.string().optional(),
  mode: z.enum(['QueueLength', 'MessageRate', 'DeliverGetRate', 'PublishedToDeliveredRatio', 'ExpectedQueueConsumptionTime']),
  value: z.string().regex(/^\d+(\.\d+)?$/, 'must be a number in a string'),
  activationValue: z.string().regex(/^\d+(\.\d+)?$/, 'must be a number in a string').optional(),
  useRegex: z.enum(['true', 'false']).optional(),
  operation: z.enum(['sum', 'max', 'avg']).optional(),
  excludeUnacknowledged: z.enum(['true', 'false']).optional(),
  unsafeSsl: z.enum(['true', 'false']).optional(),
  timeout: z.string().optional(),
});
export const ScaleTrigger = z.strictObject({
  type: z.string().min(1),
  name: z.string().optional(),
  metadata: StringMap,
  authenticationRef: z.strictObject({ name: Subdomain, kind: z.enum(['TriggerAuthentication', 'ClusterTriggerAuthentication']).optional() }).optional(),
  metricType: z.enum(['AverageValue', 'Value', 'Utilization']).optional(),
});
export const ScaledObjectSpec = z.strictObject({
  scaleTargetRef: z.strictObject({ name: Subdomain, kind: z.string().optional(), apiVersion: z.string().optional() }).optional(),
  minReplicaCount: z.int().nonnegative().optional(),
  maxReplicaCount: z.int().positive().optional(),
  idleReplicaCount: z.int().nonnegative().optional(),
  pollingInterval: z.int().positive().optional(),
  cooldownPeriod: z.int().nonnegative().optional(),
  triggers: z.array(ScaleTrigger).min(1),
});
/** The ScaledObject autoscaler-keda takes in `autoscaling.knative.dev/scaled-object-override`. */
export const ScaledObjectOverride = z.strictObject({ spec: ScaledObjectSpec });
export { RabbitmqScalerMetadata };

/**
 * Prometheus operator (monitoring.coreos.com/v1) PodMonitor and ServiceMonitor: the fields of
 * deploy/monitoring, from the operator's API reference.
 */
const LabelSelector = z.strictObject({
  matchLabels: StringMap.optional(),
  matchExpressions: z
    .array(z.strictObject({ key: z.string().min(1), operator: z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist']), values: z.array(z.string()).optional() }))
    .optional(),
});
/** Prometheus duration: 15s, 1m30s. */
const PromDuration = z.string().regex(/^(\d+(ms|s|m|h|d|w|y))+$/, 'must be a Prometheus duration, e.g. 15s');
const RelabelConfig = z.strictObject({
  sourceLabels: z.array(z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/)).optional(),
  separator: z.string().optional(),
  targetLabel: z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/).optional(),
  regex: z.string().optional(),
  replacement: z.string().optional(),
  action: z.enum(['replace', 'keep', 'drop', 'labelmap', 'labeldrop', 'labelkeep', 'hashmod', 'lowercase', 'uppercase', 'keepequal', 'dropequal']).optional(),
});
const scrapeEndpoint = {
  path: z.string().startsWith('/').optional(),
  scheme: z.enum(['http', 'https']).optional(),
  params: z.record(z.string(), z.array(z.string())).optional(),
  interval: PromDuration.optional(),
  scrapeTimeout: PromDuration.optional(),
  relabelings: z.array(RelabelConfig).optional(),
  metricRelabelings: z.array(RelabelConfig).optional(),
};
const PodMonitor = object(
  'monitoring.coreos.com/v1',
  'PodMonitor',
  z.strictObject({
    selector: LabelSelector,
    namespaceSelector: z.strictObject({ any: z.boolean().optional(), matchNames: z.array(z.string()).optional() }).optional(),
    podMetricsEndpoints: z.array(z.strictObject({ port: z.string().min(1), ...scrapeEndpoint })).min(1),
    jobLabel: z.string().optional(),
  }),
);
const ServiceMonitor = object(
  'monitoring.coreos.com/v1',
  'ServiceMonitor',
  z.strictObject({
    selector: LabelSelector,
    namespaceSelector: z.strictObject({ any: z.boolean().optional(), matchNames: z.array(z.string()).optional() }).optional(),
    endpoints: z.array(z.strictObject({ port: z.string().min(1), ...scrapeEndpoint })).min(1),
    jobLabel: z.string().optional(),
  }),
);

export const crdSchemas: Record<string, z.ZodType> = {
  'monitoring.coreos.com/v1/PodMonitor': PodMonitor,
  'monitoring.coreos.com/v1/ServiceMonitor': ServiceMonitor,
  'rabbitmq.com/v1beta1/RabbitmqCluster': RabbitmqCluster,
  'traefik.io/v1alpha1/IngressRoute': IngressRoute,
  'traefik.io/v1alpha1/Middleware': Middleware,
  'cert-manager.io/v1/Certificate': Certificate,
  'keda.sh/v1alpha1/ScaledObject': object('keda.sh/v1alpha1', 'ScaledObject', ScaledObjectSpec.required({ scaleTargetRef: true })),
  'keda.sh/v1alpha1/TriggerAuthentication': object(
    'keda.sh/v1alpha1',
    'TriggerAuthentication',
    z.strictObject({ secretTargetRef: z.array(z.strictObject({ parameter: z.string().min(1), name: Subdomain, key: z.string().min(1) })).min(1) }),
  ),
};
