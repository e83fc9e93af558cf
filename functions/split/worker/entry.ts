/**
 * Extraction child process entry: extracts and chunks the documents it is sent, one at a time,
 * one reply each. Runs untrusted parsing in a process of its own, under an OS limit on its
 * memory (pool.ts), so that the parent can kill it on a deadline and an allocation that is
 * too big fails the document, not split.
 */
import { createChunker } from '../chunk.js';
import { ExtractError, extractText } from '../extract/index.js';
import { isAllocationFailure, outOfMemory, serveJobs } from './child.js';
import type { ExtractJob, ExtractReply, OcrStarted } from './protocol.js';

async function run(job: ExtractJob): Promise<ExtractReply> {
  try {
    const { kind, sections, email } = await extractText(job.bytes, job.key, job.contentType, job.limits, { started: () => process.send?.({ ocrStarted: true } satisfies OcrStarted) });
    // Chunking ten million characters takes seconds: here, not on the loop that serves HTTP.
    return { ok: true, document: { kind, chunks: await createChunker(job.chunking).chunk(sections), ...(email ? { email } : {}) } };
  } catch (err) {
    if (err instanceof ExtractError) return { ok: false, reason: err.reason, message: err.message };
    if (isAllocationFailure(err)) return outOfMemory((err as Error).message);
    const message = err instanceof Error ? err.message : String(err);
    if (/maximum call stack/i.test(message)) {
      return { ok: false, reason: 'too_deep', message: 'the document is nested too deeply to parse' };
    }
    // Parsers throw all kinds of errors on malformed input; none of them gets better on retry.
    return { ok: false, reason: 'corrupt', message: `could not extract text: ${message}` };
  }
}

serveJobs(run);
