/**
 * A small pool of extraction worker threads. Each job gets a deadline (on expiry the worker is
 * terminated, which stops even a parser that never yields, and replaced) and runs under the
 * worker's V8 heap cap. Workers are reused while documents succeed: a fresh worker per document cost
 * 0.3-0.8 s of module loading (pdf.js, the splitter) on a 2-core machine, more than parsing a
 * typical document. Idle workers exit after a while so an idle split gives the memory back.
 */
import { extname } from 'node:path';
import { Worker, type WorkerOptions } from 'node:worker_threads';
import { ExtractError } from '../extract/index.js';
import type { ExtractJob, SplitDocument, WorkerMessage } from './protocol.js';

export interface PoolOptions {
  /** Wall-clock time one document may take (SPLIT_DEADLINE_MS). */
  deadlineMs: number;
  /** V8 old-generation heap of each worker, in MiB (SPLIT_WORKER_MAX_MB). */
  maxMemoryMb: number;
  /** Documents parsed at once; more wait their turn (SPLIT_WORKERS). */
  size: number;
  /** An idle worker exits after this long. */
  idleMs?: number;
}

export interface WorkerPool {
  run(job: ExtractJob): Promise<SplitDocument>;
  close(): Promise<void>;
}

interface Pending {
  job: ExtractJob;
  resolve(document: SplitDocument): void;
  reject(err: Error): void;
}

interface Slot {
  worker: Worker;
  started: boolean;
  current?: Pending & { deadline: NodeJS.Timeout };
  idle?: NodeJS.Timeout;
}

export function createWorkerPool(entry: URL, options: PoolOptions): WorkerPool {
  const idleMs = options.idleMs ?? 60_000;
  const slots = new Set<Slot>();
  const queue: Pending[] = [];

  const dispatch = () => {
    while (queue.length) {
      const slot = [...slots].find((s) => !s.current) ?? (slots.size < options.size ? spawn() : undefined);
      if (!slot) return;
      assign(slot, queue.shift()!);
    }
  };

  const assign = (slot: Slot, pending: Pending) => {
    clearTimeout(slot.idle);
    slot.worker.ref();
    const deadline = setTimeout(() => {
      fail(slot, new ExtractError('deadline', `parsing did not finish within ${options.deadlineMs} ms (SPLIT_DEADLINE_MS)`));
    }, options.deadlineMs);
    slot.current = { ...pending, deadline };
    // The worker gets its own copy of the bytes: the caller's may be a view into a pooled buffer.
    const bytes = new Uint8Array(pending.job.bytes);
    slot.worker.postMessage({ ...pending.job, bytes }, [bytes.buffer]);
  };

  const finish = (slot: Slot, outcome: (pending: Pending) => void) => {
    const current = slot.current;
    if (!current) return;
    clearTimeout(current.deadline);
    slot.current = undefined;
    outcome(current);
  };

  /** The job failed and the worker is not trusted again. */
  const fail = (slot: Slot, err: Error) => {
    finish(slot, (pending) => pending.reject(err));
    discard(slot);
  };

  const discard = (slot: Slot) => {
    if (!slots.delete(slot)) return;
    clearTimeout(slot.idle);
    void slot.worker.terminate();
    dispatch();
  };

  const spawn = (): Slot => {
    const worker = startWorker(entry, {
      resourceLimits: { maxOldGenerationSizeMb: options.maxMemoryMb, maxYoungGenerationSizeMb: Math.min(32, options.maxMemoryMb), stackSizeMb: 4 },
    });
    const slot: Slot = { worker, started: false };
    slots.add(slot);
    worker.on('message', (message: WorkerMessage) => {
      if ('loaded' in message) {
        slot.started = true;
        return;
      }
      finish(slot, (pending) => (message.ok ? pending.resolve(message.document) : pending.reject(new ExtractError(message.reason, message.message))));
      // A worker that just choked on a document keeps whatever heap that took (V8 seldom gives
      // it back) and whatever state the parser was left in: retire it; failures are rare.
      if (!message.ok) {
        discard(slot);
        return;
      }
      // An idle worker neither keeps the process alive nor stays forever.
      slot.worker.unref();
      slot.idle = setTimeout(() => discard(slot), idleMs).unref();
      dispatch();
    });
    worker.on('error', (err: Error & { code?: string }) => fail(slot, workerFailure(err, slot.started, options.maxMemoryMb)));
    worker.on('exit', (code) => fail(slot, new ExtractError('corrupt', `the parser exited unexpectedly (exit code ${code})`)));
    return slot;
  };

  return {
    run(job) {
      return new Promise((resolve, reject) => {
        queue.push({ job, resolve, reject });
        dispatch();
      });
    },
    async close() {
      queue.splice(0).forEach((pending) => pending.reject(new Error('split is shutting down')));
      await Promise.all([...slots].map(async (slot) => {
        slots.delete(slot);
        clearTimeout(slot.idle);
        finish(slot, (pending) => pending.reject(new Error('split is shutting down')));
        await slot.worker.terminate();
      }));
    },
  };
}

// Built code runs dist/…/entry.js. Tests run the TypeScript source under tsx, whose loader
// `--import tsx` does not reach an ESM worker's entry on Node 20: there the worker starts with
// a one-line bootstrap that registers tsx first.
function startWorker(entry: URL, options: WorkerOptions): Worker {
  if (extname(entry.pathname) !== '.ts') return new Worker(entry, options);
  const tsx = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  return new Worker(`import(${tsx}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); });`, { ...options, eval: true });
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
