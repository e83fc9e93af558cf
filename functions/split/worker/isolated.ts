/** Extraction and chunking of untrusted documents in child processes under a memory limit (see pool.ts). */
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChunkerOptions } from '../chunk.js';
import type { ExtractLimits } from '../extract/index.js';
import { createWorkerPool, type PoolOptions } from './pool.js';
import type { SplitDocument } from './protocol.js';

export type { SplitDocument } from './protocol.js';

/** Untrusted bytes in, chunks out; document failures as ExtractError. */
export interface Splitter {
  /** `chunking` overrides the splitter's own (the chunk size of the generation an event is for). */
  split(bytes: Uint8Array, key: string, contentType: string, chunking?: ChunkerOptions): Promise<SplitDocument>;
  close(): Promise<void>;
}

/** The worker module next to this one: entry.js when built, entry.ts under tsx. */
const ENTRY = new URL(`./entry${extname(fileURLToPath(import.meta.url))}`, import.meta.url);

export function createIsolatedSplitter(limits: ExtractLimits, chunking: ChunkerOptions, pool: PoolOptions): Splitter {
  const workers = createWorkerPool(ENTRY, pool);
  return {
    split: (bytes, key, contentType, override) => workers.run({ bytes, key, contentType, limits, chunking: override ?? chunking }),
    close: () => workers.close(),
  };
}
