import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, largestInlinePayload, loadConfig } from './config.js';

test('the defaults pass the cross-checks', () => {
  const config = loadConfig({});
  assert.ok(config.CLAIM_CHECK_THRESHOLD_BYTES <= largestInlinePayload(Math.min(config.MAX_EVENT_BYTES, config.BROKER_MAX_EVENT_BYTES)));
});

test('a claim-check threshold that cannot fit the broker\'s event limit is refused, naming both', () => {
  assert.throws(() => loadConfig({ CLAIM_CHECK_THRESHOLD_BYTES: '1048576' }), (err: Error) => err instanceof ConfigError && /CLAIM_CHECK_THRESHOLD_BYTES/.test(err.message) && /BROKER_MAX_EVENT_BYTES/.test(err.message));
  // Under the limit, but not with room for base64 and the envelope.
  assert.throws(() => loadConfig({ CLAIM_CHECK_THRESHOLD_BYTES: '800000' }), ConfigError);
  // The smaller of the two limits counts.
  assert.throws(() => loadConfig({ CLAIM_CHECK_THRESHOLD_BYTES: '65536', BROKER_MAX_EVENT_BYTES: '65536' }), ConfigError);
  assert.equal(loadConfig({ CLAIM_CHECK_THRESHOLD_BYTES: String(largestInlinePayload(1048576)) }).CLAIM_CHECK_THRESHOLD_BYTES, largestInlinePayload(1048576));
});
