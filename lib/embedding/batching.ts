/**
 * Micro-batching across callers. embed receives one document's chunks per event, and with
 * several deliveries in flight, small documents would each pay for a mostly padded model run.
 * This wrapper collects concurrent calls and hands them to the backend as one call: a call
 * waits at most `lingerMs` for `maxBatch` texts of company while the backend is idle; while
 * the backend is busy, calls queue up and leave together as soon as it is free.
 */
import { TransientError } from '../runtime/errors.js';
import { EmbeddingBackendError } from './errors.js';
import type { Embedder } from './types.js';

export interface BatchingOptions {
  /** Texts to wait for before leaving early (the backend's batch size). */
  maxBatch: number;
  /**
   * Most texts handed to the backend in one call (default 4 × maxBatch): whatever queued while
   * the backend was busy leaves together, and the backend sorts it by length into batches
   * with little padding. Calls are never split, so a bigger call goes alone.
   */
  maxCallTexts?: number;
  /** How long the first waiting call may wait for others while the backend is idle, in ms. */
  lingerMs: number;
}

interface PendingCall {
  texts: readonly string[];
  resolve(vectors: Float32Array[]): void;
  reject(err: unknown): void;
}

export function createBatchingEmbedder(inner: Embedder, { maxBatch, lingerMs, maxCallTexts = 4 * maxBatch }: BatchingOptions): Embedder {
  if (!Number.isInteger(maxBatch) || maxBatch < 1) throw new RangeError(`maxBatch must be an integer >= 1, got ${maxBatch}`);
  if (!Number.isInteger(maxCallTexts) || maxCallTexts < maxBatch) throw new RangeError(`maxCallTexts must be an integer >= maxBatch, got ${maxCallTexts}`);
  if (!(lingerMs >= 0)) throw new RangeError(`lingerMs must be >= 0, got ${lingerMs}`);

  const waiting: PendingCall[] = [];
  let waitingTexts = 0;
  let busy = false;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  let drained: Promise<void> = Promise.resolve();
  let markDrained: () => void = () => undefined;

  /** Takes whole calls from the front up to maxCallTexts (at least one call). */
  function takeBatch(): PendingCall[] {
    const batch: PendingCall[] = [];
    let size = 0;
    while (waiting.length > 0 && (batch.length === 0 || size + waiting[0]!.texts.length <= maxCallTexts)) {
      const call = waiting.shift()!;
      size += call.texts.length;
      batch.push(call);
    }
    waitingTexts -= size;
    return batch;
  }

  function schedule(): void {
    if (busy || waiting.length === 0) return;
    if (waitingTexts >= maxBatch || lingerMs === 0 || closed) {
      void runNext();
    } else {
      timer ??= setTimeout(() => {
        timer = undefined;
        void runNext();
      }, lingerMs);
    }
  }

  async function runNext(): Promise<void> {
    if (busy || waiting.length === 0) return;
    clearTimeout(timer);
    timer = undefined;
    busy = true;
    const batch = takeBatch();
    try {
      await runBatch(batch);
    } finally {
      busy = false;
      // Calls that queued while the backend was busy have waited long enough: no linger.
      if (waiting.length > 0) void runNext();
      else markDrained();
    }
  }

  async function runBatch(batch: PendingCall[]): Promise<void> {
    const texts = batch.flatMap((call) => call.texts);
    try {
      const vectors = await inner.embed(texts);
      let offset = 0;
      for (const call of batch) {
        call.resolve(vectors.slice(offset, offset + call.texts.length));
        offset += call.texts.length;
      }
    } catch (err) {
      if (batch.length === 1 || err instanceof TransientError) {
        // A retryable failure (overload) would hit each call alike: let each caller back off.
        for (const call of batch) call.reject(err);
        return;
      }
      // One caller's texts may be what the backend refuses: run each call alone so that only
      // its own document fails, not every document that happened to share the batch.
      for (const call of batch) {
        await inner.embed(call.texts).then(call.resolve, call.reject);
      }
    }
  }

  return {
    model: inner.model,
    embed(texts) {
      if (closed) return Promise.reject(new EmbeddingBackendError('embedder is closed'));
      if (texts.length === 0) return Promise.resolve([]);
      return new Promise<Float32Array[]>((resolve, reject) => {
        if (waiting.length === 0 && !busy) drained = new Promise((r) => (markDrained = r));
        waiting.push({ texts, resolve, reject });
        waitingTexts += texts.length;
        schedule();
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      // Finish what was accepted, then release the backend.
      schedule();
      await drained;
      await inner.close();
    },
  };
}
