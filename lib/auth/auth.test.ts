/**
 * The local issuer, token sources, the verifier and EventPolicy evaluation, end to end in one
 * process: a real issuer on a loopback port, real ES256 tokens, the repository's policies.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT, generateKeyPair } from 'jose';
import { createIssuerApp } from '../../local/oidc-issuer/app.js';
import { loadIssuerState } from '../../local/oidc-issuer/state.js';
import { EventType } from '../events/types.js';
import { createLogger } from '../log.js';
import { UnauthenticatedError, TokenUnavailableError } from './errors.js';
import { defaultPoliciesPath } from './from-config.js';
import { brokerAudience, serviceAccountSubject, serviceAudience } from './identity.js';
import { loadEventPolicies, parseEventPolicies, policyFor } from './policy.js';
import { clientCredentialsTokenSource } from './token-source.js';
import { createTokenVerifier } from './verifier.js';

const log = createLogger('test', { level: 'silent' });
let server: Server;
let issuer: string;
let secrets: ReadonlyMap<string, string>;
let state: Awaited<ReturnType<typeof loadIssuerState>>;

before(async () => {
  state = await loadIssuerState(mkdtempSync(join(tmpdir(), 'sluice-oidc-')));
  secrets = state.clients;
  const app = createIssuerApp({ issuer: 'http://placeholder', state, tokenTtlSeconds: 60, log });
  server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // The issuer claim must be the URL clients use: restart with the real one.
  server.close();
  const real = createIssuerApp({ issuer, state, tokenTtlSeconds: 60, log });
  server = await new Promise<Server>((resolve) => {
    const s = real.listen(Number(new URL(issuer).port), '127.0.0.1', () => resolve(s));
  });
});
after(() => server.close());

const tokensFor = (clientId: string, clientSecret = secrets.get(clientId)!) => clientCredentialsTokenSource({ issuer, clientId, clientSecret });

describe('local issuer and verifier', () => {
  it('issues a token that verifies for its audience, with the sender as subject', async () => {
    const token = await tokensFor('sluice-broker').token(serviceAudience('sluice-split'));
    const verify = createTokenVerifier({ issuer, audience: serviceAudience('sluice-split') });
    assert.deepEqual(await verify(`Bearer ${token}`), { subject: serviceAccountSubject('sluice-broker') });
  });

  it('refuses a token for another audience, none, garbage, and a token signed by another key', async () => {
    const verify = createTokenVerifier({ issuer, audience: serviceAudience('sluice-index') });
    const forSplit = await tokensFor('sluice-broker').token(serviceAudience('sluice-split'));
    await assert.rejects(verify(`Bearer ${forSplit}`), UnauthenticatedError);
    await assert.rejects(verify(undefined), UnauthenticatedError);
    await assert.rejects(verify('Bearer not.a.token'), UnauthenticatedError);
    await assert.rejects(verify('Basic dXNlcjpwYXNz'), UnauthenticatedError);
    const { privateKey } = await generateKeyPair('ES256');
    const forged = await new SignJWT({}).setProtectedHeader({ alg: 'ES256' }).setIssuer(issuer).setSubject(serviceAccountSubject('sluice-broker')).setAudience(serviceAudience('sluice-index')).setExpirationTime('5m').sign(privateKey);
    await assert.rejects(verify(`Bearer ${forged}`), UnauthenticatedError);
  });

  it('refuses an expired token (beyond the clock tolerance)', async () => {
    const verify = createTokenVerifier({ issuer, audience: 'a', clockToleranceSeconds: 5 });
    const signed = (exp: number) =>
      new SignJWT({}).setProtectedHeader({ alg: 'ES256', kid: state.publicJwk.kid! }).setIssuer(issuer).setSubject(serviceAccountSubject('sluice-cli')).setAudience('a').setExpirationTime(exp).sign(state.privateKey);
    const now = Math.floor(Date.now() / 1000);
    assert.ok(await verify(`Bearer ${await signed(now + 60)}`));
    await assert.rejects(verify(`Bearer ${await signed(now - 60)}`), (err: Error) => err instanceof UnauthenticatedError && /expired/.test(err.message));
  });

  it('gives no token to a client with the wrong secret or an unknown id', async () => {
    await assert.rejects(tokensFor('sluice-broker', 'wrong').token('x'), TokenUnavailableError);
    await assert.rejects(tokensFor('mallory', 'x').token('x'), TokenUnavailableError);
  });

  it('caches tokens per audience', async () => {
    const source = tokensFor('sluice-api');
    const a = await source.token(brokerAudience('sluice'));
    assert.equal(await source.token(brokerAudience('sluice')), a);
    assert.notEqual(await source.token('other'), a);
  });
});

describe('EventPolicy evaluation (eventing/policies.yaml)', () => {
  const policies = loadEventPolicies(defaultPoliciesPath());
  const broker = policyFor({ kind: 'Broker', name: 'sluice', namespace: 'sluice' }, policies);
  const split = policyFor({ kind: 'Service', name: 'sluice-split', namespace: 'sluice' }, policies);
  const api = policyFor({ kind: 'Service', name: 'sluice-api', namespace: 'sluice' }, policies);
  const sa = (name: string) => serviceAccountSubject(name);

  it('admits the broker to the functions and nobody else', () => {
    assert.ok(split.admits(sa('sluice-broker'), { type: EventType.ChunksReady }));
    for (const other of ['sluice-api', 'sluice-cli', 'sluice-seaweedfs-source', 'sluice-embed']) assert.equal(split.admitsSender(sa(other)), false, other);
  });

  it('admits the source to the broker only with object events', () => {
    assert.ok(broker.admits(sa('sluice-seaweedfs-source'), { type: EventType.ObjectCreated }));
    assert.equal(broker.admits(sa('sluice-seaweedfs-source'), { type: EventType.VectorsReady }), false);
  });

  it('lets operators request ingestion and reconcile but not forge pipeline events', () => {
    assert.ok(broker.admits(sa('sluice-cli'), { type: EventType.IngestRequested }));
    assert.ok(broker.admits(sa('sluice-api'), { type: EventType.ReconcileRequested }));
    assert.equal(broker.admits(sa('sluice-cli'), { type: EventType.VectorsReady }), false);
    assert.equal(broker.admits(sa('sluice-cli'), { type: EventType.IngestFailed }), false);
  });

  it('admits the functions to the API (their dead letters) and the broker', () => {
    assert.ok(api.admitsSender(sa('sluice-split')));
    assert.ok(api.admitsSender(sa('sluice-broker')));
    assert.equal(api.admitsSender(sa('sluice-cli')), false);
  });

  it('refuses a receiver no policy names, and evaluates filters and wildcards', () => {
    const none = policyFor({ kind: 'Service', name: 'sluice-unknown' }, policies);
    assert.equal(none.hasPolicies, false);
    assert.equal(none.admitsSender(sa('sluice-broker')), false);
    const [p] = parseEventPolicies(`apiVersion: eventing.knative.dev/v1alpha1
kind: EventPolicy
metadata: { name: t, namespace: ns }
spec:
  to: [{ ref: { kind: Service, name: r } }]
  from: [{ sub: "system:serviceaccount:ns:*" }]
  filters:
    - not: { suffix: { type: .secret } }
    - all: [{ prefix: { type: a. } }, { exact: { source: /s } }]
`);
    const r = policyFor({ kind: 'Service', name: 'r', namespace: 'ns' }, [p!]);
    assert.ok(r.admits('system:serviceaccount:ns:anyone', { type: 'a.b', source: '/s' }));
    assert.equal(r.admits('system:serviceaccount:other:x', { type: 'a.b', source: '/s' }), false);
    assert.equal(r.admits('system:serviceaccount:ns:x', { type: 'a.secret', source: '/s' }), false);
    assert.equal(r.admits('system:serviceaccount:ns:x', { type: 'a.b' }), false);
  });
});

describe('SLUICE_AUTH=network (a cluster broker that sends no tokens)', () => {
  it('takes a request without a token for the Broker, held to its policy, and still verifies tokens', async () => {
    const { receiverAuth } = await import('./from-config.js');
    const { authenticateSender, authorizeEvent } = await import('./http.js');
    const split = receiverAuth({ SLUICE_AUTH: 'network', OIDC_ISSUER: issuer }, { kind: 'Service', name: 'sluice-split', namespace: 'sluice' })!;
    const sender = await authenticateSender(split, undefined);
    assert.equal(sender.subject, serviceAccountSubject('sluice-broker'));
    authorizeEvent(split, sender, { type: EventType.ObjectCreated });
    await assert.rejects(authenticateSender(split, 'Bearer forged'), UnauthenticatedError);
    const api = receiverAuth({ SLUICE_AUTH: 'network', OIDC_ISSUER: issuer }, { kind: 'Service', name: 'sluice-api', namespace: 'sluice' })!;
    const fromSplit = await tokensFor('sluice-split').token(serviceAudience('sluice-api'));
    assert.equal((await authenticateSender(api, `Bearer ${fromSplit}`)).subject, serviceAccountSubject('sluice-split'));
  });
});
