/**
 * Who is who on the event path, named the way Knative's `authentication-oidc` feature names
 * them: a sender is a Kubernetes service account (the token's `sub`), a receiver is an audience
 * (the token's `aud`). The same names are used by the local issuer, every sender and receiver,
 * `eventing/policies.yaml` and `eventing/triggers.yaml` (`subscriber.audience`).
 */

/** The namespace every Sluice object lives in (deploy/base/kustomization.yaml). */
export const NAMESPACE = 'sluice';

/** The token subject of a service account, `system:serviceaccount:<namespace>:<name>`. */
export function serviceAccountSubject(name: string, namespace: string = NAMESPACE): string {
  return `system:serviceaccount:${namespace}:${name}`;
}

/** Knative's audience of a Broker (`status.address.audience`). */
export function brokerAudience(name: string, namespace: string = NAMESPACE): string {
  return `eventing.knative.dev/broker/${namespace}/${name}`;
}

/** The audience of a Knative Service that receives events, as set on the Triggers that target it. */
export function serviceAudience(name: string, namespace: string = NAMESPACE): string {
  return `serving.knative.dev/service/${namespace}/${name}`;
}

/** A Kubernetes object reference, as EventPolicy `to`/`from` and Trigger subscribers use them. */
export interface ObjectRef {
  readonly apiVersion?: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
}

/**
 * The service account a referenced sender presents. Knative resolves a `from.ref` to the OIDC
 * service account of that object; the local stack gives each object one of its own, named after it
 * (`sluice-broker` for the Broker `sluice`, whose dispatchers also post the replies).
 */
export function subjectOfRef(ref: ObjectRef): string {
  const name = ref.kind === 'Broker' ? `${ref.name}-broker` : ref.name;
  return serviceAccountSubject(name, ref.namespace ?? NAMESPACE);
}

/** The identities of the local stack: every component that sends events, and the operator's CLI. */
export const LOCAL_SENDERS = ['sluice-broker', 'sluice-seaweedfs-source', 'sluice-api', 'sluice-split', 'sluice-embed', 'sluice-index', 'sluice-cli'] as const;
export type LocalSender = (typeof LOCAL_SENDERS)[number];
