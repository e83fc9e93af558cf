/**
 * Strict schemas for the core Kubernetes kinds Sluice deploys (the fields we use, from the
 * Kubernetes API reference). Unknown fields are rejected, as `kubectl apply` does with strict
 * field validation, so a typo fails here instead of being dropped by the API server.
 */
import { z } from 'zod';

/** Names: RFC 1123 subdomain (most kinds) and label (Services, containers, ports). */
export const Subdomain = z.string().max(253).regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'must be a lowercase RFC 1123 name');
export const Label = z.string().max(63).regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a lowercase RFC 1123 label (max 63)');
const PortName = z.string().max(15).regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be an IANA service name (max 15)');
export const StringMap = z.record(z.string(), z.string());
export const Port = z.int().min(1).max(65535);
const IntOrString = z.union([z.int(), z.string().min(1)]);
/** A resource quantity: "250m", "1", "1.5Gi", 2. */
export const Quantity = z.union([
  z.number().nonnegative(),
  z.string().regex(/^[0-9]+(\.[0-9]+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/, 'must be a Kubernetes quantity, e.g. 250m, 1, 512Mi'),
]);

export const ObjectMeta = z.strictObject({
  name: Subdomain,
  namespace: Label.optional(),
  labels: StringMap.optional(),
  annotations: StringMap.optional(),
});
export const TemplateMeta = z.strictObject({ name: Subdomain.optional(), labels: StringMap.optional(), annotations: StringMap.optional() });

const KeyRef = z.strictObject({ name: Subdomain, key: z.string().min(1), optional: z.boolean().optional() });
export const EnvVar = z.strictObject({
  name: z.string().regex(/^[-._a-zA-Z][-._a-zA-Z0-9]*$/, 'must be a valid environment variable name'),
  value: z.string().optional(),
  valueFrom: z
    .strictObject({
      fieldRef: z.strictObject({ fieldPath: z.string(), apiVersion: z.string().optional() }).optional(),
      configMapKeyRef: KeyRef.optional(),
      secretKeyRef: KeyRef.optional(),
    })
    .optional(),
});
const NameRef = z.strictObject({ name: Subdomain, optional: z.boolean().optional() });
export const EnvFrom = z.strictObject({ configMapRef: NameRef.optional(), secretRef: NameRef.optional(), prefix: z.string().optional() });

const Resources = z.strictObject({
  requests: z.partialRecord(z.enum(['cpu', 'memory', 'ephemeral-storage']), Quantity).optional(),
  limits: z.partialRecord(z.enum(['cpu', 'memory', 'ephemeral-storage']), Quantity).optional(),
});
export const Probe = z.strictObject({
  httpGet: z.strictObject({ path: z.string().startsWith('/'), port: IntOrString.optional(), scheme: z.enum(['HTTP', 'HTTPS']).optional() }).optional(),
  tcpSocket: z.strictObject({ port: IntOrString }).optional(),
  exec: z.strictObject({ command: z.array(z.string()).min(1) }).optional(),
  initialDelaySeconds: z.int().nonnegative().optional(),
  periodSeconds: z.int().positive().optional(),
  timeoutSeconds: z.int().positive().optional(),
  failureThreshold: z.int().positive().optional(),
  successThreshold: z.int().positive().optional(),
});
const SecurityContext = z.strictObject({
  runAsNonRoot: z.boolean().optional(),
  runAsUser: z.int().nonnegative().optional(),
  runAsGroup: z.int().nonnegative().optional(),
  allowPrivilegeEscalation: z.boolean().optional(),
  readOnlyRootFilesystem: z.boolean().optional(),
  capabilities: z.strictObject({ drop: z.array(z.string()).optional(), add: z.array(z.string()).optional() }).optional(),
  seccompProfile: z.strictObject({ type: z.enum(['RuntimeDefault', 'Localhost', 'Unconfined']) }).optional(),
});
export const Container = z.strictObject({
  name: Label,
  image: z.string().min(1),
  command: z.array(z.string()).optional(),
  args: z.array(z.string()).optional(),
  workingDir: z.string().optional(),
  ports: z
    .array(z.strictObject({ name: PortName.optional(), containerPort: Port, protocol: z.enum(['TCP', 'UDP', 'SCTP']).optional() }))
    .optional(),
  env: z.array(EnvVar).optional(),
  envFrom: z.array(EnvFrom).optional(),
  resources: Resources.optional(),
  readinessProbe: Probe.optional(),
  livenessProbe: Probe.optional(),
  startupProbe: Probe.optional(),
  securityContext: SecurityContext.optional(),
  volumeMounts: z
    .array(z.strictObject({ name: Label, mountPath: z.string().startsWith('/'), readOnly: z.boolean().optional(), subPath: z.string().optional() }))
    .optional(),
  imagePullPolicy: z.enum(['Always', 'IfNotPresent', 'Never']).optional(),
});
export const Volume = z.strictObject({
  name: Label,
  persistentVolumeClaim: z.strictObject({ claimName: Subdomain, readOnly: z.boolean().optional() }).optional(),
  emptyDir: z.strictObject({ medium: z.enum(['', 'Memory']).optional(), sizeLimit: Quantity.optional() }).optional(),
  secret: z.strictObject({ secretName: Subdomain, defaultMode: z.int().optional(), optional: z.boolean().optional() }).optional(),
  configMap: z.strictObject({ name: Subdomain, defaultMode: z.int().optional(), optional: z.boolean().optional() }).optional(),
});
const Selector = z.strictObject({ matchLabels: StringMap });
const PodAffinityTerm = z.strictObject({ topologyKey: z.string(), labelSelector: Selector });
export const Affinity = z.strictObject({
  podAntiAffinity: z
    .strictObject({
      requiredDuringSchedulingIgnoredDuringExecution: z.array(PodAffinityTerm).optional(),
      preferredDuringSchedulingIgnoredDuringExecution: z
        .array(z.strictObject({ weight: z.int().min(1).max(100), podAffinityTerm: PodAffinityTerm }))
        .optional(),
    })
    .optional(),
});
export const PodSpec = z.strictObject({
  containers: z.array(Container).min(1),
  initContainers: z.array(Container).optional(),
  volumes: z.array(Volume).optional(),
  restartPolicy: z.enum(['Always', 'OnFailure', 'Never']).optional(),
  securityContext: z
    .strictObject({ fsGroup: z.int().optional(), runAsUser: z.int().optional(), runAsGroup: z.int().optional(), runAsNonRoot: z.boolean().optional() })
    .optional(),
  affinity: Affinity.optional(),
  serviceAccountName: Subdomain.optional(),
  terminationGracePeriodSeconds: z.int().nonnegative().optional(),
  nodeSelector: StringMap.optional(),
});
export const PodTemplate = z.strictObject({ metadata: TemplateMeta.optional(), spec: PodSpec });

const PvcSpec = z.strictObject({
  accessModes: z.array(z.enum(['ReadWriteOnce', 'ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOncePod'])).min(1),
  resources: z.strictObject({ requests: z.strictObject({ storage: Quantity }) }),
  storageClassName: z.string().optional(),
});

const object = <K extends string, S extends z.ZodType>(apiVersion: string, kind: K, spec: S) =>
  z.strictObject({ apiVersion: z.literal(apiVersion), kind: z.literal(kind), metadata: ObjectMeta, spec });

/** Schemas by "apiVersion/kind". */
export const coreSchemas: Record<string, z.ZodType> = {
  'v1/Namespace': z.strictObject({ apiVersion: z.literal('v1'), kind: z.literal('Namespace'), metadata: ObjectMeta }),
  'v1/ConfigMap': z.strictObject({ apiVersion: z.literal('v1'), kind: z.literal('ConfigMap'), metadata: ObjectMeta, data: StringMap.optional() }),
  'v1/Secret': z.strictObject({
    apiVersion: z.literal('v1'),
    kind: z.literal('Secret'),
    metadata: ObjectMeta,
    type: z.string().optional(),
    data: StringMap.optional(),
    stringData: StringMap.optional(),
  }),
  'v1/Service': object(
    'v1',
    'Service',
    z.strictObject({
      type: z.enum(['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName']).optional(),
      clusterIP: z.string().optional(),
      externalName: z.string().optional(),
      publishNotReadyAddresses: z.boolean().optional(),
      selector: StringMap.optional(),
      ports: z
        .array(z.strictObject({ name: PortName.optional(), port: Port, targetPort: IntOrString.optional(), protocol: z.enum(['TCP', 'UDP', 'SCTP']).optional() }))
        .min(1),
    }),
  ),
  'v1/PersistentVolumeClaim': object('v1', 'PersistentVolumeClaim', PvcSpec),
  'apps/v1/StatefulSet': object(
    'apps/v1',
    'StatefulSet',
    z.strictObject({
      serviceName: Label,
      replicas: z.int().nonnegative().optional(),
      podManagementPolicy: z.enum(['OrderedReady', 'Parallel']).optional(),
      selector: Selector,
      template: PodTemplate,
      volumeClaimTemplates: z.array(z.strictObject({ metadata: TemplateMeta.extend({ name: Label }), spec: PvcSpec })).optional(),
    }),
  ),
  'apps/v1/Deployment': object(
    'apps/v1',
    'Deployment',
    z.strictObject({ replicas: z.int().nonnegative().optional(), selector: Selector, template: PodTemplate }),
  ),
  'batch/v1/Job': object(
    'batch/v1',
    'Job',
    z.strictObject({
      backoffLimit: z.int().nonnegative().optional(),
      ttlSecondsAfterFinished: z.int().nonnegative().optional(),
      activeDeadlineSeconds: z.int().positive().optional(),
      template: PodTemplate,
    }),
  ),
};
