/**
 * One embedder per model a generation names: the process's configured one, and, while a
 * re-index to another model file runs, that file's too (loaded on first use, its SHA-256
 * checked against the record, kept until the process ends). Used by embed (the generation an
 * event is for) and the API (the serving generation's model embeds each query).
 */
import { resolve, join } from 'node:path';
import type { EmbeddingConfig } from '../config/embedding.js';
import { createEmbedder, type EmbedderOptions } from '../embedding/index.js';
import type { Embedder } from '../embedding/types.js';
import { sameModel, type ModelSettings } from './record.js';
import { fileSha256, UNRECORDED_MODEL } from './settings.js';

export interface EmbedderPool {
  /** The embedder of `model`; the configured one when the record names it (or names none yet). */
  embedderFor(model: ModelSettings): Promise<Embedder>;
  close(): Promise<void>;
}

export class ModelUnavailableError extends Error {
  override readonly name = 'ModelUnavailableError';
}

export function createEmbedderPool(config: EmbeddingConfig, configured: Embedder, configuredModel: ModelSettings, options: EmbedderOptions = {}): EmbedderPool {
  const loaded = new Map<string, Promise<Embedder>>();
  const load = async (model: ModelSettings): Promise<Embedder> => {
    if (model.backend !== 'onnx' || config.EMBED_BACKEND !== 'onnx' || model.file === undefined) {
      throw new ModelUnavailableError(`this process embeds with ${configuredModel.name}; it cannot load ${model.backend} model ${model.name} (run an embed Service configured for it)`);
    }
    const path = join(resolve(config.SLUICE_MODEL_DIR), model.file);
    const hash = await fileSha256(path).catch((err: Error) => {
      throw new ModelUnavailableError(`model file ${model.file} of generation's model ${model.name} is not in ${config.SLUICE_MODEL_DIR}: ${err.message}`);
    });
    if (model.sha256 !== undefined && hash !== model.sha256) {
      throw new ModelUnavailableError(`model file ${path} has SHA-256 ${hash}, the generation was built with ${model.sha256}`);
    }
    const embedder = await createEmbedder({ ...config, EMBED_MODEL_FILE: model.file }, options);
    if (embedder.model.dimension !== model.dimension) {
      await embedder.close();
      throw new ModelUnavailableError(`${model.file} makes ${embedder.model.dimension}-dimensional vectors, the generation records ${model.dimension}`);
    }
    return embedder;
  };
  return {
    async embedderFor(model) {
      if (model.name === UNRECORDED_MODEL || sameModel(model, configuredModel)) return configured;
      const key = `${model.backend}:${model.file ?? model.name}:${model.sha256 ?? ''}`;
      let embedder = loaded.get(key);
      if (!embedder) {
        embedder = load(model);
        loaded.set(key, embedder);
        embedder.catch(() => loaded.delete(key));
      }
      return embedder;
    },
    async close() {
      for (const embedder of loaded.values()) await embedder.then((e) => e.close()).catch(() => undefined);
    },
  };
}
