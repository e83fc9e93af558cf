/**
 * One document's trace through the real stack: the SeaweedFS source starts a trace per object
 * event, the broker carries its trace context through (as W3C headers), and split → embed → index each
 * continue it and stamp their reply. Checked two ways: the broker's log line for every event it
 * accepted (object.created up to document.indexed) names the same trace id, and — with the
 * components restarted to export over OTLP to a collector this test runs — the exported spans
 * form one chain, each stage's span the child of the previous one, with the broker's delivery
 * spans beside them.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { EventType } from '../../lib/events/types.js';
import { component, putObject, waitFor, waitIndexed } from '../support/stack.js';

interface ExportedSpan {
  service: string;
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  attributes: Record<string, unknown>;
}

/** A minimal OTLP/HTTP (JSON) trace collector on loopback. */
class Collector {
  readonly spans: ExportedSpan[] = [];
  private server: Server | undefined;
  endpoint = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (req.url === '/v1/traces') this.ingest(JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpRequest);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.endpoint = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  private ingest(body: OtlpRequest): void {
    for (const rs of body.resourceSpans ?? []) {
      const service = String(rs.resource?.attributes?.find((a) => a.key === 'service.name')?.value?.stringValue ?? '');
      for (const ss of rs.scopeSpans ?? []) {
        for (const s of ss.spans ?? []) {
          const attributes = Object.fromEntries((s.attributes ?? []).map((a) => [a.key, a.value?.stringValue ?? a.value?.intValue]));
          this.spans.push({ service, name: s.name, traceId: hex(s.traceId), spanId: hex(s.spanId), parentSpanId: s.parentSpanId ? hex(s.parentSpanId) : undefined, attributes });
        }
      }
    }
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}

interface OtlpRequest {
  resourceSpans?: Array<{
    resource?: { attributes?: Array<{ key: string; value?: { stringValue?: string } }> };
    scopeSpans?: Array<{ spans?: Array<{ name: string; traceId: string; spanId: string; parentSpanId?: string; attributes?: Array<{ key: string; value?: { stringValue?: string; intValue?: number } }> }> }>;
  }>;
}

/** OTLP/JSON ids are hex; tolerate base64 too. */
function hex(id: string): string {
  return /^[0-9a-f]+$/.test(id) ? id : Buffer.from(id, 'base64').toString('hex');
}

/** The broker's `event accepted` log lines about `key`: one per event the ingress took. */
function acceptedByBroker(key: string): Array<{ eventType: string; traceId?: string }> {
  const file = join(process.env.SLUICE_LOG_DIR ?? '', 'broker.log');
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.includes(key))
    .map((line) => JSON.parse(line) as { msg: string; key?: string; eventType: string; traceId?: string })
    .filter((l) => l.msg === 'event accepted' && l.key === key);
}

const TRACED = ['broker', 'split', 'embed', 'index', 'seaweedfs-source'];
const PIPELINE = [EventType.ObjectCreated, EventType.ChunksReady, EventType.VectorsReady, EventType.DocumentIndexed];

describe('distributed tracing through the stack', () => {
  const collector = new Collector();
  const saved = { exporter: process.env.OTEL_TRACES_EXPORTER, endpoint: process.env.OTEL_EXPORTER_OTLP_ENDPOINT, delay: process.env.OTEL_BSP_SCHEDULE_DELAY };

  before(async () => {
    assert.ok(process.env.SLUICE_LOG_DIR, 'run through test/run.sh (SLUICE_LOG_DIR names the stack logs)');
    await collector.start();
    process.env.OTEL_TRACES_EXPORTER = 'otlp';
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT = collector.endpoint;
    process.env.OTEL_BSP_SCHEDULE_DELAY = '200';
    for (const name of TRACED) await component('restart', name);
  });

  after(async () => {
    const restore = (name: string, value: string | undefined) => (value === undefined ? delete process.env[name] : (process.env[name] = value));
    restore('OTEL_TRACES_EXPORTER', saved.exporter);
    restore('OTEL_EXPORTER_OTLP_ENDPOINT', saved.endpoint);
    restore('OTEL_BSP_SCHEDULE_DELAY', saved.delay);
    for (const name of TRACED) await component('restart', name);
    await collector.stop();
  });

  it('one upload is one trace: source → split → embed → index, from object.created to document.indexed', async () => {
    const key = `tracing/trace-${Date.now()}.txt`;
    const version = await putObject(key, 'Tracing a document through every stage of the pipeline. '.repeat(60));
    await waitIndexed(key, version);

    // Every event the broker accepted for this document carries the same trace id.
    const accepted = await waitFor('document.indexed at the broker', async () => {
      const lines = acceptedByBroker(key);
      return lines.some((l) => l.eventType === EventType.DocumentIndexed) ? lines : undefined;
    }, 30_000);
    for (const type of PIPELINE) assert.ok(accepted.some((l) => l.eventType === type), `the broker accepted no ${type} for ${key}`);
    const traceIds = new Set(accepted.map((l) => l.traceId));
    assert.equal(traceIds.size, 1, `one trace id across ${accepted.map((l) => `${l.eventType}=${l.traceId}`).join(', ')}`);
    const [traceId] = [...traceIds];
    assert.match(traceId ?? '', /^[0-9a-f]{32}$/);

    // The exported spans chain up: each stage's span is the child of the span that sent its event.
    const spans = await waitFor('the spans of split, embed and index', async () => {
      const mine = collector.spans.filter((s) => s.traceId === traceId);
      const services = ['sluice-seaweedfs-source', 'sluice-broker', 'sluice-split', 'sluice-embed', 'sluice-index'];
      const indexed = mine.some((s) => s.name === 'broker index-vectors-ready');
      return indexed && services.every((svc) => mine.some((s) => s.service === svc)) ? mine : undefined;
    }, 30_000);
    const byService = (svc: string) => spans.find((s) => s.service === svc)!;
    const source = byService('sluice-seaweedfs-source');
    const split = byService('sluice-split');
    const embed = byService('sluice-embed');
    const index = byService('sluice-index');
    assert.equal(source.parentSpanId, undefined, 'the source span is the root');
    assert.equal(source.attributes['sluice.document.key'], key);
    assert.equal(split.name, `split ${EventType.ObjectCreated}`);
    assert.equal(split.parentSpanId, source.spanId);
    assert.equal(embed.parentSpanId, split.spanId);
    assert.equal(index.parentSpanId, embed.spanId);
    assert.equal(index.attributes['sluice.document.version'], version);
    assert.equal(new Set(spans.map((s) => s.spanId)).size, spans.length, 'every span has its own id');

    // The broker's delivery spans sit beside the stages: children of the span that sent the event.
    const delivery = (trigger: string) => spans.find((s) => s.service === 'sluice-broker' && s.name === `broker ${trigger}`);
    assert.equal(delivery('split-object-created')?.parentSpanId, source.spanId);
    assert.equal(delivery('embed-chunks-ready')?.parentSpanId, split.spanId);
    assert.equal(delivery('index-vectors-ready')?.parentSpanId, embed.spanId);
    assert.equal(delivery('index-vectors-ready')?.attributes['sluice.delivery.outcome'], 'delivered');
  });
});
