/**
 * The manifest validator: the repository's manifests pass; a copy with one file broken fails
 * with a message naming the problem (wrong subscriber, unknown event type, misspelt field, a
 * string for a number, and more); the CLI exits non-zero; and the local broker's routing table,
 * read from eventing/ by local/broker, is the one the cluster gets from the same files.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { buildRoutingTable } from '../../local/broker/routing.js';
import { assertError, copyManifests, removeCopies, repo, validateEdited } from './fixture.js';
import { triggerQueueName } from './kmeta.js';
import { buildOverlays } from './kustomize.js';
import { ProblemList, type K8sObject } from './model.js';
import { definedMetricNames, metricNamesIn } from './monitoring-check.js';
import { formatProblem, validateManifests, type ValidationResult } from './validate.js';

after(removeCopies);

/** Validates a copy in which `file` has `from` replaced by `to` (which must occur). */
async function validateWith(file: string, from: string | RegExp, to: string): Promise<ValidationResult> {
  return validateEdited({ file, from, to });
}

describe('manifest validation', { concurrency: 6 }, () => {
  test('the repository manifests pass, every overlay built', async () => {
    const result = await validateManifests({ root: repo });
    assert.deepEqual(result.errors.map(formatProblem), []);
    assert.deepEqual([...result.overlays].sort(), ['edge', 'production', 'production-keda']);
    assert.ok(result.objectCount > 90, `only ${result.objectCount} objects built`);
  });

  test('catches a Trigger whose subscriber does not exist', async () => {
    const result = await validateWith('eventing/triggers.yaml', 'name: sluice-embed }', 'name: sluice-embedder }');
    assertError(result, /Trigger sluice\/embed-chunks-ready/, /Knative Service sluice-embedder, which is not in the manifests/);
  });

  test('catches a Trigger filtering on a type outside the event catalogue', async () => {
    const result = await validateWith('eventing/triggers.yaml', 'type: io.sluice.chunks.ready', 'type: io.sluice.chunk.ready');
    assertError(result, /Trigger sluice\/embed-chunks-ready/, /io\.sluice\.chunk\.ready, which is not in the event catalogue/);
    assertError(result, /io\.sluice\.chunks\.ready/, /no Trigger routes it/);
  });

  test('catches a misspelt field that the CRD schema would silently prune', async () => {
    const result = await validateWith('knative/embed.yaml', 'containerConcurrency: 4', 'containerConcurency: 4');
    assertError(result, /Service sluice\/sluice-embed/, /spec\.template\.spec: unknown field "containerConcurency"/);
  });

  test('catches a string where a number goes', async () => {
    const result = await validateWith('knative/index.yaml', 'containerConcurrency: 8', 'containerConcurrency: "8"');
    assertError(result, /Service sluice\/sluice-index/, /containerConcurrency.*(integer|expected int)/);
  });

  test('catches `filters` instead of `filter`', async () => {
    const result = await validateWith('eventing/triggers.yaml', /filter:\n    attributes:\n      type: io.sluice.vectors.ready/, 'filters:\n    - exact:\n        type: io.sluice.vectors.ready');
    assertError(result, /Trigger sluice\/index-vectors-ready/, /use spec\.filter\.attributes/);
  });

  test('catches a backoff delay that is not an ISO-8601 duration, and parallelism out of range', async () => {
    const dir = await copyManifests();
    const file = join(dir, 'eventing/triggers.yaml');
    const text = await readFile(file, 'utf8');
    await writeFile(file, text.replace('backoffDelay: PT1S', 'backoffDelay: 1s').replace('parallelism: "4"', 'parallelism: "1001"'));
    const result = await validateManifests({ root: dir, codeRoot: repo });
    assertError(result, /Trigger sluice\/embed-chunks-ready/, /backoffDelay must be an ISO-8601 duration/);
    assertError(result, /Trigger sluice\/split-object-created/, /parallelism must be an integer from 1 to 1000/);
  });

  test('catches a misspelt variable in the ConfigMap, and the variable it leaves unset', async () => {
    const result = await validateWith('deploy/base/config.yaml', 'S3_ENDPOINT:', 'S3_ENDPIONT:');
    assertError(result, /ConfigMap sluice-config/, /sets S3_ENDPIONT, which no Sluice code reads/);
    assertError(result, /sluice-split container split/, /reads S3_ENDPOINT and its default http:\/\/127\.0\.0\.1:8333 is a loopback address/);
  });

  test('catches basic auth on the S3 route (S3 signs the Authorization header)', async () => {
    const result = await validateWith('deploy/base/ingress/ingressroutes.yaml', '        - name: sluice-s3-rate-limit', '        - name: sluice-basic-auth');
    assertError(result, /IngressRoute sluice\/sluice-s3/, /must not use basicAuth/);
    assertError(result, /IngressRoute sluice\/sluice-s3/, /needs rateLimit and buffering/);
  });

  test('catches an image that is not the one deploy/images.env names', async () => {
    const result = await validateWith('knative/split.yaml', 'sluice-split:0.1.0', 'sluice-split:latest');
    assertError(result, /Service sluice\/sluice-split container split/, /must be ghcr\.io\/sluice-dev\/sluice-split:0\.1\.0/);
  });

  test('catches a KEDA queue regex that matches no queue of the embed Trigger', async () => {
    // The regex as written in the YAML block: "^t\\.sluice\\.embed-chunks-ready\\..*".
    const result = await validateWith('deploy/components/keda-embed/embed-keda.yaml', '\\\\.embed-chunks-ready\\\\.', '\\\\.embed-chunk-ready\\\\.');
    assertError(result, /sluice-embed autoscaling\.knative\.dev\/scaled-object-override/, /matches the queue of no Trigger/);
  });

  test('catches an edge overlay that would not fit one node', async () => {
    const result = await validateWith('deploy/overlays/edge/knative-scale.yaml', 'max-scale: "1"', 'max-scale: "3"');
    assertError(result, /Service sluice\/sluice-embed/, /max-scale must be 1 or 2/);
  });

  test('catches a func.yaml that disagrees with its Knative Service', async () => {
    const result = await validateWith('functions/split/func.yaml', 'concurrency: 4', 'concurrency: 5');
    assertError(result, /functions\/split\/func\.yaml/, /limits\.concurrency is 5 but knative\/ says 4/);
  });

  test('catches a dashboard panel querying a metric no code defines, and a dashboard that is not JSON', async () => {
    const typo = await validateWith('deploy/monitoring/sluice-dashboard.json', 'rate(sluice_events_total[', 'rate(sluice_event_total[');
    assertError(typo, /sluice-dashboard\.json/, /queries sluice_event_total, which no Sluice code defines/);
    const broken = await validateWith('deploy/monitoring/sluice-dashboard.json', /^\{/, '{,');
    assertError(broken, /sluice-dashboard\.json/, /not valid JSON/);
  });

  test('catches a PodMonitor selecting a Service the overlay lacks, or the wrong port; an unknown monitor field', async () => {
    const service = await validateWith('deploy/monitoring/podmonitor-sluice.yaml', 'sluice-embed,', 'sluice-embedder,');
    assertError(service, /PodMonitor sluice\/sluice-functions/, /Knative Service sluice-embedder, which this overlay does not deploy/);
    const port = await validateWith('deploy/monitoring/podmonitor-sluice.yaml', 'port: user-port', 'port: http1');
    assertError(port, /PodMonitor sluice\/sluice-functions/, /Knative names the user container's port user-port/);
    const field = await validateWith('deploy/monitoring/servicemonitor-rabbitmq.yaml', 'scrapeTimeout: 10s', 'scrapeTimout: 10s');
    assertError(field, /ServiceMonitor sluice\/sluice-rabbitmq/, /scrapeTimout/);
  });

  test('the CLI exits 1 and names the problem', async () => {
    const dir = await copyManifests();
    const file = join(dir, 'eventing/triggers.yaml');
    await writeFile(file, (await readFile(file, 'utf8')).replace('name: sluice-index }', 'name: sluice-indexer }'));
    const cli = join(repo, 'test/validate/validate.ts');
    await assert.rejects(promisify(execFile)(process.execPath, ['--import', 'tsx', cli, dir, '--code-root', repo], { cwd: repo }), (err: Error & { code?: number; stdout?: string }) => {
      assert.equal(err.code, 1);
      assert.match(err.stdout ?? '', /ERROR .*Trigger sluice\/index-vectors-ready: spec\.subscriber\.ref names Knative Service sluice-indexer/);
      assert.match(err.stdout ?? '', /manifest validation FAILED/);
      return true;
    });
  });
});

describe('dashboard queries', () => {
  test('metric names are what remains of PromQL without labels, ranges, grouping, functions and variables', () => {
    assert.deepEqual(metricNamesIn('histogram_quantile(0.95, sum by (le, stage) (rate(sluice_stage_duration_seconds_bucket{stage=~"split|embed"}[$__rate_interval])))'), ['sluice_stage_duration_seconds_bucket']);
    assert.deepEqual(metricNamesIn('sum(rate(a_total[5m])) / on (pod) group_left (node) b_info or vector(0)'), ['a_total', 'b_info']);
    assert.deepEqual(metricNamesIn('sum by (queue) (rabbitmq_detailed_queue_messages_ready{queue=~"t\\\\..*"})'), ['rabbitmq_detailed_queue_messages_ready']);
  });

  test('the code defines every sluice_ metric the dashboard queries, process metrics included', () => {
    const defined = definedMetricNames(repo);
    for (const name of ['sluice_events_total', 'sluice_queue_depth', 'sluice_broker_dead_letters_total', 'sluice_source_events_total', 'sluice_process_resident_memory_bytes']) {
      assert.ok(defined.has(name), name);
    }
  });
});

describe('eventing-rabbitmq queue names', () => {
  test('short names are kept, long ones hashed to 63 characters with a stable prefix', () => {
    const uid = '4d1b0c86-52d3-4f3c-9a57-59d6a1c2e0f1';
    assert.equal(triggerQueueName('ns', 'a', uid), `t.ns.a.${uid}`);
    const long = triggerQueueName('sluice', 'embed-chunks-ready', uid);
    assert.equal(long.length, 63);
    assert.ok(long.startsWith('t.sluice.embed-chunks-ready.'));
  });
});

describe('local broker and cluster read the same routing', () => {
  const triggersOf = (objects: readonly K8sObject[]) =>
    objects
      .filter((o) => o.kind === 'Trigger')
      .map((t) => {
        const spec = t.spec as { filter?: { attributes?: Record<string, string> }; subscriber: { ref?: { name: string } } };
        return { name: t.metadata.name, filter: spec.filter?.attributes ?? {}, subscriber: spec.subscriber.ref?.name };
      })
      .sort((a, b) => a.name.localeCompare(b.name));

  test('buildRoutingTable(eventing/) lists exactly the Triggers of triggers.yaml and of every built overlay', async () => {
    const text = await readFile(join(repo, 'eventing/triggers.yaml'), 'utf8');
    const declared = triggersOf(parseAllDocuments(text).map((d) => d.toJS() as K8sObject));
    assert.ok(declared.length >= 6, 'triggers.yaml declares the pipeline Triggers');

    const names = ['sluice-split', 'sluice-embed', 'sluice-index', 'sluice-api'];
    const subscribers = new Map(names.map((n) => [n, new URL(`http://${n}.test/`)]));
    const table = await buildRoutingTable(join(repo, 'eventing'), subscribers);
    const local = table.triggers
      .map((t) => ({ name: t.name, filter: { ...t.filter }, subscriber: t.subscriber.ref?.name }))
      .sort((a, b) => a.name.localeCompare(b.name));
    assert.deepEqual(local, declared);
    for (const t of table.triggers) {
      // A Destination's `uri` is a path resolved against its ref's address, as Knative does.
      assert.equal(t.subscriberUrl, new URL(t.subscriber.uri ?? '', `http://${t.subscriber.ref?.name ?? ''}.test/`).href);
    }

    const problems = new ProblemList();
    const overlays = await buildOverlays(repo, (o) => problems.scope(o));
    assert.deepEqual(problems.all, []);
    for (const overlay of overlays) assert.deepEqual(triggersOf(overlay.objects), declared, `overlay ${overlay.name}`);
  });
});
