/** The CLI's view of the Sluice API: typed calls, and errors a user can act on. */
import { basicAuthHeader } from '../lib/http/basic-auth.js';
import type { DeadLetterSummary, ReplayResult } from '../services/api/dead-letters.js';
import type { ReindexStatus } from '../services/api/reindex.js';

export type { DeadLetterSummary, ReplayResult, ReindexStatus };

/** An error the user can act on: printed as one line, exit code 1 (no stack trace). */
export class CliError extends Error {
  override readonly name = 'CliError';
}

/** The API's search hit, declared once where the API builds it. */
export type { SearchHit as Hit } from '../services/api/search.js';
import type { SearchHit as Hit } from '../services/api/search.js';

export interface DocumentPoints {
  bucket: string;
  key: string;
  docId: string;
  points: number;
  version?: string;
}

export interface StatusRecord {
  key: string;
  bucket: string;
  status: string;
  version?: string;
  chunk_count?: number;
  attempts: number;
  reason?: string;
  error?: string;
  updated_at: string;
  timestamps: Record<string, string>;
}

export interface ApiClientOptions {
  /** HTTP basic-auth credentials (the first pair of SLUICE_BASIC_AUTH). */
  credential?: { user: string; password: string } | undefined;
}

export function createApiClient(baseUrl: string, options: ApiClientOptions = {}) {
  const auth: Record<string, string> = options.credential ? { authorization: basicAuthHeader(options.credential) } : {};
  const call = async <T>(path: string, init?: RequestInit & { okStatuses?: number[] }): Promise<T> => {
    let res: Response;
    try {
      res = await fetch(new URL(path, baseUrl), { ...init, headers: { ...auth, ...(init?.headers as Record<string, string>) }, signal: AbortSignal.timeout(60_000) });
    } catch (err) {
      const { cause } = err as { cause?: { code?: string; message?: string } };
      const reason = cause?.code ?? cause?.message ?? (err as Error).message;
      throw new CliError(`cannot reach the Sluice API at ${baseUrl} (${reason}): is the stack up? (make up)`);
    }
    const body = await res.text();
    if (res.status === 401) {
      throw new CliError(options.credential ? `the API at ${baseUrl} refused the credentials from SLUICE_BASIC_AUTH` : `the API at ${baseUrl} requires credentials: set SLUICE_BASIC_AUTH=user:password`);
    }
    if (!res.ok && !init?.okStatuses?.includes(res.status)) {
      throw new CliError([400, 403, 404, 409].includes(res.status) ? errorMessage(body) : `API ${res.status}: ${errorMessage(body).slice(0, 500)}`);
    }
    return JSON.parse(body) as T;
  };
  return {
    /** `filter`: metadata name → the exact value it must hold (SLUICE_FILTER_FIELDS), all of them. */
    search: (query: string, k: number, key?: string, mode?: string, filter?: Readonly<Record<string, string>>) =>
      call<{ hits: Hit[]; generation?: number }>('/search', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, k, key, mode, ...(filter ? { filter } : {}) }) }),
    status: (key: string, bucket?: string) =>
      call<StatusRecord>(`/status/${key.split('/').map(encodeURIComponent).join('/')}${bucket ? `?bucket=${encodeURIComponent(bucket)}` : ''}`),
    statuses: (status?: string) => call<StatusRecord[]>(`/status${status ? `?status=${encodeURIComponent(status)}` : ''}`),
    reconcile: (bucket?: string) =>
      call<{ bucket: string; objects: number; requested: string[]; deleted: string[]; inSync: number }[]>('/reconcile', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(bucket ? { bucket } : {}),
      }),
    documentPoints: (key: string, options: { bucket?: string; version?: string } = {}) => {
      const params = new URLSearchParams();
      if (options.bucket) params.set('bucket', options.bucket);
      if (options.version) params.set('version', options.version);
      return call<DocumentPoints>(`/documents/${key.split('/').map(encodeURIComponent).join('/')}?${params}`);
    },
    deadLetters: () => call<DeadLetterSummary[]>('/dead-letters'),
    /** Index generations (docs/generations.md). */
    reindexStatus: () => call<ReindexStatus>('/reindex'),
    reindex: (change: { modelFile?: string; chunkSize?: number; chunkOverlap?: number }) =>
      call<ReindexStatus>('/reindex', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(change), okStatuses: [202] }),
    reindexAction: (action: 'cancel' | 'rollback') => call<ReindexStatus>(`/reindex/${action}`, { method: 'POST' }),
    reindexPrune: () => call<{ dropped: number[] }>('/reindex/prune', { method: 'POST' }),
    /** Replays one dead letter, or every one with `all`; 502 means some could not be replayed. */
    replayDeadLetters: (id: string | 'all') =>
      call<ReplayResult>(`/dead-letters/${encodeURIComponent(id)}/replay`, { method: 'POST', okStatuses: [502] }),
  };
}

export type ApiClient = ReturnType<typeof createApiClient>;

/** The `error` of a JSON error body, or the body itself. */
function errorMessage(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: unknown };
    if (typeof parsed.error === 'string') return parsed.error;
  } catch {
    // not JSON: the body as it is
  }
  return body;
}
