/** The query of `GET /status`: an optional status filter and, for one page, `limit` and `cursor`. */
import { z } from 'zod';
import { STATUSES, type DocumentStatus } from '../../lib/status/index.js';

const StatusQuery = z.object({
  status: z.enum(STATUSES, { message: `status must be one of ${STATUSES.join(', ')}` }).optional(),
  limit: z.coerce.number({ message: 'limit must be a number' }).int('limit must be an integer').min(1, 'limit must be 1 to 1000').max(1000, 'limit must be 1 to 1000').optional(),
  /** A point id as the store hands it out (UUID or unsigned integer). */
  cursor: z.string().regex(/^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|\d{1,20})$/i, 'cursor must be one the API returned as next').optional(),
});

export interface StatusPageQuery {
  status?: DocumentStatus;
  limit?: number;
  cursor?: string;
}

export function parseStatusPage(query: unknown): StatusPageQuery | { error: string } {
  const parsed = StatusQuery.safeParse(query);
  if (!parsed.success) return { error: parsed.error.issues.map((i) => i.message).join('; ') };
  const { status, limit, cursor } = parsed.data;
  if (cursor !== undefined && limit === undefined) return { error: 'cursor needs limit' };
  return { ...(status ? { status } : {}), ...(limit !== undefined ? { limit } : {}), ...(cursor !== undefined ? { cursor } : {}) };
}
