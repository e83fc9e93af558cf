/**
 * Where subscribers live locally. In the cluster Knative resolves a Destination's `ref` to the
 * Service's address; locally BROKER_SUBSCRIBERS maps Service names to base URLs
 * (`sluice-split=http://127.0.0.1:8181,sluice-api=http://127.0.0.1:8184`). Pure.
 */
import { SubscriberConfigError } from './errors.js';
import type { Destination } from './manifests.js';

/** Service name → base URL. */
export type SubscriberMap = ReadonlyMap<string, URL>;

/** Parses `name=url,name=url`. Throws {@link SubscriberConfigError} on a malformed entry or a repeated name. */
export function parseSubscriberMap(text: string): SubscriberMap {
  const map = new Map<string, URL>();
  for (const entry of text.split(',').map((e) => e.trim()).filter((e) => e !== '')) {
    const eq = entry.indexOf('=');
    const name = eq > 0 ? entry.slice(0, eq).trim() : '';
    const raw = eq > 0 ? entry.slice(eq + 1).trim() : '';
    if (name === '' || raw === '') throw new SubscriberConfigError(`BROKER_SUBSCRIBERS entry "${entry}" is not name=url`);
    if (map.has(name)) throw new SubscriberConfigError(`BROKER_SUBSCRIBERS names ${name} twice`);
    map.set(name, absoluteHttpUrl(raw, `BROKER_SUBSCRIBERS entry ${name}`));
  }
  return map;
}

/**
 * Resolves a Destination the way Knative's addressable resolver does: a `ref` gives the base URL,
 * and a `uri` next to it is resolved against that base (RFC 3986, so `/dead-letters` replaces the
 * path); a `uri` alone must be absolute. `context` names the manifest field in error messages.
 */
export function resolveDestination(destination: Destination, subscribers: SubscriberMap, context: string): URL {
  const { ref, uri } = destination;
  if (ref === undefined) {
    if (uri === undefined) throw new SubscriberConfigError(`${context}: destination has neither ref nor uri`);
    return absoluteHttpUrl(uri, context);
  }
  const base = subscribers.get(ref.name);
  if (base === undefined) {
    const known = [...subscribers.keys()].join(', ') || 'none';
    throw new SubscriberConfigError(
      `${context}: no local URL for ${ref.kind} ${ref.name}; add ${ref.name}=http://host:port to BROKER_SUBSCRIBERS (known: ${known})`,
    );
  }
  if (uri === undefined) return new URL(base.href);
  if (isAbsolute(uri)) throw new SubscriberConfigError(`${context}: an absolute uri cannot be combined with a ref`);
  return new URL(uri, base);
}

function absoluteHttpUrl(text: string, context: string): URL {
  if (!isAbsolute(text)) throw new SubscriberConfigError(`${context}: "${text}" is not an absolute URL`);
  const url = new URL(text);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new SubscriberConfigError(`${context}: "${text}" is not an http(s) URL`);
  }
  return url;
}

function isAbsolute(text: string): boolean {
  return URL.canParse(text) && new URL(text).host !== '';
}
