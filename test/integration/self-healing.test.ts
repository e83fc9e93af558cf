/**
 * Self-healing through the real stack: index is down for longer than the broker's retry budget
 * (retry 5, exponential from 0.5 s: about 31 s), so the document's vectors are dead-lettered and
 * its record says failed / dead_lettered at the current version. Nobody runs `sluice dlq replay`:
 * the API's scheduled reconcile (RECONCILE_INTERVAL_S, short here) re-requests it once its
 * backoff has passed, and the document ends indexed, with the heal attempt in its record.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { api, component, putObject, waitFor, waitIndexed } from '../support/stack.js';

/** Restarts the API with `env` on top of the stack's settings. */
async function restartApi(env: Record<string, string | undefined>): Promise<void> {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  try {
    await component('restart', 'api');
  } finally {
    for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
}

test('a document dead-lettered by an outage is healed by the scheduled reconcile, without a replay', async () => {
  const key = `self-healing/outage-${Date.now()}.txt`;
  await restartApi({ RECONCILE_INTERVAL_S: '2', HEAL_BACKOFF_BASE_S: '1' });
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
        180_000,
        1_000,
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
    await restartApi({ RECONCILE_INTERVAL_S: '0' });
  }
});
