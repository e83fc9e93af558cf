/**
 * The fault plan of the test embedding server (pure): what the next /v1/embeddings call gets.
 * Faults are set at run time through the control endpoint; counts go down as calls consume them.
 */
import { z } from 'zod';

export const FaultRequest = z.object({
  /** Added to every answer (ms), until `delayUntil` (epoch ms) if given; 0 turns it off. */
  delayMs: z.number().int().nonnegative().optional(),
  delayForMs: z.number().int().positive().optional(),
  /** The next `count` calls are answered `status` with `Retry-After: retryAfterSeconds`. */
  fail: z
    .object({
      status: z.union([z.literal(429), z.literal(503)]),
      count: z.number().int().positive(),
      retryAfterSeconds: z.number().int().nonnegative().default(1),
    })
    .optional(),
  /** Clears every fault. */
  clear: z.boolean().optional(),
});
export type FaultRequest = z.infer<typeof FaultRequest>;

export type CallOutcome = { delayMs: number } & ({ kind: 'answer' } | { kind: 'fail'; status: 429 | 503; retryAfterSeconds: number });

export interface FaultStats {
  calls: number;
  answered: number;
  failed: Record<string, number>;
  delayed: number;
}

export class FaultPlan {
  private delayMs = 0;
  private delayUntil: number | undefined;
  private failures: { status: 429 | 503; left: number; retryAfterSeconds: number } | undefined;
  readonly stats: FaultStats = { calls: 0, answered: 0, failed: {}, delayed: 0 };

  constructor(private readonly now: () => number = Date.now) {}

  apply(request: FaultRequest): void {
    if (request.clear) {
      this.delayMs = 0;
      this.delayUntil = undefined;
      this.failures = undefined;
    }
    if (request.delayMs !== undefined) {
      this.delayMs = request.delayMs;
      this.delayUntil = request.delayForMs === undefined ? undefined : this.now() + request.delayForMs;
    }
    if (request.fail) this.failures = { status: request.fail.status, left: request.fail.count, retryAfterSeconds: request.fail.retryAfterSeconds };
  }

  /** Decides the fate of one call and counts it. */
  next(): CallOutcome {
    this.stats.calls++;
    const delayActive = this.delayMs > 0 && (this.delayUntil === undefined || this.now() < this.delayUntil);
    const delayMs = delayActive ? this.delayMs : 0;
    if (delayActive) this.stats.delayed++;
    if (this.failures && this.failures.left > 0) {
      this.failures.left--;
      const { status, retryAfterSeconds } = this.failures;
      if (this.failures.left === 0) this.failures = undefined;
      this.stats.failed[status] = (this.stats.failed[status] ?? 0) + 1;
      return { kind: 'fail', status, retryAfterSeconds, delayMs };
    }
    this.stats.answered++;
    return { kind: 'answer', delayMs };
  }

  describe(): { delayMs: number; delayUntil?: number; failuresLeft: number; failStatus?: number } {
    return {
      delayMs: this.delayMs,
      ...(this.delayUntil === undefined ? {} : { delayUntil: this.delayUntil }),
      failuresLeft: this.failures?.left ?? 0,
      ...(this.failures ? { failStatus: this.failures.status } : {}),
    };
  }
}
