/**
 * The SeaweedFS event source against a real SeaweedFS (stack/seaweedfs.sh, .venv/bin/weed) in a
 * temporary data dir on free ports, so it never touches a running dev stack. The source runs as
 * a child process (as in the cluster) and posts to a recording HTTP sink on 127.0.0.1.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, openSync, closeSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  S3Client,
  PutObjectCommand,
  HeadObjectCommand,
  DeleteObjectCommand,
  CopyObjectCommand,
  GetObjectTaggingCommand,
  PutObjectTaggingCommand,
  CreateMultipartUploadCommand,
  UploadPartCommand,
  CompleteMultipartUploadCommand,
} from '@aws-sdk/client-s3';
import { EventSource, EventType } from '../../lib/events/types.js';
import { DATA_SCHEMAS } from '../../lib/events/schemas.js';
import { FilerClient } from '../../services/seaweedfs-source/filer-client.js';
import { checkpointKey } from '../../services/seaweedfs-source/checkpoint.js';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const WEED = join(ROOT, '.venv/bin/weed');
const SCRIPT = join(ROOT, 'stack/seaweedfs.sh');
const BUCKET = 'documents';
const CLIENT_NAME = 'sluice-seaweedfs-source-test';
const ACCESS_KEY = 'sluice-test';
const SECRET_KEY = 'sluice-test-secret';

interface Received {
  id: string;
  type: string;
  source: string;
  subject: string | undefined;
  data: { bucket: string; key: string; etag?: string; size?: number; contentType?: string; sequence?: string };
}


let dataDir = '';
let seaweedEnv: NodeJS.ProcessEnv = {};
let filerGrpc = '';
let s3: S3Client;
let sink: Server;
let sinkUrl = '';
let source: ChildProcess | undefined;
let sourceLog = '';
/** Every POST the sink accepted, in arrival order (duplicates included). */
const raw: Received[] = [];
/** Unique by CloudEvent id. */
const byId = new Map<string, Received>();
let sinkRequests = 0;
let failed = false;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor<T>(what: string, fn: () => T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; received: ${JSON.stringify(raw.map((e) => [e.type, e.subject]))}`);
    await sleep(100);
  }
}

function portFree(port: number): Promise<boolean> {
  return new Promise((res) => {
    const srv = createNetServer();
    srv.once('error', () => res(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => res(true)));
  });
}

/** A port p such that p and p + 10000 (SeaweedFS's gRPC port) are both free. */
async function freePortPair(taken: Set<number>): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const p = 20000 + Math.floor(Math.random() * 25000);
    if ([p, p + 10000].some((x) => taken.has(x))) continue;
    if ((await portFree(p)) && (await portFree(p + 10000))) {
      taken.add(p).add(p + 10000);
      return p;
    }
  }
  throw new Error('no free port pair');
}

async function seaweed(cmd: 'start' | 'stop' | 'status'): Promise<string> {
  const { stdout, stderr } = await promisify(execFile)(SCRIPT, [cmd], { env: seaweedEnv, cwd: ROOT, timeout: 120_000 });
  return stdout + stderr;
}

function startSource(): void {
  const fd = openSync(sourceLog, 'a');
  source = spawn(process.execPath, ['--import', 'tsx', 'services/seaweedfs-source/main.ts'], {
    cwd: ROOT,
    stdio: ['ignore', fd, fd],
    env: {
      ...process.env,
      SEAWEEDFS_FILER_GRPC: filerGrpc,
      SEAWEEDFS_BUCKETS: BUCKET,
      K_SINK: sinkUrl,
      SOURCE_CLIENT_NAME: CLIENT_NAME,
      SOURCE_START_FROM_NS: '0',
      SOURCE_CHECKPOINT_FILE: '',
      LOG_LEVEL: 'info',
      // The source presents its own identity, as stack/component.sh starts it.
      OIDC_CLIENT_ID: 'sluice-seaweedfs-source',
      OIDC_CLIENT_SECRET_FILE: join(process.env.SLUICE_DATA_DIR ?? '.sluice', 'oidc', 'clients', 'sluice-seaweedfs-source.secret'),
    },
  });
  closeSync(fd);
}

async function stopSource(): Promise<number | null> {
  const child = source;
  if (!child || child.exitCode !== null || child.signalCode !== null) return child?.exitCode ?? null;
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  const code = await exited;
  clearTimeout(timer);
  source = undefined;
  return code;
}

const unquote = (etag: string | undefined) => (etag ?? '').replace(/^"|"$/g, '');
const md5hex = (b: Buffer | string) => createHash('md5').update(b).digest('hex');
const eventsFor = (key: string) => [...byId.values()].filter((e) => e.data.key === key);

function dumpLogs(): void {
  const tail = (p: string, n: number) => (existsSync(p) ? readFileSync(p, 'utf8').split('\n').slice(-n).join('\n') : '(none)');
  console.error(`--- source log ---\n${tail(sourceLog, 80)}\n--- seaweedfs log ---\n${tail(join(dataDir, 'logs/seaweedfs.log'), 40)}`);
}

before(async () => {
  // make test installs it first; a missing binary is a broken set-up, not a reason to skip.
  if (!existsSync(WEED)) throw new Error(`SeaweedFS binary missing (${WEED}); run stack/install.sh`);
  dataDir = await mkdtemp(join(tmpdir(), 'sluice-seaweedfs-it-'));
  sourceLog = join(dataDir, 'source.log');
  const taken = new Set<number>();
  const [master, volume, filer, s3Port] = [
    await freePortPair(taken),
    await freePortPair(taken),
    await freePortPair(taken),
    await freePortPair(taken),
  ];
  filerGrpc = `127.0.0.1:${filer + 10000}`;
  seaweedEnv = {
    ...process.env,
    SLUICE_DATA_DIR: dataDir,
    SLUICE_BIND: '127.0.0.1',
    SEAWEEDFS_MASTER_PORT: String(master),
    SEAWEEDFS_VOLUME_PORT: String(volume),
    SEAWEEDFS_FILER_PORT: String(filer),
    SEAWEEDFS_S3_PORT: String(s3Port),
    S3_BUCKET: BUCKET,
    S3_PIPELINE_BUCKET: 'sluice-pipeline',
    AWS_ACCESS_KEY_ID: ACCESS_KEY,
    AWS_SECRET_ACCESS_KEY: SECRET_KEY,
  };
  await seaweed('start');

  s3 = new S3Client({
    endpoint: `http://127.0.0.1:${s3Port}`,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY },
  });

  sink = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      sinkRequests += 1;
      // The first delivery fails: the source must retry it.
      if (sinkRequests === 1) {
        res.writeHead(503).end();
        return;
      }
      const h = req.headers;
      const ev: Received = {
        id: String(h['ce-id']),
        type: String(h['ce-type']),
        source: String(h['ce-source']),
        // ce-* values are percent-encoded (CloudEvents HTTP binding 1.0.2, §3.1.3.2).
        subject: h['ce-subject'] === undefined ? undefined : decodeURIComponent(String(h['ce-subject'])),
        data: JSON.parse(body),
      };
      raw.push(ev);
      if (!byId.has(ev.id)) byId.set(ev.id, ev);
      res.writeHead(202).end();
    });
  });
  await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r));
  sinkUrl = `http://127.0.0.1:${(sink.address() as AddressInfo).port}/`;
  startSource();
});

after(async () => {
  await stopSource();
  await seaweed('stop').catch((e) => console.error(e));
  sink?.close();
  s3?.destroy();
  if (failed) dumpLogs();
  await rm(dataDir, { recursive: true, force: true });
});

test('SeaweedFS source emits object events for real S3 operations', { timeout: 180_000 }, async (t) => {
  // Show the logs of the source and of SeaweedFS when a step fails.
  const step = (name: string, fn: () => Promise<void> | void) =>
    t.test(name, async () => {
      try {
        await fn();
      } catch (err) {
        failed = true;
        throw err;
      }
    });
  const key = 'reports/Q1 report ü 日本.txt';
  const v1 = Buffer.from('hello sluice\n');
  const v2 = Buffer.from('hello again, sluice — v2\n');

  await step('upload → exactly one object.created with key, size, ETag', async () => {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: v1, ContentType: 'text/plain' }));
    const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
    const ev = await waitFor('object.created', () => eventsFor(key).find((e) => e.type === EventType.ObjectCreated));
    await sleep(1500); // any follow-up event SeaweedFS might emit for the same upload
    assert.deepEqual(eventsFor(key).map((e) => e.type), [EventType.ObjectCreated]);
    assert.equal(ev.source, EventSource.seaweedfs(BUCKET));
    assert.equal(ev.subject, key);
    assert.equal(ev.data.bucket, BUCKET);
    assert.equal(ev.data.key, key);
    assert.equal(ev.data.size, v1.length);
    assert.equal(ev.data.etag, unquote(head.ETag));
    assert.equal(ev.data.etag, md5hex(v1));
    assert.equal(ev.data.contentType, 'text/plain');
    assert.match(ev.id, /^\d+-created-[0-9a-f]{16}$/);
    assert.match(ev.data.sequence ?? '', /^\d+$/);
    DATA_SCHEMAS[EventType.ObjectCreated].parse(ev.data);
    assert.ok(sinkRequests > raw.length, 'the first (503) delivery was retried');
  });

  await step('overwrite → object.updated with the new ETag and size', async () => {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: v2, ContentType: 'text/plain' }));
    const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
    const ev = await waitFor('object.updated', () => eventsFor(key).find((e) => e.type === EventType.ObjectUpdated));
    assert.equal(ev.data.size, v2.length);
    assert.equal(ev.data.etag, unquote(head.ETag));
    assert.equal(ev.data.etag, md5hex(v2));
    await sleep(500);
    assert.deepEqual(eventsFor(key).map((e) => e.type), [EventType.ObjectCreated, EventType.ObjectUpdated]);
  });

  await step('metadata-only changes (CopyObject onto itself with REPLACE, tagging) → object.updated, same ETag', async () => {
    const updates = () => eventsFor(key).filter((e) => e.type === EventType.ObjectUpdated);
    const before = updates().length;
    await s3.send(
      new CopyObjectCommand({ Bucket: BUCKET, Key: key, CopySource: `${BUCKET}/${encodeURIComponent(key)}`, MetadataDirective: 'REPLACE', Metadata: { owner: 'alice' }, ContentType: 'text/plain' }),
    );
    const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
    assert.equal(unquote(head.ETag), md5hex(v2), 'a metadata-only copy keeps the ETag');
    assert.deepEqual(head.Metadata, { owner: 'alice' });
    const meta = await waitFor('object.updated for new metadata', () => updates()[before]);
    assert.equal(meta.data.etag, md5hex(v2));
    await s3.send(new PutObjectTaggingCommand({ Bucket: BUCKET, Key: key, Tagging: { TagSet: [{ Key: 'team', Value: 'sre' }] } }));
    const tags = await s3.send(new GetObjectTaggingCommand({ Bucket: BUCKET, Key: key }));
    assert.deepEqual(tags.TagSet, [{ Key: 'team', Value: 'sre' }]);
    const tagged = await waitFor('object.updated for new tags', () => updates()[before + 1]);
    assert.equal(tagged.data.etag, md5hex(v2));
    // The same metadata again is no change.
    await s3.send(new PutObjectTaggingCommand({ Bucket: BUCKET, Key: key, Tagging: { TagSet: [{ Key: 'team', Value: 'sre' }] } }));
    await sleep(1500);
    assert.equal(updates().length, before + 2);
  });

  await step('copy → object.created for the destination key', async () => {
    const dest = 'copies/copy of ü.txt';
    await s3.send(new CopyObjectCommand({ Bucket: BUCKET, Key: dest, CopySource: `${BUCKET}/${encodeURIComponent(key)}` }));
    const ev = await waitFor('copy created', () => eventsFor(dest).find((e) => e.type === EventType.ObjectCreated));
    assert.equal(ev.data.etag, md5hex(v2));
    assert.equal(ev.data.size, v2.length);
  });

  await step('delete → object.deleted', async () => {
    await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key }));
    const ev = await waitFor('object.deleted', () => eventsFor(key).find((e) => e.type === EventType.ObjectDeleted));
    assert.deepEqual(Object.keys(ev.data).sort(), ['bucket', 'key', 'sequence']);
    assert.equal(ev.subject, key);
    DATA_SCHEMAS[EventType.ObjectDeleted].parse(ev.data);
  });

  let multipartSequence = 0n;
  await step('multipart upload → one object.created for the final key, nothing for the parts', async () => {
    const mkey = 'big files/multi part ñ.bin';
    const p1 = Buffer.alloc(5 * 1024 * 1024, 'a');
    const p2 = Buffer.from('the tail part');
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: mkey, ContentType: 'application/octet-stream' }));
    const u1 = await s3.send(new UploadPartCommand({ Bucket: BUCKET, Key: mkey, UploadId, PartNumber: 1, Body: p1 }));
    const u2 = await s3.send(new UploadPartCommand({ Bucket: BUCKET, Key: mkey, UploadId, PartNumber: 2, Body: p2 }));
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: BUCKET,
        Key: mkey,
        UploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: u1.ETag }, { PartNumber: 2, ETag: u2.ETag }] },
      }),
    );
    const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: mkey }));
    const ev = await waitFor('multipart created', () => eventsFor(mkey).find((e) => e.type === EventType.ObjectCreated));
    await sleep(1500);
    assert.deepEqual(eventsFor(mkey).map((e) => e.type), [EventType.ObjectCreated]);
    assert.equal(ev.data.size, p1.length + p2.length);
    assert.equal(ev.data.etag, unquote(head.ETag));
    assert.match(ev.data.etag ?? '', /^[0-9a-f]{32}-2$/);
    const internals = [...byId.values()].filter((e) => e.data.key.includes('.uploads') || e.data.key.endsWith('.part'));
    assert.deepEqual(internals, []);
    multipartSequence = BigInt(ev.data.sequence ?? '0');
  });

  await step('events arrive in filer order', () => {
    const seqs = raw.map((e) => BigInt(e.data.sequence ?? '0'));
    for (let i = 1; i < seqs.length; i++) assert.ok(seqs[i]! >= seqs[i - 1]!, `sequence order at ${i}`);
    // Duplicates (same id) carry the same event.
    for (const e of raw) assert.deepEqual(e, byId.get(e.id));
  });

  await step('stopped source resumes from its checkpoint and sees uploads made while it was down', async () => {
    assert.equal(await stopSource(), 0, 'graceful exit on SIGTERM');

    const filer = new FilerClient(filerGrpc);
    try {
      const stored = await filer.kvGet(checkpointKey(CLIENT_NAME));
      assert.ok(stored, 'checkpoint stored in the filer KV');
      const sinceNs = BigInt(JSON.parse(stored.toString()).sinceNs);
      assert.ok(sinceNs >= multipartSequence, `checkpoint ${sinceNs} covers the last delivered event ${multipartSequence}`);
    } finally {
      filer.close();
    }

    const seenBefore = new Set(byId.keys());
    const rawBefore = raw.length;
    const dkey = 'while down/新しい file.txt';
    const body = Buffer.from('uploaded while the source was stopped\n');
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: dkey, Body: body }));

    startSource();
    const ev = await waitFor('created after restart', () => eventsFor(dkey).find((e) => e.type === EventType.ObjectCreated));
    assert.equal(ev.data.etag, md5hex(body));
    assert.equal(ev.data.size, body.length);
    await sleep(1000);
    const replayed = raw.slice(rawBefore).filter((e) => seenBefore.has(e.id));
    assert.ok(replayed.length <= 1, `resumed from the checkpoint, not from the start (replayed: ${replayed.map((e) => e.id)})`);
    assert.deepEqual(eventsFor(dkey).map((e) => e.type), [EventType.ObjectCreated]);
  });
});
