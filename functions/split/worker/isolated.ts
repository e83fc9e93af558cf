/**
 * Extraction and chunking in a fresh worker thread per document, with a deadline (the worker is terminated,
 * which stops even a parser that never yields) and a V8 heap cap. A fresh worker costs a
 * module load (~0.1-0.3 s) but leaves no parser state behind and needs no pool bookkeeping;
 * embedding a document costs far more than that.
 */
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';
import type { ChunkerOptions } from '../chunk.js';
import { ExtractError, type ExtractLimits } from '../extract/index.js';
import type { ExtractJob, SplitDocument, WorkerMessage } from './protocol.js';

export type { SplitDocument } from './protocol.js';

/** Untrusted bytes in, chunks out; document failures as ExtractError. */
export interface Splitter {
  split(bytes: Uint8Array, key: string, contentType: string): Promise<SplitDocument>;
}

export interface IsolationOptions {
  /** Wall-clock time one document may take to parse (SPLIT_DEADLINE_MS). */
  deadlineMs: number;
  /** V8 old-generation heap of the worker, in MiB (SPLIT_WORKER_MAX_MB). */
  maxMemoryMb: number;
}

// Built code runs dist/…/entry.js. Tests run the TypeScript source under tsx, whose loader
// `--import tsx` does not reach an ESM worker's entry on Node 20: there the worker starts with
// a one-line bootstrap that registers tsx first.
const ENTRY = new URL(`./entry${extname(fileURLToPath(import.meta.url))}`, import.meta.url);

function startWorker(entry: URL, options: WorkerOptions): Worker {
  if (!entry.pathname.endsWith('.ts')) return new Worker(entry, options);
  const tsx = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  return new Worker(`import(${tsx}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); });`, { ...options, eval: true });
}

export function createIsolatedSplitter(limits: ExtractLimits, chunking: ChunkerOptions, isolation: IsolationOptions): Splitter {
  return {
    split(bytes, key, contentType) {
      // The worker gets its own copy: the caller's bytes may be a view into a pooled buffer.
      const job: ExtractJob = { bytes: new Uint8Array(bytes), key, contentType, limits, chunking };
      return runInWorker(ENTRY, job, isolation);
    },
  };
}

/** Runs `job` in a fresh worker started from `entry` (a module speaking protocol.ts). */
export function runInWorker(entry: URL, job: ExtractJob, { deadlineMs, maxMemoryMb }: IsolationOptions): Promise<SplitDocument> {
  return new Promise((resolve, reject) => {
    const worker = startWorker(entry, {
      workerData: job,
      transferList: [job.bytes.buffer as ArrayBuffer],
      resourceLimits: { maxOldGenerationSizeMb: maxMemoryMb, maxYoungGenerationSizeMb: Math.min(32, maxMemoryMb), stackSizeMb: 4 },
    });
    let started = false;
    let settled = false;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      void worker.terminate();
      outcome();
    };
    const deadline = setTimeout(
      () => settle(() => reject(new ExtractError('deadline', `parsing did not finish within ${deadlineMs} ms (SPLIT_DEADLINE_MS)`))),
      deadlineMs,
    );
    worker.on('message', (message: WorkerMessage) => {
      if ('loaded' in message) {
        started = true;
        return;
      }
      settle(() => (message.ok ? resolve(message.document) : reject(new ExtractError(message.reason, message.message))));
    });
    worker.once('error', (err: Error & { code?: string }) => settle(() => reject(workerFailure(err, started, maxMemoryMb))));
    worker.once('exit', (code) => settle(() => reject(new ExtractError('corrupt', `the parser exited unexpectedly (exit code ${code})`))));
  });
}

function workerFailure(err: Error & { code?: string }, started: boolean, maxMemoryMb: number): Error {
  if (err.code === 'ERR_WORKER_OUT_OF_MEMORY') {
    return new ExtractError('out_of_memory', `parsing needed more than ${maxMemoryMb} MiB of memory (SPLIT_WORKER_MAX_MB)`);
  }
  // A worker that never came up is our fault (missing build, bad flags), not the document's:
  // a plain error, so the event is retried and the failure is loud in the logs.
  if (!started) return new Error(`the extraction worker did not start: ${err.message}`, { cause: err });
  return new ExtractError('corrupt', `the parser crashed: ${err.message}`);
}
