/**
 * The child-process side of the extraction pool (pool.ts): announces itself, then runs each job
 * it is sent and answers once. An allocation the OS memory limit refuses surfaces in JavaScript
 * as a RangeError (ArrayBuffers, Buffers) and is reported as `out_of_memory`; a V8 heap that
 * cannot grow aborts the process, which the parent reports the same way.
 */
import type { ExtractReply, ExtractJob, WorkerMessage } from './protocol.js';

/** How allocation failures read: `new ArrayBuffer`, Buffer.alloc, typed arrays, strings. */
const ALLOCATION_FAILED = /^(Array buffer allocation failed|Invalid typed array length|Invalid array buffer length|Array buffer allocation|Invalid string length)/;

export function isAllocationFailure(err: unknown): boolean {
  return err instanceof RangeError && ALLOCATION_FAILED.test(err.message);
}

export function outOfMemory(detail: string): ExtractReply {
  return { ok: false, reason: 'out_of_memory', message: `parsing needed more memory than the parser process may use (SPLIT_WORKER_MAX_DATA_MB): ${detail}` };
}

function send(message: WorkerMessage): void {
  process.send?.(message);
}

export function serveJobs(run: (job: ExtractJob) => Promise<ExtractReply>): void {
  if (!process.send) throw new Error('the extraction child must be started with an IPC channel');
  // An exception nobody awaited still fails only the document in hand, with its reason.
  process.on('uncaughtException', (err) => {
    const reply: ExtractReply = isAllocationFailure(err) ? outOfMemory(err.message) : { ok: false, reason: 'corrupt', message: `the parser crashed: ${err instanceof Error ? err.message : String(err)}` };
    // Its state is unknown now: answer, then go (the parent retires this process anyway).
    process.send!(reply, () => process.exit(70));
  });
  process.on('message', (job: ExtractJob) => {
    void run(job).then(send, (err: unknown) => send(isAllocationFailure(err) ? outOfMemory((err as Error).message) : { ok: false, reason: 'corrupt', message: String(err) }));
  });
  // The parent owns this process: when it goes away (or disconnects), so do we.
  process.on('disconnect', () => process.exit());
  send({ loaded: true });
}
