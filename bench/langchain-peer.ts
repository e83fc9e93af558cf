/**
 * The peer baseline: the same ingestion job done the LangChain.js way, in one process.
 * Same loaders (Sluice's extractors), the same splitter settings (RecursiveCharacterTextSplitter,
 * CHUNK_SIZE/CHUNK_OVERLAP), the same model file through the same runtime (an Embeddings
 * subclass around lib/embedding's ONNX embedder, EMBED_BATCH_SIZE and EMBED_THREADS as
 * configured), and QdrantVectorStore into the same Qdrant. Documents are ingested one after
 * the other as they arrive (load, split, addDocuments), the usual LangChain.js ingest loop.
 *
 *   node --import tsx bench/langchain-peer.ts --corpus DIR --keys FILE --collection NAME
 *
 * The model loads before the clock starts (Sluice's functions are warm too). Prints one JSON
 * line with the timings and the process's peak RSS.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Document } from '@langchain/core/documents';
import { Embeddings } from '@langchain/core/embeddings';
import { QdrantVectorStore } from '@langchain/qdrant';
import { RecursiveCharacterTextSplitter } from '@langchain/textsplitters';
import { loadConfig } from '../lib/config.js';
import { createEmbedderFromEnv, type Embedder } from '../lib/embedding/index.js';
import { extractLimits, extractText } from '../functions/split/extract/index.js';
import { peakRssMb } from './proc.js';

/** LangChain's Embeddings interface over Sluice's in-process ONNX embedder. */
class SluiceOnnxEmbeddings extends Embeddings {
  /** Time spent inside the model, for the breakdown. */
  modelSeconds = 0;

  constructor(private readonly embedder: Embedder) {
    super({});
  }

  override async embedDocuments(texts: string[]): Promise<number[][]> {
    const started = performance.now();
    const vectors = await this.embedder.embed(texts);
    this.modelSeconds += (performance.now() - started) / 1000;
    return vectors.map((v) => Array.from(v));
  }

  override async embedQuery(text: string): Promise<number[]> {
    return (await this.embedDocuments([text]))[0]!;
  }
}

const { values } = parseArgs({ options: { corpus: { type: 'string' }, keys: { type: 'string' }, collection: { type: 'string' } } });
if (!values.corpus || !values.keys || !values.collection) throw new Error('usage: langchain-peer.ts --corpus DIR --keys FILE --collection NAME');
const keys = JSON.parse(readFileSync(values.keys, 'utf8')) as string[];
const config = loadConfig();
// An empty QDRANT_API_KEY would still reach the Qdrant client through its own env fallback.
if (!config.QDRANT_API_KEY) delete process.env.QDRANT_API_KEY;

const embeddings = new SluiceOnnxEmbeddings(await createEmbedderFromEnv());
await embeddings.embedQuery('warm-up');
embeddings.modelSeconds = 0;
const splitter = new RecursiveCharacterTextSplitter({ chunkSize: config.CHUNK_SIZE, chunkOverlap: Math.min(config.CHUNK_OVERLAP, Math.floor(config.CHUNK_SIZE / 2)) });
const store = new QdrantVectorStore(embeddings, { url: config.QDRANT_URL, collectionName: values.collection, ...(config.QDRANT_API_KEY ? { apiKey: config.QDRANT_API_KEY } : {}) });

const started = performance.now();
const cpuBefore = process.cpuUsage();
let chunks = 0;
let loadSplitSeconds = 0;
let storeSeconds = 0;
for (const key of keys) {
  const loading = performance.now();
  const extracted = await extractText(readFileSync(join(values.corpus, key)), key, 'application/octet-stream', extractLimits(config));
  const sections = extracted.sections.map(
    (s) => new Document({ pageContent: s.text, metadata: { source: key, ...(s.page !== undefined ? { page: s.page } : {}), ...(s.heading !== undefined ? { heading: s.heading } : {}) } }),
  );
  const docs = (await splitter.splitDocuments(sections)).filter((d) => d.pageContent.trim() !== '');
  loadSplitSeconds += (performance.now() - loading) / 1000;
  const storing = performance.now();
  await store.addDocuments(docs);
  storeSeconds += (performance.now() - storing) / 1000;
  chunks += docs.length;
}
const seconds = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpuBefore);
console.log(
  JSON.stringify({
    documents: keys.length,
    chunks,
    seconds,
    cpu_s: (cpu.user + cpu.system) / 1e6,
    load_split_s: loadSplitSeconds,
    embed_s: embeddings.modelSeconds,
    upsert_s: storeSeconds - embeddings.modelSeconds,
    rss_mb: peakRssMb('self'),
  }),
);
