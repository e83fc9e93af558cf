import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { EventType } from '../../lib/events/types.js';
import { planDispatchers } from './dispatcher.js';
import { buildRoutingTable } from './routing.js';
import { planTopology } from './topology.js';

const EVENTING_DIR = fileURLToPath(new URL('../../eventing', import.meta.url));
const SUBSCRIBERS =
  'sluice-split=http://127.0.0.1:8181,sluice-embed=http://127.0.0.1:8182,sluice-index=http://127.0.0.1:8183,sluice-api=http://127.0.0.1:8184';

describe('planTopology for eventing/', async () => {
  const table = await buildRoutingTable(EVENTING_DIR, SUBSCRIBERS);
  const plan = planTopology(table);

  it('one headers exchange for the Broker, its dead-letter exchange, one per Trigger with a sink', () => {
    assert.equal(plan.exchange, 'b.sluice.sluice');
    assert.deepEqual(plan.exchanges, [
      'b.sluice.sluice',
      'b.sluice.sluice.dlx',
      ...table.triggers.map((t) => `t.sluice.${t.name}.dlx`),
    ]);
  });

  it('a quorum queue per Trigger and per dead-letter exchange', () => {
    assert.equal(plan.queues.length, 1 + 2 * table.triggers.length);
    assert.ok(plan.queues.every((q) => q.queueType === 'quorum'));
    assert.ok(plan.queues.some((q) => q.name === 't.sluice.split-object-created'));
    assert.ok(plan.queues.some((q) => q.name === 't.sluice.split-object-created.dlq'));
  });

  it('binds each Trigger queue with its filter, x-match all, and its name', () => {
    const binding = plan.bindings.find((b) => b.queue === 't.sluice.embed-chunks-ready');
    assert.deepEqual(binding, {
      queue: 't.sluice.embed-chunks-ready',
      exchange: 'b.sluice.sluice',
      args: { type: EventType.ChunksReady, 'x-match': 'all', 'x-knative-trigger': 'embed-chunks-ready' },
    });
  });

  it('plans a dispatcher per Trigger, per Trigger dead-letter queue and for the Broker dead-letter queue', () => {
    const specs = planDispatchers(table);
    assert.equal(specs.length, 2 * table.triggers.length + 1);
    const main = specs.find((s) => s.name === 'index-vectors-ready');
    assert.deepEqual(main, {
      name: 'index-vectors-ready',
      kind: 'trigger',
      queue: 't.sluice.index-vectors-ready',
      targetUrl: 'http://127.0.0.1:8183/',
      targetAudience: 'serving.knative.dev/service/sluice/sluice-index',
      delivery: table.triggers.find((t) => t.name === 'index-vectors-ready')?.delivery,
      parallelism: 4,
      deadLetterExchange: 't.sluice.index-vectors-ready.dlx',
    });
    const dlx = specs.find((s) => s.name === 'index-vectors-ready-dlx');
    assert.equal(dlx?.targetUrl, 'http://127.0.0.1:8184/dead-letters');
    assert.equal(dlx?.deadLetterExchange, undefined, 'dead letters are not dead-lettered again');
    assert.equal(specs.find((s) => s.name === 'sluice-broker-dlx')?.queue, 'b.sluice.sluice.dlq');
  });
});
