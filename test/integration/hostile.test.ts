/**
 * Hostile and broken input through the real stack: every file from test/hostile/files.ts is
 * uploaded to S3 next to a normal corpus document; each ends with its expected status and
 * reason, the normal document is indexed, and split is still alive and ready afterwards.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hostileFiles, type HostileFile } from '../hostile/files.js';
import { api, config, corpus, putObject, waitFor, waitIndexed } from '../support/stack.js';

function splitPid(): number {
  return Number(readFileSync(join(process.env.SLUICE_RUN_DIR!, 'split.pid'), 'utf8').trim());
}

function peakRssKb(pid: number): number {
  const match = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) : 0;
}

test('hostile files fail with their reasons, good documents still flow, split survives', async () => {
  const pid = splitPid();
  const files = hostileFiles();
  const normal = corpus().documents.find((d) => d.key.endsWith('.md'))!;
  const normalKey = `hostile/normal/${normal.key}`;
  const normalVersion = await putObject(normalKey, readFileSync(join(corpus().dir, normal.key)));
  const uploaded: Array<{ file: HostileFile; version: string }> = [];
  for (const file of files) {
    const version = await putObject(file.key, file.body).catch((err: unknown) => assert.fail(`upload of ${file.key}: ${String(err)}`));
    uploaded.push({ file, version });
  }

  await waitIndexed(normalKey, normalVersion, 180_000);

  for (const { file, version } of uploaded) {
    const expected = file.expect;
    const record = await waitFor(
      `${file.key} to end ${expected.status}`,
      async () => {
        const status = await api.status(file.key).catch(() => undefined);
        return status && (status.status === 'failed' || status.status === 'indexed') ? status : undefined;
      },
      180_000,
    );
    assert.equal(record.status, expected.status, `${file.key}: ${record.status} (${record.reason}: ${record.error})`);
    if (expected.status === 'failed') {
      assert.match(`${record.reason}: ${record.error}`, expected.reason, file.key);
    } else {
      assert.equal(record.version, version, file.key);
      const { hits } = await api.search(expected.probe ?? file.key, 3);
      assert.ok(hits.some((hit) => hit.key === file.key), `${file.key} among the hits for "${expected.probe}"`);
    }
  }

  // The same split process, still answering, with its peak memory on record.
  assert.equal(splitPid(), pid, 'split was not restarted');
  process.kill(pid, 0);
  const readiness = await fetch(`http://127.0.0.1:${config.SPLIT_PORT}/health/readiness`);
  assert.equal(readiness.status, 200);
  console.log(`split peak RSS during the hostile run: ${Math.round(peakRssKb(pid) / 1024)} MiB (VmHWM)`);
});
