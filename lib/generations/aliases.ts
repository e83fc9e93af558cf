/**
 * The alias users query (`QDRANT_COLLECTION`) and the concrete generation collections behind
 * it, in Qdrant: reading the alias, moving it atomically, and moving an install from before
 * generations (a concrete collection named like the alias) into its first generation.
 *
 * Qdrant cannot give an alias a name a collection holds, so the pre-generations collection is
 * copied, not renamed: its points (ids, payloads and vectors as stored: no re-parse, no
 * re-embed) go to `<alias>-g1`, the copy is counted, the old collection is deleted and the
 * alias created. Every step is idempotent and the state in Qdrant says where a crash left it:
 *
 *   concrete <alias> exists      → (finish a sparse upgrade), copy into g1, count, delete it, then:
 *   no alias, serving collection → create the alias
 *   no alias, no collection      → nothing yet: index creates the collection with its first
 *                                  write (the dimension is fixed then) and the alias right after
 *   alias → a collection         → done
 *
 * Between the delete and the alias (one request apart) a search of the alias finds nothing;
 * the pipeline's own reads and writes name the concrete collection and are not affected.
 * Writes to the old collection by a process of an older release during the copy would be
 * lost with it; reconcile re-drives any document whose points are missing.
 */
import type { QdrantClient } from '@qdrant/js-client-rest';
import { KEYWORD_INDEXED_FIELDS } from '../documents/payload.js';
import { copyPoints, namedCollectionConfig, stagingCollectionName, upgradeLegacyCollection } from '../vector-store/upgrade.js';

export type AliasLog = (message: string, fields?: Record<string, unknown>) => void;

/** The collection the alias names, or undefined when there is no such alias. */
export async function aliasTarget(client: QdrantClient, alias: string): Promise<string | undefined> {
  const { aliases } = await client.getAliases();
  return aliases.find((a) => a.alias_name === alias)?.collection_name;
}

/** Names of the concrete collections (aliases are not listed). */
export async function collectionNames(client: QdrantClient): Promise<Set<string>> {
  return new Set((await client.getCollections()).collections.map((c) => c.name));
}

/**
 * Points the alias at `collection` in one aliases request (delete + create when it named
 * another), so that any request through the alias is answered by one collection or the other.
 */
export async function pointAlias(client: QdrantClient, alias: string, collection: string): Promise<void> {
  const current = await aliasTarget(client, alias);
  if (current === collection) return;
  await client.updateCollectionAliases({
    actions: [...(current !== undefined ? [{ delete_alias: { alias_name: alias } }] : []), { create_alias: { collection_name: collection, alias_name: alias } }],
  });
}

export interface EnsureAliasOptions {
  /** The serving generation's collection and its vectors' dimension. */
  collection: string;
  batchSize?: number;
  log?: AliasLog;
}

/** What ensureAlias did: `migrated` counts the points moved from a pre-generations collection. */
export interface EnsureAliasResult {
  migrated?: number;
  aliasCreated: boolean;
  /** The alias names a collection (false: nothing indexed yet, no collection to name). */
  inPlace: boolean;
}

export async function ensureAlias(client: QdrantClient, alias: string, options: EnsureAliasOptions): Promise<EnsureAliasResult> {
  const batchSize = options.batchSize ?? 256;
  let names = await collectionNames(client);
  const result: EnsureAliasResult = { aliasCreated: false, inPlace: false };
  if (names.has(alias) || names.has(stagingCollectionName(alias))) {
    result.migrated = await migrateConcrete(client, alias, options.collection, batchSize, names, options.log);
    names = await collectionNames(client);
  }
  const current = await aliasTarget(client, alias);
  if (current !== undefined && names.has(current)) return { ...result, inPlace: true };
  if (!names.has(options.collection)) return result;
  await pointAlias(client, alias, options.collection);
  options.log?.('alias created', { alias, collection: options.collection });
  return { ...result, aliasCreated: true, inPlace: true };
}

/** A generation's collection: named dense + sparse vectors and the keyword payload indexes. */
export async function createGenerationCollection(client: QdrantClient, collection: string, dimension: number): Promise<void> {
  await client.createCollection(collection, namedCollectionConfig(dimension)).catch((err: unknown) => {
    if ((err as { status?: number }).status !== 409) throw err;
  });
  for (const field of KEYWORD_INDEXED_FIELDS) await client.createPayloadIndex(collection, { field_name: field, field_schema: 'keyword', wait: true });
}

async function migrateConcrete(client: QdrantClient, alias: string, target: string, batchSize: number, names: Set<string>, log?: AliasLog): Promise<number> {
  // A dense-only collection (or an upgrade interrupted half-way) is upgraded in place first,
  // so that the copy below moves named dense + sparse vectors as they are.
  await upgradeLegacyCollection(client, alias, { batchSize, indexedFields: KEYWORD_INDEXED_FIELDS, ...(log ? { log } : {}) });
  const info = await client.getCollection(alias);
  const vectors = info.config.params.vectors as Record<string, { size?: number }>;
  const dimension = vectors.dense?.size;
  if (typeof dimension !== 'number') throw new Error(`collection ${alias} has no dense vector size`);
  if (!names.has(target)) await createGenerationCollection(client, target, dimension);
  const copied = await copyPoints(client, alias, target, batchSize);
  const [source, copy] = await Promise.all([client.count(alias, { exact: true }), client.count(target, { exact: true })]);
  // Ids are kept, so the copy holds at least every point of the source; fewer means it did not finish.
  if (copy.count < source.count) throw new Error(`copying ${alias} into ${target} left ${copy.count} of ${source.count} points; the next start retries it`);
  await client.deleteCollection(alias);
  log?.('collection moved into its first generation', { alias, collection: target, points: copied });
  return copied;
}
