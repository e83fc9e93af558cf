/**
 * Self-healing through the real stack: index is down for longer than the broker's retry budget
 * (shortened for this test: the broker restarted on a copy of eventing/ whose Triggers retry
 * twice from 0.2 s), so the document's vectors are dead-lettered and
 * its record says failed / dead_lettered at the current version. Nobody runs `sluice dlq replay`:
 * the API's scheduled reconcile (RECONCILE_INTERVAL_S, short here) re-requests it once its
 * backoff has passed, and the document ends indexed, with the heal attempt in its record.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { api, component, componentWith, putObject, repoRoot, waitFor, waitIndexed } from '../support/stack.js';

const restartWith = (name: string, env: Record<string, string | undefined>) => componentWith('restart', name, env);

/** A copy of eventing/ whose every delivery retries twice from 0.2 s (a budget of about 1.2 s). */
function shortRetryEventing(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-short-retry-'));
  cpSync(join(repoRoot, 'eventing'), dir, { recursive: true });
  for (const file of ['triggers.yaml', 'broker.yaml']) {
    const path = join(dir, file);
    writeFileSync(path, readFileSync(path, 'utf8').replace(/retry: \d+/g, 'retry: 2').replace(/backoffDelay: PT[\d.]+S/g, 'backoffDelay: PT0.2S'));
  }
  return dir;
}

test('a document dead-lettered by an outage is healed by the scheduled reconcile, without a replay', async () => {
  const key = `self-healing/outage-${Date.now()}.txt`;
  const eventing = shortRetryEventing();
  await restartWith('broker', { BROKER_EVENTING_DIR: eventing });
  await restartWith('api', { RECONCILE_INTERVAL_S: '2', HEAL_BACKOFF_BASE_S: '1' });
  try {
    await component('stop', 'index');
    let version: string;
    try {
      version = await putObject(key, 'Self-healing means that a document dead-lettered during an outage is indexed once the outage is over. '.repeat(3));
      const failed = await waitFor(
        `${key} to be failed / dead_lettered`,
        async () => {
          const record = await api.status(key).catch(() => undefined);
          return record?.status === 'failed' && record.reason === 'dead_lettered' ? record : undefined;
        },
        120_000,
        500,
      );
      assert.equal(failed.version, version, 'failed at the current version: the case reconcile used to call in sync');
    } finally {
      await component('start', 'index');
    }

    assert.ok((await waitIndexed(key, version, 120_000)) > 0);
    const record = await waitFor(`${key} indexed in its status`, async () => {
      const r = await api.status(key);
      return r.status === 'indexed' && r.version === version ? r : undefined;
    });
    assert.ok(((record as { heal_attempts?: number }).heal_attempts ?? 0) >= 1, `healed by reconcile: ${JSON.stringify(record)}`);
  } finally {
    await restartWith('api', { RECONCILE_INTERVAL_S: '0' });
    await restartWith('broker', { BROKER_EVENTING_DIR: undefined });
    rmSync(eventing, { recursive: true, force: true });
  }
});
