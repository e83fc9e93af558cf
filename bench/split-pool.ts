/**
 * Parse throughput of split's isolated extraction pool on the corpus PDFs (issue 11: the cost
 * of running parsers in child processes under an OS memory limit). `npx tsx bench/split-pool.ts`
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createIsolatedSplitter } from '../functions/split/worker/isolated.js';

const dir = join(process.env.SLUICE_CORPUS_DIR ?? '.sluice/corpus', 'pdf');
const pdfs = readdirSync(dir).filter((f) => f.endsWith('.pdf')).map((f) => ({ key: f, bytes: new Uint8Array(readFileSync(join(dir, f))) }));
const rounds = Number(process.env.ROUNDS ?? 10);
const limits = { maxPages: 2000, maxExtractedChars: 10_000_000, maxInflateRatio: 100, maxNestingDepth: 1000 };

const coldStart = performance.now();
const splitter = createIsolatedSplitter(limits, { size: 1000, overlap: 150 }, { deadlineMs: 60_000, maxMemoryMb: 256, size: 2 });
await splitter.split(pdfs[0]!.bytes, pdfs[0]!.key, 'application/pdf');
const cold = performance.now() - coldStart;
const started = performance.now();
for (let r = 0; r < rounds; r++) await Promise.all(pdfs.map((p) => splitter.split(p.bytes, p.key, 'application/pdf')));
const elapsed = performance.now() - started;
await splitter.close();
const docs = rounds * pdfs.length;
console.log(JSON.stringify({ pdfs: pdfs.map((p) => p.key), firstDocumentMs: Math.round(cold), documents: docs, msPerDocument: +(elapsed / docs).toFixed(1), documentsPerSecond: +((docs * 1000) / elapsed).toFixed(1) }));
