/**
 * A small pool of extraction child processes. Each job gets a deadline (on expiry the process
 * is killed, which stops even a parser that never yields, and replaced) and runs under two
 * memory caps: V8's heap limit, and an OS limit on the process's data segment (RLIMIT_DATA, set
 * by util-linux's `prlimit` as it execs node). The second is the one that matters for parsers:
 * pdf.js decodes streams into ArrayBuffers, which live outside the V8 heap, so a worker thread's
 * heap cap never saw them and one huge allocation could take all of split down. In a process of
 * its own, such an allocation fails (a RangeError, or an abort), the document ends
 * `out_of_memory`, and split carries on. RLIMIT_AS would not do: V8 reserves tens of GiB of
 * address space up front; RLIMIT_DATA counts only memory that is writable, i.e. really usable.
 *
 * A document that needs OCR says so when its OCR starts, and its deadline moves out by
 * OCR_TIMEOUT_MS, once (extract/ocr.ts runs its own deadline inside; this one is the backstop).
 *
 * Processes are reused while documents succeed: starting node and loading pdf.js costs far more
 * than parsing a typical document. Idle processes exit after a while to give the memory back.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ExtractError } from '../extract/index.js';
import type { ExtractJob, SplitDocument, WorkerMessage } from './protocol.js';

export interface PoolOptions {
  /** Wall-clock time one document may take (SPLIT_DEADLINE_MS). */
  deadlineMs: number;
  /** V8 old-generation heap of each parser process, in MiB (SPLIT_WORKER_MAX_MB). */
  maxMemoryMb: number;
  /**
   * All writable memory of each parser process (heap, ArrayBuffers, native), in MiB
   * (SPLIT_WORKER_MAX_DATA_MB); by default the heap cap plus 1 GiB for buffers and node itself.
   */
  maxDataMb?: number;
  /** Documents parsed at once; more wait their turn (SPLIT_WORKERS). */
  size: number;
  /** An idle process exits after this long. */
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
  child: ChildProcess;
  started: boolean;
  current?: Pending & { deadline?: NodeJS.Timeout; deadlineAt?: number; ocr?: boolean };
  idle?: NodeJS.Timeout;
  /** Until the process has loaded: how long it may take to come up. */
  startup?: NodeJS.Timeout;
}

/** After the OCR deadline, how long the child has to report it (with the pages it read) before it is killed. */
const OCR_REPORT_MS = 2_000;

/** A process that has not loaded its parsers by then never will (a missing build, a bad flag). */
const STARTUP_TIMEOUT_MS = 120_000;

/** Whether `prlimit` is there to set the OS limit (it is part of util-linux, on every Debian). */
let prlimitAvailable: boolean | undefined;
function hasPrlimit(): boolean {
  prlimitAvailable ??= spawnSync('prlimit', ['--version'], { stdio: 'ignore' }).status === 0;
  return prlimitAvailable;
}

export function createWorkerPool(entry: URL, options: PoolOptions): WorkerPool {
  const idleMs = options.idleMs ?? 60_000;
  const maxDataMb = options.maxDataMb ?? options.maxMemoryMb + 1024;
  const slots = new Set<Slot>();
  const queue: Pending[] = [];

  const dispatch = () => {
    while (queue.length) {
      const slot = [...slots].find((s) => !s.current) ?? (slots.size < options.size ? spawnSlot() : undefined);
      if (!slot) return;
      assign(slot, queue.shift()!);
    }
  };

  const hold = (slot: Slot, held: boolean) => {
    // A busy process keeps split's event loop alive; an idle one must not.
    const channel = slot.child.channel as { ref?(): void; unref?(): void } | undefined;
    if (held) {
      slot.child.ref();
      channel?.ref?.();
    } else {
      slot.child.unref();
      channel?.unref?.();
    }
  };

  const assign = (slot: Slot, pending: Pending) => {
    clearTimeout(slot.idle);
    hold(slot, true);
    slot.current = { ...pending };
    // The deadline is the document's: it starts once the parsers are loaded, not before
    // (starting node and loading pdf.js is our cost, seconds on a busy machine).
    if (slot.started) armDeadline(slot);
    // A copy of just the document's bytes: the caller's may be a view into a pooled buffer, and
    // serializing a view sends the whole buffer behind it.
    slot.child.send({ ...pending.job, bytes: new Uint8Array(pending.job.bytes) }, (err) => {
      if (err) fail(slot, new Error(`could not hand the document to the parser process: ${err.message}`, { cause: err }));
    });
  };

  const armDeadline = (slot: Slot) => {
    if (!slot.current || slot.current.deadline) return;
    slot.current.deadlineAt = Date.now() + options.deadlineMs;
    slot.current.deadline = setTimeout(() => {
      fail(slot, new ExtractError('deadline', `parsing did not finish within ${options.deadlineMs} ms (SPLIT_DEADLINE_MS)`));
    }, options.deadlineMs);
  };

  /**
   * The document's OCR started: its deadline moves out by OCR_TIMEOUT_MS (and a moment for the
   * child to report its own OCR deadline first), once. The child is untrusted: it cannot ask twice.
   */
  const extendForOcr = (slot: Slot) => {
    const current = slot.current;
    const ocrMs = current?.job.limits.ocr?.timeoutMs;
    if (!current || current.ocr || current.deadlineAt === undefined || !ocrMs) return;
    current.ocr = true;
    clearTimeout(current.deadline);
    current.deadlineAt += ocrMs + OCR_REPORT_MS;
    const total = options.deadlineMs + ocrMs;
    current.deadline = setTimeout(() => {
      fail(slot, new ExtractError('deadline', `parsing and OCR did not finish within ${total} ms (SPLIT_DEADLINE_MS + OCR_TIMEOUT_MS)`));
    }, Math.max(0, current.deadlineAt - Date.now()));
  };

  const finish = (slot: Slot, outcome: (pending: Pending) => void) => {
    const current = slot.current;
    if (!current) return;
    clearTimeout(current.deadline);
    slot.current = undefined;
    outcome(current);
  };

  /** The job failed and the process is not trusted again. */
  const fail = (slot: Slot, err: Error) => {
    finish(slot, (pending) => pending.reject(err));
    discard(slot);
  };

  const discard = (slot: Slot) => {
    if (!slots.delete(slot)) return;
    clearTimeout(slot.idle);
    clearTimeout(slot.startup);
    slot.child.kill('SIGKILL');
    dispatch();
  };

  const spawnSlot = (): Slot => {
    const child = startChild(entry, options.maxMemoryMb, maxDataMb);
    const slot: Slot = { child, started: false };
    slot.startup = setTimeout(() => fail(slot, notStarted(`not ready within ${STARTUP_TIMEOUT_MS} ms`)), STARTUP_TIMEOUT_MS);
    slots.add(slot);
    child.on('message', (message: WorkerMessage) => {
      if ('loaded' in message) {
        slot.started = true;
        clearTimeout(slot.startup);
        armDeadline(slot);
        return;
      }
      if ('ocrStarted' in message) {
        extendForOcr(slot);
        return;
      }
      finish(slot, (pending) => (message.ok ? pending.resolve(message.document) : pending.reject(new ExtractError(message.reason, message.message))));
      // A process that just choked on a document keeps whatever memory that took and whatever
      // state the parser was left in: retire it; failures are rare.
      if (!message.ok) {
        discard(slot);
        return;
      }
      hold(slot, false);
      slot.idle = setTimeout(() => discard(slot), idleMs).unref();
      dispatch();
    });
    child.on('error', (err) => fail(slot, slot.started ? new ExtractError('corrupt', `the parser process failed: ${err.message}`) : notStarted(err.message, err)));
    child.on('exit', (code, signal) => fail(slot, exitFailure(code, signal, slot.started, maxDataMb)));
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
      await Promise.all(
        [...slots].map(async (slot) => {
          slots.delete(slot);
          clearTimeout(slot.idle);
          clearTimeout(slot.startup);
          finish(slot, (pending) => pending.reject(new Error('split is shutting down')));
          if (slot.child.exitCode !== null || slot.child.signalCode !== null) return;
          const exited = new Promise((resolve) => slot.child.once('exit', resolve));
          // An idle (unreferenced) process would not keep the loop alive until its exit event.
          slot.child.ref();
          slot.child.kill('SIGKILL');
          await exited;
        }),
      );
    },
  };
}

/**
 * node (under prlimit when it is there) with an IPC channel; the structured-clone
 * serialization carries Uint8Arrays as such. Tests run the TypeScript source: there the child
 * loads tsx first.
 */
function startChild(entry: URL, maxMemoryMb: number, maxDataMb: number): ChildProcess {
  const node = [...(extname(entry.pathname) === '.ts' ? ['--import', 'tsx'] : []), `--max-old-space-size=${maxMemoryMb}`, fileURLToPath(entry)];
  const [command, args] = hasPrlimit() ? ['prlimit', [`--data=${maxDataMb * 1024 * 1024}`, '--', process.execPath, ...node]] : [process.execPath, node];
  return spawn(command as string, args as string[], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'advanced', env: process.env });
}

function notStarted(detail: string, cause?: Error): Error {
  // A process that never came up is our fault (missing build, bad flags), not the document's:
  // a plain error, so the event is retried and the failure is loud in the logs.
  return new Error(`the extraction worker did not start: ${detail}`, { cause });
}

function exitFailure(code: number | null, signal: NodeJS.Signals | null, started: boolean, maxDataMb: number): Error {
  // V8 aborts when its heap cannot grow (at its own cap or at the OS limit): SIGABRT or SIGTRAP.
  if (signal === 'SIGABRT' || signal === 'SIGTRAP' || code === 134 || code === 133) {
    return new ExtractError('out_of_memory', `parsing needed more than ${maxDataMb} MiB of memory (SPLIT_WORKER_MAX_MB, SPLIT_WORKER_MAX_DATA_MB)`);
  }
  if (!started) return notStarted(`the process exited (${signal ?? `exit code ${code}`}) before it was ready`);
  return new ExtractError('corrupt', `the parser exited unexpectedly (${signal ?? `exit code ${code}`})`);
}
