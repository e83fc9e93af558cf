import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '../../lib/log.js';
import { createMemoryStatusStore } from '../../test/support/fakes.js';
import { createPipelineMonitor, stageOfTrigger } from './pipeline-monitor.js';

const log = createLogger('test').child({}, { level: 'silent' });

function monitorWith(pages: Record<string, string | Error>, capacity = 3) {
  let clock = Date.parse('2026-01-01T00:00:00Z');
  const status = createMemoryStatusStore();
  const monitor = createPipelineMonitor({
    targets: [
      { name: 'split', url: 'http://split/metrics' },
      { name: 'broker', url: 'http://broker/metrics' },
    ],
    status,
    deadLetters: () => 4,
    reconcile: () => ({ intervalMs: 300_000, running: false }),
    intervalMs: 5000,
    capacity,
    log,
    now: () => new Date(clock),
    fetch: (async (url: string) => {
      const page = pages[new URL(url).host];
      if (page instanceof Error) throw page;
      return new Response(page ?? '', { status: page === undefined ? 404 : 200 });
    }) as typeof fetch,
  });
  return { monitor, status, pages, tick: (ms: number) => (clock += ms) };
}

const split = (received: number, processed: number, retry = 0) =>
  `sluice_events_received_total{stage="split",type="t"} ${received}\nsluice_events_total{stage="split",type="t",outcome="processed"} ${processed}\nsluice_events_total{stage="split",type="t",outcome="retry"} ${retry}\n`;
const broker = (depth: number, dead = 0) =>
  `sluice_queue_depth{queue="q1",trigger="split-object-created",kind="trigger"} ${depth}\nsluice_queue_depth{queue="q2",trigger="split-ingest-requested",kind="trigger"} 1\nsluice_queue_depth{queue="q3",trigger="embed-chunks-ready",kind="trigger"} 0\nsluice_queue_depth{queue="d",trigger="split-object-created-dlx",kind="dead-letter"} ${dead}\n`;

test('per stage: queue depth from the broker, in flight and rates from the stage, over the samples kept', async () => {
  const { monitor, status, pages, tick } = monitorWith({ split: split(10, 8), broker: broker(5, 2) });
  await status.record({ docId: 'a', bucket: 'b', key: 'a', status: 'queued', cycle: '2026-01-01T00:00:00Z', at: '2026-01-01T00:00:00Z' });
  await status.record({ docId: 'c', bucket: 'b', key: 'c', status: 'indexed', cycle: '2026-01-01T00:00:00Z', at: '2026-01-01T00:00:00Z' });
  const first = await monitor.sample();
  assert.deepEqual(first.stages.split, { queued: 6, inFlight: 2, throughput: null, errorRate: null });
  assert.deepEqual(first.stages.embed, { queued: 0, inFlight: null, throughput: null, errorRate: null });
  assert.equal(first.waiting, 1);
  assert.equal(first.deadLetters, 4);
  assert.equal(first.deadLetterQueue, 2);

  tick(5000);
  pages.split = split(30, 23, 5);
  const second = await monitor.sample();
  assert.deepEqual(second.stages.split, { queued: 6, inFlight: 2, throughput: 4, errorRate: 0.25 });

  // split restarted: its counters start again from zero, and count as new.
  tick(5000);
  pages.split = split(3, 2);
  assert.equal((await monitor.sample()).stages.split?.throughput, 0.4);

  // A component that does not answer is a gap, not a zero.
  tick(5000);
  pages.split = new Error('connection refused');
  const gap = await monitor.sample();
  assert.equal(gap.stages.split?.inFlight, null);
  const view = monitor.view();
  assert.equal(view.samples.length, 3, 'the ring keeps its capacity');
  assert.deepEqual(view.targets.map((t) => [t.name, t.up]), [['split', false], ['broker', true]]);
  assert.match(view.targets[0]!.error ?? '', /refused/);
  assert.deepEqual(view.stages, ['split', 'embed', 'index']);
  assert.equal(view.reconcile.intervalMs, 300_000);
});

test('stages other than the three appear when their metrics do', async () => {
  const { monitor } = monitorWith({ split: 'sluice_events_received_total{stage="ocr",type="t"} 1\n', broker: 'sluice_queue_depth{queue="s",trigger="status-ingest-failed",kind="trigger"} 0\n' });
  await monitor.sample();
  assert.deepEqual(monitor.view().stages, ['split', 'embed', 'index', 'ocr', 'status']);
  assert.equal(stageOfTrigger('index-object-deleted'), 'index');
});

test('with no targets it still samples the documents and dead letters', async () => {
  const status = createMemoryStatusStore();
  const monitor = createPipelineMonitor({ targets: [], status, deadLetters: () => undefined, reconcile: () => ({ intervalMs: 0, running: false }), intervalMs: 0, capacity: 5, log });
  const sample = await monitor.sample();
  assert.equal(sample.waiting, 0);
  assert.equal(sample.deadLetters, null);
  assert.equal(monitor.start()(), undefined, 'interval 0: never samples by itself');
});
