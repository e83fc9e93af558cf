/**
 * `sluice reindex`: build a new index generation with another model file or chunking, swap
 * to it with zero downtime, roll back, prune (docs/generations.md). The work runs in the API;
 * this only asks and shows progress.
 */
import { InvalidArgumentError, type Command } from 'commander';
import type { Generation } from '../lib/generations/record.js';
import { CliError, type ApiClient, type ReindexStatus } from './api-client.js';

const positiveInt = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive whole number');
  return n;
};
const nonNegativeInt = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number');
  return n;
};

interface StartOptions {
  modelFile?: string;
  chunkSize?: number;
  chunkOverlap?: number;
  wait?: boolean;
  timeout: number;
  json?: boolean;
}

export function addReindexCommands(program: Command, api: ApiClient): void {
  const reindex = program
    .command('reindex')
    .description('build a new index generation (another model file or chunking) and swap to it when complete; see also its subcommands')
    .option('--model-file <file>', 'an ONNX graph in SLUICE_MODEL_DIR, e.g. model.onnx (fp32)')
    .option('--chunk-size <n>', 'target chunk length in characters', positiveInt)
    .option('--chunk-overlap <n>', 'characters shared by neighbouring chunks', nonNegativeInt)
    .option('--wait', 'wait until the new generation serves (or the build is cancelled)')
    .option('--timeout <seconds>', 'how long --wait waits', positiveInt, 3600)
    .option('--json', 'print JSON')
    .action(async (options: StartOptions) => {
      if (options.modelFile === undefined && options.chunkSize === undefined && options.chunkOverlap === undefined) {
        throw new CliError('say what the new generation changes: --model-file, --chunk-size or --chunk-overlap (sluice reindex status shows the current settings)');
      }
      const started = await api.reindex({
        ...(options.modelFile !== undefined ? { modelFile: options.modelFile } : {}),
        ...(options.chunkSize !== undefined ? { chunkSize: options.chunkSize } : {}),
        ...(options.chunkOverlap !== undefined ? { chunkOverlap: options.chunkOverlap } : {}),
      });
      const building = started.building;
      if (!building) throw new CliError('the API did not start a build');
      console.log(options.json ? JSON.stringify(started, null, 2) : `building generation ${building.id} (${describe(building)}) from generation ${started.serving.id}`);
      if (options.wait) await waitServing(api, building.id, options.timeout, Boolean(options.json));
    });

  reindex
    .command('status')
    .description('the generations: which serves, the build in progress (done/total, rate, ETA), the previous one kept for rollback')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const status = await api.reindexStatus();
      console.log(options.json ? JSON.stringify(status, null, 2) : formatReindexStatus(status));
    });

  reindex
    .command('cancel')
    .description('drop the generation being built; the serving one is untouched')
    .action(async () => console.log(formatReindexStatus(await api.reindexAction('cancel'))));

  reindex
    .command('rollback')
    .description('point the alias back at the previous generation (the current one is kept until prune)')
    .action(async () => console.log(formatReindexStatus(await api.reindexAction('rollback'))));

  reindex
    .command('prune')
    .description('drop the previous and cancelled generations (no rollback afterwards)')
    .action(async () => {
      const { dropped } = await api.reindexPrune();
      console.log(dropped.length === 0 ? 'nothing to prune' : `dropped generation(s) ${dropped.join(', ')}`);
    });
}

async function waitServing(api: ApiClient, id: number, timeoutSeconds: number, json: boolean): Promise<void> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  let last = '';
  for (;;) {
    const status = await api.reindexStatus();
    const generation = status.generations.find((g) => g.id === id);
    if (status.serving.id === id) {
      if (!json) console.log(`generation ${id} serves: the alias ${status.alias} now names ${status.serving.collection}`);
      return;
    }
    if (!generation || generation.state !== 'building') throw new CliError(`generation ${id} is ${generation?.state ?? 'gone'}; generation ${status.serving.id} still serves`);
    const line = status.building ? formatProgress(status.building) : '';
    if (!json && line !== last) console.log(line);
    last = line;
    if (Date.now() > deadline) throw new CliError(`timed out after ${timeoutSeconds}s; the build goes on (sluice reindex status)`);
    await new Promise((r) => setTimeout(r, 2000));
  }
}

function describe(g: Pick<Generation, 'settings'>): string {
  const m = g.settings.model;
  return `${m.name}${m.file ? ` ${m.file}` : ''}, ${m.dimension} dims, chunks ${g.settings.chunkSize}/${g.settings.chunkOverlap}`;
}

function formatProgress(b: NonNullable<ReindexStatus['building']>): string {
  const p = b.progress;
  const rate = p.rate !== undefined ? `, ${p.rate.toFixed(1)} docs/s` : '';
  const eta = p.etaSeconds !== undefined && p.done < p.total ? `, ETA ${p.etaSeconds}s` : '';
  const check = p.verification ? `; verified ${p.verification.complete}/${p.verification.objects}, ${p.verification.missing} missing, ${p.verification.busy} in flight` : '';
  const failed = p.verification && p.verification.failed.length > 0 ? `; blocked by ${p.verification.failed.length} failed: ${p.verification.failed.slice(0, 3).join(', ')}` : '';
  return `generation ${b.id}: ${p.done}/${p.total} done (${p.failed} failed, ${p.inFlight} in flight)${rate}${eta}${check}${failed}`;
}

export function formatReindexStatus(status: ReindexStatus): string {
  const lines = [`alias ${status.alias} → ${status.aliasTarget ?? '(none)'}`];
  for (const g of [...status.generations].sort((a, b) => b.id - a.id)) {
    const swapped = g.build?.swappedAt ? `, serving since ${g.build.swappedAt}` : '';
    lines.push(`  g${g.id} ${g.state.padEnd(9)} ${g.collection}: ${describe(g)}${swapped}`);
  }
  if (status.building) lines.push(formatProgress(status.building));
  return lines.join('\n');
}
