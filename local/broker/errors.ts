/**
 * The local broker's error family. Each class says who must act: the first two stop the broker
 * at startup (fix the manifests or the environment), the last two are per request.
 */

/** The eventing manifests cannot be turned into a routing table: fix the YAML. */
export class ManifestError extends Error {
  override readonly name = 'ManifestError';
}

/** BROKER_SUBSCRIBERS is malformed or lacks a Service the manifests name: fix the environment. */
export class SubscriberConfigError extends Error {
  override readonly name = 'SubscriberConfigError';
}

/** An HTTP request or response does not carry a valid CloudEvent. At the ingress: 400. */
export class InvalidCloudEventError extends Error {
  override readonly name = 'InvalidCloudEventError';
}

/** RabbitMQ did not confirm a publish (nack, closed channel, not connected). At the ingress: 500. */
export class PublishError extends Error {
  override readonly name = 'PublishError';
}
