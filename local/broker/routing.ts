/**
 * The routing table the local broker runs: the manifests of an eventing directory with every
 * subscriber and dead-letter sink resolved to a local URL.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { audienceOf } from '../../lib/auth/from-config.js';
import { formatMs } from './duration.js';
import { ManifestError } from './errors.js';
import { parseManifests, type BrokerRoute, type Destination, type ManifestSource, type ParseManifestsOptions, type TriggerRoute } from './manifests.js';
import { parseSubscriberMap, resolveDestination, type SubscriberMap } from './subscribers.js';

export interface ResolvedTrigger extends TriggerRoute {
  readonly subscriberUrl: string;
  /** The audience of the token presented to the subscriber. */
  readonly subscriberAudience?: string;
  /** Where this Trigger's failed events end up (its own sink or the Broker's), if anywhere. */
  readonly deadLetterSinkUrl?: string;
  readonly deadLetterSinkAudience?: string;
}

export interface ResolvedBroker extends BrokerRoute {
  readonly deadLetterSinkUrl?: string;
  readonly deadLetterSinkAudience?: string;
}

/** A Destination's audience: as declared, else the one its ref would have. */
function audienceOfDestination(d: Destination): string | undefined {
  return d.audience ?? (d.ref ? audienceOf(d.ref) : undefined);
}

function withAudience(name: 'subscriberAudience' | 'deadLetterSinkAudience', d: Destination): Record<string, string> {
  const audience = audienceOfDestination(d);
  return audience === undefined ? {} : { [name]: audience };
}

export interface ResolvedRoutingTable {
  readonly broker: ResolvedBroker;
  readonly triggers: readonly ResolvedTrigger[];
}

/**
 * Reads every `*.yaml`/`*.yml` file of `dir` (not recursive, in name order) and resolves the
 * Broker's routing table against `subscribers` (a map, or the BROKER_SUBSCRIBERS text).
 */
export async function buildRoutingTable(
  dir: string,
  subscribers: SubscriberMap | string,
  options: ParseManifestsOptions = {},
): Promise<ResolvedRoutingTable> {
  const map = typeof subscribers === 'string' ? parseSubscriberMap(subscribers) : subscribers;
  return resolveRoutingTable(parseManifests(await readManifestDir(dir), options), map);
}

export async function readManifestDir(dir: string): Promise<ManifestSource[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    throw new ManifestError(`cannot read eventing directory ${dir}: ${(err as Error).message}`);
  }
  const files = names.filter((n) => /\.ya?ml$/.test(n)).sort();
  if (files.length === 0) throw new ManifestError(`no .yaml files in ${dir}`);
  return Promise.all(files.map(async (f) => ({ file: join(dir, f), text: await readFile(join(dir, f), 'utf8') })));
}

/** Resolves every Destination; throws naming the first subscriber without a local URL. */
export function resolveRoutingTable(table: ReturnType<typeof parseManifests>, subscribers: SubscriberMap): ResolvedRoutingTable {
  const { broker } = table;
  const brokerSink = broker.delivery?.deadLetterSink;
  return {
    broker: {
      ...broker,
      ...(brokerSink ? { deadLetterSinkUrl: resolveDestination(brokerSink, subscribers, `Broker ${broker.name} deadLetterSink`).href, ...withAudience('deadLetterSinkAudience', brokerSink) } : {}),
    },
    triggers: table.triggers.map((t) => {
      const sink = t.delivery.deadLetterSink;
      return {
        ...t,
        subscriberUrl: resolveDestination(t.subscriber, subscribers, `Trigger ${t.name} subscriber`).href,
        ...withAudience('subscriberAudience', t.subscriber),
        ...(sink ? { deadLetterSinkUrl: resolveDestination(sink, subscribers, `Trigger ${t.name} deadLetterSink`).href, ...withAudience('deadLetterSinkAudience', sink) } : {}),
      };
    }),
  };
}

/** One line per Trigger for the startup log: trigger → filter → subscriber (delivery). */
export function formatRoutingTable(table: ResolvedRoutingTable): string[] {
  return table.triggers.map((t) => {
    const filter = Object.entries(t.filter).map(([k, v]) => `${k}=${v}`).join(',') || '(all events)';
    const d = t.delivery;
    const timeout = d.timeoutMs === undefined ? '' : ` timeout=${formatMs(d.timeoutMs)}`;
    const dls = t.deadLetterSinkUrl ? ` dls=${t.deadLetterSinkUrl}` : ' dls=(drop)';
    return (
      `${t.name}: ${filter} -> ${t.subscriberUrl} [retry=${d.retry} ${d.backoffPolicy} ${formatMs(d.backoffDelayMs)}` +
      `${timeout} parallelism=${t.parallelism} delivery=${t.deliveryFrom}${dls}]`
    );
  });
}
