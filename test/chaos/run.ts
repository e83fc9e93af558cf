/**
 * The chaos run: uploads real documents mixed with hostile files while injecting faults at
 * random (seeded) moments, waits for the pipeline to converge, prints what became of every
 * document, and exits non-zero when anything was lost, duplicated or stale, a hostile file did
 * not end `failed` with a reason, or the poison event did not reach the dead-letter sink.
 *
 *   node --import tsx test/chaos/run.ts [--short|--long] [--seed N] [--restart-rabbitmq]
 *
 * Runs against the stack described by the environment (test/chaos/run.sh starts an isolated one,
 * with embed on the fault-injecting embedding server of test/chaos/embedding-server.ts).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { createBackoff, retry } from '../../lib/retry.js';
import { createQdrantClient } from '../../lib/vector-store/client.js';
import { api, config, corpus, putObject, repoRoot } from '../support/stack.js';
import { describeFault, FaultInjector, planFaults } from './faults.js';
import { judge, passed, settled, type PointView, type StatusView, type Upload } from './ground-truth.js';
import { extraHostileFiles, generatedHostileFiles } from './hostile.js';
import { checkPoison, sendPoisonEvent } from './poison.js';
import { seededRandom } from '../support/random.js';
import { printReport, type FaultRecord } from './report.js';
import { PeakRss } from './rss.js';

const { values } = parseArgs({
  options: {
    short: { type: 'boolean', default: false },
    long: { type: 'boolean', default: false },
    seed: { type: 'string' },
    'restart-rabbitmq': { type: 'boolean', default: false },
  },
});
const variant = values.long ? 'long' : 'short';
const seed = values.seed === undefined ? Date.now() % 2 ** 31 : Number(values.seed);
const random = seededRandom(seed);
const runDir = process.env.SLUICE_RUN_DIR ?? join(repoRoot, '.sluice/run');
const embeddingUrl = process.env.CHAOS_EMBEDDING_URL ?? `http://127.0.0.1:${process.env.CHAOS_EMBEDDING_PORT ?? 7430}`;
const vhost = decodeURIComponent(new URL(process.env.RABBITMQ_URL ?? 'amqp://127.0.0.1/').pathname.slice(1)) || '/';
const convergeTimeoutMs = variant === 'long' ? 600_000 : 150_000;
const started = Date.now();
const elapsed = () => Date.now() - started;
const say = (line: string) => console.log(`[chaos ${(elapsed() / 1000).toFixed(1).padStart(6)} s] ${line}`);

// ---- What to upload, and when --------------------------------------------------------------
interface PlannedUpload {
  at: number;
  key: string;
  body: Uint8Array;
  expect: Upload['expect'];
  kind: Upload['kind'];
}

const { dir, documents } = corpus();
const bodies = await Promise.all(documents.map(async (d) => ({ key: d.key, body: new Uint8Array(await readFile(join(dir, d.key))) })));
const copies = variant === 'long' ? 4 : 1;
const uploadWindowMs = variant === 'long' ? 180_000 : 30_000;
const planned: PlannedUpload[] = [];
for (let copy = 1; copy <= copies; copy++) {
  for (const { key, body } of bodies) {
    planned.push({ at: random.int(0, uploadWindowMs), key: `chaos/r${copy}/${key}`, body, expect: { status: 'indexed' }, kind: 'corpus' });
  }
}
// Overwrites: a key first holds one document, then another; only the second may stay indexed.
for (let i = 0; i < (variant === 'long' ? 3 : 1); i++) {
  const [first, second] = random.shuffle(bodies);
  const at = random.int(0, uploadWindowMs);
  const key = `chaos/overwritten-${i}${second!.key.slice(second!.key.lastIndexOf('.'))}`;
  planned.push({ at, key, body: first!.body, expect: { status: 'indexed' }, kind: 'corpus' });
  planned.push({ at: at + random.int(500, 10_000), key, body: second!.body, expect: { status: 'indexed' }, kind: 'corpus' });
}
const pdf = documents.find((d) => d.key.endsWith('.pdf'))!;
for (const file of [...(await generatedHostileFiles(join(dir, pdf.key))), ...(await extraHostileFiles())]) {
  const expect = file.expect.status === 'failed' ? file.expect : ({ status: 'indexed' } as const);
  planned.push({ at: random.int(0, uploadWindowMs), key: file.key, body: file.body, expect, kind: file.expect.status === 'failed' ? 'hostile' : 'corpus' });
}
planned.sort((a, b) => a.at - b.at);
const faultPlan = planFaults(random, { variant, restartRabbitmq: values['restart-rabbitmq'] });

say(`variant ${variant}, seed ${seed} (replay with --seed ${seed}), vhost ${vhost}`);
say(`${planned.length} uploads over ${uploadWindowMs / 1000} s; ${faultPlan.length} faults:`);
for (const { at, fault } of faultPlan) say(`  at ${(at / 1000).toFixed(1)} s: ${describeFault(fault)}`);

// ---- Run: uploads, poison and faults side by side -------------------------------------------
const latest = new Map<string, Upload>();
// Before a kill, one more document: text never seen before (so embed must call the model), made
// of the corpus's own words in a seeded order; a PDF for split, whose parsing is the heavy part.
const words = new TextDecoder().decode(bodies.find((b) => b.key.endsWith('.txt'))!.body).split(/\s+/).filter(Boolean);
/** SeaweedFS may be restarting: retry an upload like any client would (500 ms doubling to 5 s, 13 attempts). */
function putWithRetries(key: string, body: Uint8Array, onRetry?: (error: unknown) => void): Promise<string> {
  return retry(() => putObject(key, body), {
    retries: 12,
    backoff: createBackoff({ delayMs: 250, maxMs: 5000, jitter: true }),
    retryable: () => true,
    ...(onRetry ? { onRetry: ({ error }: { error: unknown }) => onRetry(error) } : {}),
  });
}

let provoked = 0;
async function provokeWork(stage: string): Promise<void> {
  provoked++;
  const key = `chaos/provoked/${provoked}-${stage}${stage === 'split' ? '.pdf' : '.md'}`;
  const body =
    stage === 'split'
      ? bodies.find((b) => b.key.endsWith('.pdf'))!.body
      : new TextEncoder().encode(
          Array.from({ length: 40 }, (_, p) => `## Part ${p}\n\n${Array.from({ length: 60 }, () => words[random.int(0, words.length - 1)]).join(' ')}\n`).join('\n'),
        );
  const etag = await putWithRetries(key, body);
  latest.set(key, { key, etag, expect: { status: 'indexed' }, kind: 'corpus' });
}
const injector = new FaultInjector({ repoRoot, embeddingUrl, vhost, runDir, provokeWork });
const rss = new PeakRss(runDir, ['split', 'embed', 'index', 'api', 'broker', 'seaweedfs-source', 'qdrant-edge-gateway', 'seaweedfs', 'chaos-embedding']);
rss.start();

async function uploadAll(): Promise<void> {
  for (const u of planned) {
    await sleep(Math.max(0, u.at - elapsed()));
    const etag = await putWithRetries(u.key, u.body, (error) => say(`upload of ${u.key} failed (${(error as Error).message}); retrying`));
    latest.set(u.key, { key: u.key, etag, expect: u.expect, kind: u.kind });
  }
  say(`all ${planned.length} uploads done`);
}

const faultRecords: FaultRecord[] = [];
async function injectAll(): Promise<void> {
  for (const { at, fault } of faultPlan) {
    await sleep(Math.max(0, at - elapsed()));
    const record: FaultRecord = { fault, startedMs: elapsed(), endedMs: 0, note: '' };
    say(`fault: ${describeFault(fault)}`);
    try {
      record.note = await injector.inject(fault);
    } catch (err) {
      record.note = `injection failed: ${(err as Error).message.split('\n')[0]}`;
    }
    record.endedMs = elapsed();
    faultRecords.push(record);
    say(`  done in ${((record.endedMs - record.startedMs) / 1000).toFixed(1)} s ${record.note}`);
  }
}

const poison = await sendPoisonEvent();
say(`poison event ${poison.eventId} sent (fails in embed every time; must reach the dead-letter sink)`);
await Promise.all([uploadAll(), injectAll()]);
await injector.embeddingFaults({ clear: true });
const lastFaultEndMs = Math.max(0, ...faultRecords.map((f) => f.endedMs));

// ---- Convergence -------------------------------------------------------------------------
const qdrant = createQdrantClient({ url: config.QDRANT_URL, apiKey: config.QDRANT_API_KEY });
const uploads = [...latest.values()];

async function statuses(): Promise<Map<string, StatusView>> {
  return new Map((await api.statuses()).map((s) => [s.key, s as StatusView]));
}

async function allPoints(): Promise<PointView[]> {
  const points: PointView[] = [];
  let offset: string | number | undefined;
  do {
    const page = await qdrant.scroll(config.QDRANT_COLLECTION, {
      limit: 1000,
      with_payload: ['key', 'version', 'chunk_index'],
      with_vector: false,
      ...(offset !== undefined ? { offset } : {}),
    });
    for (const p of page.points) points.push(p.payload as unknown as PointView);
    offset = (page.next_page_offset ?? undefined) as string | number | undefined;
  } while (offset !== undefined);
  return points;
}

say('waiting for convergence');
const deadline = Date.now() + convergeTimeoutMs;
let convergedMs: number | undefined;
let poisonResult = await checkPoison(poison);
let current = new Map<string, StatusView>();
while (Date.now() < deadline) {
  current = await statuses().catch(() => current);
  if (convergedMs === undefined && settled(uploads, current)) {
    convergedMs = elapsed();
    say(`every upload settled`);
  }
  if (!poisonResult.deadLettered) poisonResult = await checkPoison(poison);
  if (convergedMs !== undefined && poisonResult.deadLettered) break;
  await sleep(1000);
}
await rss.stop();
const verdict = judge(uploads, current, await allPoints());
const ok = passed(verdict) && poisonResult.deadLettered && convergedMs !== undefined;
printReport({
  variant,
  seed,
  verdict,
  faults: faultRecords,
  lastFaultEndMs,
  convergedMs,
  rssMiB: rss.peaksMiB(),
  poison: poisonResult,
  embedding: await injector.embeddingStats().catch(() => undefined),
  brokerLog: join(process.env.SLUICE_LOG_DIR ?? join(repoRoot, '.sluice/logs'), 'broker.log'),
  ok,
});
process.exit(ok ? 0 : 1);

