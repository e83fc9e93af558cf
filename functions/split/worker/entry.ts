/**
 * Worker thread entry: extracts and chunks the documents it is sent, one at a time, one reply
 * each. Runs untrusted parsing away from the event loop that serves HTTP, so that the parent
 * can kill it on a deadline and V8 can stop it at its heap cap without taking split down.
 */
import { parentPort } from 'node:worker_threads';
import { createChunker } from '../chunk.js';
import { ExtractError, extractText } from '../extract/index.js';
import type { ExtractJob, ExtractReply, WorkerLoaded } from './protocol.js';

async function run(job: ExtractJob): Promise<ExtractReply> {
  try {
    const { kind, sections } = await extractText(job.bytes, job.key, job.contentType, job.limits);
    // Chunking ten million characters takes seconds: here, not on the loop that serves HTTP.
    return { ok: true, document: { kind, chunks: await createChunker(job.chunking).chunk(sections) } };
  } catch (err) {
    if (err instanceof ExtractError) return { ok: false, reason: err.reason, message: err.message };
    const message = err instanceof Error ? err.message : String(err);
    if (/maximum call stack/i.test(message)) {
      return { ok: false, reason: 'too_deep', message: 'the document is nested too deeply to parse' };
    }
    // Parsers throw all kinds of errors on malformed input; none of them gets better on retry.
    return { ok: false, reason: 'corrupt', message: `could not extract text: ${message}` };
  }
}

parentPort!.postMessage({ loaded: true } satisfies WorkerLoaded);
parentPort!.on('message', (job: ExtractJob) => {
  void run(job).then((reply) => parentPort!.postMessage(reply));
});
