/**
 * Property: whatever sequence of puts, overwrites, deletes and copies happens to a few keys, and
 * however the resulting events are duplicated, delayed and reordered, the index converges to
 * exactly the chunks of the bucket's final state: the same set of (key, version, chunk), no
 * missing, stale or duplicate points, and a terminal status for every document.
 *
 * The operations go to the stack's real S3, so SeaweedFS and the source emit the real events;
 * on top of that, copies of those events (as the source emits them, with their original time)
 * are re-POSTed to the broker ingress after random delays, in binary or structured mode:
 * duplicates, stale versions after newer ones, deletes replayed after a re-create.
 *
 * SLUICE_PROPERTY_RUNS cases (default 12; the soak runs 200). On failure fast-check prints the
 * shrunk operation sequence with its seed and path: SLUICE_PROPERTY_SEED and SLUICE_PROPERTY_PATH
 * replay it. Each case works under its own key prefix, so cases never see each other's objects.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { CopyObjectCommand, DeleteObjectCommand } from '@aws-sdk/client-s3';
import { CloudEvent } from 'cloudevents';
import fc from 'fast-check';
import { documentId, pointId } from '../../lib/documents/identity.js';
import { EventSource, EventType } from '../../lib/events/types.js';
import type { StatusRecord } from '../../cli/api-client.js';
import { postEvent, type EventMode } from '../support/events.js';
import { expectedChunks, listPrefix } from '../support/ground-truth.js';
import { pointsOfKeys } from '../support/qdrant.js';
import { api, bucket, putObject, s3 } from '../support/stack.js';

const RUNS = Number(process.env.SLUICE_PROPERTY_RUNS ?? 12);
const SEED = process.env.SLUICE_PROPERTY_SEED ? Number(process.env.SLUICE_PROPERTY_SEED) : undefined;
/** How long one case may take to converge before it counts as a failure. */
const SETTLE_TIMEOUT_MS = Number(process.env.SLUICE_PROPERTY_SETTLE_MS ?? 90_000);
/** Status records and points unchanged for this long (all terminal) = converged. */
const STABLE_FOR_MS = 3_000;

const KEYS = ['a.md', 'b.txt', 'c.md'] as const;
type Key = (typeof KEYS)[number];

/** Paragraphs bodies are made of: overwrites share some, so chunks (and vectors) are reused. */
const POOL = [
  'Tide tables predict the height of the sea at each harbour. Pilots use them to bring deep ships across the bar at high water, and fishermen to know when the mud flats are exposed.',
  'A sourdough starter is a culture of wild yeast and lactic bacteria. Fed with flour and water every day it doubles in a few hours and gives the bread its sour taste and open crumb.',
  'The Antikythera mechanism is an ancient Greek geared device that modelled the motions of the sun, the moon and the planets, and predicted eclipses decades in advance.',
  'Beekeepers inspect their hives in spring for a laying queen, capped brood and enough stores of honey; a colony that runs short of food before the first flowers will starve.',
  'Glaciers move because ice deforms under its own weight and slides on meltwater at its base. Their retreat leaves moraines, erratic boulders and U-shaped valleys behind.',
  'Optical fibres carry light by total internal reflection in a glass core surrounded by a cladding of lower refractive index, with losses of a fraction of a decibel per kilometre.',
] as const;

type Op =
  | { op: 'put'; key: Key; paragraphs: number[] }
  | { op: 'delete'; key: Key }
  | { op: 'copy'; from: Key; to: Key };

/** A copy of the `event`-th event emitted so far, re-POSTed `delayMs` after operation `afterOp`. */
interface Replay {
  afterOp: number;
  event: number;
  delayMs: number;
  mode: EventMode;
}

interface Scenario {
  ops: Op[];
  pauses: number[];
  replays: Replay[];
}

const key = fc.constantFrom(...KEYS);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ op: fc.constant('put' as const), key, paragraphs: fc.array(fc.nat(POOL.length - 1), { minLength: 1, maxLength: 4 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('delete' as const), key }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('copy' as const), from: key, to: key }) },
);
const scenarioArb: fc.Arbitrary<Scenario> = fc.record({
  ops: fc.array(opArb, { minLength: 4, maxLength: 10 }),
  // Time between operations: 0 lets the next one race the previous one's pipeline.
  pauses: fc.array(fc.constantFrom(0, 0, 50, 200, 800), { minLength: 10, maxLength: 10 }),
  replays: fc.array(
    fc.record({ afterOp: fc.nat(9), event: fc.nat(20), delayMs: fc.constantFrom(0, 100, 500, 1500, 3000), mode: fc.constantFrom<EventMode>('binary', 'structured') }),
    { maxLength: 8 },
  ),
});

function body(target: Key, paragraphs: readonly number[]): string {
  const texts = paragraphs.map((i) => POOL[i]!);
  return target.endsWith('.md') ? texts.map((t, n) => `## Part ${n + 1}\n\n${t}`).join('\n\n') : texts.join('\n\n');
}

/** An object event as the SeaweedFS source emits it (see services/seaweedfs-source/event-mapping.ts). */
function sourceEvent(kind: 'created' | 'updated' | 'deleted', objectKey: string, at: Date, object?: { etag: string; size: number }): CloudEvent<unknown> {
  const sequence = (BigInt(at.getTime()) * 1_000_000n).toString();
  const type = kind === 'created' ? EventType.ObjectCreated : kind === 'updated' ? EventType.ObjectUpdated : EventType.ObjectDeleted;
  return new CloudEvent({
    id: `${sequence}-${kind}-${createHash('sha1').update(objectKey).digest('hex').slice(0, 16)}`,
    type,
    source: EventSource.seaweedfs(bucket),
    subject: objectKey,
    time: at.toISOString(),
    datacontenttype: 'application/json',
    data: object ? { bucket, key: objectKey, etag: object.etag, size: object.size, sequence } : { bucket, key: objectKey, sequence },
  });
}

/**
 * Applies the operations to S3 in order and returns the events the source emitted for them,
 * posting the scheduled replays in the background. Operations that make no sense for the
 * bucket at that point (delete or copy of a missing key) are skipped, which keeps every
 * shrunk sequence valid.
 */
async function play(prefix: string, scenario: Scenario): Promise<{ emitted: CloudEvent<unknown>[]; replayed: Promise<void>[] }> {
  const etags = new Map<Key, { etag: string; size: number; text: string }>();
  const emitted: CloudEvent<unknown>[] = [];
  const replayed: Promise<void>[] = [];
  const write = async (target: Key, text: string) => {
    const before = etags.get(target);
    const at = new Date();
    const etag = await putObject(prefix + target, text);
    const object = { etag, size: Buffer.byteLength(text) };
    etags.set(target, { ...object, text });
    // Same bytes over an existing object: only metadata changed, the source announces nothing.
    if (before?.etag !== etag) emitted.push(sourceEvent(before ? 'updated' : 'created', prefix + target, at, object));
  };
  for (const [n, op] of scenario.ops.entries()) {
    if (op.op === 'put') {
      await write(op.key, body(op.key, op.paragraphs));
    } else if (op.op === 'delete' && etags.has(op.key)) {
      const at = new Date();
      await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: prefix + op.key }));
      etags.delete(op.key);
      emitted.push(sourceEvent('deleted', prefix + op.key, at));
    } else if (op.op === 'copy' && op.from !== op.to && etags.has(op.from)) {
      const source = etags.get(op.from)!;
      const before = etags.get(op.to);
      const at = new Date();
      await s3.send(new CopyObjectCommand({ Bucket: bucket, Key: prefix + op.to, CopySource: `${bucket}/${prefix}${op.from}` }));
      etags.set(op.to, source);
      if (before?.etag !== source.etag) emitted.push(sourceEvent(before ? 'updated' : 'created', prefix + op.to, at, source));
    }
    for (const replay of scenario.replays.filter((r) => r.afterOp % scenario.ops.length === n)) {
      if (emitted.length === 0) continue;
      const event = emitted[replay.event % emitted.length]!;
      // A replaying source: object events come from the source's identity (the only one the policies admit for them).
      replayed.push(sleep(replay.delayMs).then(() => postEvent(event, replay.mode, 'sluice-seaweedfs-source')));
    }
    await sleep(scenario.pauses[n] ?? 0);
  }
  return { emitted, replayed };
}

const TERMINAL = new Set(['indexed', 'unchanged', 'failed', 'deleted']);

interface Snapshot {
  objects: Map<string, string>;
  records: StatusRecord[];
  pointIds: string[];
}

async function snapshot(prefix: string): Promise<Snapshot> {
  const objects = await listPrefix(prefix);
  const records = (await api.statuses()).filter((r) => r.key.startsWith(prefix));
  const pointIds = (await pointsOfKeys(KEYS.map((k) => prefix + k))).map((p) => p.id).sort();
  return { objects, records, pointIds };
}

const settled = (s: Snapshot) => s.records.every((r) => TERMINAL.has(r.status)) && [...s.objects.keys()].every((k) => s.records.some((r) => r.key === k));
const fingerprint = (s: Snapshot) => JSON.stringify([s.records.map((r) => [r.key, r.status, r.version, r.updated_at]), s.pointIds]);

/** Waits until every status record is terminal and nothing (records, points) moves any more. */
async function converge(prefix: string): Promise<{ ok: boolean; last: Snapshot }> {
  const deadline = Date.now() + SETTLE_TIMEOUT_MS;
  let last = await snapshot(prefix);
  let stableSince = Date.now();
  while (Date.now() < deadline) {
    await sleep(500);
    const next = await snapshot(prefix);
    if (fingerprint(next) !== fingerprint(last) || !settled(next)) stableSince = Date.now();
    last = next;
    if (settled(next) && Date.now() - stableSince >= STABLE_FOR_MS) return { ok: true, last };
  }
  return { ok: false, last };
}

/** Every way the index and the status records differ from the bucket's final state. */
async function differences(prefix: string, state: Snapshot): Promise<string[]> {
  const problems: string[] = [];
  const expected = new Set((await expectedChunks(prefix)).map((c) => `${c.key} @${c.version} #${c.index} ${c.hash.slice(0, 12)}`));
  const points = await pointsOfKeys(KEYS.map((k) => prefix + k));
  const actual = new Set<string>();
  for (const { id, payload: p } of points) {
    const tuple = `${p.key} @${p.version} #${p.chunk_index} ${p.chunk_hash.slice(0, 12)}`;
    if (actual.has(tuple)) problems.push(`duplicate point ${tuple}`);
    actual.add(tuple);
    if (id !== pointId(documentId(bucket, p.key), p.version, p.chunk_index)) problems.push(`point ${id} of ${tuple} has an unexpected id`);
  }
  for (const t of expected) if (!actual.has(t)) problems.push(`missing ${t}`);
  for (const t of actual) if (!expected.has(t)) problems.push(`unexpected ${t}`);
  for (const record of state.records) {
    const etag = state.objects.get(record.key);
    if (etag === undefined && record.status !== 'deleted') problems.push(`${record.key} is gone but its status is ${record.status} @${record.version}`);
    if (etag !== undefined && !(['indexed', 'unchanged'].includes(record.status) && record.version === etag)) {
      problems.push(`${record.key} is at ${etag} but its status is ${record.status} @${record.version}${record.error ? ` (${record.error})` : ''}`);
    }
  }
  return problems;
}

const runTag = `prop-${Date.now().toString(36)}`;

test(`property: any sequence of put/overwrite/delete/copy with replayed, delayed, reordered events converges to the bucket (${RUNS} runs)`, async () => {
  let caseNo = 0;
  const started = Date.now();
  let totalOps = 0;
  let totalReplays = 0;
  await fc.assert(
    fc.asyncProperty(scenarioArb, async (scenario) => {
      const prefix = `${runTag}/${++caseNo}/`;
      const caseStarted = Date.now();
      const { emitted, replayed } = await play(prefix, scenario);
      await Promise.all(replayed);
      const { ok, last } = await converge(prefix);
      const problems = await differences(prefix, last);
      totalOps += scenario.ops.length;
      totalReplays += replayed.length;
      console.log(`# case ${caseNo} (${prefix}): ${scenario.ops.length} ops, ${emitted.length} source events, ${replayed.length} replays, ${ok ? 'converged' : 'NOT settled'} in ${((Date.now() - caseStarted) / 1000).toFixed(1)} s${problems.length ? `: ${problems.join('; ')}` : ''}`);
      if (!ok || problems.length > 0) {
        const records = last.records.map((r) => `${r.key}: ${r.status} @${r.version} at ${r.updated_at}`).join('; ');
        throw new Error(`${ok ? '' : `did not settle within ${SETTLE_TIMEOUT_MS} ms; `}${problems.join('; ') || 'no differences'} [status: ${records}]`);
      }
    }),
    {
      numRuns: RUNS,
      ...(SEED !== undefined ? { seed: SEED } : {}),
      // With the seed, the `path` fast-check printed replays the shrunk counterexample directly.
      ...(process.env.SLUICE_PROPERTY_PATH ? { path: process.env.SLUICE_PROPERTY_PATH } : {}),
      // Shrinking re-runs scenarios against the real stack; bound it, and keep the smallest so far.
      interruptAfterTimeLimit: Number(process.env.SLUICE_PROPERTY_TIME_LIMIT_MS ?? 30 * 60_000),
      markInterruptAsFailure: false,
    },
  );
  console.log(`# ${caseNo} cases, ${totalOps} operations, ${totalReplays} replayed events in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  assert.ok(caseNo >= Math.min(RUNS, 1));
});
