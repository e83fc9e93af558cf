/**
 * Micro-batching and fair scheduling across callers. embed has several deliveries in flight at
 * once: small documents of a few chunks, and units of up to EMBED_UNIT_CHUNKS texts of a big
 * one. Every caller's texts wait in one queue, and the backend is fed one call at a time of at
 * most `maxCallTexts` texts, made of pieces of the waiting calls:
 * - the caller that has waited longest gets up to `maxBatch` texts first, so that no caller
 *   starves however many others arrive;
 * - the rest of the call goes to the callers with the fewest texts left (shortest remaining
 *   first), so that a small document leaves in the next backend call instead of waiting
 *   behind a 500-text unit: it waits for at most the call in progress, then its own.
 * Each caller's texts are taken shortest first, so a piece of a big call holds texts of similar
 * length and the backend, which sorts its call by token count into model runs, pads little.
 * While the backend is idle, a lone call waits at most `lingerMs` for `maxBatch` texts of
 * company, so that small documents arriving together share one model run.
 */
import { TransientError } from '../runtime/errors.js';
import { EmbeddingBackendError } from './errors.js';
import type { Embedder } from './types.js';

export interface BatchingOptions {
  /** The backend's batch size: texts to wait for before leaving early, and every caller's guaranteed share of a call. */
  maxBatch: number;
  /**
   * Most texts handed to the backend in one call (default 4 × maxBatch): the bound on how long
   * any caller waits for the call in progress. A bigger call is split across several.
   */
  maxCallTexts?: number;
  /** How long the first waiting call may wait for others while the backend is idle, in ms. */
  lingerMs: number;
}

interface PendingCall {
  readonly texts: readonly string[];
  /** Positions in `texts`, shortest text first: the order in which they are handed out. */
  readonly order: readonly number[];
  /** How many of `order` have been handed to the backend. */
  taken: number;
  /** How many vectors have come back. */
  done: number;
  readonly vectors: Float32Array[];
  settled: boolean;
  resolve(vectors: Float32Array[]): void;
  reject(err: unknown): void;
}

/** The texts of one caller in one backend call: positions in its `texts`. */
interface Piece {
  readonly call: PendingCall;
  readonly positions: number[];
}

export function createBatchingEmbedder(inner: Embedder, { maxBatch, lingerMs, maxCallTexts = 4 * maxBatch }: BatchingOptions): Embedder {
  if (!Number.isInteger(maxBatch) || maxBatch < 1) throw new RangeError(`maxBatch must be an integer >= 1, got ${maxBatch}`);
  if (!Number.isInteger(maxCallTexts) || maxCallTexts < maxBatch) throw new RangeError(`maxCallTexts must be an integer >= maxBatch, got ${maxCallTexts}`);
  if (!(lingerMs >= 0)) throw new RangeError(`lingerMs must be >= 0, got ${lingerMs}`);

  /** Calls with texts not yet handed out, in order of arrival. */
  let waiting: PendingCall[] = [];
  let waitingTexts = 0;
  let busy = false;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  let drained: Promise<void> = Promise.resolve();
  let markDrained: () => void = () => undefined;

  const remaining = (call: PendingCall) => call.texts.length - call.taken;

  /** The next backend call: the oldest caller's guaranteed share, then shortest remaining first. */
  function takeCall(): Piece[] {
    const pieces = new Map<PendingCall, number[]>();
    let room = maxCallTexts;
    const give = (call: PendingCall, n: number) => {
      if (n <= 0) return;
      const positions = call.order.slice(call.taken, call.taken + n);
      call.taken += n;
      room -= n;
      waitingTexts -= n;
      pieces.set(call, [...(pieces.get(call) ?? []), ...positions]);
    };
    const oldest = waiting[0]!;
    give(oldest, Math.min(remaining(oldest), maxBatch, room));
    // Array.prototype.sort is stable: equal remainders keep their order of arrival.
    for (const call of [...waiting].sort((a, b) => remaining(a) - remaining(b))) {
      if (room === 0) break;
      give(call, Math.min(remaining(call), room));
    }
    waiting = waiting.filter((call) => remaining(call) > 0);
    return [...pieces].map(([call, positions]) => ({ call, positions }));
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
    const pieces = takeCall();
    try {
      await runCall(pieces);
    } finally {
      busy = false;
      // Calls that queued while the backend was busy have waited long enough: no linger.
      if (waiting.length > 0) void runNext();
      else markDrained();
    }
  }

  const textsOf = (piece: Piece) => piece.positions.map((p) => piece.call.texts[p]!);

  async function runCall(pieces: Piece[]): Promise<void> {
    try {
      const vectors = await inner.embed(pieces.flatMap(textsOf));
      let offset = 0;
      for (const piece of pieces) {
        deliver(piece, vectors.slice(offset, offset + piece.positions.length));
        offset += piece.positions.length;
      }
    } catch (err) {
      if (pieces.length === 1 || err instanceof TransientError) {
        // A retryable failure (overload) would hit each caller alike: let each one back off.
        for (const piece of pieces) fail(piece.call, err);
        return;
      }
      // One caller's texts may be what the backend refuses: run each piece alone so that only
      // its own document fails, not every document that happened to share the call.
      for (const piece of pieces) {
        if (piece.call.settled) continue;
        await inner.embed(textsOf(piece)).then(
          (vectors) => deliver(piece, vectors),
          (pieceErr: unknown) => fail(piece.call, pieceErr),
        );
      }
    }
  }

  function deliver(piece: Piece, vectors: Float32Array[]): void {
    const { call, positions } = piece;
    if (call.settled) return;
    if (vectors.length !== positions.length) {
      fail(call, new EmbeddingBackendError(`the backend returned ${vectors.length} vectors for ${positions.length} texts`));
      return;
    }
    positions.forEach((position, i) => (call.vectors[position] = vectors[i]!));
    call.done += positions.length;
    if (call.done === call.texts.length) {
      call.settled = true;
      call.resolve(call.vectors);
    }
  }

  /** Rejects a caller and drops its texts not yet handed out: nobody waits for them any more. */
  function fail(call: PendingCall, err: unknown): void {
    if (call.settled) return;
    call.settled = true;
    waitingTexts -= remaining(call);
    call.taken = call.texts.length;
    waiting = waiting.filter((c) => c !== call);
    call.reject(err);
  }

  return {
    model: inner.model,
    embed(texts) {
      if (closed) return Promise.reject(new EmbeddingBackendError('embedder is closed'));
      if (texts.length === 0) return Promise.resolve([]);
      return new Promise<Float32Array[]>((resolve, reject) => {
        if (waiting.length === 0 && !busy) drained = new Promise((r) => (markDrained = r));
        // Character length stands in for token count (the backend sorts by tokens within a call).
        const order = texts.map((_, i) => i).sort((a, b) => texts[a]!.length - texts[b]!.length);
        waiting.push({ texts, order, taken: 0, done: 0, vectors: new Array<Float32Array>(texts.length), settled: false, resolve, reject });
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
