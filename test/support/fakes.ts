/** Fakes for pure unit tests of stage logic. Integration tests use the real components. */
import { z } from 'zod';
import type { ClaimCheck } from '../../lib/events/schemas.js';
import { ClaimGoneError, claimPrefix, type ClaimCheckStore, type ClaimCleanup, type KeyedClaims } from '../../lib/storage/claim-check.js';
import { createLogger } from '../../lib/log.js';
import type { DocumentLimits } from '../../lib/documents/verify.js';
import { InvalidEventError } from '../../lib/runtime/errors.js';

/** The limits stages verify events against, small enough for unit tests (3-dimensional vectors). */
export function testLimits(overrides: Partial<DocumentLimits> = {}): DocumentLimits {
  return {
    buckets: ['documents'],
    pipelineBucket: 'sluice-pipeline',
    maxObjectBytes: 1_000_000,
    maxChunks: 50,
    maxChunkChars: 1000,
    maxPages: 100,
    dimension: 3,
    maxClaimBytes: 1_000_000,
    ...overrides,
  };
}

/** Claim checks kept in a Map, with the same threshold rule as the S3-backed store. */
export function createMemoryClaimStore(thresholdBytes = 65536): ClaimCheckStore & KeyedClaims & ClaimCleanup & { objects: Map<string, unknown> } {
  const objects = new Map<string, unknown>();
  return {
    objects,
    async pack(items, key) {
      const json = JSON.stringify(items);
      if (Buffer.byteLength(json) <= thresholdBytes) return { items: [...items] };
      objects.set(key, JSON.parse(json));
      const claim: ClaimCheck = { bucket: 'sluice-pipeline', key, bytes: Buffer.byteLength(json) };
      return { claim };
    },
    async unpack(ref, itemSchema) {
      // Like the S3-backed store: only its own bucket, and a claim that is gone is invalid.
      if (ref.claim && ref.claim.bucket !== 'sluice-pipeline') throw new InvalidEventError(`claim check s3://${ref.claim.bucket}/${ref.claim.key} is not readable`);
      if (ref.claim && !objects.has(ref.claim.key)) throw new ClaimGoneError(`claim check s3://${ref.claim.bucket}/${ref.claim.key} is gone`);
      const raw = ref.claim ? objects.get(ref.claim.key) : ref.items;
      return z.array(itemSchema).parse(raw);
    },
    async put(items, key) {
      objects.set(key, JSON.parse(JSON.stringify(items)));
    },
    async get(key, itemSchema) {
      const parsed = z.array(itemSchema).safeParse(objects.get(key));
      return parsed.success ? parsed.data : undefined;
    },
    async deleteClaims({ docId, version, generation }) {
      const prefix = claimPrefix(docId, version, generation);
      const keys = [...objects.keys()].filter((k) => k.startsWith(prefix));
      for (const k of keys) objects.delete(k);
      return keys.length;
    },
  };
}

export const silentContext = { log: createLogger('test').child({}, { level: 'silent' }) };

import { applyTransition, byTransitionTime, STATUSES, type DocumentStatus, type StatusRecord, type StatusStore, type StatusTransition } from '../../lib/status/index.js';

/** Status records in a Map, with the real transition rule (transitions kept unpruned). */
export function createMemoryStatusStore(): StatusStore & { records: Map<string, StatusRecord> } {
  const records = new Map<string, StatusRecord>();
  const history = new Map<string, StatusTransition[]>();
  return {
    records,
    async get(docId) {
      return records.get(docId);
    },
    async transitions(docId) {
      return [...(history.get(docId) ?? [])].sort(byTransitionTime);
    },
    async record(transition) {
      const next = applyTransition(records.get(transition.docId), transition);
      if (next) {
        records.set(transition.docId, next);
        history.set(transition.docId, [...(history.get(transition.docId) ?? []), transition]);
      }
      return next;
    },
    async list(options = {}) {
      return [...records.values()].filter((r) => (!options.status || r.status === options.status) && (!options.bucket || r.bucket === options.bucket));
    },
    async page(options = {}) {
      const all = (await this.list(options)).sort((a, b) => a.doc_id.localeCompare(b.doc_id));
      const from = options.cursor ? all.findIndex((r) => r.doc_id === options.cursor) : 0;
      const limit = options.limit ?? 100;
      const next = all[from + limit]?.doc_id;
      return { records: all.slice(from, from + limit), ...(next ? { next } : {}) };
    },
    async counts() {
      const counts = Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<DocumentStatus, number>;
      for (const r of records.values()) counts[r.status]++;
      return counts;
    },
  };
}

import { DeadLetterNotFoundError, toStoredDeadLetter, type DeadLetterStore, type StoredDeadLetter } from '../../services/api/dead-letters.js';

/** Dead letters in a Map, stored and looked up as the S3-backed store does. */
export function createMemoryDeadLetterStore(): DeadLetterStore & { letters: Map<string, StoredDeadLetter> } {
  const letters = new Map<string, StoredDeadLetter>();
  return {
    letters,
    add: async (event) => {
      const letter = toStoredDeadLetter(event, new Date());
      letters.set(letter.id, letter);
      return letter;
    },
    list: async () => [...letters.values()],
    get: async (id) => {
      const letter = letters.get(id);
      if (!letter) throw new DeadLetterNotFoundError(`no dead letter ${id}`);
      return letter;
    },
    remove: async (id) => void letters.delete(id),
    stored: () => letters.size,
  };
}
