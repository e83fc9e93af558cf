/**
 * The console's pages: server-rendered HTML shells, each with the data it can show at once (the
 * documents table), and plain ES modules (`./web/`, served at `/ui/js/`) that make them live:
 * uploads, search, the document view and the pipeline view.
 *
 * Keys, errors, excerpts and metadata are untrusted. The server escapes every value it puts into
 * HTML; the scripts never build HTML from strings (they create elements and set `textContent`),
 * and the Content-Security-Policy allows no inline script or style at all. The only other origin
 * the page may talk to is the S3 endpoint presigned uploads go to.
 */
import { STATUSES, type StatusRecord } from '../../lib/status/index.js';
import type { Role } from './access.js';

/** The page's CSP; `uploadOrigin` (S3_PUBLIC_ENDPOINT's origin) is where presigned PUTs go. */
export function pageCsp(uploadOrigin?: string): string {
  const connect = ["'self'", ...(uploadOrigin ? [new URL(uploadOrigin).origin] : [])].join(' ');
  return `default-src 'none'; script-src 'self'; style-src 'self'; connect-src ${connect}; img-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'`;
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

export interface Viewer {
  user?: string | undefined;
  role: Role;
}

/** `/ui/doc/<key>`, each segment escaped for a URL (and the bucket when it is not the default). */
export function documentHref(key: string, bucket?: string): string {
  return `/ui/doc/${key.split('/').map(encodeURIComponent).join('/')}${bucket ? `?bucket=${encodeURIComponent(bucket)}` : ''}`;
}

type PageName = 'documents' | 'document' | 'pipeline';

function layout(options: { title: string; page: PageName; viewer: Viewer; script: string; data?: Record<string, string>; main: string }): string {
  const { viewer } = options;
  const data = Object.entries({ page: options.page, role: viewer.role, user: viewer.user ?? '', ...options.data })
    .map(([name, value]) => ` data-${name}="${escapeHtml(value)}"`)
    .join('');
  const nav = (href: string, label: string, page: PageName) => `<a href="${href}"${options.page === page ? ' aria-current="page"' : ''}>${label}</a>`;
  const who = viewer.user ? `${escapeHtml(viewer.user)} · ${viewer.role === 'viewer' ? 'read-only' : 'operator'}` : viewer.role === 'viewer' ? 'read-only' : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(options.title)}</title>
<link rel="stylesheet" href="/ui/app.css">
<script type="module" src="/ui/js/${options.script}"></script>
</head>
<body${data}>
<a class="skip" href="#main">Skip to content</a>
<header class="top">
<a class="brand" href="/ui">Sluice</a>
<nav aria-label="Console">${nav('/ui', 'Documents', 'documents')}${nav('/ui/pipeline', 'Pipeline', 'pipeline')}</nav>
<span class="who" id="who">${who}</span>
</header>
<main id="main" tabindex="-1">
${options.main}
</main>
<p class="toast" id="toast" role="status" aria-live="polite"></p>
</body>
</html>
`;
}

function documentRow(record: StatusRecord): string {
  const cells = [
    `<td class="status status-${escapeHtml(record.status)}">${escapeHtml(record.status)}</td>`,
    `<td class="key"><a href="${escapeHtml(documentHref(record.key, record.bucket))}">${escapeHtml(record.key)}</a></td>`,
    `<td class="version" title="${escapeHtml(record.version ?? '')}">${escapeHtml((record.version ?? '').slice(0, 12))}</td>`,
    `<td class="chunks">${record.chunk_count ?? ''}</td>`,
    `<td class="attempts">${record.attempts}</td>`,
    `<td class="updated">${escapeHtml(record.updated_at)}</td>`,
    `<td class="error">${escapeHtml(record.error ?? '')}</td>`,
  ];
  return `<tr data-key="${escapeHtml(record.key)}">${cells.join('')}</tr>`;
}

/** `/ui`: upload, search and the documents table. */
export function renderPage(documents: readonly StatusRecord[], viewer: Viewer & { buckets?: readonly string[] } = { role: 'operator' }): string {
  const buckets = viewer.buckets ?? [];
  const statusOptions = STATUSES.map((s) => `<option value="${s}">${s}</option>`).join('');
  const bucketOptions = buckets.map((b) => `<option value="${escapeHtml(b)}">${escapeHtml(b)}</option>`).join('');
  const readOnly = viewer.role === 'viewer';
  const headers = [
    ['status', 'Status'],
    ['key', 'Key'],
    ['version', 'Version'],
    ['chunks', 'Chunks'],
    ['attempts', 'Attempts'],
    ['updated', 'Updated'],
    ['error', 'Error'],
  ]
    .map(([column, label]) => `<th scope="col"><button type="button" data-sort="${column}">${label}</button></th>`)
    .join('');
  const main = `<section class="panel" id="upload" aria-labelledby="upload-title">
<h2 id="upload-title">Upload</h2>
${readOnly ? '<p class="note" id="upload-readonly">You are signed in read-only: uploads need an operator.</p>' : ''}
<div class="row">
<label>Target prefix <input id="upload-prefix" type="text" placeholder="reports/2026/" maxlength="900" autocomplete="off" spellcheck="false"${readOnly ? ' disabled' : ''}></label>
${buckets.length > 1 ? `<label>Bucket <select id="upload-bucket"${readOnly ? ' disabled' : ''}>${bucketOptions}</select></label>` : ''}
<span class="hint" id="upload-target"></span>
</div>
<div class="dropzone" id="dropzone" aria-describedby="drop-help"${readOnly ? ' aria-disabled="true"' : ''}>
<p id="drop-help">Drop files or folders here, or</p>
<div class="row">
<button type="button" id="pick-files"${readOnly ? ' disabled' : ''}>Choose files…</button>
<button type="button" id="pick-folder"${readOnly ? ' disabled' : ''}>Choose a folder…</button>
</div>
<input type="file" id="file-input" multiple hidden>
<input type="file" id="folder-input" multiple webkitdirectory hidden>
</div>
<ul class="uploads" id="uploads" aria-label="Uploads"></ul>
</section>
<section class="panel" aria-labelledby="search-title">
<h2 id="search-title">Search</h2>
<form id="search-form" role="search">
<input id="query" name="q" type="search" placeholder="Ask the documents…" required maxlength="4000" aria-label="Question">
<label>mode <select id="mode" name="mode"><option value="hybrid" selected>hybrid</option><option value="dense">dense</option><option value="sparse">sparse</option></select></label>
<label>hits <input id="k" name="k" type="number" min="1" max="100" value="5"></label>
<label>key prefix <input id="prefix" name="prefix" type="text" placeholder="reports/" autocomplete="off" spellcheck="false"></label>
<label>metadata <input id="filter" name="filter" type="text" placeholder="name:value" autocomplete="off" spellcheck="false" aria-describedby="filter-help"></label>
<button type="submit">Search</button>
</form>
<p class="hint" id="filter-help">Metadata filters are <code>name:value</code>, several separated by commas.</p>
<p id="search-status" role="status"></p>
<ol class="hits" id="hits"></ol>
</section>
<section class="panel" aria-labelledby="documents-title">
<h2 id="documents-title">Documents</h2>
<div class="row filters">
<label>status <select id="status-filter"><option value="">all</option>${statusOptions}</select></label>
<label>key <input id="key-filter" type="search" placeholder="contains…"></label>
<span id="summary"></span>
<span id="refreshed" role="status">${documents.length} document(s)</span>
</div>
<div class="table-wrap">
<table id="documents">
<thead><tr>${headers}</tr></thead>
<tbody>${documents.map(documentRow).join('\n')}</tbody>
</table>
</div>
</section>`;
  return layout({ title: 'Sluice', page: 'documents', viewer, script: 'documents.js', main });
}

/** `/ui/doc/<key>`: the shell; doc.js fills it from `GET /documents/<key>?include=…`. */
export function renderDocumentPage(document: { bucket: string; key: string }, viewer: Viewer): string {
  const readOnly = viewer.role === 'viewer' ? ' disabled title="read-only: needs an operator"' : '';
  const main = `<nav class="crumbs" aria-label="Breadcrumb"><a href="/ui">Documents</a> / bucket <span>${escapeHtml(document.bucket)}</span></nav>
<h1 class="doc-key" id="doc-key">${escapeHtml(document.key)}</h1>
<div class="row actions" id="actions">
<span class="badge" id="doc-status">…</span>
<button type="button" id="reingest"${readOnly}>Re-ingest</button>
<button type="button" id="replay" hidden${readOnly}>Replay dead letter</button>
<button type="button" class="danger" id="delete"${readOnly}>Delete…</button>
</div>
<dialog id="confirm-delete" aria-labelledby="confirm-title">
<form method="dialog">
<h2 id="confirm-title">Delete this document?</h2>
<p>The object <code>s3://${escapeHtml(document.bucket)}/${escapeHtml(document.key)}</code> is deleted from the bucket, and its chunks from the index.</p>
<div class="row"><button value="cancel" autofocus>Cancel</button><button value="delete" class="danger" id="confirm-delete-button">Delete</button></div>
</form>
</dialog>
<div class="doc-grid">
<section class="panel" aria-labelledby="state-title"><h2 id="state-title">Status</h2><dl class="facts" id="facts"></dl></section>
<section class="panel" aria-labelledby="timeline-title"><h2 id="timeline-title">Timeline</h2><ol class="timeline" id="timeline"></ol></section>
<section class="panel" aria-labelledby="versions-title"><h2 id="versions-title">Versions</h2><div class="table-wrap"><table id="versions"><thead><tr><th scope="col">Version</th><th scope="col">Points</th><th scope="col"></th></tr></thead><tbody></tbody></table></div></section>
<section class="panel" id="letters-panel" aria-labelledby="letters-title" hidden><h2 id="letters-title">Dead letters</h2><ul class="letters" id="letters"></ul></section>
</div>
<section class="panel" aria-labelledby="chunks-title">
<h2 id="chunks-title">Chunks as indexed</h2>
<p id="chunks-status" role="status"></p>
<ol class="chunk-list" id="chunks"></ol>
<div class="row pager"><button type="button" id="chunks-prev" disabled>Previous</button><button type="button" id="chunks-next" disabled>Next</button></div>
</section>`;
  return layout({ title: `${document.key} · Sluice`, page: 'document', viewer, script: 'doc.js', data: { bucket: document.bucket, key: document.key }, main });
}

/** `/ui/pipeline`: the shell; pipeline.js draws it from `GET /pipeline`. */
export function renderPipelinePage(viewer: Viewer): string {
  const readOnly = viewer.role === 'viewer' ? ' disabled title="read-only: needs an operator"' : '';
  const main = `<h1>Pipeline</h1>
<div class="cards" id="cards">
<section class="panel card" aria-labelledby="waiting-title"><h2 id="waiting-title">Documents waiting</h2><div class="chart-slot" id="waiting-chart"></div><p class="hint" id="documents-summary"></p></section>
<section class="panel card" aria-labelledby="letters-title"><h2 id="letters-title">Dead letters</h2><p class="big" id="dead-letters">–</p><p class="hint" id="dlq-depth"></p></section>
<section class="panel card" aria-labelledby="reconcile-title"><h2 id="reconcile-title">Reconcile</h2><dl class="facts" id="reconcile"></dl><button type="button" id="reconcile-now"${readOnly}>Reconcile now</button></section>
</div>
<section class="panel" aria-labelledby="stages-title">
<h2 id="stages-title">Stages</h2>
<p class="hint" id="window"></p>
<div class="table-wrap">
<table class="stages" id="stages">
<thead><tr><th scope="col">Stage</th><th scope="col">Queued</th><th scope="col">In flight</th><th scope="col">Throughput</th><th scope="col">Error rate</th></tr></thead>
<tbody></tbody>
</table>
</div>
<p class="hint" id="targets"></p>
</section>`;
  return layout({ title: 'Pipeline · Sluice', page: 'pipeline', viewer, script: 'pipeline.js', main });
}

export const PAGE_CSS = `
:root { --ink: #1d2330; --muted: #5b6475; --line: #e3e6ec; --panel: #fff; --bg: #f5f6f8; --accent: #2457c5; --ok: #176b2c; --bad: #a11; --warn: #8a5a00; --mark: #ffe58a; }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; color: var(--ink); background: var(--bg); }
a { color: var(--accent); }
:focus-visible { outline: 3px solid #7aa2ff; outline-offset: 2px; }
.skip { position: absolute; left: -999px; top: 0; background: #fff; padding: .5rem; }
.skip:focus { left: .5rem; z-index: 10; }
header.top { display: flex; align-items: center; gap: 1.25rem; flex-wrap: wrap; padding: .6rem 1.25rem; background: #1d2330; color: #fff; }
header.top a { color: #fff; text-decoration: none; }
.brand { font-weight: 700; font-size: 1.15rem; letter-spacing: .02em; }
header nav { display: flex; gap: .25rem; }
header nav a { padding: .3rem .7rem; border-radius: .4rem; }
header nav a[aria-current="page"] { background: rgba(255,255,255,.16); }
.who { margin-left: auto; color: #c9cfdb; font-size: .9rem; }
main { max-width: 1240px; margin: 0 auto; padding: 1rem 1.25rem 3rem; }
main:focus { outline: none; }
h1 { font-size: 1.35rem; margin: .5rem 0 .75rem; } h2 { margin: 0 0 .6rem; font-size: 1.05rem; }
.panel { background: var(--panel); border: 1px solid var(--line); border-radius: .6rem; padding: .9rem 1rem; margin: 0 0 1rem; }
.row { display: flex; gap: .6rem; align-items: center; flex-wrap: wrap; }
label { color: var(--muted); display: inline-flex; gap: .35rem; align-items: center; }
input, select, button { font: inherit; }
input[type=text], input[type=search], input[type=number], select { padding: .3rem .45rem; border: 1px solid #c4c9d4; border-radius: .35rem; background: #fff; color: var(--ink); }
button { padding: .35rem .8rem; border: 1px solid #b7bfcd; border-radius: .35rem; background: #f0f2f6; color: var(--ink); cursor: pointer; }
button:hover:not(:disabled) { background: #e4e8ef; }
button:disabled { opacity: .55; cursor: not-allowed; }
button.danger { border-color: #d9a0a0; color: var(--bad); }
.hint, .note, #summary, #refreshed, #search-status, #chunks-status { color: var(--muted); }
.note { background: #fff7e0; border: 1px solid #f0d98a; padding: .4rem .6rem; border-radius: .35rem; color: var(--warn); }
code { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: .92em; }
.dropzone { border: 2px dashed #b7bfcd; border-radius: .6rem; padding: 1rem; margin: .75rem 0; text-align: center; }
.dropzone p { margin: 0 0 .5rem; color: var(--muted); }
.dropzone .row { justify-content: center; }
.dropzone.over { border-color: var(--accent); background: #eef3ff; }
.dropzone[aria-disabled="true"] { opacity: .6; }
.uploads { list-style: none; margin: 0; padding: 0; display: grid; gap: .35rem; }
.upload { display: grid; grid-template-columns: minmax(0, 1fr) 9rem 12rem; gap: .6rem; align-items: center; padding: .3rem .1rem; border-bottom: 1px solid var(--line); }
.upload .upload-key { overflow-wrap: anywhere; }
.upload progress { width: 100%; }
.upload .upload-state { color: var(--muted); }
.upload.done .upload-state { color: var(--ok); } .upload.error .upload-state { color: var(--bad); }
#search-form { display: flex; gap: .6rem; align-items: center; flex-wrap: wrap; }
#query { flex: 1 1 20rem; min-width: 12rem; } #k { width: 4.5rem; } #prefix, #filter { width: 10rem; }
.hits { padding-left: 1.4rem; } .hits li { margin-bottom: .8rem; }
.hit-key { font-weight: 600; overflow-wrap: anywhere; } .hit-where, .hit-score { color: var(--muted); margin-left: .5rem; }
.hit-excerpt { margin: .2rem 0 0; white-space: pre-wrap; overflow-wrap: anywhere; }
mark { background: var(--mark); color: inherit; padding: 0 .05em; border-radius: .15em; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th button { all: unset; cursor: pointer; font-weight: 600; }
th button:focus-visible { outline: 3px solid #7aa2ff; }
th button[aria-sort="ascending"]::after { content: " ▲"; } th button[aria-sort="descending"]::after { content: " ▼"; }
td.key, td.error { overflow-wrap: anywhere; } td.error { color: var(--bad); max-width: 30rem; }
td.status-indexed, td.status-unchanged, .timeline li.status-indexed strong, .timeline li.status-unchanged strong { color: var(--ok); }
td.status-failed, .timeline li.status-failed strong { color: var(--bad); font-weight: 600; } td.status-deleted { color: var(--muted); }
td.version, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: .9em; }
.crumbs { color: var(--muted); margin-top: .25rem; }
.doc-key { overflow-wrap: anywhere; }
.actions { margin-bottom: 1rem; }
.badge { display: inline-block; padding: .15rem .6rem; border-radius: 1rem; background: #e9ecf2; font-weight: 600; }
.badge.status-indexed, .badge.status-unchanged { background: #dff3e4; color: var(--ok); } .badge.status-failed { background: #fbe3e3; color: var(--bad); }
.doc-grid { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 0 1rem; }
.facts { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: .25rem .9rem; margin: 0 0 .5rem; }
.facts dt { color: var(--muted); } .facts dd { margin: 0; overflow-wrap: anywhere; }
.timeline { list-style: none; padding: 0; margin: 0; border-left: 2px solid var(--line); }
.timeline li { position: relative; padding: 0 0 .55rem .9rem; }
.timeline li::before { content: ""; position: absolute; left: -6px; top: .45rem; width: 10px; height: 10px; border-radius: 50%; background: #9aa3b5; }
.timeline li.status-indexed::before, .timeline li.status-unchanged::before { background: var(--ok); } .timeline li.status-failed::before { background: var(--bad); }
.timeline time { color: var(--muted); font-size: .9em; margin-left: .4rem; }
.timeline .detail { color: var(--muted); font-size: .9em; overflow-wrap: anywhere; }
.letters { padding-left: 1.2rem; } .letters li { margin-bottom: .5rem; overflow-wrap: anywhere; }
.chunk-list { list-style: none; padding: 0; margin: 0; display: grid; gap: .6rem; }
.pager { margin-top: .6rem; }
.chunk { border: 1px solid var(--line); border-radius: .45rem; padding: .5rem .7rem; }
.chunk header { display: flex; gap: .5rem; flex-wrap: wrap; color: var(--muted); font-size: .9em; margin-bottom: .3rem; }
.chunk .ocr { background: #efe6ff; color: #4b2a91; border-radius: .3rem; padding: 0 .35rem; }
.chunk .text { white-space: pre-wrap; overflow-wrap: anywhere; margin: 0; }
.chunk dl { display: flex; flex-wrap: wrap; gap: .2rem .8rem; margin: .35rem 0 0; font-size: .9em; }
.chunk dl div { display: flex; gap: .3rem; } .chunk dt { color: var(--muted); } .chunk dd { margin: 0; }
dialog { border: 1px solid var(--line); border-radius: .6rem; max-width: min(32rem, 92vw); }
dialog::backdrop { background: rgba(20, 24, 33, .45); }
.cards { display: grid; grid-template-columns: repeat(3, minmax(0, 1fr)); gap: 0 1rem; }
.big { font-size: 2rem; font-weight: 700; margin: .2rem 0; }
.chart { display: flex; align-items: center; gap: .5rem; }
.chart svg { width: 160px; height: 40px; flex: none; background: #fafbfc; border: 1px solid var(--line); border-radius: .3rem; }
.chart-slot .chart svg { width: 100%; max-width: 360px; height: 64px; }
.chart .line { fill: none; stroke: var(--accent); stroke-width: 1.6; vector-effect: non-scaling-stroke; }
.chart .area { fill: rgba(36, 87, 197, .12); stroke: none; }
.chart.errors .line { stroke: var(--bad); } .chart.errors .area { fill: rgba(170, 17, 17, .1); }
.chart .value { font-variant-numeric: tabular-nums; min-width: 4.5rem; }
.stages td { vertical-align: middle; }
.toast { position: fixed; bottom: 1rem; left: 50%; transform: translateX(-50%); margin: 0; background: #1d2330; color: #fff; padding: .5rem 1rem; border-radius: .45rem; }
.toast:empty { display: none; }
@media (max-width: 760px) {
  body { font-size: 16px; }
  main { padding: .75rem .6rem 3rem; }
  .doc-grid, .cards { grid-template-columns: minmax(0, 1fr); }
  .upload { grid-template-columns: minmax(0, 1fr) 6rem; } .upload .upload-state { grid-column: 1 / -1; }
  #prefix, #filter { width: 100%; } #search-form label { flex: 1 1 45%; }
  #documents th:nth-child(3), #documents td:nth-child(3), #documents th:nth-child(6), #documents td:nth-child(6) { display: none; }
  .chart svg { width: 110px; }
  .who { margin-left: 0; }
}
`;
