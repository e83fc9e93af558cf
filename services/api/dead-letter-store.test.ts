/** The dead-letter store is bounded: a TTL and a count cap, the oldest evicted first, and it counts what it holds. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CloudEvent } from 'cloudevents';
import { EventType } from '../../lib/events/types.js';
import { createMemoryS3 } from '../../test/support/memory-s3.js';
import { createDeadLetterStore } from './dead-letters.js';

const event = (id: string) => new CloudEvent({ id, type: EventType.ObjectCreated, source: '/s', data: { bucket: 'documents', key: `${id}.txt` }, knativeerrorcode: '503', knativeerrordest: 'http://x/' });

test('over the cap, the oldest letters are evicted at once', async () => {
  let clock = new Date('2026-06-01T00:00:00.000Z');
  const s3 = createMemoryS3(() => clock);
  const store = createDeadLetterStore(s3, 'pipeline', { maxCount: 3, ttlMs: 7 * 86_400_000, now: () => clock });
  for (let i = 0; i < 5; i++) {
    clock = new Date(clock.getTime() + 1000);
    await store.add(event(`e${i}`), clock);
  }
  assert.deepEqual((await store.list()).map((l) => l.event.id), ['e2', 'e3', 'e4']);
  assert.equal(store.stored?.(), 3);
});

test('letters past the TTL are deleted by prune, and the count follows', async () => {
  let clock = new Date('2026-06-01T00:00:00.000Z');
  const s3 = createMemoryS3(() => clock);
  const store = createDeadLetterStore(s3, 'pipeline', { maxCount: 100, ttlMs: 3_600_000, pruneIntervalMs: 10 * 3_600_000, now: () => clock });
  await store.add(event('old'), clock);
  clock = new Date(clock.getTime() + 2 * 3_600_000);
  await store.add(event('new'), clock);
  assert.equal(store.stored?.(), 2, 'an add lists the store again at most every pruneIntervalMs');
  const pruned = await store.prune!();
  assert.deepEqual(pruned, { deleted: 1, stored: 1 });
  assert.deepEqual((await store.list()).map((l) => l.event.id), ['new']);
  assert.equal(store.stored?.(), 1);
});
