import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TransientError } from './runtime/errors.js';
import {
  backoffDelayMs,
  backoffSchedule,
  createBackoff,
  isDelivered,
  isRetryableRequestStatus,
  isRetryableStatus,
  JITTER_RATIO,
  NO_RESPONSE_STATUS,
  parseRetryAfter,
  retry,
  RETRYABLE_4XX,
  withJitter,
} from './retry.js';

describe('backoff schedule (CloudEvents Go SDK BackoffFor, retries numbered from 1)', () => {
  it('exponential waits delay * 2^n before retry n, so the first retry waits twice the delay', () => {
    assert.deepEqual(backoffSchedule('exponential', 500, 5), [1000, 2000, 4000, 8000, 16000]);
    assert.equal(backoffDelayMs('exponential', 1000, 1), 2000);
  });

  it('linear waits delay * n before retry n', () => {
    assert.deepEqual(backoffSchedule('linear', 200, 4), [200, 400, 600, 800]);
  });

  it('retry 0 means a single attempt and no waits', () => {
    assert.deepEqual(backoffSchedule('exponential', 500, 0), []);
  });
});

describe('upstream formula (sdk-go v2/context/retry.go RetryParams.BackoffFor, called by v2/protocol/http/protocol_retry.go doWithRetry as Backoff(ctx, retry+1))', () => {
  // Exponential: `r.Period * time.Duration(math.Exp2(float64(tries)))`; linear: `r.Period *
  // time.Duration(tries)`. eventing-rabbitmq's dispatcher (pkg/dispatcher/dispatcher.go) picks
  // ContextWithRetriesExponentialBackoff unless the policy is linear. No jitter upstream.
  it('is exactly delay x 2^n and delay x n, for every delay and retry number', () => {
    for (const delay of [1, 7, 100, 250, 1000, 1234]) {
      for (let n = 1; n <= 12; n++) {
        assert.equal(backoffDelayMs('exponential', delay, n), delay * 2 ** n, `exponential ${delay} ms, retry ${n}`);
        assert.equal(backoffDelayMs('linear', delay, n), delay * n, `linear ${delay} ms, retry ${n}`);
      }
    }
  });

  it('our jitter (a documented difference) only adds, at most 20 %, and is 0 for random() = 0', () => {
    assert.equal(JITTER_RATIO, 0.2);
    assert.equal(withJitter(2000, () => 0), 2000, 'the upstream wait exactly');
    assert.equal(withJitter(2000, () => 0.5), 2200);
    assert.equal(withJitter(2000, () => 0.999999), 2400);
    for (let i = 0; i < 200; i++) {
      const base = backoffDelayMs('exponential', 100, 1 + (i % 6));
      const wait = withJitter(base);
      assert.ok(wait >= base && wait <= base * 1.2, `${wait} not in [${base}, ${base * 1.2}]`);
    }
  });
});

describe('retryable statuses (Knative SelectiveRetry)', () => {
  it('retries 5xx, 404, 408, 409, 429 and failures without a response', () => {
    for (const status of [500, 502, 503, 504, 599, 404, 408, 409, 429, NO_RESPONSE_STATUS]) {
      assert.equal(isRetryableStatus(status), true, String(status));
      assert.equal(isDelivered(status), false, String(status));
    }
  });

  it('treats 2xx, 3xx and the other 4xx as delivered (acked, never dead-lettered)', () => {
    for (const status of [200, 202, 204, 301, 400, 401, 403, 410, 413, 422]) {
      assert.equal(isRetryableStatus(status), false, String(status));
      assert.equal(isDelivered(status), true, String(status));
    }
  });
});

describe('one list of retryable statuses', () => {
  it('the 4xx Knative retries are exactly 404, 408, 409, 429', () => {
    assert.deepEqual([...RETRYABLE_4XX].sort(), [404, 408, 409, 429]);
  });

  it('a REST dependency\'s 404 and 409 are answers, the rest of the rule holds', () => {
    for (const status of [500, 503, 408, 429, NO_RESPONSE_STATUS]) assert.equal(isRetryableRequestStatus(status), true, String(status));
    for (const status of [200, 400, 401, 404, 409, 413]) assert.equal(isRetryableRequestStatus(status), false, String(status));
  });
});

describe('Retry-After (RFC 9110 10.2.3)', () => {
  it('reads delay-seconds and HTTP dates, ignores the rest', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    assert.equal(parseRetryAfter('3', now), 3000);
    assert.equal(parseRetryAfter(' 0 ', now), 0);
    assert.equal(parseRetryAfter('Thu, 01 Jan 2026 00:01:00 GMT', now), 60_000);
    assert.equal(parseRetryAfter('Wed, 31 Dec 2025 23:00:00 GMT', now), 0, 'a date in the past: now');
    assert.equal(parseRetryAfter('soon', now), undefined);
    assert.equal(parseRetryAfter(null, now), undefined);
    assert.equal(parseRetryAfter(undefined, now), undefined);
  });
});

describe('createBackoff', () => {
  it('is the upstream formula, capped, with jitter only when asked', () => {
    const exact = createBackoff({ delayMs: 100, maxMs: 1000 });
    assert.deepEqual([1, 2, 3, 4, 5, 200].map((n) => exact(n, undefined)), [200, 400, 800, 1000, 1000, 1000]);
    const linear = createBackoff({ policy: 'linear', delayMs: 100 });
    assert.deepEqual([1, 2, 3].map((n) => linear(n, undefined)), [100, 200, 300]);
    const jittered = createBackoff({ delayMs: 100, maxMs: 1000, jitter: true, random: () => 0.5 });
    assert.deepEqual([1, 4].map((n) => jittered(n, undefined)), [220, 1100]);
  });
});

describe('retry', () => {
  const noWait = () => 0;
  const failing = (errors: unknown[]) => {
    let calls = 0;
    return {
      fn: async (n: number) => {
        calls++;
        assert.equal(n, calls, 'attempts are numbered from 1');
        const error = errors.shift();
        if (error !== undefined) throw error;
        return 'ok';
      },
      calls: () => calls,
    };
  };

  it('retries a TransientError and resolves with the first success', async () => {
    const f = failing([new TransientError('a'), new TransientError('b')]);
    const waits: Array<[number, number]> = [];
    assert.equal(await retry(f.fn, { retries: 5, backoff: (n) => n * 10, onRetry: (i) => waits.push([i.attempt, i.waitMs]) }), 'ok');
    assert.equal(f.calls(), 3);
    assert.deepEqual(waits, [[1, 10], [2, 20]]);
  });

  it('decides by type: any other error is thrown at once, unchanged', async () => {
    const refused = new Error('bad request');
    const f = failing([refused]);
    await assert.rejects(retry(f.fn, { retries: 5, backoff: noWait }), (err) => err === refused);
    assert.equal(f.calls(), 1);
  });

  it('gives up after retries + 1 attempts with the last error', async () => {
    const last = new TransientError('third');
    const f = failing([new TransientError('first'), new TransientError('second'), last]);
    await assert.rejects(retry(f.fn, { retries: 2, backoff: noWait }), (err) => err === last);
    assert.equal(f.calls(), 3);
  });

  it('a caller may retry everything', async () => {
    const f = failing([new TypeError('x'), new Error('y')]);
    assert.equal(await retry(f.fn, { retries: Infinity, backoff: noWait, retryable: () => true }), 'ok');
    assert.equal(f.calls(), 3);
  });

  it('Retry-After: ignored by default, waited out up to maxRetryAfterMs, a longer ask goes to the caller', async () => {
    const waits: number[] = [];
    const onRetry = (i: { waitMs: number }) => waits.push(i.waitMs);
    await retry(failing([new TransientError('busy', 0.05)]).fn, { retries: 1, backoff: () => 1, onRetry });
    await retry(failing([new TransientError('busy', 0.05)]).fn, { retries: 1, backoff: () => 1, maxRetryAfterMs: 1000, onRetry });
    await retry(failing([new TransientError('busy', 0.001)]).fn, { retries: 1, backoff: () => 20, maxRetryAfterMs: 1000, onRetry });
    assert.deepEqual(waits, [1, 50, 20], 'the longer of the backoff and the ask');
    const long = new TransientError('come back in 2 minutes', 120);
    const f = failing([long]);
    await assert.rejects(retry(f.fn, { retries: 3, backoff: noWait, maxRetryAfterMs: 10_000 }), (err) => err === long);
    assert.equal(f.calls(), 1);
  });

  it('an abort ends a wait at once and rejects with its reason', async () => {
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(new Error('stop')), 30);
    await assert.rejects(retry(failing([new TransientError('x')]).fn, { retries: 1, backoff: () => 10_000, signal: controller.signal }), /stop/);
    assert.ok(Date.now() - started < 2000);
  });
});
