/**
 * `sluice`: the command line of the platform. Talks to S3, the broker ingress and the API as
 * configured in the environment (or the checkout's .env / .env.example). Exit codes: 0 ok,
 * 1 failure, 2 usage error; user errors are one line on stderr, never a stack trace.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { SingleBar } from 'cli-progress';
import { createBrokerPublisher } from '../lib/runtime/publish.js';
import { createEvent } from '../lib/events/create-event.js';
import { operatorTokens } from '../lib/auth/from-config.js';
import { brokerAudience } from '../lib/auth/identity.js';
import { ConfigError, loadCliConfig } from '../lib/config.js';
import { BasicAuthConfigError, firstCredential } from '../lib/http/basic-auth.js';
import { EventSource, EventType } from '../lib/events/types.js';
import { createS3Client, headObject } from '../lib/storage/s3.js';
import { CliError, createApiClient } from './api-client.js';
import { findRepoRoot, loadProjectEnv, stackDataDir } from './env.js';
import { formatDeadLetters, formatHits, formatStatusTable } from './format.js';
import { addReindexCommands } from './reindex.js';
import { listFiles, uploadFiles, type UploadedObject } from './upload.js';
import { countStatuses, finishedOf, formatProgress, pendingOf, RateTracker } from './watch.js';
import { SEARCH_MODES, type SearchMode } from '../lib/vector-store/search-mode.js';

const EXIT_FAILURE = 1;
const EXIT_USAGE = 2;

/** Wrong use of the command (missing or conflicting arguments): exit code 2. */
class UsageError extends Error {
  override readonly name = 'UsageError';
}

loadProjectEnv();
let config: ReturnType<typeof loadCliConfig>;
let credential: ReturnType<typeof firstCredential>;
try {
  config = loadCliConfig();
  credential = firstCredential(config.SLUICE_BASIC_AUTH);
} catch (err) {
  if (!(err instanceof ConfigError || err instanceof BasicAuthConfigError)) throw err;
  console.error(`sluice: ${err.message}`);
  process.exit(EXIT_USAGE);
}
const apiUrl = config.SLUICE_API_URL ?? `http://127.0.0.1:${config.API_PORT}`;
const api = createApiClient(apiUrl, { credential });
const defaultBucket = config.buckets[0]!;
const interactive = Boolean(process.stdout.isTTY);

const positiveInt = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive whole number');
  return n;
};

/** A repeatable `name=value` option, collected into one object; a name given twice is a usage error. */
const nameValue = (value: string, previous: Record<string, string> = {}) => {
  const at = value.indexOf('=');
  if (at < 1 || at === value.length - 1) throw new InvalidArgumentError('expected name=value');
  const name = value.slice(0, at);
  if (name in previous) throw new InvalidArgumentError(`${name} given twice`);
  return { ...previous, [name]: value.slice(at + 1) };
};

const program = new Command('sluice')
  .description('Sluice: asynchronous RAG ingestion into Qdrant')
  .showHelpAfterError()
  .exitOverride()
  .addHelpText(
    'after',
    `
Environment: SLUICE_API_URL (the API, default http://127.0.0.1:$API_PORT), SLUICE_BASIC_AUTH
(user:password; the first pair is sent to the API), S3_* and AWS_* for upload, BROKER_URL for ingest.
Exit codes: 0 ok, 1 failure, 2 usage error.`,
  );

program
  .command('up')
  .description('start the local stack (stack/up.sh)')
  .action(async () => runStackScript('up.sh', []));

program
  .command('down')
  .description('stop the local stack (stack/down.sh)')
  .option('--keep-rabbitmq', 'leave the RabbitMQ server running')
  .action(async (options: { keepRabbitmq?: boolean }) => runStackScript('down.sh', options.keepRabbitmq ? ['--keep-rabbitmq'] : []));

program
  .command('search')
  .description('search the indexed documents')
  .argument('<query>', 'the question')
  .option('-k, --k <n>', 'number of hits', positiveInt, 5)
  .option('--key <key>', 'only search this object')
  .option('--filter <name=value>', 'only documents whose metadata field holds this value (repeatable; fields: SLUICE_FILTER_FIELDS)', nameValue)
  .addOption(new Option('--mode <mode>', 'hybrid: dense + sparse fused; dense or sparse alone').choices(SEARCH_MODES).default('hybrid'))
  .option('--json', 'print a JSON array of hits')
  .action(async (query: string, options: { k: number; key?: string; filter?: Record<string, string>; mode: SearchMode; json?: boolean }) => {
    const { hits } = await api.search(query, options.k, options.key, options.mode, options.filter);
    console.log(options.json ? JSON.stringify(hits, null, 2) : formatHits(query, hits));
  });

program
  .command('upload')
  .description('upload files or folders to the bucket (keys are paths relative to each folder)')
  .argument('<paths...>', 'files or folders')
  .option('--prefix <prefix>', 'prefix for every key', '')
  .option('--bucket <bucket>', 'target bucket', defaultBucket)
  .option('--meta <name=value>', 'user metadata (x-amz-meta-<name>) for every file, searchable with --filter (repeatable)', nameValue)
  .option('--wait', 'wait until every uploaded version is searchable')
  .option('--timeout <seconds>', 'how long --wait waits', positiveInt, 300)
  .action(async (paths: string[], options: { prefix: string; bucket: string; meta?: Record<string, string>; wait?: boolean; timeout: number }) => {
    const s3 = createS3Client(config);
    const files = await listFiles(paths).catch((err: NodeJS.ErrnoException) => {
      throw new CliError(err.code === 'ENOENT' ? `no such file or folder: ${err.path}` : err.message);
    });
    if (files.length === 0) throw new CliError('no files to upload');
    // A bar on a terminal; one line per file otherwise (logs, CI, pipes).
    const bar = interactive ? new SingleBar({ format: 'uploading [{bar}] {value}/{total} files | {key}', hideCursor: true, clearOnComplete: false }) : undefined;
    bar?.start(files.length, 0, { key: '' });
    const uploaded = await uploadFiles(s3, options.bucket, files, {
      prefix: options.prefix,
      ...(options.meta ? { metadata: options.meta } : {}),
      onProgress: (done, total, object) => {
        if (bar) bar.update(done, { key: object.key });
        else console.log(`[${done}/${total}] uploaded ${object.key} (${object.bytes} bytes)`);
      },
    })
      .catch((err: Error) => {
        throw new CliError(`upload to s3://${options.bucket} at ${config.S3_ENDPOINT} failed: ${err.message}`);
      })
      .finally(() => bar?.stop());
    const bytes = uploaded.reduce((sum, o) => sum + o.bytes, 0);
    console.log(`uploaded ${uploaded.length} file(s), ${bytes} bytes, to s3://${options.bucket}/${options.prefix}`);
    if (options.wait) await waitIndexed(options.bucket, uploaded, options.timeout);
  });

program
  .command('token')
  .description("print an OIDC token of the local operator identity (sluice-cli), for curl: -H \"Authorization: Bearer $(npx sluice token)\"")
  .option('--audience <audience>', 'the receiver it is for', brokerAudience('sluice'))
  .action(async (options: { audience: string }) => {
    const tokens = operatorTokens(config, stackDataDir());
    if (!tokens) throw new CliError('SLUICE_AUTH=off: no tokens are needed');
    console.log(await tokens.token(options.audience).catch((err: Error) => {
      throw new CliError(`${err.message} (is the stack up? make up)`);
    }));
  });

program
  .command('ingest')
  .description('ask the pipeline to (re)ingest an object already in the bucket (posts a CloudEvent to the broker)')
  .argument('<key>', 'object key')
  .option('--bucket <bucket>', 'bucket', defaultBucket)
  .option('--wait', 'wait until the current version is searchable')
  .option('--timeout <seconds>', 'how long --wait waits', positiveInt, 300)
  .action(async (key: string, options: { bucket: string; wait?: boolean; timeout: number }) => {
    const event = createEvent(EventType.IngestRequested, EventSource.cli, key, { bucket: options.bucket, key });
    const publish = createBrokerPublisher({ url: config.BROKER_URL, tokens: operatorTokens(config, stackDataDir()) });
    await publish(event).catch((err: Error) => {
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
  .command('watch')
  .description('live progress of a bulk ingest: queued, in flight, indexed, unchanged, failed, rate and ETA')
  .option('--follow', 'keep watching after nothing is in flight (until Ctrl-C)')
  .option('--prefix <prefix>', 'only documents whose key starts with this')
  .option('--interval <seconds>', 'seconds between refreshes', positiveInt, 1)
  .option('--settle <seconds>', 'end once nothing has been queued or in flight for this long', positiveInt, 5)
  .action(async (options: WatchOptions) => watch(options));

const dlq = program.command('dlq').description('dead letters: events the broker gave up on after its retries');

dlq
  .command('list')
  .description('list the stored dead letters')
  .option('--json', 'print JSON')
  .action(async (options: { json?: boolean }) => {
    const letters = await api.deadLetters();
    console.log(options.json ? JSON.stringify(letters, null, 2) : formatDeadLetters(letters));
  });

dlq
  .command('replay')
  .description('publish dead-lettered events to the broker again (without the error extensions) and remove them')
  .argument('[id]', 'dead letter id (from dlq list)')
  .addOption(new Option('--all', 'replay every dead letter'))
  .option('--json', 'print JSON')
  .action(async (id: string | undefined, options: { all?: boolean; json?: boolean }) => {
    if (Boolean(id) === Boolean(options.all)) throw new UsageError('dlq replay needs either a dead letter id or --all');
    const result = await api.replayDeadLetters(options.all ? 'all' : id!);
    if (options.json) console.log(JSON.stringify(result, null, 2));
    else {
      for (const replayed of result.replayed) console.log(`replayed ${replayed}`);
      for (const failed of result.failed) console.error(`not replayed ${failed.id}: ${failed.error}`);
      if (result.replayed.length + result.failed.length === 0) console.log('No dead letters.');
    }
    if (result.failed.length > 0) process.exitCode = EXIT_FAILURE;
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

addReindexCommands(program, api);

/**
 * Polls until each object's uploaded version has points in the index, or its status says this
 * version failed. Exit code 1 when any failed.
 */
async function waitIndexed(bucket: string, objects: readonly UploadedObject[], timeoutSeconds: number): Promise<void> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  const pending = new Map(objects.map((o) => [o.key, o]));
  const failed: string[] = [];
  const started = Date.now();
  const seconds = () => ((Date.now() - started) / 1000).toFixed(1);
  console.log(`waiting for ${pending.size} document(s) to be indexed…`);
  while (pending.size > 0) {
    for (const object of [...pending.values()]) {
      const doc = await api.documentPoints(object.key, { bucket, version: object.etag });
      const done = () => objects.length - pending.size;
      if (doc.points > 0) {
        pending.delete(object.key);
        console.log(`[${done()}/${objects.length}] indexed ${object.key} (${doc.points} chunks, ${seconds()}s)`);
        continue;
      }
      const record = await api.status(object.key, bucket).catch(() => undefined);
      if (record?.status === 'failed' && record.version === object.etag) {
        pending.delete(object.key);
        failed.push(object.key);
        console.log(`[${done()}/${objects.length}] FAILED ${object.key}: ${record.error ?? record.reason ?? 'unknown error'}`);
      }
    }
    if (pending.size === 0) break;
    if (Date.now() > deadline) {
      throw new CliError(`timed out after ${timeoutSeconds}s; not indexed: ${[...pending.keys()].join(', ')} (see sluice status and the logs in .sluice/logs)`);
    }
    await sleep(250);
  }
  if (failed.length > 0) throw new CliError(`${failed.length} of ${objects.length} document(s) failed: ${failed.join(', ')}`);
}

/** Refreshes the counts until nothing is queued or in flight (or forever with --follow). */
interface WatchOptions {
  follow?: boolean;
  prefix?: string;
  interval: number;
  settle: number;
}

async function watch(options: WatchOptions): Promise<void> {
  const rate = new RateTracker();
  let lastLine = '';
  // An upload's `queued` record appears a moment after the upload (the source and the broker
  // come first), so "nothing pending" must hold for a while before the watch ends.
  let idleSince: number | undefined;
  for (;;) {
    const records = (await api.statuses()).filter((r) => !options.prefix || r.key.startsWith(options.prefix));
    const counts = countStatuses(records);
    rate.add(Date.now(), finishedOf(counts));
    const line = formatProgress(counts, rate.rate(), rate.eta(pendingOf(counts)));
    if (interactive) process.stdout.write(`\r\x1b[2K${line}`);
    else if (line !== lastLine) console.log(line);
    lastLine = line;
    if (pendingOf(counts) > 0) idleSince = undefined;
    else idleSince ??= Date.now();
    if (!options.follow && idleSince !== undefined && Date.now() - idleSince >= options.settle * 1000) break;
    await sleep(options.interval * 1000);
  }
  if (interactive) process.stdout.write('\n');
}

/** Runs one of the stack scripts of this checkout, with the terminal attached. */
async function runStackScript(script: string, args: readonly string[]): Promise<void> {
  const root = findRepoRoot();
  if (!root) throw new CliError('up and down work from a Sluice checkout (stack/ not found)');
  const code = await new Promise<number>((resolve, reject) => {
    const child = spawn('bash', [join(root, 'stack', script), ...args], { cwd: root, stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', (status, signal) => resolve(status ?? (signal ? 128 : 1)));
  });
  if (code !== 0) throw new CliError(`stack/${script} failed (exit code ${code}; logs in .sluice/logs)`);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

try {
  await program.parseAsync(process.argv);
} catch (err) {
  process.exit(exitCodeFor(err));
}

/** Prints the error the way the user needs it and says which exit code it means. */
function exitCodeFor(err: unknown): number {
  if (err instanceof CommanderError) {
    // Commander already printed its message (and the help); --help is exit code 0, and a
    // missing subcommand or bad argument a usage error.
    return err.exitCode === 0 ? 0 : EXIT_USAGE;
  }
  if (err instanceof UsageError) {
    console.error(`sluice: ${err.message} (see sluice --help)`);
    return EXIT_USAGE;
  }
  // User errors are one clear line; anything else is a bug, and SLUICE_DEBUG=1 shows its stack.
  console.error(`sluice: ${err instanceof Error ? err.message : String(err)}`);
  if (!(err instanceof CliError) && config.SLUICE_DEBUG && err instanceof Error) console.error(err.stack);
  return EXIT_FAILURE;
}
