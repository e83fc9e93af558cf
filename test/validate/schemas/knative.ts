/**
 * Knative Serving and Eventing kinds. Each is checked twice: by the typed model of
 * `@kubernetes-models/knative` (the CRDs' OpenAPI schemas: types, required fields, enums), and
 * by a strict schema of the fields Sluice uses, because the CRD schemas accept unknown fields
 * (`containerConcurency` would pass them and be pruned by the API server without a word).
 * RabbitmqBrokerConfig has no published model; its schema follows eventing-rabbitmq's types.
 */
import { Broker, Trigger } from '@kubernetes-models/knative/eventing.knative.dev/v1';
import { Service } from '@kubernetes-models/knative/serving.knative.dev/v1';
import { DomainMapping } from '@kubernetes-models/knative/serving.knative.dev/v1beta1';
import { ContainerSource } from '@kubernetes-models/knative/sources.knative.dev/v1';
import { z } from 'zod';
import { Container, ObjectMeta, PodTemplate, StringMap, Subdomain, TemplateMeta, Volume } from './core.js';

/** A model class: construct from data, `.validate()` throws on a schema violation. */
type ModelClass = new (data: never) => { validate(): void };

export const knativeModels: Record<string, ModelClass> = {
  'serving.knative.dev/v1/Service': Service as unknown as ModelClass,
  'serving.knative.dev/v1beta1/DomainMapping': DomainMapping as unknown as ModelClass,
  'eventing.knative.dev/v1/Broker': Broker as unknown as ModelClass,
  'eventing.knative.dev/v1/Trigger': Trigger as unknown as ModelClass,
  'sources.knative.dev/v1/ContainerSource': ContainerSource as unknown as ModelClass,
};

const Ref = z.strictObject({ apiVersion: z.string().min(1), kind: z.string().min(1), name: Subdomain, namespace: Subdomain.optional() });
/** duckv1 Destination: a ref, a URI, or a ref plus a relative URI. */
export const Destination = z.strictObject({ ref: Ref.optional(), uri: z.string().min(1).optional() });
export const Delivery = z.strictObject({
  deadLetterSink: Destination.optional(),
  retry: z.int().nonnegative().optional(),
  backoffPolicy: z.enum(['linear', 'exponential']).optional(),
  backoffDelay: z.string().optional(),
  timeout: z.string().optional(),
});

/** Knative's container: the core container without a required name (one port: eventing-checks.ts). */
const KnativeContainer = Container.extend({ name: Container.shape.name.optional() });

const KnativeService = z.strictObject({
  apiVersion: z.literal('serving.knative.dev/v1'),
  kind: z.literal('Service'),
  metadata: ObjectMeta,
  spec: z.strictObject({
    template: z.strictObject({
      metadata: TemplateMeta.optional(),
      spec: z.strictObject({
        containerConcurrency: z.int().min(0).max(1000).optional(),
        timeoutSeconds: z.int().positive().optional(),
        serviceAccountName: Subdomain.optional(),
        containers: z.array(KnativeContainer).length(1, 'Sluice services run one container'),
        volumes: z.array(Volume).optional(),
      }),
    }),
  }),
});

export const knativeSchemas: Record<string, z.ZodType> = {
  'serving.knative.dev/v1/Service': KnativeService,
  'serving.knative.dev/v1beta1/DomainMapping': z.strictObject({
    apiVersion: z.literal('serving.knative.dev/v1beta1'),
    kind: z.literal('DomainMapping'),
    metadata: ObjectMeta,
    spec: z.strictObject({ ref: Ref, tls: z.strictObject({ secretName: Subdomain }).optional() }),
  }),
  'eventing.knative.dev/v1/Broker': z.strictObject({
    apiVersion: z.literal('eventing.knative.dev/v1'),
    kind: z.literal('Broker'),
    metadata: ObjectMeta,
    spec: z.strictObject({ config: Ref.partial({ apiVersion: true }), delivery: Delivery.optional() }),
  }),
  'eventing.knative.dev/v1/Trigger': z.strictObject({
    apiVersion: z.literal('eventing.knative.dev/v1'),
    kind: z.literal('Trigger'),
    metadata: ObjectMeta,
    spec: z.strictObject({
      broker: Subdomain,
      filter: z.strictObject({ attributes: StringMap.optional() }).optional(),
      subscriber: Destination,
      delivery: Delivery.optional(),
    }),
  }),
  'eventing.knative.dev/v1alpha1/RabbitmqBrokerConfig': z.strictObject({
    apiVersion: z.literal('eventing.knative.dev/v1alpha1'),
    kind: z.literal('RabbitmqBrokerConfig'),
    metadata: ObjectMeta,
    spec: z.strictObject({
      rabbitmqClusterReference: z
        .strictObject({ name: Subdomain.optional(), namespace: Subdomain.optional(), connectionSecret: z.strictObject({ name: Subdomain }).optional() })
        .refine((r) => (r.name === undefined) !== (r.connectionSecret === undefined), 'takes name or connectionSecret, not both'),
      queueType: z.enum(['quorum', 'classic']).optional(),
      vhost: z.string().optional(),
    }),
  }),
  'sources.knative.dev/v1/ContainerSource': z.strictObject({
    apiVersion: z.literal('sources.knative.dev/v1'),
    kind: z.literal('ContainerSource'),
    metadata: ObjectMeta,
    spec: z.strictObject({
      template: PodTemplate,
      sink: Destination,
      ceOverrides: z.strictObject({ extensions: StringMap }).optional(),
    }),
  }),
};
