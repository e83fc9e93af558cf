/**
 * Chunking: each section is split on its own (chunks never straddle a page or heading
 * boundary, so their page/heading metadata is exact) with LangChain's recursive splitter.
 */
import { RecursiveCharacterTextSplitter } from '@langchain/textsplitters';
import { sha256Hex } from '../../lib/documents/identity.js';
import { MAX_HEADING_CHARS } from '../../lib/documents/payload.js';
import type { Chunk } from '../../lib/events/schemas.js';
import type { Section } from './extract/index.js';

export interface ChunkerOptions {
  /** Target chunk size in characters. */
  size: number;
  /** Characters shared between neighbouring chunks, so a sentence cut at a boundary survives. */
  overlap: number;
}

export interface Chunker {
  chunk(sections: readonly Section[]): Promise<Chunk[]>;
}

export function createChunker({ size, overlap }: ChunkerOptions): Chunker {
  const splitter = new RecursiveCharacterTextSplitter({ chunkSize: size, chunkOverlap: Math.min(overlap, Math.floor(size / 2)) });
  return {
    async chunk(sections) {
      const chunks: Chunk[] = [];
      for (const section of sections) {
        // A heading path is metadata, not content: cut, so that a chunk's size stays bounded
        // (the later stages refuse longer ones; see lib/documents/verify.ts).
        const heading = section.heading?.slice(0, MAX_HEADING_CHARS);
        for (const piece of await splitter.splitText(section.text)) {
          const text = piece.trim();
          if (!text) continue;
          chunks.push({
            index: chunks.length,
            text,
            hash: sha256Hex(text),
            ...(section.page !== undefined ? { page: section.page } : {}),
            ...(heading !== undefined ? { heading } : {}),
          });
        }
      }
      return chunks;
    },
  };
}
