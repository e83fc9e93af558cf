/** Prints the result table of a chaos run. */
import { readFileSync } from 'node:fs';
import { describeFault, type Fault } from './faults.js';
import { describe, type Verdict } from './ground-truth.js';
import type { PoisonResult } from './poison.js';

export interface FaultRecord {
  fault: Fault;
  startedMs: number;
  endedMs: number;
  note: string;
}

export interface Report {
  variant: string;
  seed: number;
  verdict: Verdict;
  faults: readonly FaultRecord[];
  lastFaultEndMs: number;
  convergedMs: number | undefined;
  rssMiB: ReadonlyMap<string, number>;
  poison: PoisonResult;
  embedding: { calls: number; answered: number; failed: Record<string, number>; delayed: number } | undefined;
  brokerLog: string;
  ok: boolean;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** Retries and dead letters the broker logged: evidence that retries were bounded and spaced. */
export function brokerRetryStats(logPath: string): { retries: number; deadLettered: number; maxAttempts: number; minWaitMs: number | undefined } {
  let retries = 0;
  let deadLettered = 0;
  let maxAttempts = 0;
  let minWaitMs: number | undefined;
  let text = '';
  try {
    text = readFileSync(logPath, 'utf8');
  } catch {
    return { retries, deadLettered, maxAttempts, minWaitMs };
  }
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    let entry: { msg?: string; attempts?: number; waitMs?: number };
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      continue;
    }
    if (entry.msg === 'delivery attempt failed; retrying') {
      retries++;
      if (entry.waitMs !== undefined) minWaitMs = Math.min(minWaitMs ?? Infinity, entry.waitMs);
    }
    if (entry.msg === 'event dead-lettered') deadLettered++;
    if (typeof entry.attempts === 'number') maxAttempts = Math.max(maxAttempts, entry.attempts);
  }
  return { retries, deadLettered, maxAttempts, minWaitMs };
}

export function printReport(r: Report): void {
  const v = r.verdict;
  const rows: [string, string][] = [
    ['variant / seed', `${r.variant} / ${r.seed}`],
    ['documents uploaded', `${v.uploaded} (${v.keys.filter((k) => k.kind === 'corpus').length} real, ${v.keys.filter((k) => k.kind === 'hostile').length} hostile)`],
    ['indexed', String(v.indexed)],
    ['failed (with reason)', String(v.failed.length)],
    ['lost', String(v.lost.length)],
    ['hostile not failed as expected', String(v.unexpected.length)],
    ['duplicate points', String(v.duplicatePoints)],
    ['stale chunks', String(v.stalePoints)],
    ['faults injected', String(r.faults.length)],
    [
      'time to converge after last fault',
      r.convergedMs === undefined
        ? 'did not converge'
        : r.convergedMs <= r.lastFaultEndMs + 1500
          ? 'settled by the time the last fault ended'
          : seconds(r.convergedMs - r.lastFaultEndMs),
    ],
    ['poison event dead-lettered', r.poison.deadLettered ? `yes, after ${seconds(r.poison.afterMs ?? 0)} (${r.poison.evidence.join('; ')})` : `NO (${r.poison.evidence.join('; ') || 'no evidence'})`],
  ];
  const broker = brokerRetryStats(r.brokerLog);
  rows.push(['broker retries / dead letters', `${broker.retries} retries (shortest wait ${broker.minWaitMs ?? '-'} ms), ${broker.deadLettered} dead-lettered, at most ${broker.maxAttempts} attempts per delivery`]);
  if (r.embedding) {
    rows.push(['embedding backend calls', `${r.embedding.calls} (${r.embedding.answered} answered, failed ${JSON.stringify(r.embedding.failed)}, ${r.embedding.delayed} delayed)`]);
  }
  for (const [name, mib] of [...r.rssMiB].sort()) rows.push([`peak RSS ${name}`, `${mib} MiB`]);

  const width = Math.max(...rows.map(([k]) => k.length));
  console.log('\n=== Chaos run ===');
  for (const [k, value] of rows) console.log(`${k.padEnd(width)}  ${value}`);

  console.log('\nFaults:');
  for (const f of r.faults) console.log(`  ${seconds(f.startedMs).padStart(8)} +${seconds(f.endedMs - f.startedMs).padEnd(7)} ${describeFault(f.fault)}${f.note ? ` — ${f.note}` : ''}`);
  console.log('\nDocuments:');
  for (const k of v.keys) console.log(`  ${k.ok ? 'ok  ' : 'FAIL'} ${k.kind.padEnd(7)} ${k.key}: ${describe(k.outcome)}`);
  console.log(`\n${r.ok ? 'PASS' : 'FAIL'}: ${r.ok ? 'nothing lost, duplicated or stale; every hostile file failed with a reason; the poison event was dead-lettered' : 'see FAIL lines above'}`);
}
