/**
 * Metrics and transport limits of the real stack: after one document went through, every
 * component's /metrics (on its own port) shows what it did — the source's emitted event, the
 * broker's deliveries and the depth of every Trigger queue (polled from RabbitMQ), each stage's
 * processed event, batch size and chunks written — and an event over the size limit is refused
 * with 413 at the broker ingress and at a function.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CloudEvent, HTTP } from 'cloudevents';
import { EventType } from '../../lib/events/types.js';
import { serviceAudience } from '../../lib/auth/identity.js';
import { operatorAuthorization, tokenFor } from '../support/events.js';
import { config, putObject, waitFor, waitIndexed } from '../support/stack.js';

const local = (port: number, path = '/metrics') => `http://127.0.0.1:${port}${path}`;
const metrics = async (port: number) => {
  const res = await fetch(local(port));
  assert.equal(res.status, 200, `GET /metrics on port ${port}`);
  return res.text();
};

/** The /metrics text of `port` once `ready` holds for it (a stage counts an event after replying). */
const metricsWhen = (port: number, what: string, ready: (text: string) => boolean) =>
  waitFor(what, async () => {
    const text = await metrics(port);
    return ready(text) ? text : undefined;
  }, 30_000);

/** The value of one series (labels in the order prom-client writes them), 0 when absent. */
function value(text: string, name: string, labels: Record<string, string> = {}): number {
  const selector = Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(',');
  const line = text.split('\n').find((l) => l.startsWith(selector ? `${name}{${selector}} ` : `${name} `));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('metrics of the running stack', () => {
  it('each component reports its part of one ingestion on its own port', async () => {
    const brokerPort = Number(new URL(config.BROKER_URL).port);
    const before = { split: await metrics(config.SPLIT_PORT), broker: await metrics(brokerPort) };
    const key = `metrics/doc-${Date.now()}.txt`;
    const version = await putObject(key, 'Metrics make the pipeline visible. '.repeat(80));
    const points = await waitIndexed(key, version);

    const split = await metrics(config.SPLIT_PORT);
    const processed = (t: string) => value(t, 'sluice_events_total', { stage: 'split', type: EventType.ObjectCreated, outcome: 'processed' });
    assert.equal(processed(split) - processed(before.split), 1);
    assert.ok(value(split, 'sluice_chunks_total', { stage: 'split', type: EventType.ChunksReady }) >= points, `split chunks_total >= ${points}`);
    assert.ok(value(split, 'sluice_process_resident_memory_bytes') > 0, 'process metrics');

    const embed = await metrics(config.EMBED_PORT);
    assert.ok(value(embed, 'sluice_chunks_per_event_count', { stage: 'embed', type: EventType.VectorsReady }) >= 1, 'embed batch size');
    const index = await metricsWhen(config.INDEX_PORT, 'index to count its reply', (t) => value(t, 'sluice_vectors_written_total') >= points);
    assert.ok(value(index, 'sluice_stage_duration_seconds_count', { stage: 'index', type: EventType.VectorsReady }) >= 1, 'index duration');

    // A delivery is counted once settled, after the subscriber's reply reached the ingress.
    const delivered = (t: string) => value(t, 'sluice_broker_deliveries_total', { trigger: 'index-vectors-ready', type: EventType.VectorsReady, outcome: 'delivered' });
    const broker = await metricsWhen(brokerPort, 'the broker to count the delivery to index', (t) => delivered(t) - delivered(before.broker) >= 1);
    assert.ok(value(broker, 'sluice_broker_ingress_events_total', { type: EventType.DocumentIndexed, outcome: 'accepted' }) >= 1, 'document.indexed accepted');
        // Queue depth is asked of RabbitMQ at scrape time: one series per Trigger queue (idle now: 0).
    const depthLines = broker.split('\n').filter((l) => l.startsWith('sluice_queue_depth{'));
    assert.ok(depthLines.some((l) => l.includes('trigger="embed-chunks-ready"') && l.includes('kind="trigger"')), depthLines.join('\n'));
    assert.ok(depthLines.some((l) => l.includes('kind="dead-letter"')), 'dead-letter queues are watched too');
    assert.ok(broker.includes('sluice_queue_consumers{'), 'queue consumers');

    const source = await metrics(config.SOURCE_METRICS_PORT);
    assert.ok(value(source, 'sluice_source_events_total', { type: EventType.ObjectCreated, outcome: 'delivered' }) >= 1, 'source emitted');
  });

  it('an event over the size limit is refused with 413 at the broker ingress and at a function', async () => {
    const big = (bytes: number) => HTTP.binary(new CloudEvent({ type: EventType.IngestRequested, source: '/test', id: `big-${bytes}`, data: { key: 'x'.repeat(bytes) } }));
    const limit = Number(process.env.BROKER_MAX_EVENT_BYTES ?? 1048576);
    const toBroker = big(limit + 1);
    const broker = await fetch(config.BROKER_URL, { method: 'POST', headers: { ...(toBroker.headers as Record<string, string>), ...(await operatorAuthorization()) }, body: toBroker.body as string });
    assert.equal(broker.status, 413);
    const toSplit = big(config.MAX_EVENT_BYTES + 1);
    const splitToken = await tokenFor('sluice-broker', serviceAudience('sluice-split'));
    const split = await fetch(local(config.SPLIT_PORT, '/'), { method: 'POST', headers: { ...(toSplit.headers as Record<string, string>), authorization: `Bearer ${splitToken}` }, body: toSplit.body as string });
    assert.equal(split.status, 413);
  });
});
