/**
 * The status and search page (`GET /ui`): server-rendered HTML with the documents as they are
 * now, plus a small vanilla script (`/ui/app.js`, no build step) that refreshes the table by
 * polling `/status`, filters and sorts it, and runs searches against `/search`. Keys, errors and
 * excerpts are untrusted: the server escapes them, the script only ever sets `textContent`, and
 * the Content-Security-Policy allows no inline script at all.
 */
import { STATUSES, type StatusRecord } from '../../lib/status/index.js';

export const PAGE_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

function documentRow(record: StatusRecord): string {
  const cells = [
    `<td class="status status-${escapeHtml(record.status)}">${escapeHtml(record.status)}</td>`,
    `<td class="key">${escapeHtml(record.key)}</td>`,
    `<td class="version" title="${escapeHtml(record.version ?? '')}">${escapeHtml((record.version ?? '').slice(0, 12))}</td>`,
    `<td class="chunks">${record.chunk_count ?? ''}</td>`,
    `<td class="attempts">${record.attempts}</td>`,
    `<td class="updated">${escapeHtml(record.updated_at)}</td>`,
    `<td class="error">${escapeHtml(record.error ?? '')}</td>`,
  ];
  return `<tr data-key="${escapeHtml(record.key)}">${cells.join('')}</tr>`;
}

export function renderPage(documents: readonly StatusRecord[]): string {
  const options = STATUSES.map((s) => `<option value="${s}">${s}</option>`).join('');
  const headers = [
    ['status', 'Status'],
    ['key', 'Key'],
    ['version', 'Version'],
    ['chunks', 'Chunks'],
    ['attempts', 'Attempts'],
    ['updated', 'Updated'],
    ['error', 'Error'],
  ]
    .map(([column, label]) => `<th><button type="button" data-sort="${column}">${label}</button></th>`)
    .join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sluice</title>
<link rel="stylesheet" href="/ui/app.css">
<script src="/ui/app.js" defer></script>
</head>
<body>
<header><h1>Sluice</h1><span id="summary"></span></header>
<section aria-labelledby="search-title">
<h2 id="search-title">Search</h2>
<form id="search-form">
<input id="query" name="q" type="search" placeholder="Ask the documents…" required maxlength="4000" aria-label="Question">
<label>hits <input id="k" name="k" type="number" min="1" max="100" value="5"></label>
<label>mode <select id="mode" name="mode"><option value="hybrid" selected>hybrid</option><option value="dense">dense</option><option value="sparse">sparse</option></select></label>
<label>filter <input id="filter" name="filter" type="search" placeholder="owner:alice, team:sre" maxlength="2000" aria-label="Metadata filters, name:value separated by commas"></label>
<button type="submit">Search</button>
</form>
<p id="search-status" role="status"></p>
<ol id="hits"></ol>
</section>
<section aria-labelledby="documents-title">
<h2 id="documents-title">Documents</h2>
<div class="filters">
<label>status <select id="status-filter"><option value="">all</option>${options}</select></label>
<label>key <input id="key-filter" type="search" placeholder="contains…"></label>
<span id="refreshed" role="status">${documents.length} document(s)</span>
</div>
<table id="documents">
<thead><tr>${headers}</tr></thead>
<tbody>${documents.map(documentRow).join('\n')}</tbody>
</table>
</section>
</body>
</html>
`;
}

export const PAGE_CSS = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem; color: #1d2330; }
header { display: flex; align-items: baseline; gap: 1rem; }
h1 { margin: 0; } h2 { margin: 1.5rem 0 .5rem; font-size: 1.1rem; }
#summary, #refreshed, #search-status { color: #5b6475; }
form, .filters { display: flex; gap: .5rem; align-items: center; flex-wrap: wrap; }
#query { flex: 1; min-width: 20rem; padding: .3rem; } #k { width: 4rem; }
table { border-collapse: collapse; width: 100%; margin-top: .5rem; }
th, td { text-align: left; padding: .25rem .5rem; border-bottom: 1px solid #e3e6ec; vertical-align: top; }
th button { all: unset; cursor: pointer; font-weight: 600; }
th button[aria-sort="ascending"]::after { content: " ▲"; } th button[aria-sort="descending"]::after { content: " ▼"; }
td.key, td.error { word-break: break-all; } td.error { color: #a11; max-width: 30rem; }
td.status-indexed, td.status-unchanged { color: #176b2c; } td.status-failed { color: #a11; font-weight: 600; }
td.version { font-family: ui-monospace, monospace; }
#hits li { margin-bottom: .75rem; } .hit-key { font-weight: 600; } .hit-where, .hit-score { color: #5b6475; margin-left: .5rem; }
.hit-excerpt { margin: .2rem 0 0; white-space: pre-wrap; }
`;

/** The page's script. Plain ES2020, served as is; every untrusted value goes to textContent. */
export const PAGE_SCRIPT = `'use strict';
(() => {
  const REFRESH_MS = 2000;
  const $ = (selector) => document.querySelector(selector);
  const state = { documents: [], column: 'key', descending: false };
  const sortValue = {
    status: (d) => d.status,
    key: (d) => d.key,
    version: (d) => d.version || '',
    chunks: (d) => (d.chunk_count === undefined ? -1 : d.chunk_count),
    attempts: (d) => d.attempts,
    updated: (d) => d.updated_at,
    error: (d) => d.error || '',
  };

  const cell = (text, className, title) => {
    const td = document.createElement('td');
    td.className = className;
    td.textContent = text;
    if (title) td.title = title;
    return td;
  };

  function renderDocuments() {
    const wantedStatus = $('#status-filter').value;
    const wantedKey = $('#key-filter').value.trim().toLowerCase();
    const value = sortValue[state.column];
    const rows = state.documents
      .filter((d) => (!wantedStatus || d.status === wantedStatus) && (!wantedKey || d.key.toLowerCase().includes(wantedKey)))
      .sort((a, b) => {
        const x = value(a), y = value(b);
        const order = typeof x === 'number' ? x - y : String(x).localeCompare(String(y));
        return state.descending ? -order : order;
      })
      .map((d) => {
        const tr = document.createElement('tr');
        tr.dataset.key = d.key;
        tr.append(
          cell(d.status, 'status status-' + d.status),
          cell(d.key, 'key'),
          cell((d.version || '').slice(0, 12), 'version', d.version || ''),
          cell(d.chunk_count === undefined ? '' : String(d.chunk_count), 'chunks'),
          cell(String(d.attempts), 'attempts'),
          cell(d.updated_at, 'updated'),
          cell(d.error || '', 'error'),
        );
        return tr;
      });
    $('#documents tbody').replaceChildren(...rows);
    for (const button of document.querySelectorAll('th button')) {
      if (button.dataset.sort === state.column) button.setAttribute('aria-sort', state.descending ? 'descending' : 'ascending');
      else button.removeAttribute('aria-sort');
    }
    const counts = {};
    for (const d of state.documents) counts[d.status] = (counts[d.status] || 0) + 1;
    $('#summary').textContent = Object.entries(counts).map(([s, n]) => n + ' ' + s).join(' · ');
  }

  async function refresh() {
    try {
      const res = await fetch('/status', { headers: { accept: 'application/json' }, cache: 'no-store' });
      if (!res.ok) throw new Error('the API answered ' + res.status);
      state.documents = await res.json();
      renderDocuments();
      $('#refreshed').textContent = state.documents.length + ' document(s), updated ' + new Date().toLocaleTimeString();
    } catch (err) {
      $('#refreshed').textContent = 'refresh failed: ' + err.message;
    } finally {
      setTimeout(refresh, REFRESH_MS);
    }
  }

  async function runSearch(event) {
    event.preventDefault();
    const params = new URLSearchParams({ q: $('#query').value, k: $('#k').value || '5', mode: $('#mode').value || 'hybrid' });
    for (const filter of $('#filter').value.split(',').map((f) => f.trim()).filter(Boolean)) params.append('filter', filter);
    $('#search-status').textContent = 'searching…';
    try {
      const res = await fetch('/search?' + params, { headers: { accept: 'application/json' } });
      const body = await res.json();
      if (!res.ok) throw new Error(body.error || 'the API answered ' + res.status);
      $('#search-status').textContent = body.hits.length ? body.hits.length + ' hit(s)' : 'no results';
      $('#hits').replaceChildren(...body.hits.map((hit) => {
        const li = document.createElement('li');
        li.className = 'hit';
        const key = document.createElement('span');
        key.className = 'hit-key';
        key.textContent = hit.key;
        const where = document.createElement('span');
        where.className = 'hit-where';
        where.textContent = [hit.page !== undefined ? 'page ' + hit.page : '', hit.heading ? '§ ' + hit.heading : ''].filter(Boolean).join(', ');
        const score = document.createElement('span');
        score.className = 'hit-score';
        score.textContent = hit.score.toFixed(3);
        const excerpt = document.createElement('p');
        excerpt.className = 'hit-excerpt';
        const text = hit.text.replace(/\\s+/g, ' ').trim();
        excerpt.textContent = text.length > 300 ? text.slice(0, 299) + '…' : text;
        li.append(key, where, score, excerpt);
        return li;
      }));
    } catch (err) {
      $('#search-status').textContent = 'search failed: ' + err.message;
    }
  }

  document.addEventListener('DOMContentLoaded', () => {
    $('#search-form').addEventListener('submit', runSearch);
    $('#status-filter').addEventListener('change', renderDocuments);
    $('#key-filter').addEventListener('input', renderDocuments);
    for (const button of document.querySelectorAll('th button')) {
      button.addEventListener('click', () => {
        state.descending = state.column === button.dataset.sort ? !state.descending : false;
        state.column = button.dataset.sort;
        renderDocuments();
      });
    }
    refresh();
  });
})();
`;
