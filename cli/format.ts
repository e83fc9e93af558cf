/** Human-readable output of the CLI. JSON output never goes through here. */
import type { DeadLetterSummary, Hit, StatusRecord } from './api-client.js';

export function formatHits(query: string, hits: readonly Hit[]): string {
  if (hits.length === 0) return `No results for "${query}".`;
  const lines = [`Results for "${query}":`];
  hits.forEach((hit, i) => {
    const where = [hit.page !== undefined ? `page ${hit.page}` : undefined, hit.heading ? `§ ${hit.heading}` : undefined, hit.ocr ? 'OCR' : undefined].filter(Boolean).join(', ');
    lines.push(`${String(i + 1).padStart(2)}. ${hit.score.toFixed(3)}  ${hit.key}${where ? `  (${where})` : ''}`);
    lines.push(`      ${excerpt(hit.text, 200)}`);
    const meta = Object.entries(hit.meta ?? {}).map(([name, value]) => `${name}=${value}`);
    if (meta.length > 0) lines.push(`      ${excerpt(meta.join(', '), 200)}`);
  });
  return lines.join('\n');
}

export function excerpt(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

export function formatStatusTable(records: readonly StatusRecord[]): string {
  if (records.length === 0) return 'No documents yet.';
  const rows = records.map((r) => [r.status, r.key, r.version?.slice(0, 12) ?? '', r.chunk_count?.toString() ?? '', String(r.attempts), r.updated_at, r.error ? excerpt(r.error, 80) : '']);
  return table(['STATUS', 'KEY', 'VERSION', 'CHUNKS', 'ATTEMPTS', 'UPDATED', 'ERROR'], rows);
}

export function formatDeadLetters(letters: readonly DeadLetterSummary[]): string {
  if (letters.length === 0) return 'No dead letters.';
  const rows = letters.map((l) => [l.id, l.type, l.subject ?? '', l.errorCode ?? '', l.errorDest ?? '', l.errorData ? excerpt(l.errorData, 60) : '']);
  return table(['ID', 'TYPE', 'SUBJECT', 'CODE', 'LAST DESTINATION', 'LAST RESPONSE'], rows);
}

function table(header: readonly string[], rows: readonly string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  return [header, ...rows].map((row) => row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}
