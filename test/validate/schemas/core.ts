/**
 * Zod building blocks for the schemas of kinds without an upstream model (crds.ts, knative.ts)
 * and for func.yaml: names, quantities, metadata, affinity. The core kinds themselves are checked
 * with `kubernetes-models` (models.ts).
 */
import { z } from 'zod';

/** Names: RFC 1123 subdomain (most kinds) and label (Services, containers, ports). */
export const Subdomain = z.string().max(253).regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'must be a lowercase RFC 1123 name');
export const Label = z.string().max(63).regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a lowercase RFC 1123 label (max 63)');
export const StringMap = z.record(z.string(), z.string());
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
