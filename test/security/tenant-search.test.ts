/**
 * Tenant isolation through the real stack (test/stack.env: SLUICE_TENANT_FIELD=tenant,
 * SLUICE_TENANT_BINDINGS=alpha=tenant-a,beta=tenant-b). Two documents that answer the same
 * question, one per tenant; the credential of tenant A tries every way of reading tenant B's:
 * - no filter: only A's document comes back;
 * - a filter on tenant B (GET and POST): 403, nothing of B in the answer;
 * - B's key as `key`: nothing;
 * - the status, documents, page and dead-letter endpoints, which name every tenant's documents: 403;
 * - metadata planted in a forged event (B's document claiming tenant A): index writes only the
 *   metadata S3 holds, so B's points stay B's.
 * An unbound credential (the operator) sees both.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { CloudEvent } from 'cloudevents';
import { documentId, normaliseEtag, sha256Hex } from '../../lib/documents/identity.js';
import { encodeVector } from '../../lib/embedding/vector-codec.js';
import { EventSource, EventType } from '../../lib/events/types.js';
import { basicAuthHeader, parseBasicAuthUsers } from '../../lib/http/basic-auth.js';
import { postDirect } from '../support/events.js';
import { pointsOfKeys } from '../support/qdrant.js';
import { bucket, config, s3, waitIndexed } from '../support/stack.js';

const apiUrl = process.env.SLUICE_API_URL ?? `http://127.0.0.1:${config.API_PORT}`;
const prefix = `sec-tenant-${Date.now().toString(36)}/`;
const ofA = `${prefix}tenant-a/payroll.md`;
const ofB = `${prefix}tenant-b/payroll.md`;
const question = 'when is the payroll of the harbour office closed';
const body = (who: string) => `# Payroll\n\nThe payroll of the harbour office is closed on the 25th of each month; ${who} signs it off.`;

const users = parseBasicAuthUsers(config.SLUICE_BASIC_AUTH) ?? {};
const header = (user: string) => {
  const password = users[user];
  assert.ok(password, `${user} must be a SLUICE_BASIC_AUTH user of the test stack`);
  return { authorization: basicAuthHeader({ user, password }) };
};
const tenantOf = (user: string) => config.tenantBindings[user];

async function put(key: string, text: string, tenant: string): Promise<string> {
  const res = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: text, ContentType: 'text/markdown', Metadata: { tenant, owner: 'payroll-team' } }));
  return normaliseEtag(res.ETag) ?? '';
}

const search = (user: string, query: string) => fetch(`${apiUrl}/search?${query}`, { headers: header(user) });
const postSearch = (user: string, payload: unknown) =>
  fetch(`${apiUrl}/search`, { method: 'POST', headers: { ...header(user), 'content-type': 'application/json' }, body: JSON.stringify(payload) });
const hitKeys = async (res: Response) => {
  assert.equal(res.status, 200, await res.clone().text());
  return [...new Set(((await res.json()) as { hits: { key: string }[] }).hits.map((h) => h.key))].filter((k) => k.startsWith(prefix)).sort();
};

test('the stack binds alpha to tenant-a and beta to tenant-b', () => {
  assert.equal(config.tenantField, 'tenant');
  assert.equal(tenantOf('alpha'), 'tenant-a');
  assert.equal(tenantOf('beta'), 'tenant-b');
});

let versionB = '';

test("a credential bound to tenant A never reads tenant B's documents", async () => {
  const [va, vb] = [await put(ofA, body('Ana'), 'tenant-a'), await put(ofB, body('Bruno'), 'tenant-b')];
  versionB = vb;
  await Promise.all([waitIndexed(ofA, va), waitIndexed(ofB, vb)]);
  assert.ok((await pointsOfKeys([ofB])).every((p) => p.payload.meta?.tenant === 'tenant-b'));

  const q = new URLSearchParams({ q: question, k: '20' });
  // Unbound: both tenants.
  assert.deepEqual(await hitKeys(await search('operator', q.toString())), [ofA, ofB]);
  // Bound: its own only, in every mode.
  for (const mode of ['hybrid', 'dense', 'sparse']) {
    assert.deepEqual(await hitKeys(await search('alpha', `${q}&mode=${mode}`)), [ofA], mode);
    assert.deepEqual(await hitKeys(await search('beta', `${q}&mode=${mode}`)), [ofB], mode);
  }

  // Asking for the other tenant: refused, and nothing of it in the answer.
  for (const res of [await search('alpha', `${q}&filter=tenant:tenant-b`), await postSearch('alpha', { query: question, k: 20, filter: { tenant: 'tenant-b' } })]) {
    assert.equal(res.status, 403);
    const text = await res.text();
    assert.ok(!text.includes(ofB) && !text.includes('Bruno'), text);
  }
  // Naming the other tenant's object, or filtering by a field both share: still only its own.
  assert.deepEqual(await hitKeys(await search('alpha', `${q}&key=${encodeURIComponent(ofB)}`)), []);
  assert.deepEqual(await hitKeys(await postSearch('alpha', { query: question, k: 20, key: ofB })), []);
  assert.deepEqual(await hitKeys(await search('alpha', `${q}&filter=owner:payroll-team`)), [ofA]);
});

test('a credential bound to a tenant may call nothing but search', async () => {
  const encoded = ofB.split('/').map(encodeURIComponent).join('/');
  for (const [method, path] of [
    ['GET', '/status'], ['GET', `/status/${encoded}`], ['GET', `/documents/${encoded}`], ['GET', '/ui'], ['GET', '/ui/app.js'],
    ['GET', '/dead-letters'], ['POST', '/dead-letters/all/replay'], ['POST', '/reconcile'],
  ] as const) {
    const res = await fetch(apiUrl + path, { method, headers: header('alpha') });
    assert.equal(res.status, 403, `${method} ${path}`);
    assert.ok(!(await res.text()).includes(ofB));
  }
  // The operator still can.
  assert.equal((await fetch(`${apiUrl}/status/${encoded}`, { headers: header('operator') })).status, 200);
});

test("a forged event cannot move B's document into tenant A: index writes S3's metadata or nothing", async () => {
  assert.ok(versionB, 'runs after the documents are indexed');
  const before = await pointsOfKeys([ofB]);
  const text = 'Bruno signs the payroll off.';
  // The sender holds the Broker's own token (a compromised dispatcher), the event is well-formed.
  const forged = new CloudEvent({
    type: EventType.VectorsReady,
    source: EventSource.embed,
    subject: ofB,
    datacontenttype: 'application/json',
    data: {
      document: { bucket, key: ofB, docId: documentId(bucket, ofB), version: versionB, size: 64, contentType: 'text/markdown', meta: { tenant: 'tenant-a', owner: 'payroll-team' } },
      model: { name: 'forged', dimension: config.EMBED_DIMENSION },
      chunkCount: 1,
      chunks: { items: [{ index: 0, text, hash: sha256Hex(text), vector: encodeVector(new Float32Array(config.EMBED_DIMENSION).fill(0.05)) }] },
    },
  });
  const res = await postDirect(`http://127.0.0.1:${config.INDEX_PORT}/`, forged, { service: 'sluice-index' });
  assert.ok(res.status < 300, `index answers (with a re-ingest request), ${res.status}: ${await res.text()}`);
  await new Promise((r) => setTimeout(r, 3000));
  const after = await pointsOfKeys([ofB]);
  assert.deepEqual(after.map((p) => [p.id, p.payload.meta, p.payload.text]).sort(), before.map((p) => [p.id, p.payload.meta, p.payload.text]).sort(), "B's points are untouched");
  const q = new URLSearchParams({ q: question, k: '20' });
  assert.deepEqual(await hitKeys(await search('alpha', q.toString())), [ofA]);
});
