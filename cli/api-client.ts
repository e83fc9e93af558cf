/** The CLI's view of the Sluice API: typed calls, and errors a user can act on. */
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

export function createApiClient(baseUrl: string) {
  const call = async <T>(path: string, init?: RequestInit): Promise<T> => {
    let res: Response;
    try {
      res = await fetch(new URL(path, baseUrl), { ...init, signal: AbortSignal.timeout(30_000) });
    } catch (err) {
      throw new CliError(`cannot reach the Sluice API at ${baseUrl} (${(err as Error).message}); is the stack up? (make up)`);
    }
    const body = await res.text();
    if (res.status === 404 && path.startsWith('/status/')) throw new CliError(JSON.parse(body).error as string);
    if (!res.ok) throw new CliError(`API ${res.status}: ${body.slice(0, 500)}`);
    return JSON.parse(body) as T;
  };
  return {
    search: (query: string, k: number, key?: string) =>
      call<{ hits: Hit[] }>('/search', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, k, key }) }),
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
  };
}
