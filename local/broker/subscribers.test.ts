import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SubscriberConfigError } from './errors.js';
import { parseSubscriberMap, resolveDestination } from './subscribers.js';

const map = parseSubscriberMap(' sluice-split=http://127.0.0.1:8181 , sluice-api=http://127.0.0.1:8184/base/,');
const ref = (name: string) => ({ apiVersion: 'serving.knative.dev/v1', kind: 'Service', name });

describe('parseSubscriberMap', () => {
  it('reads name=url pairs, ignoring blanks around them', () => {
    assert.deepEqual([...map.keys()], ['sluice-split', 'sluice-api']);
    assert.equal(map.get('sluice-split')?.href, 'http://127.0.0.1:8181/');
    assert.equal(parseSubscriberMap('').size, 0);
  });

  for (const bad of ['sluice-split', '=http://x', 'a=', 'a=not a url', 'a=/relative', 'a=ftp://host/', 'a=http://x,a=http://y']) {
    it(`rejects ${JSON.stringify(bad)}`, () => {
      assert.throws(() => parseSubscriberMap(bad), SubscriberConfigError);
    });
  }
});

describe('resolveDestination', () => {
  it('maps a ref to its base URL', () => {
    assert.equal(resolveDestination({ ref: ref('sluice-split') }, map, 'x').href, 'http://127.0.0.1:8181/');
  });

  it('resolves a uri next to a ref against the ref URL (RFC 3986, as Knative does)', () => {
    assert.equal(resolveDestination({ ref: ref('sluice-split'), uri: '/dead-letters' }, map, 'x').href, 'http://127.0.0.1:8181/dead-letters');
    assert.equal(resolveDestination({ ref: ref('sluice-api'), uri: 'dead-letters' }, map, 'x').href, 'http://127.0.0.1:8184/base/dead-letters');
    assert.equal(resolveDestination({ ref: ref('sluice-api'), uri: '/dead-letters?x=1' }, map, 'x').href, 'http://127.0.0.1:8184/dead-letters?x=1');
  });

  it('uses an absolute uri without a ref as is', () => {
    assert.equal(resolveDestination({ uri: 'http://example.test:9000/sink' }, map, 'x').href, 'http://example.test:9000/sink');
  });

  it('fails at startup naming an unknown subscriber and the variable to set', () => {
    assert.throws(
      () => resolveDestination({ ref: ref('sluice-embed') }, map, 'Trigger embed-chunks-ready subscriber'),
      (err: Error) =>
        err instanceof SubscriberConfigError &&
        err.message.includes('Trigger embed-chunks-ready subscriber') &&
        err.message.includes('sluice-embed') &&
        err.message.includes('BROKER_SUBSCRIBERS'),
    );
  });

  it('rejects a relative uri alone and an absolute uri with a ref', () => {
    assert.throws(() => resolveDestination({ uri: '/dead-letters' }, map, 'x'), SubscriberConfigError);
    assert.throws(() => resolveDestination({ ref: ref('sluice-split'), uri: 'http://other/' }, map, 'x'), SubscriberConfigError);
  });
});
