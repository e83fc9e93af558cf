/**
 * Strict schemas for what has no typed npm model (schemas/models.ts has the rest): the RabbitMQ
 * cluster operator's RabbitmqCluster, and the metadata of KEDA's RabbitMQ scaler (a string map in
 * the CRD, so no schema knows its keys). Only the fields we use (plus close relatives), from each
 * project's reference; unknown fields are rejected so typos are caught.
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

/** KEDA's RabbitMQ scaler: the keys of `triggers[].metadata` (keda.sh/docs, scalers/rabbitmq-queue). */
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
export { RabbitmqScalerMetadata };

export const crdSchemas: Record<string, z.ZodType> = {
  'rabbitmq.com/v1beta1/RabbitmqCluster': RabbitmqCluster,
};
