/**
 * One way to open a Qdrant REST client for every part of Sluice (vector store, status store,
 * tests, benchmarks), so that the API key always travels the same way.
 */
import { QdrantClient } from '@qdrant/js-client-rest';

export interface QdrantConnection {
  url: string;
  apiKey?: string | undefined;
}

export function createQdrantClient({ url, apiKey }: QdrantConnection): QdrantClient {
  return new QdrantClient({
    url,
    // As a plain header: the client's `apiKey` option prints a warning on every start over
    // http, which is what the loopback gateway speaks (the key still guards it).
    headers: apiKey ? { 'api-key': apiKey } : {},
    // The compatibility probe is an extra round trip on every cold start; versions are pinned.
    checkCompatibility: false,
  });
}
