/**
 * Attacks on the console's roles and uploads through the real stack (issue 17): a read-only user
 * (SLUICE_READ_ONLY_USERS=viewer in test/stack.env) tries every change the API offers, a foreign
 * page tries them with an operator's credentials, and an operator's presigned upload URL is
 * bent to another size, type, key and bucket. Each is refused and changes nothing: the victim's
 * object, points, status record and the stored dead letters are compared before and after.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { loadApiConfig } from '../../lib/config.js';
import { basicAuthHeader, parseBasicAuthUsers } from '../../lib/http/basic-auth.js';
import { api, bucket, config, putObject, s3, waitFor, waitIndexed } from '../support/stack.js';

const apiUrl = process.env.SLUICE_API_URL ?? `http://127.0.0.1:${config.API_PORT}`;
const users = parseBasicAuthUsers(config.SLUICE_BASIC_AUTH) ?? {};
const { readOnlyUsers: readOnly } = loadApiConfig();
const viewerName = readOnly[0];
const operatorName = Object.keys(users).find((u) => !readOnly.includes(u));
const skip = viewerName && operatorName ? false : 'needs SLUICE_BASIC_AUTH with an operator and SLUICE_READ_ONLY_USERS (test/stack.env)';
const as = (user: string) => ({ authorization: basicAuthHeader({ user, password: users[user]! }) });

const victimKey = 'security/read-only-victim.md';
const victimText = '# Tide log\nThe harbour master writes the tide times in the green ledger every dawn.';

async function snapshot() {
  const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: victimKey }));
  const points = await api.documentPoints(victimKey);
  const record = await api.status(victimKey);
  return { etag: head.ETag, points: points.points, status: record.status, version: record.version, letters: (await api.deadLetters()).length };
}

test('a read-only user cannot upload, delete, re-ingest, replay or reconcile, and nothing changes', { skip }, async () => {
  const version = await putObject(victimKey, victimText);
  await waitIndexed(victimKey, version);
  await waitFor(`${victimKey} recorded indexed`, async () => ((await api.status(victimKey)).status === 'indexed' ? true : undefined));
  const before = await snapshot();
  const viewer = as(viewerName!);
  const json = { 'content-type': 'application/json' };
  const key = victimKey.split('/').map(encodeURIComponent).join('/');
  const attempts: Array<[string, string, unknown?]> = [
    ['POST', '/uploads', { key: victimKey, size: 5, contentType: 'text/plain' }],
    ['DELETE', `/documents/${key}`],
    ['DELETE', `/Documents/${key}`],
    ['POST', '/ingest', { key: victimKey }],
    ['POST', '/dead-letters/all/replay'],
    ['POST', '/reconcile', {}],
  ];
  for (const [method, path, body] of attempts) {
    const res = await fetch(apiUrl + path, { method, headers: { ...viewer, ...(body !== undefined ? json : {}) }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    const text = await res.text();
    assert.equal(res.status, 403, `${method} ${path}: ${text}`);
    assert.match(text, /read-only/);
  }
  // Looking is allowed.
  for (const path of ['/ui', `/ui/doc/${key}`, '/ui/pipeline', `/documents/${key}?include=history,chunks`, '/pipeline', '/dead-letters']) {
    assert.equal((await fetch(apiUrl + path, { headers: viewer })).status, 200, path);
  }
  // A foreign page with an operator's (browser-cached) credentials: refused too.
  const operator = as(operatorName!);
  for (const [method, path, body] of attempts) {
    const res = await fetch(apiUrl + path, { method, headers: { ...operator, origin: 'http://evil.example', 'content-type': 'text/plain' }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    assert.equal(res.status, 403, `cross-origin ${method} ${path}`);
  }
  // Time for anything that slipped through to show.
  await new Promise((r) => setTimeout(r, 3000));
  assert.deepEqual(await snapshot(), before, 'the refused attempts changed nothing');
});

test('an operator\'s presigned upload URL is good for its key, size and type only', { skip }, async () => {
  const operator = { ...as(operatorName!), 'content-type': 'application/json' };
  const target = `security/presigned-${Date.now()}.txt`;
  const body = 'exactly this';
  const res = await fetch(`${apiUrl}/uploads`, { method: 'POST', headers: operator, body: JSON.stringify({ key: target, size: body.length, contentType: 'text/plain' }) });
  assert.equal(res.status, 200);
  const grant = (await res.json()) as { url: string; headers: Record<string, string> };
  const put = (url: string, data: string, type = 'text/plain') => fetch(url, { method: 'PUT', headers: { 'content-type': type }, body: data });
  const bent: Array<[string, Promise<Response>]> = [
    ['a larger body', put(grant.url, body + ' and a payload')],
    ['another type', put(grant.url, body, 'text/html')],
    ['another key', put(grant.url.replace(encodeURIComponent(target.split('/').pop()!), 'other.txt'), body)],
    ['the pipeline bucket', put(grant.url.replace(`/${bucket}/`, `/${config.S3_PIPELINE_BUCKET}/`), body)],
  ];
  for (const [what, answer] of bent) assert.equal((await answer).status, 403, what);
  await assert.rejects(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: target })), 'nothing was stored by a bent URL');
  assert.equal((await put(grant.url, body)).status, 200, 'the URL as issued works');
  // Over the limit, the API issues none.
  const big = await fetch(`${apiUrl}/uploads`, { method: 'POST', headers: operator, body: JSON.stringify({ key: 'security/huge.bin', size: config.MAX_OBJECT_BYTES + 1 }) });
  assert.equal(big.status, 400);
  assert.match(await big.text(), /MAX_OBJECT_BYTES/);
});
