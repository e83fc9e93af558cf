/**
 * The cluster hardening of issue 11 is enforced by `make validate`: a copy of the manifests with
 * one protection removed fails, naming the workload and what is missing. Pod Security, the
 * container securityContext, service-account tokens, image pins and digests, NetworkPolicies
 * (default deny, selectors that match real pods, ports, Services no policy admits), EventPolicy
 * references, the PingSource, and the upstream models' unknown-field and type checks.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { ALL_EVENT_TYPES } from '../../lib/events/types.js';
import { assertError, assertNoError, removeCopies, validateEdited } from './fixture.js';
import { PING_EVENT_TYPE } from './policy-checks.js';

after(removeCopies);

describe('hardening is checked by make validate', { concurrency: 4 }, () => {
  test('a namespace that does not enforce the restricted Pod Security level fails', async () => {
    const result = await validateEdited({ file: 'deploy/base/namespace.yaml', from: 'enforce: restricted', to: 'enforce: baseline' });
    assertError(result, /Namespace sluice/, /must enforce Pod Security "restricted"/);
  });

  test('containers without a read-only root, with privilege escalation or an added capability fail', async () => {
    const result = await validateEdited(
      { file: 'knative/split.yaml', from: '            readOnlyRootFilesystem: true\n', to: '' },
      { file: 'knative/index.yaml', from: 'allowPrivilegeEscalation: false', to: 'allowPrivilegeEscalation: true' },
      { file: 'knative/embed.yaml', from: '              drop: [ALL]', to: '              drop: [ALL]\n              add: [NET_ADMIN]' },
      { file: 'eventing/seaweedfs-source.yaml', from: '              drop: [ALL]', to: '              drop: [NET_RAW]' },
    );
    assertError(result, /Service sluice\/sluice-split container split/, /readOnlyRootFilesystem: true/);
    assertError(result, /Service sluice\/sluice-index container index/, /allowPrivilegeEscalation: false/);
    assertError(result, /Service sluice\/sluice-embed container embed/, /must not add capabilities other than NET_BIND_SERVICE \(adds NET_ADMIN\)/);
    assertError(result, /ContainerSource sluice\/sluice-seaweedfs-source container source/, /must drop ALL capabilities/);
  });

  test('a SeaweedFS StatefulSet without its pod securityContext fails: non-root and seccomp', async () => {
    const result = await validateEdited({
      file: 'deploy/base/data-plane/seaweedfs.yaml',
      from: /(name: seaweedfs-master[\s\S]*?)      securityContext:\n        runAsNonRoot: true\n        runAsUser: 1000\n        runAsGroup: 1000\n        fsGroup: 1000\n        seccompProfile:\n          type: RuntimeDefault\n/,
      to: '$1',
    });
    assertError(result, /StatefulSet sluice\/seaweedfs-master container master/, /runAsNonRoot: true/);
    assertError(result, /StatefulSet sluice\/seaweedfs-master container master/, /seccompProfile\.type: RuntimeDefault \(got nothing\)/);
    assertNoError(result, /StatefulSet sluice\/seaweedfs-volume/, /runAsNonRoot/);
  });

  test('a pod that mounts a service-account token fails unless it says why; its ServiceAccount must exist', async () => {
    const mounted = await validateEdited(
      { file: 'deploy/base/data-plane/qdrant.yaml', from: 'automountServiceAccountToken: false', to: 'automountServiceAccountToken: true' },
      { file: 'deploy/base/data-plane/buckets-job.yaml', from: '      automountServiceAccountToken: false\n', to: '' },
      { file: 'knative/api.yaml', from: 'serviceAccountName: sluice-api', to: 'serviceAccountName: sluice-apis' },
    );
    assertError(mounted, /StatefulSet sluice\/qdrant/, /automountServiceAccountToken must be false/);
    assertError(mounted, /Job sluice\/seaweedfs-buckets/, /automountServiceAccountToken must be false/);
    assertError(mounted, /Service sluice\/sluice-api/, /serviceAccountName sluice-apis is not a ServiceAccount in the manifests/);
    const explained = await validateEdited(
      { file: 'deploy/base/data-plane/qdrant.yaml', from: 'automountServiceAccountToken: false', to: 'automountServiceAccountToken: true' },
      { file: 'deploy/base/data-plane/qdrant.yaml', from: '    metadata:\n      labels:\n        app.kubernetes.io/name: qdrant\n', to: '    metadata:\n      labels:\n        app.kubernetes.io/name: qdrant\n      annotations:\n        sluice.dev/service-account-token: "reads its peers from the Kubernetes API"\n' },
    );
    assertNoError(explained, /StatefulSet sluice\/qdrant/, /automountServiceAccountToken/);
  });

  test('images: production needs digests, every image a pinned version, RabbitMQ included', async () => {
    const result = await validateEdited(
      { file: 'deploy/overlays/production/kustomization.yaml', from: /  - name: qdrant\/qdrant\n    digest: sha256:[0-9a-f]+\n/, to: '' },
      { file: 'deploy/base/data-plane/buckets-job.yaml', from: 'image: chrislusf/seaweedfs:4.48', to: 'image: chrislusf/seaweedfs:latest' },
      { file: 'eventing/rabbitmq-cluster.yaml', from: '  image: rabbitmq:4.2.6-management\n', to: '' },
    );
    assertError(result, /StatefulSet sluice\/qdrant container qdrant/, /production pins every image by digest .* got qdrant\/qdrant:v1\.18\.0-unprivileged/, 'production');
    const digestErrors = result.errors.filter((p) => /StatefulSet sluice\/qdrant container qdrant/.test(p.subject) && /by digest/.test(p.message));
    assert.ok(digestErrors.length > 0 && digestErrors.every((p) => !p.overlays.includes('edge')), 'only production overlays require digests');
    assertError(result, /Job sluice\/seaweedfs-buckets container buckets/, /must be pinned to a tag or a digest/);
    assertError(result, /RabbitmqCluster sluice\/sluice-rabbitmq/, /spec\.image must pin the RabbitMQ image/);
  });

  test('the repository passes the production digest check and warns about each placeholder digest', async () => {
    const result = await validateEdited();
    assert.deepEqual(result.errors, []);
    assert.ok(result.warnings.some((w) => /sluice-split/.test(w.subject) && /placeholder digest/.test(w.message) && w.overlays.includes('production')));
  });

  test('NetworkPolicies: a selector or peer matching no pod, a wrong port, a missing default deny fail', async () => {
    const result = await validateEdited(
      { file: 'deploy/base/network/policies.yaml', from: 'values: [split, embed, index] }', to: 'values: [splitt, embedd, indexx] }' },
      { file: 'deploy/base/network/policies.yaml', from: /(name: seaweedfs-source[\s\S]*?)app\.kubernetes\.io\/component: filer \}/, to: '$1app.kubernetes.io/component: filers }' },
      { file: 'deploy/base/network/policies.yaml', from: /(name: api-egress[\s\S]*?)port: 6333 \}/, to: '$1port: 6339 }' },
      { file: 'deploy/base/network/policies.yaml', from: /(name: broker-dispatchers[\s\S]*?)kubernetes\.io\/metadata\.name: monitoring \}/, to: '$1team: monitoring }' },
      { file: 'deploy/base/network/policies.yaml', from: /name: default-deny\n  namespace: sluice\nspec:\n  podSelector: \{\}\n  policyTypes: \[Ingress, Egress\]\n/, to: 'name: default-deny\n  namespace: sluice\nspec:\n  podSelector: {}\n  policyTypes: [Ingress]\n' },
    );
    assertError(result, /NetworkPolicy sluice\/stages-egress/, /spec\.podSelector .* selects no pod of namespace sluice/);
    assertError(result, /NetworkPolicy sluice\/seaweedfs-source/, /spec\.egress\.0\.to\.0\.podSelector .*filers.* selects no pod/);
    assertError(result, /NetworkPolicy sluice\/api-egress/, /spec\.egress\.1: port 6339 is not a container port of StatefulSet sluice\/qdrant/);
    assertError(result, /NetworkPolicy sluice\/broker-dispatchers/, /namespaceSelector must select namespaces by kubernetes\.io\/metadata\.name/);
    assertError(result, /namespace sluice/, /needs a default-deny NetworkPolicy/);
  });

  test('a Service port that no NetworkPolicy admits fails (the path it promises would be cut)', async () => {
    const result = await validateEdited({ file: 'deploy/base/network/policies.yaml', from: /---\n# --- Qdrant[\s\S]*$/, to: '' });
    assertError(result, /Service sluice\/qdrant/, /port http \(target 6333\): no NetworkPolicy admits traffic to it/);
  });

  test('EventPolicy refs and subjects must exist', async () => {
    const result = await validateEdited(
      { file: 'eventing/policies.yaml', from: 'name: sluice-split\n', to: 'name: sluice-splitter\n' },
      { file: 'eventing/policies.yaml', from: 'sub: system:serviceaccount:sluice:sluice-cli', to: 'sub: system:serviceaccount:sluice:sluice-clii' },
      { file: 'eventing/policies.yaml', from: 'kind: ContainerSource\n        name: sluice-seaweedfs-source', to: 'kind: ContainerSource\n        name: sluice-s3-source' },
    );
    assertError(result, /EventPolicy sluice\/functions-from-broker/, /spec\.to\.0\.ref names serving\.knative\.dev\/v1 Service sluice-splitter, which is not in the manifests/);
    assertError(result, /EventPolicy sluice\/broker-ingress-requests/, /spec\.from\.1\.sub names ServiceAccount sluice\/sluice-clii, which is not in the manifests/);
    assertError(result, /EventPolicy sluice\/broker-ingress-object-events/, /spec\.from\.0\.ref names sources\.knative\.dev\/v1 ContainerSource sluice-s3-source/);
  });

  test('a PingSource must send to the Broker, and the type it emits must be in the catalogue', async () => {
    // eventing/reconcile-schedule.yaml as committed sends to the Broker, and the catalogue has its type.
    const asIs = await validateEdited();
    assertNoError(asIs, /PingSource/, /spec\.sink\.ref|not in the event catalogue|no schema for/);
    assert.ok((ALL_EVENT_TYPES as readonly string[]).includes(PING_EVENT_TYPE), `the catalogue has ${PING_EVENT_TYPE}`);
    const toService = await validateEdited({
      file: 'eventing/reconcile-schedule.yaml',
      from: /sink:\n    ref:\n[\s\S]*$/,
      to: 'sink:\n    ref: { apiVersion: serving.knative.dev/v1, kind: Service, name: sluice-api }\n',
    });
    assertError(toService, /PingSource sluice\/sluice-reconcile-schedule/, /spec\.sink\.ref must be a Broker in the manifests \(got Service sluice-api\)/);
  });

  test('the upstream models catch unknown fields and wrong enums in Traefik, NetworkPolicy and EventPolicy objects', async () => {
    const result = await validateEdited(
      { file: 'deploy/base/ingress/middlewares.yaml', from: 'removeHeader: true', to: 'removeHeaders: true' },
      { file: 'deploy/base/network/policies.yaml', from: /(name: qdrant\n[\s\S]*?)policyTypes: \[Ingress\]/, to: '$1policyTypes: [Ingres]' },
      { file: 'eventing/policies.yaml', from: '  filters:\n    - prefix:', to: '  filter:\n    - prefix:' },
    );
    assertError(result, /Middleware sluice\/sluice-basic-auth/, /spec\.basicAuth: unknown field "removeHeaders"/);
    assertError(result, /NetworkPolicy sluice\/qdrant/, /networking\.k8s\.io\/v1\/NetworkPolicy schema: .*policyTypes/);
    assertError(result, /EventPolicy sluice\/broker-ingress-object-events/, /spec: unknown field "filter"/);
  });
});
