/**
 * `sluice`: the command line of the platform. Talks to S3, the broker ingress and the API as
 * configured in the environment (or the checkout's .env / .env.example).
 */
import { Command, InvalidArgumentError } from 'commander';
import { CloudEvent } from 'cloudevents';
import { publishEvent } from '../lib/runtime/publish.js';
import { loadConfig } from '../lib/config.js';
import { EventSource, EventType } from '../lib/events/types.js';
import { createS3Client, headObject } from '../lib/storage/s3.js';
import { CliError, createApiClient } from './api-client.js';
import { loadProjectEnv } from './env.js';
import { formatHits, formatStatusTable } from './format.js';
import { listFiles, uploadFiles, type UploadedObject } from './upload.js';

loadProjectEnv();
const config = loadConfig();
const apiUrl = process.env.SLUICE_API_URL ?? `http://127.0.0.1:${config.API_PORT}`;
const api = createApiClient(apiUrl);
const defaultBucket = config.S3_BUCKET.split(',')[0]!.trim();

const positiveInt = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive whole number');
  return n;
};

const program = new Command('sluice').description('Sluice: asynchronous RAG ingestion into Qdrant').showHelpAfterError();

program
  .command('search')
  .description('search the indexed documents')
  .argument('<query>', 'the question')
  .option('-k, --k <n>', 'number of hits', positiveInt, 5)
  .option('--key <key>', 'only search this object')
  .option('--json', 'print a JSON array of hits')
  .action(async (query: string, options: { k: number; key?: string; json?: boolean }) => {
    const { hits } = await api.search(query, options.k, options.key);
    console.log(options.json ? JSON.stringify(hits, null, 2) : formatHits(query, hits));
  });

program
  .command('upload')
  .description('upload files or folders to the bucket (keys are paths relative to each folder)')
  .argument('<paths...>', 'files or folders')
  .option('--prefix <prefix>', 'prefix for every key', '')
  .option('--bucket <bucket>', 'target bucket', defaultBucket)
  .option('--wait', 'wait until every uploaded version is searchable')
  .option('--timeout <seconds>', 'how long --wait waits', positiveInt, 300)
  .action(async (paths: string[], options: { prefix: string; bucket: string; wait?: boolean; timeout: number }) => {
    const s3 = createS3Client(config);
    const files = await listFiles(paths);
    if (files.length === 0) throw new CliError('no files to upload');
    const uploaded = await uploadFiles(s3, options.bucket, files, {
      prefix: options.prefix,
      onProgress: (done, total, object) => console.log(`[${done}/${total}] uploaded ${object.key} (${object.bytes} bytes)`),
    });
    if (options.wait) await waitIndexed(options.bucket, uploaded, options.timeout);
  });

program
  .command('ingest')
  .description('ask the pipeline to (re)ingest an object already in the bucket (posts a CloudEvent to the broker)')
  .argument('<key>', 'object key')
  .option('--bucket <bucket>', 'bucket', defaultBucket)
  .option('--wait', 'wait until the current version is searchable')
  .option('--timeout <seconds>', 'how long --wait waits', positiveInt, 300)
  .action(async (key: string, options: { bucket: string; wait?: boolean; timeout: number }) => {
    const event = new CloudEvent({
      type: EventType.IngestRequested,
      source: EventSource.cli,
      subject: key,
      datacontenttype: 'application/json',
      data: { bucket: options.bucket, key },
    });
    await publishEvent(config.BROKER_URL, event).catch((err: Error) => {
      throw new CliError(`${err.message} (is the stack up? make up)`);
    });
    console.log(`ingest requested for s3://${options.bucket}/${key} (event ${event.id})`);
    if (options.wait) {
      const head = await headObject(createS3Client(config), options.bucket, key);
      await waitIndexed(options.bucket, [{ key, etag: head.etag, bytes: head.size }], options.timeout);
    }
  });

program
  .command('status')
  .description('processing status of one object, or of every document')
  .argument('[key]', 'object key')
  .option('--bucket <bucket>', 'bucket', defaultBucket)
  .option('--status <status>', 'only documents in this status (without a key)')
  .option('--json', 'print JSON')
  .action(async (key: string | undefined, options: { bucket: string; status?: string; json?: boolean }) => {
    if (key) {
      const record = await api.status(key, options.bucket);
      if (options.json) console.log(JSON.stringify(record, null, 2));
      else console.log(formatStatusTable([record]));
      return;
    }
    const records = await api.statuses(options.status);
    console.log(options.json ? JSON.stringify(records, null, 2) : formatStatusTable(records));
  });

program
  .command('reconcile')
  .description('compare the bucket with the index and repair both directions')
  .option('--bucket <bucket>', 'only this bucket')
  .option('--json', 'print JSON')
  .action(async (options: { bucket?: string; json?: boolean }) => {
    const reports = await api.reconcile(options.bucket);
    if (options.json) return void console.log(JSON.stringify(reports, null, 2));
    for (const r of reports) {
      console.log(`${r.bucket}: ${r.objects} objects, ${r.inSync} in sync, ${r.requested.length} re-ingest requested, ${r.deleted.length} deletions requested`);
      for (const key of r.requested) console.log(`  ingest  ${key}`);
      for (const key of r.deleted) console.log(`  delete  ${key}`);
    }
  });

/** Polls until each object's uploaded version has points in the index. */
async function waitIndexed(bucket: string, objects: readonly UploadedObject[], timeoutSeconds: number): Promise<void> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  const pending = new Map(objects.map((o) => [o.key, o]));
  const started = Date.now();
  console.log(`waiting for ${pending.size} document(s) to be indexed…`);
  while (pending.size > 0) {
    for (const object of [...pending.values()]) {
      const doc = await api.documentPoints(object.key, { bucket, version: object.etag });
      if (doc.points > 0) {
        pending.delete(object.key);
        const done = objects.length - pending.size;
        console.log(`[${done}/${objects.length}] indexed ${object.key} (${doc.points} chunks, ${((Date.now() - started) / 1000).toFixed(1)}s)`);
      }
    }
    if (pending.size === 0) break;
    if (Date.now() > deadline) {
      throw new CliError(`timed out after ${timeoutSeconds}s; not indexed: ${[...pending.keys()].join(', ')} (see the logs in .sluice/logs)`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

try {
  await program.parseAsync(process.argv);
} catch (err) {
  // User errors get one clear line and exit code 1; no stack traces.
  console.error(`sluice: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
