/** Index generations: the record, the alias, per-generation stores and settings (the embedder pool is ./embedders.ts: it loads the model runtime). */
export * from './record.js';
export { createGenerationRecordStore, generationsRecordKey, type GenerationRecordStore, type GenerationRecordStoreOptions } from './store.js';
export { aliasTarget, collectionNames, createGenerationCollection, ensureAlias, pointAlias, type EnsureAliasOptions, type EnsureAliasResult } from './aliases.js';
export { createGenerations, type Generations, type GenerationsOptions } from './resolver.js';
export { servingStatusStore, servingVectorStore } from './serving.js';
export { applyChange, describeSettings, embeddingSettings, fileSha256, modelSettings, pipelineSettings, UNRECORDED_MODEL, type SettingsChange } from './settings.js';
export { generationLimits } from './limits.js';
export { reusableVectors } from './reuse.js';
