import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatMs, parseIsoDuration } from './duration.js';
import { ManifestError } from './errors.js';

describe('parseIsoDuration', () => {
  it('reads the durations the manifests use', () => {
    assert.equal(parseIsoDuration('PT0.5S'), 500);
    assert.equal(parseIsoDuration('PT1S'), 1000);
    assert.equal(parseIsoDuration('PT120S'), 120_000);
    assert.equal(parseIsoDuration('PT1M30S'), 90_000);
    assert.equal(parseIsoDuration('PT2H'), 7_200_000);
  });

  it('reads date parts with the approximations Knative uses', () => {
    assert.equal(parseIsoDuration('P1D'), 86_400_000);
    assert.equal(parseIsoDuration('P1W'), 7 * 86_400_000);
    assert.equal(parseIsoDuration('P1DT1H'), 90_000_000);
    assert.equal(parseIsoDuration('P1Y'), 31_556_952_000); // 365.2425 days
    assert.equal(parseIsoDuration('P1M'), 2_629_746_000); // a twelfth of that
  });

  it('accepts zero, a comma as decimal mark and one decimal digit anywhere', () => {
    assert.equal(parseIsoDuration('P0'), 0);
    assert.equal(parseIsoDuration('PT0S'), 0);
    assert.equal(parseIsoDuration('PT0,5S'), 500);
    assert.equal(parseIsoDuration('PT1.5M'), 90_000);
  });

  it('refuses more than one decimal digit, which the cluster would truncate', () => {
    assert.throws(() => parseIsoDuration('PT0.25S'), (err: Error) => err instanceof ManifestError && /one decimal digit/.test(err.message) && /0\.2/.test(err.message));
  });

  for (const bad of ['', 'P', 'PT', 'P1DT', '1S', 'PT-1S', '-PT1S', 'pt1s', 'PT1S1M', 'PT.5S', '0.5s', '500ms', 'P1H']) {
    it(`rejects ${JSON.stringify(bad)}`, () => {
      assert.throws(() => parseIsoDuration(bad), ManifestError);
    });
  }
});

describe('formatMs', () => {
  it('renders milliseconds for humans', () => {
    assert.equal(formatMs(50), '50ms');
    assert.equal(formatMs(1500), '1.5s');
    assert.equal(formatMs(90_000), '1m30s');
  });
});
