/**
 * EventPolicy (eventing.knative.dev/v1alpha1) as the receivers enforce it: a request to a
 * receiver is admitted when some policy naming that receiver in `spec.to` lists the sender in
 * `spec.from` (a `ref`, or a `sub` that may end in `*`) and the event passes all of that policy's
 * `spec.filters` (the Subscriptions API dialects `exact`, `prefix`, `suffix`, `all`, `any`, `not`).
 * A receiver no policy names admits nobody: Knative's `default-authorization-mode: deny-all`.
 * One file, `eventing/policies.yaml`, is applied to the cluster and read here.
 */
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { z } from 'zod';
import { subjectOfRef, type ObjectRef } from './identity.js';

const Ref = z.object({ apiVersion: z.string().optional(), kind: z.string().min(1), name: z.string().min(1), namespace: z.string().optional() }).strict();
const Attributes = z.record(z.string(), z.string());
type Filter = { exact?: Record<string, string>; prefix?: Record<string, string>; suffix?: Record<string, string>; all?: Filter[]; any?: Filter[]; not?: Filter };
const FilterSchema: z.ZodType<Filter> = z.lazy(() =>
  z
    .object({ exact: Attributes.optional(), prefix: Attributes.optional(), suffix: Attributes.optional(), all: z.array(FilterSchema).optional(), any: z.array(FilterSchema).optional(), not: FilterSchema.optional() })
    .strict()
    .refine((f) => Object.keys(f).length === 1, 'a filter has exactly one dialect (CESQL is not supported here)'),
);
const EventPolicySchema = z.object({
  apiVersion: z.literal('eventing.knative.dev/v1alpha1'),
  kind: z.literal('EventPolicy'),
  metadata: z.object({ name: z.string(), namespace: z.string().optional() }).passthrough(),
  spec: z
    .object({
      to: z.array(z.object({ ref: Ref }).strict()).min(1, 'a policy without `to` would apply to the whole namespace; name the receivers'),
      from: z.array(z.union([z.object({ ref: Ref }).strict(), z.object({ sub: z.string().min(1) }).strict()])).min(1),
      filters: z.array(FilterSchema).optional(),
    })
    .strict(),
});
export type EventPolicy = z.infer<typeof EventPolicySchema>;

export class PolicyConfigError extends Error {
  override readonly name = 'PolicyConfigError';
}

/** Parses the EventPolicy documents of a multi-document YAML text (other kinds are skipped). */
export function parseEventPolicies(text: string, origin = 'policies'): EventPolicy[] {
  const policies: EventPolicy[] = [];
  for (const doc of parseAllDocuments(text)) {
    const value: unknown = doc.toJS();
    if (!value || (value as { kind?: unknown }).kind !== 'EventPolicy') continue;
    const parsed = EventPolicySchema.safeParse(value);
    if (!parsed.success) throw new PolicyConfigError(`${origin}: invalid EventPolicy: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    policies.push(parsed.data);
  }
  return policies;
}

export function loadEventPolicies(path: string): EventPolicy[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new PolicyConfigError(`cannot read the event policies ${path}: ${(err as Error).message}`);
  }
  return parseEventPolicies(text, path);
}

/** The CloudEvent attributes a filter sees (type, source, subject, extensions). */
export type EventAttributes = { readonly [attribute: string]: unknown };

export interface ReceiverPolicy {
  /** Whether any policy names this receiver at all (else everyone is refused). */
  readonly hasPolicies: boolean;
  /** Whether `subject` may send to this receiver at all, whatever the event. */
  admitsSender(subject: string): boolean;
  /** Whether `subject` may send this event to this receiver. */
  admits(subject: string, event: EventAttributes): boolean;
}

/** The policies that apply to one receiver. */
export function policyFor(receiver: ObjectRef, policies: readonly EventPolicy[]): ReceiverPolicy {
  const mine = policies.filter((p) => p.spec.to.some(({ ref }) => ref.kind === receiver.kind && ref.name === receiver.name && (ref.namespace ?? p.metadata.namespace) === (receiver.namespace ?? p.metadata.namespace)));
  const fromMatches = (p: EventPolicy, subject: string) =>
    p.spec.from.some((f) => ('sub' in f ? subjectMatches(f.sub, subject) : subjectOfRef({ ...f.ref, namespace: f.ref.namespace ?? p.metadata.namespace }) === subject));
  return {
    hasPolicies: mine.length > 0,
    admitsSender: (subject) => mine.some((p) => fromMatches(p, subject)),
    admits: (subject, event) => mine.some((p) => fromMatches(p, subject) && (p.spec.filters ?? []).every((f) => filterMatches(f, event))),
  };
}

/** A `sub` pattern: exact, or a prefix when it ends in `*` (Knative's only wildcard). */
function subjectMatches(pattern: string, subject: string): boolean {
  return pattern.endsWith('*') ? subject.startsWith(pattern.slice(0, -1)) : pattern === subject;
}

export function filterMatches(filter: Filter, event: EventAttributes): boolean {
  const each = (attrs: Record<string, string> | undefined, test: (actual: string, wanted: string) => boolean) =>
    Object.entries(attrs ?? {}).every(([name, wanted]) => {
      const actual = event[name];
      return typeof actual === 'string' && test(actual, wanted);
    });
  if (filter.exact) return each(filter.exact, (a, w) => a === w);
  if (filter.prefix) return each(filter.prefix, (a, w) => a.startsWith(w));
  if (filter.suffix) return each(filter.suffix, (a, w) => a.endsWith(w));
  if (filter.all) return filter.all.every((f) => filterMatches(f, event));
  if (filter.any) return filter.any.some((f) => filterMatches(f, event));
  if (filter.not) return !filterMatches(filter.not, event);
  return false;
}
