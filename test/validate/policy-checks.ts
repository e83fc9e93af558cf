/**
 * Step 3f: EventPolicies and the PingSource, per built overlay.
 *   - every EventPolicy `to`/`from` ref names an object of the built manifests (same apiVersion,
 *     kind, name, namespace), and every `from.sub` of the form
 *     system:serviceaccount:<ns>:<name> a ServiceAccount of the manifests;
 *   - a PingSource sends to the Broker, and the type it emits (Knative's fixed
 *     dev.knative.sources.ping) is in the event catalogue, so a Trigger can route it.
 */
import { ALL_EVENT_TYPES } from '../../lib/events/types.js';
import { at, describe, ofKind, type K8sObject, type Reporter } from './model.js';

interface Ref {
  apiVersion?: string;
  kind?: string;
  name?: string;
  namespace?: string;
}

/** The CloudEvent type every PingSource emits (knative.dev/eventing pkg/adapter/mtping). */
export const PING_EVENT_TYPE = 'dev.knative.sources.ping';
const SA_SUBJECT = /^system:serviceaccount:([^:]+):([^:]+)$/;

export function checkEventPolicies(objects: readonly K8sObject[], report: Reporter): void {
  const exists = (ref: Ref, ns: string) =>
    objects.some((o) => o.kind === ref.kind && o.apiVersion === ref.apiVersion && o.metadata.name === ref.name && (o.metadata.namespace ?? 'default') === (ref.namespace ?? ns));
  const serviceAccounts = new Set(objects.filter((o) => o.kind === 'ServiceAccount').map((o) => `${o.metadata.namespace ?? 'default'}/${o.metadata.name}`));

  for (const policy of ofKind(objects, 'eventing.knative.dev', 'EventPolicy')) {
    const subject = describe(policy);
    const ns = policy.metadata.namespace ?? 'default';
    const to = (at(policy, 'spec.to') ?? []) as { ref?: Ref; selector?: unknown }[];
    to.forEach((t, i) => {
      if (t.ref !== undefined && !exists(t.ref, ns)) report.error(subject, `spec.to.${i}.ref names ${t.ref.apiVersion ?? '?'} ${t.ref.kind ?? '?'} ${t.ref.name ?? '?'}, which is not in the manifests`);
    });
    const from = (at(policy, 'spec.from') ?? []) as { ref?: Ref; sub?: string }[];
    if (from.length === 0) report.error(subject, 'spec.from is empty: the policy would admit every sender its `to` receives from');
    from.forEach((f, i) => {
      if (f.ref !== undefined && !exists(f.ref, ns)) report.error(subject, `spec.from.${i}.ref names ${f.ref.apiVersion ?? '?'} ${f.ref.kind ?? '?'} ${f.ref.name ?? '?'}, which is not in the manifests`);
      if (f.sub === undefined) return;
      const m = SA_SUBJECT.exec(f.sub);
      if (m === null) report.error(subject, `spec.from.${i}.sub ${f.sub} is not a service account subject (system:serviceaccount:<namespace>:<name>)`);
      else if (!f.sub.includes('*') && !serviceAccounts.has(`${m[1]}/${m[2]}`)) report.error(subject, `spec.from.${i}.sub names ServiceAccount ${m[1]}/${m[2]}, which is not in the manifests`);
    });
  }

  const brokers = ofKind(objects, 'eventing.knative.dev', 'Broker');
  for (const ping of ofKind(objects, 'sources.knative.dev', 'PingSource')) {
    const subject = describe(ping);
    const ns = ping.metadata.namespace ?? 'default';
    const sink = at(ping, 'spec.sink.ref') as Ref | undefined;
    if (sink?.kind !== 'Broker' || !brokers.some((b) => b.metadata.name === sink.name && (b.metadata.namespace ?? 'default') === (sink.namespace ?? ns))) {
      report.error(subject, `spec.sink.ref must be a Broker in the manifests (got ${sink?.kind ?? '?'} ${sink?.name ?? '?'})`);
    }
    if (!(ALL_EVENT_TYPES as readonly string[]).includes(PING_EVENT_TYPE)) {
      report.error(subject, `emits ${PING_EVENT_TYPE}, which is not in the event catalogue (lib/events/types.ts): add it so a Trigger can route it`);
    }
    if (typeof at(ping, 'spec.schedule') !== 'string' || String(at(ping, 'spec.schedule')).trim().split(/\s+/).length !== 5) {
      report.error(subject, 'spec.schedule must be a five-field cron expression');
    }
  }
}
