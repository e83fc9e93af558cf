/**
 * Knative kinds: their schemas are the upstream models (models.ts, `@kubernetes-models/knative`,
 * which also catch unknown fields through unknown-fields.ts). What stays here is what Sluice adds
 * on top, and RabbitmqBrokerConfig, which has no published model; its schema follows
 * eventing-rabbitmq's types (pkg/apis/eventing/v1alpha1/rabbitmq_broker_config_types.go).
 */
import { z } from 'zod';
import { ObjectMeta, Subdomain } from './core.js';

/** Only the rules Sluice adds; every other field is the model's business. */
const KnativeService = z.looseObject({
  spec: z.looseObject({
    template: z.looseObject({
      spec: z.looseObject({ containers: z.array(z.unknown()).length(1, 'Sluice services run one container') }),
    }),
  }),
});

export const knativeRules: Record<string, z.ZodType> = {
  'serving.knative.dev/v1/Service': KnativeService,
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
};
