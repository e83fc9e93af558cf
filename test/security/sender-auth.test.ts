/**
 * Attacks on the event path from a process that can reach every port of the stack but holds no
 * sender identity, or the wrong one (issue 11: "functions accept any sender", "split leaks
 * documents", "the API's POST /events and POST /dead-letters are open"). Each must be refused
 * with 401/403 and change nothing: the victim's points, text and status record, and the stored
 * dead letters, are compared before and after.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CloudEvent, HTTP } from 'cloudevents';
import { encodeHeaderValue, mapCeHeaders } from '../../lib/events/http.js';
import { importJWK, SignJWT, type JWK } from 'jose';
import { brokerAudience, serviceAccountSubject, serviceAudience } from '../../lib/auth/identity.js';
import { documentId } from '../../lib/documents/identity.js';
import { EventSource, EventType } from '../../lib/events/types.js';
import { basicAuthHeader, firstCredential } from '../../lib/http/basic-auth.js';
import { postDirect, sendToBroker, tokenFor } from '../support/events.js';
import { api, bucket, config, putObject, waitFor, waitIndexed } from '../support/stack.js';

const dataDir = process.env.SLUICE_DATA_DIR ?? '.sluice';
const local = (port: number, path = '/') => `http://127.0.0.1:${port}${path}`;
const receivers = {
  split: { url: local(config.SPLIT_PORT), service: 'sluice-split' },
  embed: { url: local(config.EMBED_PORT), service: 'sluice-embed' },
  index: { url: local(config.INDEX_PORT), service: 'sluice-index' },
  'api /events': { url: local(config.API_PORT, '/events'), service: 'sluice-api' },
  'api /dead-letters': { url: local(config.API_PORT, '/dead-letters'), service: 'sluice-api' },
} as const;

const victimKey = 'security/victim.md';
const victimText = '# Harbour log\nThe harbour master records every arrival in the blue ledger before noon.';

/** Everything an attack could change about the victim, and the dead letters. */
async function snapshot(key: string) {
  const points = await api.documentPoints(key);
  const status = await api.status(key);
  const letters = await api.deadLetters();
  return { points, status: { status: status.status, version: status.version, chunk_count: status.chunk_count }, letters: letters.length };
}

/** A token signed with the stack issuer's own key but expired: what a thief replays later. */
async function expiredToken(audience: string): Promise<string> {
  const jwk = JSON.parse(readFileSync(join(dataDir, 'oidc', 'signing-key.jwk.json'), 'utf8')) as JWK;
  const key = await importJWK(jwk, 'ES256');
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: 'ES256', kid: jwk.kid! })
    .setIssuer(config.OIDC_ISSUER!)
    .setSubject(serviceAccountSubject('sluice-broker'))
    .setAudience(audience)
    .setIssuedAt(now - 900)
    .setExpirationTime(now - 300)
    .sign(key);
}

function rawPost(url: string, event: CloudEvent<unknown>, authorization?: string): Promise<Response> {
  const m = HTTP.binary(event);
  const headers = mapCeHeaders(m.headers, encodeHeaderValue);
  if (authorization) headers.authorization = authorization;
  return fetch(url, { method: 'POST', headers, body: m.body as string });
}

test('every receiver refuses events without a valid token for it, and nothing changes', async () => {
  const version = await putObject(victimKey, victimText);
  await waitIndexed(victimKey, version);
  // Points first, then the record says so: compare only once it has settled.
  await waitFor(`${victimKey} recorded indexed`, async () => ((await api.status(victimKey)).status === 'indexed' ? true : undefined));
  const before = await snapshot(victimKey);
  const docId = documentId(bucket, victimKey);
  const document = { bucket, key: victimKey, docId, version, size: 10, contentType: 'text/markdown' };
  const forged = {
    // The forged index write of the finding: the victim's docId and current version, the attacker's text.
    index: new CloudEvent({ type: EventType.VectorsReady, source: EventSource.embed, subject: victimKey, datacontenttype: 'application/json', data: { document, model: { name: 'x', dimension: 2 }, chunkCount: 1, chunks: { items: [{ index: 0, text: 'attacker text', hash: '0'.repeat(64), vector: Buffer.alloc(8).toString('base64') }] } } }),
    // The document leak: split answers an ingest request with the document's text.
    split: new CloudEvent({ type: EventType.IngestRequested, source: '/attacker', subject: victimKey, datacontenttype: 'application/json', data: { bucket, key: victimKey } }),
    embed: new CloudEvent({ type: EventType.ChunksReady, source: EventSource.split, subject: victimKey, datacontenttype: 'application/json', data: { document, chunkCount: 1, chunks: { items: [{ index: 0, text: 'attacker text', hash: '0'.repeat(64) }] } } }),
    // The frozen-status attack and a planted dead letter.
    'api /events': new CloudEvent({ type: EventType.IngestFailed, source: '/attacker', subject: victimKey, datacontenttype: 'application/json', data: { bucket, key: victimKey, version, stage: 'split', reason: 'corrupt', message: 'forged', requestedAt: '~' } }),
    'api /dead-letters': new CloudEvent({ type: EventType.VectorsReady, source: '/attacker', subject: victimKey, datacontenttype: 'application/json', data: { planted: true } }),
  } as const;
  const human = firstCredential(config.SLUICE_BASIC_AUTH);

  for (const [name, { url, service }] of Object.entries(receivers)) {
    const event = forged[name as keyof typeof forged];
    const attempts: Array<[string, string | undefined]> = [
      ['no token', undefined],
      ['garbage', 'Bearer not-a-token'],
      ['expired token', `Bearer ${await expiredToken(serviceAudience(service))}`],
      // A real, current token, but minted for another receiver.
      ['token for another audience', `Bearer ${await tokenFor('sluice-broker', serviceAudience(service === 'sluice-index' ? 'sluice-split' : 'sluice-index'))}`],
      ['token for the broker', `Bearer ${await tokenFor('sluice-broker', brokerAudience('sluice'))}`],
    ];
    // A person's password is not an event sender's credential.
    if (human) attempts.push(['basic auth of an operator', basicAuthHeader(human)]);
    for (const [what, authorization] of attempts) {
      const res = await rawPost(url, event, authorization);
      const body = await res.text();
      assert.equal(res.status, 401, `${name}, ${what}: ${body}`);
      assert.equal(res.headers.get('ce-type'), null, `${name}, ${what}: no reply event`);
      assert.ok(!body.includes('harbour master'), `${name}, ${what}: no document text in the answer`);
    }
    // A valid token for this receiver, from an identity the policies do not admit here: 403.
    const res = await postDirect(url, event, { as: 'sluice-cli', service });
    assert.equal(res.status, 403, `${name}, the operator's identity: ${await res.text()}`);
  }
  assert.deepEqual(await snapshot(victimKey), before, 'the refused attacks changed nothing');
});

test('the broker ingress refuses unauthenticated senders and pipeline events from operators', async () => {
  const event = new CloudEvent({ type: EventType.IngestRequested, source: '/attacker', subject: victimKey, datacontenttype: 'application/json', data: { key: victimKey } });
  assert.equal((await sendToBroker(event, 'binary', 'none')).status, 401);
  assert.equal((await rawPost(config.BROKER_URL, event, `Bearer ${await expiredToken(brokerAudience('sluice'))}`)).status, 401);
  assert.equal((await rawPost(config.BROKER_URL, event, `Bearer ${await tokenFor('sluice-cli', serviceAudience('sluice-split'))}`)).status, 401);
  // The operator may ask for ingestion, but not inject a pipeline event (here: a forged index write).
  const forged = new CloudEvent({ type: EventType.VectorsReady, source: EventSource.embed, subject: victimKey, datacontenttype: 'application/json', data: {} });
  assert.equal((await sendToBroker(forged, 'binary', 'sluice-cli')).status, 403);
  // The event source may publish object events only.
  assert.equal((await sendToBroker(forged, 'binary', 'sluice-seaweedfs-source')).status, 403);
  assert.equal((await sendToBroker(event, 'structured', 'sluice-cli')).status, 202);
});
