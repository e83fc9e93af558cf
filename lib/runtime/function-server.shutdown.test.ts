/**
 * Graceful shutdown of a real function process (lib/runtime/fixtures/slow-function.ts): SIGTERM
 * while an event is being handled.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { CloudEvent, HTTP } from 'cloudevents';

const FIXTURE = fileURLToPath(new URL('./fixtures/slow-function.ts', import.meta.url));

interface Fixture {
  child: ChildProcess;
  url: string;
  lines: Array<Record<string, unknown>>;
  waitForLog(msg: string): Promise<Record<string, unknown>>;
  exited: Promise<{ code: number | null; at: number }>;
}

async function startFixture(graceMs: number): Promise<Fixture> {
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE], {
    env: { ...process.env, SHUTDOWN_GRACE_MS: String(graceMs), LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: Array<Record<string, unknown>> = [];
  const listeners: Array<() => void> = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    try {
      lines.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      return;
    }
    for (const l of listeners.splice(0)) l();
  });
  const exited = once(child, 'exit').then(([code]) => ({ code: code as number | null, at: Date.now() }));
  const waitForLog = (msg: string) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no "${msg}" log line within 60 s`)), 60_000);
      const check = () => {
        const found = lines.find((l) => l.msg === msg);
        if (found) {
          clearTimeout(timer);
          resolve(found);
        } else listeners.push(check);
      };
      check();
    });
  const ready = await waitForLog('fixture ready');
  return { child, url: `http://127.0.0.1:${ready.port as number}/`, lines, waitForLog, exited };
}

function post(url: string, ms: number, id: string): Promise<Response> {
  const message = HTTP.binary(new CloudEvent({ type: 'test.slow', source: '/test', subject: 'doc.txt', id, data: { ms } }));
  return fetch(url, { method: 'POST', headers: message.headers as Record<string, string>, body: message.body as string });
}

/** The status of a request, or `refused` when the connection was not accepted. */
async function statusOrRefused(request: Promise<Response>): Promise<number | 'refused'> {
  try {
    const res = await request;
    await res.arrayBuffer();
    return res.status;
  } catch {
    return 'refused';
  }
}

test('SIGTERM during an event: the event still gets its reply, new events are refused, the process exits 0 within the grace period', async (t) => {
  const graceMs = 10_000;
  const fixture = await startFixture(graceMs);
  const inFlight = post(fixture.url, 1_500, 'in-flight');
  await fixture.waitForLog('handling');

  const signalledAt = Date.now();
  fixture.child.kill('SIGTERM');
  await fixture.waitForLog('shutting down: refusing new events');

  const late = await statusOrRefused(post(fixture.url, 10, 'late'));
  assert.ok(late === 'refused' || late === 503, `a new event after SIGTERM must be refused, got ${late}`);
  const readiness = await statusOrRefused(fetch(new URL('/health/readiness', fixture.url)));
  assert.ok(readiness === 'refused' || readiness === 503, `readiness after SIGTERM: ${readiness}`);

  const res = await inFlight;
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('ce-type'), 'test.done');
  assert.deepEqual(await res.json(), { slept: 1_500 });

  const { code, at } = await fixture.exited;
  assert.equal(code, 0);
  t.diagnostic(`exited ${at - signalledAt} ms after SIGTERM (handler needed 1500 ms from its start)`);
  assert.ok(at - signalledAt < graceMs, `exited ${at - signalledAt} ms after SIGTERM; the grace period is ${graceMs} ms`);
  const messages = fixture.lines.map((l) => l.msg);
  assert.ok(messages.indexOf('in-flight events finished') < messages.indexOf('resources released'), 'resources are released after the last event');
  assert.equal(fixture.lines.filter((l) => l.msg === 'handling').length, 1, 'the late event never reached the handler');
});

test('an event still running when the grace period ends is abandoned without a reply (the broker retries it), and the process exits 0', async () => {
  const fixture = await startFixture(500);
  const inFlight = statusOrRefused(post(fixture.url, 60_000, 'too-slow'));
  await fixture.waitForLog('handling');
  fixture.child.kill('SIGTERM');
  const { code } = await fixture.exited;
  assert.equal(code, 0);
  assert.equal(await inFlight, 'refused', 'no response: the connection is closed, which the broker counts as a failed attempt');
  assert.ok(fixture.lines.some((l) => l.msg === "shutdown grace period over: abandoning in-flight events to the broker's retries"));
});
