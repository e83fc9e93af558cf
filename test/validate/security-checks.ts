/**
 * Step 3d: the cluster hardening of issue 11, per built overlay (deploy/README.md, "Hardening").
 *   - every Namespace enforces the `restricted` Pod Security level;
 *   - every pod the manifests define runs as non-root with a RuntimeDefault seccomp profile, and
 *     every container has a read-only root filesystem, no privilege escalation and drops ALL
 *     capabilities (adding back at most NET_BIND_SERVICE), no host namespaces or host paths;
 *   - no pod mounts a service-account token unless it says why (annotation
 *     `sluice.dev/service-account-token: <reason>` on the pod template), and its ServiceAccount
 *     exists;
 *   - in production overlays every image is pinned by digest (`name@sha256:<64 hex>`).
 */
import { DIGEST_REF, isPinned } from './images.js';
import { at, describe, isRecord, type K8sObject, type Reporter } from './model.js';
import { containers, podsOf } from './pods.js';

export const TOKEN_REASON_ANNOTATION = 'sluice.dev/service-account-token';
const PSA = 'pod-security.kubernetes.io/enforce';
/** The placeholder digests of deploy/overlays/production (63 zeros and a digit): warned about. */
const PLACEHOLDER_DIGEST = /@sha256:0{63}[0-9a-f]$/;

export function checkHardening(overlay: string, objects: readonly K8sObject[], report: Reporter): void {
  for (const ns of objects.filter((o) => o.apiVersion === 'v1' && o.kind === 'Namespace')) {
    const labels = (at(ns, 'metadata.labels') ?? {}) as Record<string, string>;
    if (labels[PSA] !== 'restricted') report.error(describe(ns), `must enforce Pod Security "restricted" (label ${PSA}: restricted, got ${labels[PSA] ?? 'nothing'})`);
  }
  const serviceAccounts = new Set(objects.filter((o) => o.kind === 'ServiceAccount').map((o) => `${o.metadata.namespace ?? 'default'}/${o.metadata.name}`));

  for (const pod of podsOf(objects)) {
    const spec = pod.spec;
    const owner = pod.owner;
    if (spec === undefined || owner === undefined) continue;
    const subject = pod.subject;
    const podSec = isRecord(spec.securityContext) ? spec.securityContext : {};
    for (const field of ['hostNetwork', 'hostPID', 'hostIPC']) if (spec[field] === true) report.error(subject, `${field} is not allowed`);
    for (const v of Array.isArray(spec.volumes) ? spec.volumes : []) {
      if (isRecord(v) && v.hostPath !== undefined) report.error(subject, `volume ${String(v.name)}: hostPath is not allowed`);
    }
    const annotations = (at(owner, 'spec.template.metadata.annotations') ?? {}) as Record<string, string>;
    const reason = annotations[TOKEN_REASON_ANNOTATION];
    if (spec.automountServiceAccountToken !== false && (reason === undefined || reason.trim() === '')) {
      report.error(subject, `automountServiceAccountToken must be false (or annotate the pod template with ${TOKEN_REASON_ANNOTATION}: <why it needs the token>)`);
    }
    const sa = typeof spec.serviceAccountName === 'string' ? spec.serviceAccountName : undefined;
    if (sa === undefined) report.error(subject, 'serviceAccountName must name its own ServiceAccount (the namespace default is shared by every pod)');
    else if (!serviceAccounts.has(`${pod.namespace}/${sa}`)) report.error(subject, `serviceAccountName ${sa} is not a ServiceAccount in the manifests`);

    for (const c of containers(spec)) {
      const where = `${subject} container ${String(c.name ?? '(unnamed)')}`;
      const sec = isRecord(c.securityContext) ? c.securityContext : {};
      const nonRoot = sec.runAsNonRoot ?? podSec.runAsNonRoot;
      if (nonRoot !== true) report.error(where, 'must set runAsNonRoot: true (pod or container securityContext)');
      if (sec.runAsUser === 0 || (sec.runAsUser === undefined && podSec.runAsUser === 0)) report.error(where, 'must not run as uid 0');
      const seccomp = at(sec, 'seccompProfile.type') ?? at(podSec, 'seccompProfile.type');
      if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') report.error(where, `must set seccompProfile.type: RuntimeDefault (got ${String(seccomp ?? 'nothing')})`);
      if (sec.readOnlyRootFilesystem !== true) report.error(where, 'must set readOnlyRootFilesystem: true (mount an emptyDir where it writes)');
      if (sec.allowPrivilegeEscalation !== false) report.error(where, 'must set allowPrivilegeEscalation: false');
      if (sec.privileged === true) report.error(where, 'must not be privileged');
      const drop = (at(sec, 'capabilities.drop') ?? []) as unknown[];
      if (!drop.includes('ALL')) report.error(where, 'must drop ALL capabilities (capabilities.drop: [ALL])');
      const add = ((at(sec, 'capabilities.add') ?? []) as unknown[]).filter((cap) => cap !== 'NET_BIND_SERVICE');
      if (add.length > 0) report.error(where, `must not add capabilities other than NET_BIND_SERVICE (adds ${add.join(', ')})`);
      checkImagePin(overlay, where, typeof c.image === 'string' ? c.image : '', report);
    }
  }
  // The RabbitMQ nodes' image is the RabbitmqCluster's (the operator's default would float).
  for (const cluster of objects.filter((o) => o.kind === 'RabbitmqCluster')) {
    const image = at(cluster, 'spec.image');
    if (typeof image !== 'string') report.error(describe(cluster), 'spec.image must pin the RabbitMQ image (the operator default changes with the operator)');
    else checkImagePin(overlay, describe(cluster), image, report);
  }
}

function checkImagePin(overlay: string, subject: string, image: string, report: Reporter): void {
  if (!isPinned(image)) report.error(subject, `image ${image} must be pinned to a version`);
  if (!overlay.startsWith('production')) return;
  if (!DIGEST_REF.test(image)) report.error(subject, `production pins every image by digest (image@sha256:…, kustomize images: digest), got ${image}`);
  // One warning per image, however many containers run it.
  else if (PLACEHOLDER_DIGEST.test(image)) report.warning(`image ${image}`, "has a placeholder digest: put the real one in the overlay's images: before deploying");
}
