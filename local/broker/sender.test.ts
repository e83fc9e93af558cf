import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { NO_RESPONSE_STATUS } from '../../lib/retry.js';
import { sendWithRetries, type SendPolicy } from './sender.js';

/** Answers each path with a scripted status sequence (the last one repeats). */
let server: Server;
let base = '';
const calls = new Map<string, number>();
const scripts: Record<string, number[]> = { '/ok': [200], '/flaky': [503, 500, 204], '/down': [500], '/bad': [400], '/gone': [404, 200] };

before(async () => {
  server = createServer((req, res) => {
    const path = req.url ?? '';
    const n = (calls.get(path) ?? 0) + 1;
    calls.set(path, n);
    if (path === '/slow') return void setTimeout(() => res.writeHead(200).end(), 500);
    const script = scripts[path] ?? [200];
    res.writeHead(script[Math.min(n, script.length) - 1] ?? 200, { 'x-n': String(n) }).end(`call ${n}`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => {
  server.closeAllConnections();
  server.close();
});

const policy = (retry: number, extra: Partial<SendPolicy> = {}): SendPolicy => ({ retry, backoffPolicy: 'linear', backoffDelayMs: 10, ...extra });
const request = { headers: { 'ce-id': '1' }, body: Buffer.from('x') };

describe('sendWithRetries', () => {
  it('retries retryable statuses until one is delivered, reporting retries and waits (Knative backoff + up to 20% jitter)', async () => {
    const retries: Array<[number, number, number]> = [];
    const out = await sendWithRetries(`${base}/flaky`, request, policy(5), { random: () => 0.5, onRetry: (r) => retries.push([r.attempt, r.status, r.waitMs]) });
    assert.equal(out.kind, 'delivered');
    assert.equal(out.kind === 'delivered' && out.status, 204);
    assert.equal(out.attempts, 3);
    assert.deepEqual(retries, [[1, 503, 11], [2, 500, 22]]);
  });

  it('gives up after retry + 1 attempts with the last status', async () => {
    const out = await sendWithRetries(`${base}/down`, request, policy(2));
    assert.deepEqual({ kind: out.kind, attempts: out.attempts, status: out.kind === 'failed' && out.status }, { kind: 'failed', attempts: 3, status: 500 });
  });

  it('404 is retried; 400 is not, and counts as delivered', async () => {
    const gone = await sendWithRetries(`${base}/gone`, request, policy(1));
    assert.equal(gone.kind, 'delivered');
    assert.equal(gone.attempts, 2);
    const bad = await sendWithRetries(`${base}/bad`, request, policy(5));
    assert.equal(bad.kind === 'delivered' && bad.status, 400);
    assert.equal(bad.attempts, 1);
  });

  it('keeps the response of the delivered attempt', async () => {
    const out = await sendWithRetries(`${base}/ok`, request, policy(0));
    assert.ok(out.kind === 'delivered');
    assert.equal(out.response.body.toString(), 'call 1');
    assert.equal(out.response.headers['x-n'], '1');
  });

  it('a refused connection or a timeout has no status: -1, and is retried', async () => {
    const refused = await sendWithRetries('http://127.0.0.1:9/', request, policy(1));
    assert.deepEqual({ kind: refused.kind, attempts: refused.attempts, status: refused.kind === 'failed' && refused.status }, { kind: 'failed', attempts: 2, status: NO_RESPONSE_STATUS });
    const slow = await sendWithRetries(`${base}/slow`, request, policy(1, { timeoutMs: 100 }));
    assert.ok(slow.kind === 'failed');
    assert.equal(slow.status, NO_RESPONSE_STATUS);
    assert.equal(slow.error, 'timed out');
    assert.equal(slow.attempts, 2);
  });

  it('an abort ends a backoff wait at once, as aborted', async () => {
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 50);
    const out = await sendWithRetries(`${base}/down`, request, policy(3, { backoffDelayMs: 10_000 }), { signal: controller.signal });
    assert.equal(out.kind, 'aborted');
    assert.ok(Date.now() - started < 2000);
  });
});
