/**
 * Step 3e: NetworkPolicies against the pods they are about (pods.ts), per built overlay:
 *   - each namespace that runs pods has a default-deny policy (empty podSelector, Ingress and
 *     Egress, no rules), so that everything else is an explicit allow;
 *   - every podSelector (the policy's own, and each in-namespace peer) selects at least one pod:
 *     a selector that matches nothing allows nothing and hides a typo;
 *   - a numbered port on an in-namespace path is one the receiving pods listen on, where known;
 *   - every port of every Service (its target port) is admitted by some ingress rule, so no path
 *     a Service promises is silently cut;
 *   - other namespaces are selected by kubernetes.io/metadata.name, the label Kubernetes sets
 *     (a custom namespace label can be added by anyone who can edit that namespace).
 */
import { at, describe, isRecord, type K8sObject, type Reporter } from './model.js';
import { podsOf, selects, type LabelSelector, type Pod } from './pods.js';

interface Peer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: unknown;
}
interface PolicyPort {
  port?: number | string;
  endPort?: number;
  protocol?: string;
}
interface Rule {
  from?: Peer[];
  to?: Peer[];
  ports?: PolicyPort[];
}

const NS_LABEL = 'kubernetes.io/metadata.name';

export function checkNetworkPolicies(objects: readonly K8sObject[], report: Reporter): void {
  const pods = podsOf(objects);
  const policies = objects.filter((o) => o.apiVersion === 'networking.k8s.io/v1' && o.kind === 'NetworkPolicy');
  const namespaces = new Set(pods.map((p) => p.namespace));

  for (const ns of namespaces) {
    const denies = policies.some((p) => {
      const types = (at(p, 'spec.policyTypes') ?? []) as string[];
      return (p.metadata.namespace ?? 'default') === ns && isEmptySelector(at(p, 'spec.podSelector')) && types.includes('Ingress') && types.includes('Egress') && at(p, 'spec.ingress') === undefined && at(p, 'spec.egress') === undefined;
    });
    if (!denies) report.error(`namespace ${ns}`, 'needs a default-deny NetworkPolicy (podSelector: {}, policyTypes: [Ingress, Egress], no rules)');
  }

  for (const policy of policies) {
    const subject = describe(policy);
    const ns = policy.metadata.namespace ?? 'default';
    const local = pods.filter((p) => p.namespace === ns);
    const selector = (at(policy, 'spec.podSelector') ?? {}) as LabelSelector;
    const targets = local.filter((p) => selects(selector, p.labels));
    if (targets.length === 0) report.error(subject, `spec.podSelector ${JSON.stringify(selector)} selects no pod of namespace ${ns}`);
    for (const [direction, field] of [['ingress', 'from'], ['egress', 'to']] as const) {
      const rules = (at(policy, `spec.${direction}`) ?? []) as Rule[];
      rules.forEach((rule, i) => {
        const where = `spec.${direction}.${i}`;
        for (const [j, peer] of (rule[field] ?? []).entries()) {
          const peerWhere = `${where}.${field}.${j}`;
          if (peer.namespaceSelector !== undefined) {
            const keys = [...Object.keys(peer.namespaceSelector.matchLabels ?? {}), ...(peer.namespaceSelector.matchExpressions ?? []).map((e) => e.key)];
            if (keys.length > 0 && keys.some((k) => k !== NS_LABEL)) report.error(subject, `${peerWhere}.namespaceSelector must select namespaces by ${NS_LABEL} only`);
            continue;
          }
          if (peer.podSelector === undefined) continue;
          const peers = local.filter((p) => selects(peer.podSelector!, p.labels));
          if (peers.length === 0) report.error(subject, `${peerWhere}.podSelector ${JSON.stringify(peer.podSelector)} selects no pod of namespace ${ns}`);
          // Egress to pods of this namespace: the port must be one they listen on.
          if (direction === 'egress') checkPorts(subject, where, rule.ports, peers, report);
        }
        // Ingress: the port must be one the selected pods listen on.
        if (direction === 'ingress') checkPorts(subject, where, rule.ports, targets, report);
      });
    }
  }

  // Every port a Service offers must be admitted by some ingress rule selecting its pods.
  for (const service of objects.filter((o) => o.apiVersion === 'v1' && o.kind === 'Service')) {
    const selector = at(service, 'spec.selector');
    if (!isRecord(selector) || at(service, 'spec.type') === 'ExternalName') continue;
    const ns = service.metadata.namespace ?? 'default';
    const backends = pods.filter((p) => p.namespace === ns && selects({ matchLabels: selector as Record<string, string> }, p.labels));
    for (const port of (at(service, 'spec.ports') ?? []) as { port: number; targetPort?: number | string; name?: string }[]) {
      const target = typeof port.targetPort === 'number' ? port.targetPort : port.port;
      const admitted = policies.some((policy) => {
        if ((policy.metadata.namespace ?? 'default') !== ns) return false;
        const sel = (at(policy, 'spec.podSelector') ?? {}) as LabelSelector;
        if (!backends.some((b) => selects(sel, b.labels))) return false;
        return ((at(policy, 'spec.ingress') ?? []) as Rule[]).some((r) => r.ports === undefined || r.ports.some((p) => covers(p, target)));
      });
      if (!admitted) report.error(describe(service), `port ${port.name ?? port.port} (target ${target}): no NetworkPolicy admits traffic to it; allow its clients or remove the port`);
    }
  }
}

function checkPorts(subject: string, where: string, ports: PolicyPort[] | undefined, pods: readonly Pod[], report: Reporter): void {
  const known = pods.filter((p) => p.ports !== undefined);
  if (known.length === 0 || known.length < pods.length) return;
  for (const port of ports ?? []) {
    if (typeof port.port !== 'number') continue;
    if (!known.some((p) => p.ports!.some((n) => covers(port, n)))) {
      report.error(subject, `${where}: port ${port.port}${port.endPort ? `-${port.endPort}` : ''} is not a container port of ${known.map((p) => p.subject).join(', ')}`);
    }
  }
}

function covers(port: PolicyPort, n: number): boolean {
  if (port.port === undefined) return true;
  if (typeof port.port !== 'number') return false;
  return n === port.port || (port.endPort !== undefined && n >= port.port && n <= port.endPort);
}

function isEmptySelector(value: unknown): boolean {
  return value === null || (isRecord(value) && Object.keys(value).every((k) => isRecord(value[k]) ? Object.keys(value[k] as object).length === 0 : Array.isArray(value[k]) && (value[k] as unknown[]).length === 0));
}
