/**
 * `make eval`: retrieval quality on an isolated stack, separate from the tests.
 *
 * Corpus: the benchmark corpus (bench/corpus.py: TeX Live PDFs, Python library HTML, Node.js
 * Markdown, from Debian packages) plus the test corpus (test/corpus: its documents carry
 * hand-written probe questions), duplicates by content dropped. Everything is uploaded through
 * S3 and ingested by the real pipeline. Query sets, each with its one relevant document:
 * - exact: distinctive sentences copied verbatim from a document (3 per document);
 * - heading: a section title (≥ 3 words, unique to its document), as a user types a topic;
 * - question: the test corpus's hand-written probe questions.
 * Ranked by Sluice's own search function (services/api/search.ts, the code behind the API) in
 * each mode, and by a LangChain.js retriever (QdrantVectorStore.similaritySearch) over the same
 * documents, splitter settings and model, ingested by bench/langchain-peer.ts.
 *
 *   node --import tsx bench/eval.ts --corpus DIR --test-corpus DIR
 *
 * Prints the table and writes bench/results/eval-latest.json (and a timestamped copy).
 */
import { spawn } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual, parseArgs } from 'node:util';
import { Embeddings } from '@langchain/core/embeddings';
import { QdrantVectorStore } from '@langchain/qdrant';
import { createEmbedderFromEnv, type Embedder } from '../lib/embedding/index.js';
import { chunkSparseVector } from '../lib/text/sparse-vector.js';
import { createQdrantClient } from '../lib/vector-store/client.js';
import { createStores } from '../lib/stores.js';
import { DEFAULT_FUSION, type Fusion, type SearchMode, type VectorPoint } from '../lib/vector-store/qdrant.js';
import { search } from '../services/api/search.js';
import { pointsOfKeys } from '../test/support/qdrant.js';
import { exactSentenceQueries } from '../test/support/retrieval.js';
import { api, config, corpus as testCorpus, putObject, waitFor } from '../test/support/stack.js';
import { percentile, score, type QueryOutcome, type RetrievalScores } from './eval-metrics.js';

const REPO_ROOT = join(import.meta.dirname, '..');
const { values } = parseArgs({ options: { corpus: { type: 'string' }, 'test-corpus': { type: 'string' } } });
if (!values.corpus || !values['test-corpus']) throw new Error('usage: eval.ts --corpus DIR --test-corpus DIR');
const benchDir = values.corpus;
const testDir = values['test-corpus'];
const progress = (message: string) => console.error(`[eval] ${message}`);

// --- corpus ------------------------------------------------------------------------------------

interface EvalDocument {
  key: string;
  path: string;
  probe?: string;
}
const seen = new Set<string>();
const documents: EvalDocument[] = [];
const add = (doc: EvalDocument) => {
  const digest = createHash('sha256').update(readFileSync(doc.path)).digest('hex');
  if (seen.has(digest)) return;
  seen.add(digest);
  documents.push(doc);
};
for (const doc of testCorpus().documents) add({ key: `test/${doc.key}`, path: join(testDir, doc.key), probe: doc.probe });
const benchManifest = JSON.parse(readFileSync(join(benchDir, 'corpus.json'), 'utf8')) as { documents: { key: string }[] };
// EVAL_CORPUS=test: the test corpus alone (9 documents), for a quick run on a busy machine.
if (process.env.EVAL_CORPUS !== 'test') for (const doc of benchManifest.documents) add({ key: `bench/${doc.key}`, path: join(benchDir, doc.key) });
progress(`${documents.length} documents`);

const ingestStarted = performance.now();
const versions = new Map<string, string>();
for (let i = 0; i < documents.length; i += 8) {
  await Promise.all(documents.slice(i, i + 8).map(async (d) => versions.set(d.key, await putObject(d.key, readFileSync(d.path)))));
}
// A document the pipeline fails (a scanned PDF while OCR is missing) has nothing to find: it is
// reported and left out of the queries, instead of being waited for until the timeout.
const failed = new Map<string, string>();
for (const d of documents) {
  const version = versions.get(d.key)!;
  const record = await waitFor(`${d.key} to be indexed or failed`, async () => {
    const r = await api.status(d.key).catch(() => undefined);
    return r?.version === version && (r.status === 'indexed' || r.status === 'unchanged' || r.status === 'failed') ? r : undefined;
  }, 900_000, 500);
  if (record.status === 'failed') failed.set(d.key, record.reason ?? 'failed');
}
if (failed.size > 0) progress(`left out, failed in the pipeline: ${[...failed].map(([key, reason]) => `${key} (${reason})`).join(', ')}`);
documents.splice(0, documents.length, ...documents.filter((d) => !failed.has(d.key)));
const ingestSeconds = (performance.now() - ingestStarted) / 1000;
const points = await pointsOfKeys(documents.map((d) => d.key));
progress(`ingested ${points.length} chunks in ${ingestSeconds.toFixed(0)} s`);

// --- queries -----------------------------------------------------------------------------------

interface Query {
  set: 'exact' | 'heading' | 'question';
  query: string;
  key: string;
}
const chunks = points.map((p) => ({ key: p.payload.key, text: p.payload.text }));
const queries: Query[] = exactSentenceQueries(chunks, process.env.EVAL_CORPUS === 'test' ? 12 : 3).map((q) => ({ set: 'exact' as const, ...q }));
const headingOwners = new Map<string, Set<string>>();
for (const p of points) {
  const title = p.payload.heading?.split(' › ').pop()?.trim();
  if (title && title.split(/\s+/).length >= 3) headingOwners.set(title, (headingOwners.get(title) ?? new Set()).add(p.payload.key));
}
const headingsPerDoc = new Map<string, number>();
for (const [title, owners] of [...headingOwners].sort(([a], [b]) => (a < b ? -1 : 1))) {
  const [key] = [...owners];
  if (owners.size !== 1 || !key || (headingsPerDoc.get(key) ?? 0) >= 2) continue;
  headingsPerDoc.set(key, (headingsPerDoc.get(key) ?? 0) + 1);
  queries.push({ set: 'heading', query: title, key });
}
for (const d of documents) if (d.probe) queries.push({ set: 'question', query: d.probe, key: d.key });
const sets = ['exact', 'heading', 'question'] as const;
progress(sets.map((s) => `${queries.filter((q) => q.set === s).length} ${s}`).join(', ') + ' queries');

/** The LangChain.js peer's queries embedded by the same model as Sluice's. */
class QueryEmbeddings extends Embeddings {
  constructor(private readonly embedder: Embedder) {
    super({});
  }
  override async embedDocuments(texts: string[]): Promise<number[][]> {
    return (await this.embedder.embed(texts)).map((v) => Array.from(v));
  }
  override async embedQuery(text: string): Promise<number[]> {
    return (await this.embedDocuments([text]))[0]!;
  }
}

// --- retrievers --------------------------------------------------------------------------------

type Retriever = (query: string) => Promise<string[]>;
const embedder = await createEmbedderFromEnv();
const { vectors: store } = createStores(config);
const sluice = (mode: SearchMode, fusion?: Fusion): Retriever => async (query) =>
  (await search(embedder, store, query, { k: 10, mode, ...(fusion ? { fusion } : {}) })).map((h) => h.key);
const fusionName = (fusion: Fusion) => (fusion.method === 'dbsf' ? 'DBSF' : `RRF, sparse ×${fusion.sparseWeight ?? 1}`);
// The fusions compared; the default (lib/vector-store/search-mode.ts) is marked.
const fusions: Fusion[] = [{ method: 'rrf' }, { method: 'rrf', sparseWeight: 2 }, { method: 'rrf', sparseWeight: 3 }, { method: 'rrf', sparseWeight: 5 }, { method: 'dbsf' }];

const single: [string, Retriever][] = [
  ['Sluice dense', sluice('dense')],
  ['Sluice sparse', sluice('sparse')],
];
const hybrids = fusions.map((fusion): [string, Retriever] => [
  `Sluice hybrid (${fusionName(fusion)})${isDeepStrictEqual(fusion, DEFAULT_FUSION) ? ' *' : ''}`,
  sluice('hybrid', fusion),
]);
const defaultHybrid = hybrids[fusions.findIndex((fusion) => isDeepStrictEqual(fusion, DEFAULT_FUSION))];
const retrievers: [string, Retriever][] = [...single, ...hybrids];
// EVAL_PEER=0 skips the peer's own ingestion (minutes on a busy machine).
const peer = process.env.EVAL_PEER === '0' ? undefined : await langchainRetriever().catch((err: unknown) => {
  progress(`LangChain.js peer skipped: ${String(err)}`);
  return undefined;
});
if (peer) retrievers.push(['LangChain.js QdrantVectorStore (dense)', peer]);

await retrievers[0]![1]('warm-up'); // model and connections warm, as a serving API is

// Index-time cost of the sparse vectors against the model's, on the same chunks, in this process
// (so under the same load): what index adds per chunk, next to what embed spends on it.
const sample = points.slice(0, 400).map((p) => ({ text: p.payload.text, heading: p.payload.heading }));
let started = performance.now();
for (const chunk of sample) chunkSparseVector(chunk);
const sparseMsPerChunk = (performance.now() - started) / sample.length;
started = performance.now();
for (let i = 0; i < sample.length; i += 8) await embedder.embed(sample.slice(i, i + 8).map((c) => c.text));
const embedMsPerChunk = (performance.now() - started) / sample.length;
progress(`sparse vectors ${sparseMsPerChunk.toFixed(2)} ms/chunk, model ${embedMsPerChunk.toFixed(1)} ms/chunk`);
const results: Record<string, Record<string, RetrievalScores>> = {};
for (const [name, retrieve] of retrievers) {
  results[name] = {};
  for (const set of sets) {
    const outcomes: QueryOutcome[] = [];
    for (const q of queries.filter((x) => x.set === set)) {
      const started = performance.now();
      const ranked = await retrieve(q.query);
      outcomes.push({ ranked, relevant: q.key, ms: performance.now() - started });
    }
    results[name][set] = score(outcomes);
  }
  progress(`${name} done`);
}

// --- latency at 10 000 chunks ------------------------------------------------------------------
// The latency target is set at 10 000 chunks and the corpus has fewer: copies of its own points
// under other keys and ids (same vectors) fill the collection up to that size, then each mode
// answers the exact queries again, timed only (the copies make the rankings meaningless).
const LATENCY_CHUNKS = 10_000;
const vectorsByHash = await store.vectorsByChunkHash([...new Set(points.map((p) => p.payload.chunk_hash))]);
const copies: VectorPoint[] = [];
for (let n = 0; points.length + copies.length < LATENCY_CHUNKS; n++) {
  const { payload } = points[n % points.length]!;
  const round = Math.floor(n / points.length);
  const vector = vectorsByHash.get(payload.chunk_hash);
  if (!vector) throw new Error(`no stored vector for chunk ${payload.chunk_hash} of ${payload.key}`);
  copies.push({
    id: randomUUID(),
    vector,
    sparse: chunkSparseVector(payload),
    payload: { ...payload, doc_id: `latency-copy-${round}-${payload.doc_id}`, key: `latency-copy/${round}/${payload.key}` },
  });
}
await store.upsert(copies);
progress(`latency: ${copies.length} copies added, ${points.length + copies.length} chunks`);
const latencyAt10k: Record<string, { p50_ms: number; p95_ms: number }> = {};
const timedQueries = queries.filter((q) => q.set === 'exact');
for (const [name, retrieve] of [...single, ...(defaultHybrid ? [defaultHybrid] : [])]) {
  await retrieve('warm-up');
  const ms: number[] = [];
  for (const q of timedQueries) {
    const started = performance.now();
    await retrieve(q.query);
    ms.push(performance.now() - started);
  }
  latencyAt10k[name] = { p50_ms: percentile(ms, 0.5), p95_ms: percentile(ms, 0.95) };
}

// --- report ------------------------------------------------------------------------------------

const f = (x: number, digits = 3) => x.toFixed(digits);
const lines = [
  `Retrieval on ${documents.length} documents, ${points.length} chunks (${config.CHUNK_SIZE}/${config.CHUNK_OVERLAP} chars), k=10; ingest ${ingestSeconds.toFixed(0)} s`,
  `Sparse vectors at index time: ${sparseMsPerChunk.toFixed(2)} ms a chunk, ${((100 * sparseMsPerChunk) / embedMsPerChunk).toFixed(1)} % of the model's ${embedMsPerChunk.toFixed(1)} ms`,
  '',
];
for (const set of sets) {
  const n = results[retrievers[0]![0]]![set]!.queries;
  lines.push(`${set} queries (${n})`.padEnd(42) + 'hit@1  hit@5  MRR    nDCG@10  p50 ms  p95 ms');
  for (const [name] of retrievers) {
    const r = results[name]![set]!;
    lines.push(`  ${name.padEnd(40)}${f(r.hit_at_1)}  ${f(r.hit_at_5)}  ${f(r.mrr)}  ${f(r.ndcg_at_10)}    ${f(r.p50_ms, 1).padStart(6)}  ${f(r.p95_ms, 1).padStart(6)}`);
  }
  lines.push('');
}
lines.push(`search latency at ${points.length + copies.length} chunks (${timedQueries.length} exact queries)`.padEnd(41) + ' p50 ms  p95 ms');
for (const [name, l] of Object.entries(latencyAt10k)) lines.push(`  ${name.padEnd(40)}${f(l.p50_ms, 1).padStart(6)}  ${f(l.p95_ms, 1).padStart(6)}`);
lines.push('');
console.log(lines.join('\n'));
const report = {
  finished_at: new Date().toISOString(),
  documents: documents.length,
  chunks: points.length,
  chunk_size: config.CHUNK_SIZE,
  chunk_overlap: config.CHUNK_OVERLAP,
  ingest_s: ingestSeconds,
  sparse_cost: { sparse_ms_per_chunk: sparseMsPerChunk, embed_ms_per_chunk: embedMsPerChunk, ratio_to_embedding: sparseMsPerChunk / embedMsPerChunk },
  queries: Object.fromEntries(sets.map((s) => [s, queries.filter((q) => q.set === s).length])),
  results,
  default_fusion: DEFAULT_FUSION,
  latency_at_chunks: { chunks: points.length + copies.length, queries: timedQueries.length, by_retriever: latencyAt10k },
};
mkdirSync(join(REPO_ROOT, 'bench/results'), { recursive: true });
writeFileSync(join(REPO_ROOT, 'bench/results/eval-latest.json'), JSON.stringify(report, null, 1) + '\n');
writeFileSync(join(REPO_ROOT, `bench/results/eval-${report.finished_at.replace(/[:.]/g, '-')}.json`), JSON.stringify(report, null, 1) + '\n');
process.exit(0);

/** Ingests the same documents the LangChain.js way (bench/langchain-peer.ts), then retrieves densely. */
async function langchainRetriever(): Promise<Retriever> {
  const collection = `eval-langchain-${Date.now()}`;
  const keysFile = join(tmpdir(), `sluice-eval-keys-${process.pid}.json`);
  // The peer reads files relative to one directory: give it paths relative to the repo.
  writeFileSync(keysFile, JSON.stringify(documents.map((d) => d.path)));
  const child = spawn('node', ['--import', 'tsx', 'bench/langchain-peer.ts', '--corpus', '/', '--keys', keysFile, '--collection', collection], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`langchain-peer exited with ${code}`);
  const keyOf = new Map(documents.map((d) => [d.path.replace(/^\/+/, ''), d.key]));
  const vectorStore = new QdrantVectorStore(new QueryEmbeddings(embedder), { client: createQdrantClient({ url: config.QDRANT_URL, apiKey: config.QDRANT_API_KEY }), collectionName: collection });
  return async (query) => {
    const docs = await vectorStore.similaritySearch(query, 10);
    return docs.map((d) => keyOf.get(String(d.metadata.source).replace(/^\/+/, '')) ?? String(d.metadata.source));
  };
}
