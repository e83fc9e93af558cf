/**
 * Dead letters through the real stack: with split down, an upload's object event fails every
 * delivery, the broker dead-letters it after its retries, the API stores it in the pipeline
 * bucket, `sluice dlq list` shows it, and after split is back `sluice dlq replay` brings the
 * document to indexed and removes the letter.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { api, component, config, putObject, repoRoot, s3, waitFor, waitIndexed } from '../support/stack.js';
import type { DeadLetterSummary } from '../../cli/api-client.js';
import { CloudEvent } from 'cloudevents';
import { EventSource, EventType } from '../../lib/events/types.js';
import { postEvent } from '../support/events.js';

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

function sluice(...args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile('node', ['bin/sluice.js', ...args], { cwd: repoRoot, env: process.env }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

async function deadLetterObjects(): Promise<string[]> {
  const res = await s3.send(new ListObjectsV2Command({ Bucket: config.S3_PIPELINE_BUCKET, Prefix: 'dead-letters/' }));
  return (res.Contents ?? []).map((o) => o.Key!);
}

test('an event that fails every delivery is dead-lettered, listed, and replayed once the cause is fixed', async () => {
  const key = `dlq/outage-${Date.now()}.txt`;
  const text = 'Dead letters keep an event the pipeline could not deliver, so that an operator can replay it after the outage. '.repeat(4);

  await component('stop', 'split');
  let letter: DeadLetterSummary;
  let version: string;
  try {
    version = await putObject(key, text);
    // retry 5, exponential from 0.5 s: about 31 s of retries before the dead letter.
    letter = await waitFor(
      `a dead letter for ${key}`,
      async () => {
        const listed = await sluice('dlq', 'list', '--json');
        assert.equal(listed.code, 0, listed.stderr);
        return (JSON.parse(listed.stdout) as DeadLetterSummary[]).find((l) => l.subject === key);
      },
      180_000,
      1_000,
    );
  } finally {
    await component('start', 'split');
  }

  assert.equal(letter.type, EventType.ObjectCreated);
  assert.match(letter.errorDest ?? '', new RegExp(`:${config.SPLIT_PORT}`), 'the last destination is split');
  assert.ok(letter.errorCode, 'the broker says what the last attempt got');
  assert.ok((await deadLetterObjects()).includes(`dead-letters/${letter.id}.json`), 'the letter is an object in the pipeline bucket');

  // The table form names it too, and the document's status says it was dead-lettered.
  const table = await sluice('dlq', 'list');
  assert.equal(table.code, 0);
  assert.match(table.stdout, new RegExp(letter.id));
  const status = await sluice('status', key, '--json');
  const record = JSON.parse(status.stdout) as { status: string; error?: string };
  assert.equal(record.status, 'failed');
  assert.match(record.error ?? '', /dead-lettered/);

  // Usage errors and unknown ids: exit codes 2 and 1, one line, no stack trace.
  const usage = await sluice('dlq', 'replay');
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /either a dead letter id or --all/);
  const unknown = await sluice('dlq', 'replay', '20200101T000000000Z-nothing');
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /^sluice: no dead letter 20200101T000000000Z-nothing\n$/);

  const replay = await sluice('dlq', 'replay', letter.id);
  assert.equal(replay.code, 0, replay.stderr);
  assert.match(replay.stdout, new RegExp(`replayed ${letter.id}`));

  assert.ok((await waitIndexed(key, version)) > 0);
  await waitFor(`${key} to be indexed in its status`, async () => {
    const r = await api.status(key);
    return r.status === 'indexed' && r.version === version ? r : undefined;
  });
  assert.ok(!(await deadLetterObjects()).includes(`dead-letters/${letter.id}.json`), 'a replayed letter is removed');
  const after = await sluice('dlq', 'list', '--json');
  assert.equal((JSON.parse(after.stdout) as DeadLetterSummary[]).some((l) => l.id === letter.id), false);
});

test('the CLI says the API is unreachable in one line, with exit code 1', async () => {
  // A port nobody listens on: bind one, then free it.
  const probe = createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as AddressInfo;
  await new Promise((r) => probe.close(r));
  const url = `http://127.0.0.1:${port}`;
  const res = await new Promise<CliResult>((resolve) => {
    execFile('node', ['bin/sluice.js', 'dlq', 'list'], { cwd: repoRoot, env: { ...process.env, SLUICE_API_URL: url } }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: number }).code) : 0, stdout, stderr }),
    );
  });
  assert.equal(res.code, 1);
  assert.equal(res.stderr, `sluice: cannot reach the Sluice API at ${url} (ECONNREFUSED): is the stack up? (make up)\n`);
});

test('a schema-invalid event is parked in the dead-letter store at once, with the refusing stage and the reason', async () => {
  const event = new CloudEvent({ type: EventType.ChunksReady, source: '/test/dlq', subject: 'dlq/poison.txt', datacontenttype: 'application/json', data: { chunks: 'not what embed expects' } });
  // A pipeline event: only the Broker's dispatchers (posting a stage's reply) may publish one.
  await postEvent(event, 'binary', 'sluice-broker');
  const letter = await waitFor('the invalid event in the dead-letter store', async () => (await api.deadLetters()).find((l) => l.eventId === event.id), 60_000);
  assert.equal(letter.type, EventType.ChunksReady);
  assert.equal(letter.errorCode, '400');
  assert.equal(letter.errorDest, EventSource.embed);
  assert.match(letter.errorData ?? '', /document/);
  const listed = await sluice('dlq', 'list', '--json');
  assert.equal(listed.code, 0);
  assert.ok((JSON.parse(listed.stdout) as DeadLetterSummary[]).some((l) => l.eventId === event.id));
});
