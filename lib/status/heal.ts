/**
 * Self-healing after dead letters (pure): a document whose cycle was dead-lettered (a dependency
 * was down for longer than the broker's retry budget) is re-requested by reconcile, with an
 * exponential backoff per document so that a lasting outage does not become a storm. The
 * attempt count lives in the status record (`heal_attempts`); a document failed for a reason of
 * its own (corrupt, unsupported, too large) is never re-requested: trying again cannot help.
 */
import type { StatusRecord } from './record.js';

/** The failure reason of a cycle the broker gave up on (recordDeadLetter). */
export const DEAD_LETTERED = 'dead_lettered';

export interface HealPolicy {
  /** Wait before the first re-request; doubled for each one after (HEAL_BACKOFF_BASE_S). */
  baseMs: number;
  /** Longest wait between two re-requests (HEAL_BACKOFF_MAX_S). */
  maxMs: number;
}

export const DEFAULT_HEAL_POLICY: HealPolicy = { baseMs: 60_000, maxMs: 6 * 3_600_000 };

/** Wait after the failure of heal attempt `attempts` (0 = the original failure). */
export function healDelayMs(attempts: number, policy: HealPolicy): number {
  return Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(attempts, 40));
}

/** True for a record reconcile should heal (at some time): failed because it was dead-lettered. */
export function needsHealing(record: StatusRecord | undefined): record is StatusRecord {
  return record?.status === 'failed' && record.reason === DEAD_LETTERED;
}

/** When the next re-request of a dead-lettered record is due; undefined when it needs none. */
export function nextHealAt(record: StatusRecord | undefined, policy: HealPolicy): Date | undefined {
  if (!needsHealing(record)) return undefined;
  const failedAt = Date.parse(record.timestamps.failed ?? record.updated_at);
  return new Date(failedAt + healDelayMs(record.heal_attempts ?? 0, policy));
}
