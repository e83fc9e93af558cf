/** The local stand-in for the Knative eventing-rabbitmq Broker: its public surface. */
export { startBroker, DEFAULT_SHUTDOWN_GRACE_MS, type BrokerOptions, type RunningBroker } from './broker.js';
export { buildRoutingTable, formatRoutingTable, resolveRoutingTable, type ResolvedRoutingTable, type ResolvedTrigger } from './routing.js';
export { parseManifests, type RoutingTable, type TriggerRoute, type DeliveryPolicy, type Destination } from './manifests.js';
export { parseSubscriberMap, resolveDestination, type SubscriberMap } from './subscribers.js';
export { parseIsoDuration } from './duration.js';
export { planTopology, declareTopology, deleteTopology, type TopologyPlan } from './topology.js';
export * as naming from './naming.js';
export { ManifestError, SubscriberConfigError, InvalidCloudEventError, PublishError } from './errors.js';
