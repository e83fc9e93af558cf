/**
 * Step 3b: the public edge and the optional KEDA scaling, per built overlay. IngressRoutes reach
 * Services that exist (or that eventing-rabbitmq creates: <broker>-broker-ingress), their
 * middlewares exist, their hosts are in the Certificate behind their TLS secret; the broker and
 * API routes carry basic auth and the S3 route does not (S3 signs the Authorization header) but
 * limits rate and body size. KEDA: the scaled-object-override parses, and its queue regex
 * matches the queue eventing-rabbitmq creates for the Service's Trigger.
 */
import { triggerQueueName } from './kmeta.js';
import type { IScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject';
import { modelProblems } from './model-check.js';
import { at, describe, isRecord, ofKind, type K8sObject, type Reporter } from './model.js';
import { formatIssues } from './schema-check.js';
import { RabbitmqScalerMetadata } from './schemas/crds.js';

const OVERRIDE = 'autoscaling.knative.dev/scaled-object-override';
const SAMPLE_UIDS = ['0b5f7a0e-9c1d-4e8a-b7d2-3f6c8e1a9b04', 'f'.repeat(8) + '-0000-4000-8000-' + '0'.repeat(12)];

interface Route {
  match: string;
  middlewares?: { name: string }[];
  services: { name: string; port: number | string }[];
}

export function checkIngress(objects: readonly K8sObject[], report: Reporter): void {
  const middlewares = new Map(ofKind(objects, 'traefik.io', 'Middleware').map((m) => [m.metadata.name, at(m, 'spec') as Record<string, unknown>]));
  const coreServices = new Map(objects.filter((o) => o.apiVersion === 'v1' && o.kind === 'Service').map((s) => [s.metadata.name, s]));
  const brokerIngresses = new Set(ofKind(objects, 'eventing.knative.dev', 'Broker').map((b) => `${b.metadata.name}-broker-ingress`));
  const certificates = ofKind(objects, 'cert-manager.io', 'Certificate');
  const domainMappings = ofKind(objects, 'serving.knative.dev', 'DomainMapping');
  const s3Service = s3ServiceName(objects);
  const hosts = new Set<string>();

  for (const route of ofKind(objects, 'traefik.io', 'IngressRoute')) {
    const subject = describe(route);
    const secret = at(route, 'spec.tls.secretName');
    const certificate = certificates.find((c) => at(c, 'spec.secretName') === secret);
    if (typeof secret !== 'string' || certificate === undefined) report.error(subject, `spec.tls.secretName must be the secret of a Certificate in the manifests (got ${String(secret)})`);
    for (const [i, r] of ((at(route, 'spec.routes') ?? []) as Route[]).entries()) {
      const where = `${subject} route ${i + 1}`;
      const used = (r.middlewares ?? []).map((m) => m.name);
      for (const name of used) if (!middlewares.has(name)) report.error(where, `middleware ${name} is not a Middleware in the manifests`);
      const kinds = new Set(used.flatMap((name) => Object.keys(middlewares.get(name) ?? {})));
      const routeHosts = [...r.match.matchAll(/Host\(`([^`]+)`\)/g)].map((m) => m[1] ?? '');
      if (routeHosts.length === 0) report.error(where, 'match must name a Host(`…`): TLS and the certificate are per host');
      for (const host of routeHosts) {
        hosts.add(host);
        const names = (at(certificate, 'spec.dnsNames') ?? []) as string[];
        if (certificate !== undefined && !names.includes(host)) report.error(where, `host ${host} is not in Certificate ${certificate.metadata.name}'s dnsNames`);
      }
      for (const service of r.services) {
        const core = coreServices.get(service.name);
        if (core === undefined && !brokerIngresses.has(service.name)) {
          report.error(where, `service ${service.name} is neither a Service in the manifests nor a Broker ingress (<broker>-broker-ingress)`);
        } else if (core !== undefined && !((at(core, 'spec.ports') ?? []) as { port: number; name?: string }[]).some((p) => p.port === service.port || p.name === service.port)) {
          report.error(where, `service ${service.name} has no port ${service.port}`);
        }
        const isApi = routeHosts.some((h) => domainMappings.some((d) => d.metadata.name === h));
        if (brokerIngresses.has(service.name) || isApi) {
          if (!kinds.has('basicAuth')) report.error(where, `the ${isApi ? 'API' : 'broker ingress'} must be behind a basicAuth middleware`);
        }
        if (service.name === s3Service) {
          if (kinds.has('basicAuth')) report.error(where, 'the S3 endpoint must not use basicAuth: S3 clients sign requests in the same Authorization header');
          if (!kinds.has('rateLimit') || !kinds.has('buffering')) report.error(where, 'the S3 endpoint needs rateLimit and buffering (body size) middlewares');
        }
      }
    }
  }

  for (const mapping of domainMappings) {
    const ref = at(mapping, 'spec.ref.name');
    if (!objects.some((o) => o.kind === 'Service' && o.apiVersion === 'serving.knative.dev/v1' && o.metadata.name === ref)) {
      report.error(describe(mapping), `spec.ref names Knative Service ${String(ref)}, which is not in the manifests`);
    }
    if (!hosts.has(mapping.metadata.name)) report.error(describe(mapping), 'no IngressRoute serves this host');
  }
  for (const certificate of certificates) {
    const issuer = at(certificate, 'spec.issuerRef') as { name: string; kind?: string } | undefined;
    if ((issuer?.kind ?? 'Issuer') === 'Issuer' && !objects.some((o) => o.kind === 'Issuer' && o.metadata.name === issuer?.name)) {
      report.error(describe(certificate), `spec.issuerRef names Issuer ${issuer?.name ?? '?'}, which is not in the manifests (a ClusterIssuer is created per cluster)`);
    }
  }
  checkKeda(objects, report);
}

/** The Service behind S3_ENDPOINT in the ConfigMap(s): the first label of its host. */
function s3ServiceName(objects: readonly K8sObject[]): string | undefined {
  for (const cm of objects.filter((o) => o.kind === 'ConfigMap')) {
    const endpoint = at(cm, 'data.S3_ENDPOINT');
    if (typeof endpoint === 'string' && URL.canParse(endpoint)) return new URL(endpoint).hostname.split('.')[0];
  }
  return undefined;
}

function checkKeda(objects: readonly K8sObject[], report: Reporter): void {
  const auths = new Map(ofKind(objects, 'keda.sh', 'TriggerAuthentication').map((t) => [t.metadata.name, t]));
  const clusters = new Set(objects.filter((o) => o.kind === 'RabbitmqCluster').map((o) => o.metadata.name));
  for (const service of ofKind(objects, 'serving.knative.dev', 'Service')) {
    const annotations = (at(service, 'spec.template.metadata.annotations') ?? {}) as Record<string, string>;
    const text = annotations[OVERRIDE];
    if (text === undefined) continue;
    const subject = `${describe(service)} ${OVERRIDE}`;
    if (annotations['autoscaling.knative.dev/class'] !== 'hpa.autoscaling.knative.dev') {
      report.error(subject, 'is only read by autoscaler-keda under autoscaling.knative.dev/class: hpa.autoscaling.knative.dev');
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      report.error(subject, `is not JSON: ${(err as Error).message}`);
      continue;
    }
    // autoscaler-keda fills in the name, scaleTargetRef and maxReplicaCount: check the rest with
    // KEDA's ScaledObject model, as the ScaledObject it will create.
    const spec = isRecord(json) && isRecord(json.spec) ? json.spec : undefined;
    const extra = isRecord(json) ? Object.keys(json).filter((k) => k !== 'spec') : [];
    if (spec === undefined || extra.length > 0) {
      report.error(subject, `must be {"spec": {...}} (a ScaledObject's spec)${extra.length > 0 ? `, not ${extra.join(', ')}` : ''}`);
      continue;
    }
    const scaled = { apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject', metadata: { name: service.metadata.name }, spec: { scaleTargetRef: { name: 'revision' }, ...spec } };
    const problems = modelProblems('keda.sh/v1alpha1/ScaledObject', scaled);
    for (const line of problems) report.error(subject, line);
    if (problems.length > 0) continue;
    const parsed = scaled as unknown as IScaledObject;
    const triggers = ofKind(objects, 'eventing.knative.dev', 'Trigger').filter((t) => at(t, 'spec.subscriber.ref.name') === service.metadata.name);
    for (const trigger of parsed.spec.triggers) {
      const auth = trigger.authenticationRef?.name;
      if (auth !== undefined && !auths.has(auth)) report.error(subject, `authenticationRef ${auth} is not a TriggerAuthentication in the manifests`);
      if (trigger.type !== 'rabbitmq') continue;
      const meta = RabbitmqScalerMetadata.safeParse(trigger.metadata, { reportInput: true });
      if (!meta.success) {
        for (const line of formatIssues(meta.error.issues)) report.error(subject, `rabbitmq trigger metadata.${line}`);
        continue;
      }
      const m = meta.data;
      if (m.useRegex !== 'true') {
        report.error(subject, 'queueName must be a regex (useRegex: "true"): eventing-rabbitmq appends the Trigger UID to the queue name');
        continue;
      }
      if (m.protocol !== 'http') report.error(subject, 'useRegex needs protocol: http (the management API)');
      const host = m.host !== undefined && URL.canParse(m.host) ? new URL(m.host).hostname.split('.')[0] : undefined;
      if (host === undefined || !clusters.has(host)) report.error(subject, `host must be a RabbitmqCluster's management URL (got ${m.host ?? 'nothing'})`);
      const regex = new RegExp(m.queueName);
      const matching = triggers.filter((t) => SAMPLE_UIDS.every((uid) => regex.test(triggerQueueName(t.metadata.namespace ?? 'default', t.metadata.name, uid))));
      if (matching.length === 0) {
        const names = triggers.map((t) => t.metadata.name).join(', ') || 'none';
        report.error(subject, `queueName ${m.queueName} matches the queue of no Trigger of ${service.metadata.name} (its Triggers: ${names})`);
      }
    }
  }
}
