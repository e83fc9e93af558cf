import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { defaultPoliciesPath } from '../../lib/auth/from-config.js';
import { brokerAudience, serviceAccountSubject } from '../../lib/auth/identity.js';
import { loadEventPolicies, policyFor } from '../../lib/auth/policy.js';
import { createTokenVerifier } from '../../lib/auth/verifier.js';
import { EventType } from '../../lib/events/types.js';
import { createLogger } from '../../lib/log.js';
import { PublishError } from './errors.js';
import type { AmqpMessage } from './event-codec.js';
import { createIngressApp } from './ingress.js';
import type { EventPublisher } from './publisher.js';

/** Records publishes; can be told to fail or to be disconnected. */
class FakePublisher implements EventPublisher {
  readonly published: Array<{ exchange: string; message: AmqpMessage }> = [];
  ready = true;
  fail = false;
  async publish(exchange: string, message: AmqpMessage): Promise<void> {
    if (this.fail) throw new PublishError('RabbitMQ did not confirm the publish to x: message nacked');
    this.published.push({ exchange, message });
  }
}

const publisher = new FakePublisher();
let server: Server;
let base = '';
const event = { 'ce-specversion': '1.0', 'ce-id': 'i-1', 'ce-source': '/t', 'ce-type': 't.x', 'content-type': 'text/plain' };

before(async () => {
  const app = createIngressApp({ exchange: 'b.ns.b', publisher, maxEventBytes: 64, log: createLogger('t').child({}, { level: 'silent' }) });
  server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => server.close());
beforeEach(() => {
  publisher.published.length = 0;
  publisher.fail = false;
  publisher.ready = true;
});

describe('ingress', () => {
  it('202 once published, with the event as AMQP headers and body', async () => {
    const res = await fetch(`${base}/`, { method: 'POST', headers: event, body: 'hello' });
    assert.equal(res.status, 202);
    assert.equal(publisher.published.length, 1);
    const { exchange, message } = publisher.published[0] as { exchange: string; message: AmqpMessage };
    assert.equal(exchange, 'b.ns.b');
    assert.equal(message.headers.type, 't.x');
    assert.equal(message.headers['content-type'], 'text/plain');
    assert.equal(message.content.toString(), 'hello');
  });

  it('405 for other methods (any path, as the Go ingress checks the method first), 404 for other paths', async () => {
    assert.equal((await fetch(`${base}/`)).status, 405);
    assert.equal((await fetch(`${base}/`, { method: 'DELETE' })).status, 405);
    assert.equal((await fetch(`${base}/elsewhere`)).status, 405);
    assert.equal((await fetch(`${base}/x`, { method: 'POST', headers: event, body: 'a' })).status, 404);
    assert.equal((await fetch(`${base}/?q=1`, { method: 'POST', headers: event, body: 'a' })).status, 404);
    assert.equal(publisher.published.length, 0);
  });

  it('400 with the reason for an invalid event', async () => {
    const res = await fetch(`${base}/`, { method: 'POST', headers: { ...event, 'ce-source': '' }, body: 'a' });
    assert.equal(res.status, 400);
    assert.match(await res.text(), /source/);
  });

  it('413 over the size limit', async () => {
    const res = await fetch(`${base}/`, { method: 'POST', headers: event, body: 'x'.repeat(65) });
    assert.equal(res.status, 413);
    assert.equal(publisher.published.length, 0);
  });

  it('500 when RabbitMQ does not confirm', async () => {
    publisher.fail = true;
    const res = await fetch(`${base}/`, { method: 'POST', headers: event, body: 'a' });
    assert.equal(res.status, 500);
    assert.match(await res.text(), /did not confirm/);
  });

  it('/metrics counts what the ingress did with each event', async () => {
    const metricsText = async () => (await fetch(`${base}/metrics`)).text();
    const count = (text: string, labels: string) => Number(new RegExp(`^sluice_broker_ingress_events_total\\{${labels}\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
    const before = await metricsText();
    await fetch(`${base}/`, { method: 'POST', headers: { ...event, 'ce-type': 'm.counted' }, body: 'a' });
    await fetch(`${base}/`, { method: 'POST', headers: event, body: 'x'.repeat(65) });
    publisher.fail = true;
    await fetch(`${base}/`, { method: 'POST', headers: { ...event, 'ce-type': 'm.counted' }, body: 'a' });
    const after = await metricsText();
    assert.equal(count(after, 'type="m.counted",outcome="accepted"'), 1);
    assert.equal(count(after, 'type="m.counted",outcome="unavailable"'), 1);
    assert.equal(count(after, 'type="unknown",outcome="too_large"') - count(before, 'type="unknown",outcome="too_large"'), 1);
    assert.match(after, /^sluice_process_resident_memory_bytes \d+/m);
  });

  it('/healthz says whether RabbitMQ is connected', async () => {
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
    publisher.ready = false;
    assert.equal((await fetch(`${base}/healthz`)).status, 503);
  });
});

describe('ingress with sender authentication (OIDC + eventing/policies.yaml)', () => {
  let authServer: Server;
  let authBase = '';
  let sign: (subject: string, audience?: string) => Promise<string>;
  before(async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' };
    sign = (subject, audience = brokerAudience('sluice')) =>
      new SignJWT({}).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).setIssuer('https://issuer.test').setSubject(subject).setAudience(audience).setExpirationTime('5m').sign(privateKey);
    const auth = {
      verify: createTokenVerifier({ issuer: 'https://issuer.test', audience: brokerAudience('sluice') }, createLocalJWKSet({ keys: [jwk] })),
      policy: policyFor({ kind: 'Broker', name: 'sluice', namespace: 'sluice' }, loadEventPolicies(defaultPoliciesPath())),
      receiver: 'Broker sluice',
    };
    const app = createIngressApp({ exchange: 'b.ns.b', publisher, auth, log: createLogger('t').child({}, { level: 'silent' }) });
    authServer = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => authServer.once('listening', resolve));
    authBase = `http://127.0.0.1:${(authServer.address() as AddressInfo).port}`;
  });
  after(() => authServer.close());

  const post = (headers: Record<string, string>) => fetch(`${authBase}/`, { method: 'POST', headers, body: 'hello' });

  it('401 with a Bearer challenge and nothing published: no token, a basic-auth password, another audience', async () => {
    const before = publisher.published.length;
    const otherAudience = await sign(serviceAccountSubject('sluice-seaweedfs-source'), 'serving.knative.dev/service/sluice/sluice-split');
    for (const authorization of [undefined, 'Basic b3BzOnMzY3JldA==', `Bearer ${otherAudience}`]) {
      const res = await post({ ...event, ...(authorization ? { authorization } : {}) });
      assert.equal(res.status, 401, authorization);
      assert.equal(res.headers.get('www-authenticate'), 'Bearer');
    }
    assert.equal(publisher.published.length, before);
  });

  it('403 for a verified sender the policies do not admit, or an event type its policy filters out', async () => {
    const before = publisher.published.length;
    assert.equal((await post({ ...event, authorization: `Bearer ${await sign(serviceAccountSubject('mallory'))}` })).status, 403);
    // The source may only publish object events; `event` is io.sluice.object.created, so forge another type.
    const forged = { ...event, 'ce-type': EventType.VectorsReady };
    assert.equal((await post({ ...forged, authorization: `Bearer ${await sign(serviceAccountSubject('sluice-seaweedfs-source'))}` })).status, 403);
    assert.equal(publisher.published.length, before);
  });

  it('202 for an admitted sender; health and metrics stay open', async () => {
    const before = publisher.published.length;
    const res = await post({ ...event, 'ce-type': EventType.ObjectCreated, authorization: `Bearer ${await sign(serviceAccountSubject('sluice-seaweedfs-source'))}` });
    assert.equal(res.status, 202);
    assert.equal(publisher.published.length, before + 1);
    assert.equal((await fetch(`${authBase}/healthz`)).status, 200);
    assert.equal((await fetch(`${authBase}/metrics`)).status, 200);
  });
});
