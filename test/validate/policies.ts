/**
 * What each overlay promises (deploy/README.md), checked on its built output: the edge overlay
 * fits one node and scales to zero, production replicates the data plane, and SeaweedFS's Raft
 * peer list matches the number of masters it runs.
 */
import { at, describe, ofKind, type K8sObject, type Reporter } from './model.js';

const MIN_SCALE = 'autoscaling.knative.dev/min-scale';
const MAX_SCALE = 'autoscaling.knative.dev/max-scale';

export function checkOverlayPolicy(overlay: string, objects: readonly K8sObject[], report: Reporter): void {
  const services = ofKind(objects, 'serving.knative.dev', 'Service');
  const clusters = ofKind(objects, 'rabbitmq.com', 'RabbitmqCluster');
  if (overlay === 'edge') {
    for (const s of services) {
      const a = (at(s, 'spec.template.metadata.annotations') ?? {}) as Record<string, string>;
      if (a[MIN_SCALE] !== '0') report.error(describe(s), `edge scales to zero: ${MIN_SCALE} must be "0"`);
      if (Number(a[MAX_SCALE]) > 2) report.error(describe(s), `edge is one node: ${MAX_SCALE} must be 1 or 2 (got ${a[MAX_SCALE]})`);
    }
    for (const c of clusters) if (at(c, 'spec.replicas') !== 1) report.error(describe(c), 'edge is one node: one RabbitMQ replica');
  }
  if (overlay.startsWith('production')) {
    for (const c of clusters) {
      const n = at(c, 'spec.replicas');
      if (typeof n !== 'number' || n < 3 || n % 2 === 0) report.error(describe(c), 'production runs an odd number (>= 3) of RabbitMQ replicas: quorum queues need a majority');
    }
    for (const config of objects.filter((o) => o.kind === 'RabbitmqBrokerConfig')) {
      if ((at(config, 'spec.queueType') ?? 'quorum') !== 'quorum') report.error(describe(config), 'production uses quorum queues');
    }
  }
  for (const master of objects.filter((o) => o.kind === 'StatefulSet' && o.metadata.name === 'seaweedfs-master')) checkRaftPeers(master, report);
}

/** `weed master -peers` must list exactly the StatefulSet's pods. */
function checkRaftPeers(master: K8sObject, report: Reporter): void {
  const replicas = (at(master, 'spec.replicas') ?? 1) as number;
  const args = (at(master, 'spec.template.spec.containers.0.args') ?? []) as string[];
  const peers = args.find((a) => a.startsWith('-peers='))?.slice('-peers='.length).split(',') ?? [];
  const expected = Array.from({ length: replicas }, (_, i) => `${master.metadata.name}-${i}.`);
  const ok = peers.length === replicas && expected.every((prefix) => peers.some((p) => p.startsWith(prefix)));
  if (!ok) report.error(describe(master), `-peers must list the ${replicas} master pod(s) ${expected.map((e) => `${e}…`).join(', ')} (got ${peers.join(', ') || 'none'})`);
}
