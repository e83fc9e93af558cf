/**
 * Which Tesseract split runs (issue 14): Debian's native `tesseract` (5.3) against tesseract.js
 * (Tesseract compiled to WebAssembly, with the traineddata of @tesseract.js-data/eng), on real
 * scanned pages, each rendered the way split renders it (pdftoppm, 200 dpi, grey). Prints
 * seconds per page and word accuracy (bag-of-words F1 against the page's transcription, where
 * the test resources ship one: linn.txt is the text of linn.pdf and of its skewed copy).
 *
 *   npm install --no-save tesseract.js@7 @tesseract.js-data/eng   # only for this comparison
 *   node --import tsx bench/ocr-compare.ts --resources DIR [--tesseract-js NODE_MODULES]
 *
 * DIR is tests/resources of the OCRmyPDF sdist: test/corpus/prepare.py unpacks it at
 * .sluice/cache/sdists/unpacked/ocrmypdf-17.13.0/tests/resources. tesseract.js is not a
 * dependency of Sluice: the result of this script is why (docs/performance.md, OCR).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({ options: { resources: { type: 'string' }, 'tesseract-js': { type: 'string', default: 'node_modules' }, dpi: { type: 'string', default: '200' } } });
if (!args.resources) throw new Error('usage: ocr-compare.ts --resources DIR [--tesseract-js NODE_MODULES] [--dpi 200]');
const resources = resolve(args.resources);

/** Real scans (OCRmyPDF's test resources) and the transcription each is scored against. */
const PAGES = [
  { file: 'linn.pdf', truth: 'linn.txt' },
  { file: 'skew.pdf', truth: 'linn.txt' },
  { file: 'c03-29.pdf' },
];

const words = (text: string) => text.toLowerCase().match(/[a-z0-9]+/g) ?? [];

/** Bag-of-words F1: how many of the transcription's words were read, and how many read were right. */
function wordF1(found: string, truth: string): number {
  const count = (list: string[]) => list.reduce((m, w) => m.set(w, (m.get(w) ?? 0) + 1), new Map<string, number>());
  const a = count(words(found));
  const b = count(words(truth));
  let common = 0;
  for (const [w, n] of a) common += Math.min(n, b.get(w) ?? 0);
  const precision = common / Math.max(1, words(found).length);
  const recall = common / Math.max(1, words(truth).length);
  return precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
}

function render(file: string): Buffer {
  return execFileSync('pdftoppm', ['-r', args.dpi!, '-gray', '-png', '-f', '1', '-l', '1', '-singlefile', join(resources, file)], { maxBuffer: 256 * 1024 * 1024 });
}

function native(png: Buffer, threads: string): string {
  return execFileSync('tesseract', ['stdin', 'stdout', '--psm', '3', '-l', 'eng'], { input: png, env: { ...process.env, OMP_THREAD_LIMIT: threads }, maxBuffer: 16 * 1024 * 1024, stdio: ['pipe', 'pipe', 'ignore'] }).toString('utf8');
}

interface Row {
  engine: string;
  page: string;
  seconds: number;
  f1?: number;
}

const rows: Row[] = [];
const time = async (engine: string, page: string, truth: string | undefined, run: () => Promise<string> | string) => {
  const started = performance.now();
  const text = await run();
  const seconds = (performance.now() - started) / 1000;
  rows.push({ engine, page, seconds, ...(truth ? { f1: wordF1(text, truth) } : {}) });
};

const rendered = PAGES.map((p) => ({ ...p, png: render(p.file), truthText: p.truth ? readFileSync(join(resources, p.truth), 'utf8') : undefined }));
for (const page of rendered) {
  await time('tesseract 5.3 (Debian), 1 thread', page.file, page.truthText, () => native(page.png, '1'));
  await time('tesseract 5.3 (Debian), OpenMP default', page.file, page.truthText, () => native(page.png, ''));
}

const require = createRequire(join(resolve(args['tesseract-js']!), 'noop.js'));
if (existsSync(join(resolve(args['tesseract-js']!), 'tesseract.js'))) {
  const { createWorker } = require('tesseract.js') as { createWorker: (lang: string, oem: number, options: object) => Promise<{ recognize(image: Buffer): Promise<{ data: { text: string } }>; terminate(): Promise<void> }> };
  for (const [label, dir, oem] of [['tesseract.js 7 (wasm), eng 4.0.0', '4.0.0', 1], ['tesseract.js 7 (wasm), eng 4.0.0_best_int', '4.0.0_best_int', 1]] as const) {
    const started = performance.now();
    const worker = await createWorker('eng', oem, { langPath: join(resolve(args['tesseract-js']!), '@tesseract.js-data/eng', dir), gzip: true, cacheMethod: 'none' });
    const load = (performance.now() - started) / 1000;
    for (const page of rendered) await time(label, page.file, page.truthText, async () => (await worker.recognize(page.png)).data.text);
    rows.push({ engine: label, page: '(worker start and model load)', seconds: load });
    await worker.terminate();
  }
} else {
  console.log(`tesseract.js not found under ${args['tesseract-js']}: native only`);
}

console.log(`OCR of real scanned pages rendered at ${args.dpi} dpi (grey PNG), --psm 3, eng`);
for (const row of rows) console.log(`${row.engine.padEnd(46)} ${row.page.padEnd(32)} ${row.seconds.toFixed(2).padStart(6)} s${row.f1 === undefined ? '' : `  word F1 ${row.f1.toFixed(3)}`}`);
