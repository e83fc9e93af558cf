import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backoffDelayMs, backoffSchedule, isDelivered, isRetryableStatus, JITTER_RATIO, NO_RESPONSE_STATUS, withJitter } from './backoff.js';

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
