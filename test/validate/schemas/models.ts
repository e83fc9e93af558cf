/**
 * The typed models of `kubernetes-models` and `@kubernetes-models/*`, generated from the upstream
 * OpenAPI schemas (Kubernetes, Knative 1.x, Traefik v3, KEDA, the Prometheus operator,
 * cert-manager), by "apiVersion/kind". Each is used twice: its `validate()` checks types,
 * required fields and enums, and its TypeScript interface (`I<Kind>` in the same module) lists the
 * fields that exist, so that unknown-fields.ts can reject a field the API server would prune.
 * A kind without a model here needs a strict zod schema in schemas/ (RabbitMQ has no models).
 */
import { Certificate } from '@kubernetes-models/cert-manager/cert-manager.io/v1/Certificate';
import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject';
import { TriggerAuthentication } from '@kubernetes-models/keda/keda.sh/v1alpha1/TriggerAuthentication';
import { Broker } from '@kubernetes-models/knative/eventing.knative.dev/v1/Broker';
import { Trigger } from '@kubernetes-models/knative/eventing.knative.dev/v1/Trigger';
import { EventPolicy } from '@kubernetes-models/knative/eventing.knative.dev/v1alpha1/EventPolicy';
import { Service as KnativeService } from '@kubernetes-models/knative/serving.knative.dev/v1/Service';
import { DomainMapping } from '@kubernetes-models/knative/serving.knative.dev/v1beta1/DomainMapping';
import { ContainerSource } from '@kubernetes-models/knative/sources.knative.dev/v1/ContainerSource';
import { PingSource } from '@kubernetes-models/knative/sources.knative.dev/v1/PingSource';
import { PodMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import { IngressRoute } from '@kubernetes-models/traefik/traefik.io/v1alpha1/IngressRoute';
import { Middleware } from '@kubernetes-models/traefik/traefik.io/v1alpha1/Middleware';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';

/** A model class: construct from data, `.validate()` throws on a schema violation. */
export type ModelClass = new (data: never) => { validate(): void };

export interface ModelEntry {
  readonly Model: ModelClass;
  /** The module that exports the model and its interface `I<name>`. */
  readonly module: string;
  readonly name: string;
}

const entry = (Model: unknown, module: string, name: string): ModelEntry => ({ Model: Model as ModelClass, module, name });

export const models: Readonly<Record<string, ModelEntry>> = {
  'v1/Namespace': entry(Namespace, 'kubernetes-models/v1/Namespace', 'Namespace'),
  'v1/ConfigMap': entry(ConfigMap, 'kubernetes-models/v1/ConfigMap', 'ConfigMap'),
  'v1/Secret': entry(Secret, 'kubernetes-models/v1/Secret', 'Secret'),
  'v1/Service': entry(Service, 'kubernetes-models/v1/Service', 'Service'),
  'v1/ServiceAccount': entry(ServiceAccount, 'kubernetes-models/v1/ServiceAccount', 'ServiceAccount'),
  'v1/PersistentVolumeClaim': entry(PersistentVolumeClaim, 'kubernetes-models/v1/PersistentVolumeClaim', 'PersistentVolumeClaim'),
  'apps/v1/StatefulSet': entry(StatefulSet, 'kubernetes-models/apps/v1/StatefulSet', 'StatefulSet'),
  'apps/v1/Deployment': entry(Deployment, 'kubernetes-models/apps/v1/Deployment', 'Deployment'),
  'batch/v1/Job': entry(Job, 'kubernetes-models/batch/v1/Job', 'Job'),
  'networking.k8s.io/v1/NetworkPolicy': entry(NetworkPolicy, 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy', 'NetworkPolicy'),
  'serving.knative.dev/v1/Service': entry(KnativeService, '@kubernetes-models/knative/serving.knative.dev/v1/Service', 'Service'),
  'serving.knative.dev/v1beta1/DomainMapping': entry(DomainMapping, '@kubernetes-models/knative/serving.knative.dev/v1beta1/DomainMapping', 'DomainMapping'),
  'eventing.knative.dev/v1/Broker': entry(Broker, '@kubernetes-models/knative/eventing.knative.dev/v1/Broker', 'Broker'),
  'eventing.knative.dev/v1/Trigger': entry(Trigger, '@kubernetes-models/knative/eventing.knative.dev/v1/Trigger', 'Trigger'),
  'eventing.knative.dev/v1alpha1/EventPolicy': entry(EventPolicy, '@kubernetes-models/knative/eventing.knative.dev/v1alpha1/EventPolicy', 'EventPolicy'),
  'sources.knative.dev/v1/ContainerSource': entry(ContainerSource, '@kubernetes-models/knative/sources.knative.dev/v1/ContainerSource', 'ContainerSource'),
  'sources.knative.dev/v1/PingSource': entry(PingSource, '@kubernetes-models/knative/sources.knative.dev/v1/PingSource', 'PingSource'),
  'traefik.io/v1alpha1/IngressRoute': entry(IngressRoute, '@kubernetes-models/traefik/traefik.io/v1alpha1/IngressRoute', 'IngressRoute'),
  'traefik.io/v1alpha1/Middleware': entry(Middleware, '@kubernetes-models/traefik/traefik.io/v1alpha1/Middleware', 'Middleware'),
  'cert-manager.io/v1/Certificate': entry(Certificate, '@kubernetes-models/cert-manager/cert-manager.io/v1/Certificate', 'Certificate'),
  'keda.sh/v1alpha1/ScaledObject': entry(ScaledObject, '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject', 'ScaledObject'),
  'keda.sh/v1alpha1/TriggerAuthentication': entry(TriggerAuthentication, '@kubernetes-models/keda/keda.sh/v1alpha1/TriggerAuthentication', 'TriggerAuthentication'),
  'monitoring.coreos.com/v1/PodMonitor': entry(PodMonitor, '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor', 'PodMonitor'),
  'monitoring.coreos.com/v1/ServiceMonitor': entry(ServiceMonitor, '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor', 'ServiceMonitor'),
};
