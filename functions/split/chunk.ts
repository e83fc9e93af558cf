/**
 * Chunking: each section is split on its own (chunks never straddle a page or heading
 * boundary, so their page/heading metadata is exact) with LangChain's recursive splitter.
 * Sections of records (table rows, JSON records) are cut only between records, and each chunk
 * of a table opens with the table's header row.
 */
import { RecursiveCharacterTextSplitter } from '@langchain/textsplitters';
import { sha256Hex } from '../../lib/documents/identity.js';
import { MAX_HEADING_CHARS } from '../../lib/documents/payload.js';
import type { Chunk } from '../../lib/events/schemas.js';
import type { RecordLayout, Section } from './extract/index.js';

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
  const splitters = new Map<number, RecursiveCharacterTextSplitter>();
  const splitterOf = (chunkSize: number) => {
    let splitter = splitters.get(chunkSize);
    if (!splitter) {
      splitter = new RecursiveCharacterTextSplitter({ chunkSize, chunkOverlap: Math.min(overlap, Math.floor(chunkSize / 2)) });
      splitters.set(chunkSize, splitter);
    }
    return splitter;
  };
  return {
    async chunk(sections) {
      const chunks: Chunk[] = [];
      for (const section of sections) {
        // A heading path is metadata, not content: cut, so that a chunk's size stays bounded
        // (the later stages refuse longer ones; see lib/documents/verify.ts).
        const heading = section.heading?.slice(0, MAX_HEADING_CHARS);
        const pieces = section.records ? await recordPieces(section.text, section.records, size, splitterOf) : await splitterOf(size).splitText(section.text);
        for (const piece of pieces) {
          const text = piece.trim();
          if (!text) continue;
          chunks.push({
            index: chunks.length,
            text,
            hash: sha256Hex(text),
            ...(section.page !== undefined ? { page: section.page } : {}),
            ...(heading !== undefined ? { heading } : {}),
            ...(section.ocr ? { ocr: true } : {}),
          });
        }
      }
      return chunks;
    },
  };
}

/**
 * Whole records packed into chunks of at most `size` characters, each chunk opening with the
 * header. Only a record longer than a chunk by itself is cut (by the recursive splitter), and
 * each of its pieces still opens with the header. A header longer than half a chunk is cut to
 * half, so that rows keep room.
 */
async function recordPieces(text: string, layout: RecordLayout, size: number, splitterOf: (size: number) => RecursiveCharacterTextSplitter): Promise<string[]> {
  const header = layout.header?.slice(0, Math.floor(size / 2));
  const opening = header ? `${header}\n` : '';
  const room = size - opening.length;
  const pieces: string[] = [];
  let batch: string[] = [];
  let length = 0;
  const flush = () => {
    if (batch.length) pieces.push(opening + batch.join(layout.separator));
    batch = [];
    length = 0;
  };
  for (const record of text.split(layout.separator)) {
    if (!record.trim()) continue;
    if (record.length > room) {
      flush();
      for (const part of await splitterOf(room).splitText(record)) pieces.push(opening + part);
      continue;
    }
    const added = (batch.length ? layout.separator.length : 0) + record.length;
    if (length + added > room) flush();
    length += (batch.length ? layout.separator.length : 0) + record.length;
    batch.push(record);
  }
  flush();
  return pieces;
}
