import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ALL_EVENT_TYPES, EventType, TERMINAL_EVENT_TYPES } from '../../lib/events/types.js';
import { ManifestError, SubscriberConfigError } from './errors.js';
import { parseManifests, type ManifestSource } from './manifests.js';
import { buildRoutingTable, formatRoutingTable, type ResolvedTrigger } from './routing.js';

const EVENTING_DIR = fileURLToPath(new URL('../../eventing', import.meta.url));
const SUBSCRIBERS =
  'sluice-split=http://127.0.0.1:8181,sluice-embed=http://127.0.0.1:8182,sluice-index=http://127.0.0.1:8183,sluice-api=http://127.0.0.1:8184';

const CONFIG = `
apiVersion: eventing.knative.dev/v1alpha1
kind: RabbitmqBrokerConfig
metadata: { name: cfg, namespace: ns }
spec:
  rabbitmqClusterReference: { name: rmq, namespace: ns }
  queueType: classic
`;
const BROKER = (extra = '') => `
apiVersion: eventing.knative.dev/v1
kind: Broker
metadata:
  name: b
  namespace: ns
  annotations: { eventing.knative.dev/broker.class: RabbitMQBroker }
spec:
  config: { apiVersion: eventing.knative.dev/v1alpha1, kind: RabbitmqBrokerConfig, name: cfg }
${extra}`;
const BROKER_DELIVERY = `  delivery:
    retry: 3
    backoffPolicy: linear
    backoffDelay: PT0.2S
    deadLetterSink: { ref: { kind: Service, name: api }, uri: /dlq }`;
const TRIGGER = (name: string, spec = '', annotations = '') => `
apiVersion: eventing.knative.dev/v1
kind: Trigger
metadata:
  name: ${name}
  namespace: ns
  ${annotations ? `annotations: { ${annotations} }` : ''}
spec:
  broker: b
  filter: { attributes: { type: t.${name} } }
  subscriber: { ref: { kind: Service, name: svc } }
${spec}`;

const docs = (...yaml: string[]): ManifestSource[] => [{ file: 'test.yaml', text: yaml.join('\n---\n') }];
const rejects = (sources: ManifestSource[], pattern: RegExp) =>
  assert.throws(() => parseManifests(sources), (err: Error) => err instanceof ManifestError && pattern.test(err.message));

describe('the real eventing/ directory', () => {
  it('produces exactly the routing table the manifests declare', async () => {
    const table = await buildRoutingTable(EVENTING_DIR, SUBSCRIBERS);
    const exp = (retry: number, backoffDelayMs: number, timeoutMs: number) => ({
      retry,
      backoffPolicy: 'exponential' as const,
      backoffDelayMs,
      timeoutMs,
      deadLetterSink: { ref: { apiVersion: 'serving.knative.dev/v1', kind: 'Service', name: 'sluice-api' }, audience: 'serving.knative.dev/service/sluice/sluice-api', uri: '/dead-letters' },
    });
    const route = (name: string, type: string, service: string, url: string, delivery: ReturnType<typeof exp>, uri?: string, parallelism = 4): ResolvedTrigger => ({
      name,
      namespace: 'sluice',
      filter: { type },
      subscriber: { ref: { apiVersion: 'serving.knative.dev/v1', kind: 'Service', name: service }, audience: `serving.knative.dev/service/sluice/${service}`, ...(uri ? { uri } : {}) },
      delivery,
      deliveryFrom: 'trigger',
      parallelism,
      subscriberUrl: url,
      subscriberAudience: `serving.knative.dev/service/sluice/${service}`,
      deadLetterSinkUrl: 'http://127.0.0.1:8184/dead-letters',
      deadLetterSinkAudience: 'serving.knative.dev/service/sluice/sluice-api',
    });
    assert.deepEqual(table, {
      broker: {
        name: 'sluice',
        namespace: 'sluice',
        queueType: 'quorum',
        delivery: {
          retry: 5,
          backoffPolicy: 'exponential',
          backoffDelayMs: 500,
          deadLetterSink: { ref: { apiVersion: 'serving.knative.dev/v1', kind: 'Service', name: 'sluice-api' }, audience: 'serving.knative.dev/service/sluice/sluice-api', uri: '/dead-letters' },
        },
        deadLetterSinkUrl: 'http://127.0.0.1:8184/dead-letters',
        deadLetterSinkAudience: 'serving.knative.dev/service/sluice/sluice-api',
      },
      triggers: [
        route('split-object-created', EventType.ObjectCreated, 'sluice-split', 'http://127.0.0.1:8181/', exp(7, 500, 120_000)),
        route('split-object-updated', EventType.ObjectUpdated, 'sluice-split', 'http://127.0.0.1:8181/', exp(7, 500, 120_000)),
        route('split-ingest-requested', EventType.IngestRequested, 'sluice-split', 'http://127.0.0.1:8181/', exp(7, 500, 120_000), undefined, 16),
        route('embed-chunks-ready', EventType.ChunksReady, 'sluice-embed', 'http://127.0.0.1:8182/', exp(6, 1000, 300_000)),
        route('embed-chunks-embedding', EventType.EmbedProgress, 'sluice-embed', 'http://127.0.0.1:8182/', exp(6, 1000, 300_000), undefined, 2),
        route('index-vectors-ready', EventType.VectorsReady, 'sluice-index', 'http://127.0.0.1:8183/', exp(8, 500, 60_000)),
        route('index-object-deleted', EventType.ObjectDeleted, 'sluice-index', 'http://127.0.0.1:8183/', exp(8, 500, 60_000)),
        route('status-object-created', EventType.ObjectCreated, 'sluice-api', 'http://127.0.0.1:8184/events', exp(7, 500, 60_000), '/events'),
        route('status-object-updated', EventType.ObjectUpdated, 'sluice-api', 'http://127.0.0.1:8184/events', exp(7, 500, 60_000), '/events'),
        route('status-ingest-requested', EventType.IngestRequested, 'sluice-api', 'http://127.0.0.1:8184/events', exp(7, 500, 60_000), '/events', 16),
        route('status-ingest-failed', EventType.IngestFailed, 'sluice-api', 'http://127.0.0.1:8184/events', exp(7, 500, 60_000), '/events'),
        route('api-reconcile-requested', EventType.ReconcileRequested, 'sluice-api', 'http://127.0.0.1:8184/events', exp(7, 500, 60_000), '/events'),
        // A lost tick of the schedule costs one interval: short retries, parallelism 1.
        route('api-reconcile-scheduled', EventType.ReconcileScheduled, 'sluice-api', 'http://127.0.0.1:8184/events', exp(2, 1000, 60_000), '/events', 1),
      ],
    });
    assert.equal(formatRoutingTable(table).length, 13);
  });

  it('routes every non-terminal event type of the catalogue, and only catalogue types', async () => {
    const table = await buildRoutingTable(EVENTING_DIR, SUBSCRIBERS);
    const routed = new Set(table.triggers.map((t) => t.filter.type));
    for (const type of routed) assert.ok(ALL_EVENT_TYPES.includes(type as never), `${type} is not in the catalogue`);
    for (const type of ALL_EVENT_TYPES.filter((t) => !TERMINAL_EVENT_TYPES.includes(t))) {
      assert.ok(routed.has(type), `no Trigger consumes ${type}`);
    }
  });

  it('fails at startup naming a subscriber BROKER_SUBSCRIBERS lacks', async () => {
    await assert.rejects(buildRoutingTable(EVENTING_DIR, 'sluice-split=http://127.0.0.1:8181,sluice-api=http://127.0.0.1:8184'), (err: Error) =>
      err instanceof SubscriberConfigError && /sluice-embed/.test(err.message),
    );
  });
});

describe('parseManifests: delivery resolution as eventing-rabbitmq does it', () => {
  const table = parseManifests(
    docs(
      CONFIG,
      BROKER(BROKER_DELIVERY),
      TRIGGER('inherits'),
      TRIGGER('own-no-dls', '  delivery: { backoffDelay: PT1S }'),
      TRIGGER('own-dls', '  delivery: { retry: 1, deadLetterSink: { uri: "http://sink.test/" }, timeout: PT2S }', 'rabbitmq.eventing.knative.dev/parallelism: "10"'),
    ),
  );
  const byName = (n: string) => table.triggers.find((t) => t.name === n);

  it('reads the broker config', () => {
    assert.equal(table.broker.queueType, 'classic');
    assert.equal(table.broker.delivery?.retry, 3);
  });

  it('a Trigger without delivery takes the Broker block whole, dead-letter sink included', () => {
    const t = byName('inherits');
    assert.equal(t?.deliveryFrom, 'broker');
    assert.deepEqual(t?.delivery, {
      retry: 3,
      backoffPolicy: 'linear',
      backoffDelayMs: 200,
      deadLetterSink: { ref: { kind: 'Service', name: 'api' }, uri: '/dlq' },
    });
    assert.equal(t?.parallelism, 1);
  });

  it('a Trigger with delivery does not merge the Broker block: retry defaults to 5 and there is no sink', () => {
    const t = byName('own-no-dls');
    assert.equal(t?.deliveryFrom, 'trigger');
    assert.deepEqual(t?.delivery, { retry: 5, backoffPolicy: 'exponential', backoffDelayMs: 1000 });
  });

  it('a Trigger with its own sink, timeout and parallelism', () => {
    const t = byName('own-dls');
    assert.deepEqual(t?.delivery, { retry: 1, backoffPolicy: 'exponential', backoffDelayMs: 50, timeoutMs: 2000, deadLetterSink: { uri: 'http://sink.test/' } });
    assert.equal(t?.parallelism, 10);
  });

  it('without any delivery block: no retries, no sink', () => {
    const t = parseManifests(docs(CONFIG, BROKER(), TRIGGER('bare'))).triggers[0];
    assert.equal(t?.deliveryFrom, 'default');
    assert.deepEqual(t?.delivery, { retry: 0, backoffPolicy: 'exponential', backoffDelayMs: 50 });
  });

  it('an empty filter matches everything; Triggers of other brokers or namespaces are not ours', () => {
    const other = TRIGGER('other').replace('broker: b', 'broker: elsewhere');
    const otherNs = TRIGGER('other-ns').replace('namespace: ns', 'namespace: ns2');
    const all = TRIGGER('all').replace(/ {2}filter: .*\n/, '');
    const t = parseManifests(docs(CONFIG, BROKER(), other, otherNs, all)).triggers;
    assert.deepEqual(t.map((x) => [x.name, x.filter]), [['all', {}]]);
  });

  it('ignores documents of other kinds and empty documents', () => {
    const svc = 'apiVersion: serving.knative.dev/v1\nkind: Service\nmetadata: { name: x }';
    assert.equal(parseManifests(docs(svc, '', CONFIG, BROKER(), TRIGGER('a'))).triggers.length, 1);
  });
});

describe('parseManifests: rejections', () => {
  it('spec.filters, which this broker ignores', () => {
    rejects(docs(CONFIG, BROKER(), TRIGGER('f', '  filters: [{ prefix: { type: io.sluice } }]')), /Trigger f.*spec\.filters is not allowed.*filter\.attributes/);
  });

  it('retryAfterMax and format, which its dispatcher ignores', () => {
    rejects(docs(CONFIG, BROKER(), TRIGGER('r', '  delivery: { retryAfterMax: PT10S }')), /retryAfterMax/);
    rejects(docs(CONFIG, BROKER('  delivery: { format: json }'), TRIGGER('f')), /format/);
  });

  for (const value of ['0', '1001', 'four', '1.5', '']) {
    it(`parallelism "${value}"`, () => {
      rejects(docs(CONFIG, BROKER(), TRIGGER('p', '', `rabbitmq.eventing.knative.dev/parallelism: "${value}"`)), /parallelism must be an integer from 1 to 1000/);
    });
  }

  it('parallelism at the bounds is fine', () => {
    const t = parseManifests(docs(CONFIG, BROKER(), TRIGGER('p', '', 'rabbitmq.eventing.knative.dev/parallelism: "1000"'))).triggers[0];
    assert.equal(t?.parallelism, 1000);
  });

  it('durations that are not ISO-8601', () => {
    rejects(docs(CONFIG, BROKER(), TRIGGER('d', '  delivery: { backoffDelay: 500ms }')), /backoffDelay.*ISO-8601/);
    rejects(docs(CONFIG, BROKER(), TRIGGER('d', '  delivery: { timeout: PT0S }')), /timeout must be greater than 0/);
    rejects(docs(CONFIG, BROKER(), TRIGGER('d', '  delivery: { backoffPolicy: random }')), /backoffPolicy/);
    rejects(docs(CONFIG, BROKER(), TRIGGER('d', '  delivery: { retry: -1 }')), /retry/);
  });

  it('a Broker of another class', () => {
    rejects(docs(CONFIG, BROKER().replace('RabbitMQBroker', 'MTChannelBasedBroker')), /broker\.class must be RabbitMQBroker \(got MTChannelBasedBroker\)/);
    rejects(docs(CONFIG, BROKER().replace(/ {2}annotations: .*\n/, '')), /must be RabbitMQBroker \(got nothing\)/);
  });

  it('a Broker without its RabbitmqBrokerConfig, or with a bad one', () => {
    rejects(docs(BROKER()), /RabbitmqBrokerConfig ns\/cfg, which is not in the manifests/);
    rejects(docs(CONFIG.replace('classic', 'lazy'), BROKER()), /queueType/);
    rejects(docs(CONFIG.replace('{ name: rmq, namespace: ns }', '{ name: rmq, connectionSecret: { name: s } }'), BROKER()), /name or connectionSecret/);
  });

  it('no Broker, or several', () => {
    rejects(docs(CONFIG, TRIGGER('a')), /no Broker/);
    rejects(docs(CONFIG, BROKER(), BROKER().replace('name: b', 'name: b2')), /several Brokers/);
    assert.equal(parseManifests(docs(CONFIG, BROKER(), BROKER().replace('name: b', 'name: b2')), { brokerName: 'b2' }).broker.name, 'b2');
  });

  it('filters that cannot work: bad attribute names, empty values, datacontenttype', () => {
    rejects(docs(CONFIG, BROKER(), TRIGGER('a').replace('type: t.a', 'Type: t.a')), /attribute names/);
    rejects(docs(CONFIG, BROKER(), TRIGGER('a').replace('type: t.a', 'type: ""')), /must not be empty/);
    rejects(docs(CONFIG, BROKER(), TRIGGER('a').replace('type: t.a', 'datacontenttype: application/json')), /content-type/);
  });

  it('a Trigger declared twice, a subscriber without ref or uri, invalid YAML', () => {
    rejects(docs(CONFIG, BROKER(), TRIGGER('a'), TRIGGER('a')), /declared twice/);
    rejects(docs(CONFIG, BROKER(), TRIGGER('a').replace('{ ref: { kind: Service, name: svc } }', '{}')), /ref or a uri/);
    rejects([{ file: 'bad.yaml', text: 'kind: [unclosed' }], /bad\.yaml \(document 1\): invalid YAML/);
  });
});

describe('parseManifests: kustomization.yaml', () => {
  const files = (kustomization: string): ManifestSource[] => [
    { file: 'dir/kustomization.yaml', text: kustomization },
    { file: 'dir/broker.yaml', text: [CONFIG, BROKER()].join('\n---\n') },
    { file: 'dir/triggers.yaml', text: TRIGGER('listed') },
    { file: 'dir/extra.yaml', text: TRIGGER('not-listed') },
  ];
  const KUSTOMIZATION = 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [broker.yaml, ./triggers.yaml]\n';

  it('reads only the files it lists, as `kubectl apply -k` applies only those', () => {
    assert.deepEqual(parseManifests(files(KUSTOMIZATION)).triggers.map((t) => t.name), ['listed']);
  });

  it('refuses transformations the local broker would not apply', () => {
    rejects(files(`${KUSTOMIZATION}namespace: other\n`), /kustomize `namespace` is not applied/);
    rejects(files(`${KUSTOMIZATION}patches: [{ path: p.yaml }]\n`), /kustomize `patches`/);
  });

  it('refuses resources that are not files of the directory', () => {
    rejects(files(KUSTOMIZATION.replace('./triggers.yaml', '../base')), /not resource "\.\.\/base"/);
  });
});
