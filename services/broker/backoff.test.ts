import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backoffDelayMs, backoffSchedule, isDelivered, isRetryableStatus, NO_RESPONSE_STATUS } from './backoff.js';

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
