/**
 * A generation's settings from the configuration: what the environment describes is what
 * generation 1 is built with, and what `sluice reindex` changes one field of at a time.
 */
import { createReadStream, existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { basename, join, resolve } from 'node:path';
import type { Config } from '../config/pipeline.js';
import type { EmbeddingConfig } from '../config/embedding.js';
import { GenerationStateError, SPARSE_SETTINGS, type GenerationSettings, type ModelSettings } from './record.js';

/** The model name a process that has no model (split, index) records until the API writes the record. */
export const UNRECORDED_MODEL = '(not recorded yet)';

/** split and index read no model variables: the model part is a placeholder the API replaces. */
export function pipelineSettings(config: Pick<Config, 'CHUNK_SIZE' | 'CHUNK_OVERLAP' | 'EMBED_DIMENSION'>): GenerationSettings {
  return {
    model: { backend: 'onnx', name: UNRECORDED_MODEL, dimension: config.EMBED_DIMENSION },
    chunkSize: config.CHUNK_SIZE,
    chunkOverlap: config.CHUNK_OVERLAP,
    sparse: { ...SPARSE_SETTINGS },
  };
}

/** embed and the API: the configured model, named and hashed. */
export async function embeddingSettings(config: Pick<Config, 'CHUNK_SIZE' | 'CHUNK_OVERLAP' | 'EMBED_DIMENSION'> & EmbeddingConfig): Promise<GenerationSettings> {
  return { ...pipelineSettings(config), model: await modelSettings(config) };
}

/** The model of EMBED_MODEL_FILE (or `file`) in SLUICE_MODEL_DIR, or the OpenAI-compatible one. */
export async function modelSettings(config: Pick<Config, 'EMBED_DIMENSION'> & EmbeddingConfig, file?: string): Promise<ModelSettings> {
  if (config.EMBED_BACKEND === 'openai') {
    if (file !== undefined) throw new GenerationStateError('--model-file needs EMBED_BACKEND=onnx (a remote model is named by EMBED_API_MODEL)');
    return { backend: 'openai', name: config.EMBED_API_MODEL ?? 'unknown', dimension: config.EMBED_DIMENSION };
  }
  const modelFile = file ?? config.EMBED_MODEL_FILE;
  // A file name inside the model directory, never a path: the record travels to other hosts.
  if (basename(modelFile) !== modelFile || modelFile.startsWith('.')) throw new GenerationStateError(`model file ${JSON.stringify(modelFile)} must be a file name in SLUICE_MODEL_DIR`);
  const dir = resolve(config.SLUICE_MODEL_DIR);
  const path = join(dir, modelFile);
  if (!existsSync(path)) throw new GenerationStateError(`no model file ${modelFile} in ${dir}`);
  const manifest = JSON.parse(await readFile(join(dir, 'sluice-model.json'), 'utf8')) as { name?: unknown; dimension?: unknown };
  return {
    backend: 'onnx',
    name: typeof manifest.name === 'string' ? manifest.name : 'unknown',
    file: modelFile,
    sha256: await fileSha256(path),
    dimension: typeof manifest.dimension === 'number' ? manifest.dimension : config.EMBED_DIMENSION,
  };
}

export function fileSha256(path: string): Promise<string> {
  return new Promise((done, fail) => {
    const hash = createHash('sha256');
    createReadStream(path)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', fail)
      .on('end', () => done(hash.digest('hex')));
  });
}

/** What `sluice reindex` may change; anything left out stays as the serving generation has it. */
export interface SettingsChange {
  modelFile?: string | undefined;
  chunkSize?: number | undefined;
  chunkOverlap?: number | undefined;
}

export function describeSettings(settings: GenerationSettings): string {
  const model = settings.model.file ? `${settings.model.name} (${settings.model.file})` : settings.model.name;
  return `${model}, ${settings.model.dimension} dims, chunks ${settings.chunkSize}/${settings.chunkOverlap}`;
}

/**
 * The settings of a new generation: the serving one's with `change` applied. A model file is
 * named and hashed here, in the API, which has the model directory; the stages check the hash
 * when they load it.
 */
export async function applyChange(config: Pick<Config, 'EMBED_DIMENSION'> & EmbeddingConfig, serving: GenerationSettings, change: SettingsChange): Promise<GenerationSettings> {
  const chunkSize = change.chunkSize ?? serving.chunkSize;
  const chunkOverlap = change.chunkOverlap ?? Math.min(serving.chunkOverlap, Math.floor(chunkSize / 2));
  if (chunkOverlap >= chunkSize) throw new GenerationStateError(`chunk overlap ${chunkOverlap} must be smaller than the chunk size ${chunkSize}`);
  const model = change.modelFile !== undefined ? await modelSettings(config, change.modelFile) : serving.model;
  if (model.dimension !== serving.model.dimension && config.EMBED_DIMENSION !== model.dimension) {
    throw new GenerationStateError(`${model.name} makes ${model.dimension}-dimensional vectors; the stages are configured for ${config.EMBED_DIMENSION} (EMBED_DIMENSION)`);
  }
  return { ...serving, model, chunkSize, chunkOverlap };
}
