/**
 * The serving generation's stores under the interfaces the rest of Sluice already uses: the
 * API's search, status and reconcile, the CLI's view and the tests see "the index" and "the
 * status" and get whichever generation serves at the moment of each call. One call is one
 * generation: a search that starts just before a swap is answered from the old one entirely.
 */
import type { StatusStore } from '../status/index.js';
import type { VectorStore } from '../vector-store/qdrant.js';
import type { Generations } from './resolver.js';

/**
 * Every method of both interfaces is async, so each is forwarded as "resolve the serving
 * generation, then call its store" without listing them (a method added to either interface
 * is forwarded too).
 */
function forwarding<T extends object>(resolve: () => Promise<T>, fixed: Partial<T>): T {
  return new Proxy(fixed as T, {
    get(target, property) {
      if (property in target) return (target as Record<PropertyKey, unknown>)[property];
      // Not a thenable, and no symbol (inspection, coercion) is a store method.
      if (property === 'then' || typeof property === 'symbol') return undefined;
      return async (...args: unknown[]) => {
        const store = (await resolve()) as Record<PropertyKey, unknown>;
        const method = store[property];
        if (typeof method !== 'function') throw new TypeError(`${String(property)} is not a store method`);
        return (method as (...a: unknown[]) => unknown).apply(store, args);
      };
    },
  });
}

export function servingVectorStore(generations: Generations): VectorStore {
  return forwarding<VectorStore>(async () => generations.vectors(await generations.serving()), { collection: generations.alias });
}

export function servingStatusStore(generations: Generations): StatusStore {
  return forwarding<StatusStore>(async () => generations.status(await generations.serving()), {});
}
