// `/ui`: the documents table (polling /status), search (mode, key prefix, metadata filters,
// highlighted excerpts) and uploads (upload.js).
import { $, api, documentHref, h } from './dom.js';
import { parseFilters } from './filters.js';
import { excerpt, highlightSegments, queryTerms } from './highlight.js';
import { setUpUploads } from './upload.js';

const REFRESH_MS = 2000;
const state = { documents: [], byKey: new Map(), column: 'key', descending: false };
const sortValue = {
  status: (d) => d.status,
  key: (d) => d.key,
  version: (d) => d.version || '',
  chunks: (d) => (d.chunk_count === undefined ? -1 : d.chunk_count),
  attempts: (d) => d.attempts,
  updated: (d) => d.updated_at,
  error: (d) => d.error || '',
};

function renderDocuments() {
  const wantedStatus = $('#status-filter').value;
  const wantedKey = $('#key-filter').value.trim().toLowerCase();
  const value = sortValue[state.column];
  const rows = state.documents
    .filter((d) => (!wantedStatus || d.status === wantedStatus) && (!wantedKey || d.key.toLowerCase().includes(wantedKey)))
    .sort((a, b) => {
      const x = value(a);
      const y = value(b);
      const order = typeof x === 'number' ? x - y : String(x).localeCompare(String(y));
      return state.descending ? -order : order;
    })
    .map((d) =>
      h(
        'tr',
        { dataset: { key: d.key } },
        h('td', { class: 'status status-' + d.status }, d.status),
        h('td', { class: 'key' }, h('a', { href: documentHref(d.key, d.bucket) }, d.key)),
        h('td', { class: 'version', title: d.version || '' }, (d.version || '').slice(0, 12)),
        h('td', { class: 'chunks' }, d.chunk_count === undefined ? '' : String(d.chunk_count)),
        h('td', { class: 'attempts' }, String(d.attempts)),
        h('td', { class: 'updated' }, d.updated_at),
        h('td', { class: 'error' }, d.error || ''),
      ),
    );
  $('#documents tbody').replaceChildren(...rows);
  for (const button of document.querySelectorAll('th button')) {
    if (button.dataset.sort === state.column) button.setAttribute('aria-sort', state.descending ? 'descending' : 'ascending');
    else button.removeAttribute('aria-sort');
  }
  const counts = {};
  for (const d of state.documents) counts[d.status] = (counts[d.status] || 0) + 1;
  $('#summary').textContent = Object.entries(counts)
    .map(([s, n]) => n + ' ' + s)
    .join(' · ');
}

async function refresh() {
  try {
    state.documents = await api('/status');
    state.byKey = new Map(state.documents.map((d) => [d.bucket + '/' + d.key, d]));
    renderDocuments();
    $('#refreshed').textContent = state.documents.length + ' document(s), updated ' + new Date().toLocaleTimeString();
  } catch (err) {
    $('#refreshed').textContent = 'refresh failed: ' + err.message;
  } finally {
    setTimeout(refresh, REFRESH_MS);
  }
}

function hitElement(hit, terms) {
  const where = [hit.page !== undefined ? 'page ' + hit.page : '', hit.heading ? '§ ' + hit.heading : ''].filter(Boolean).join(', ');
  const text = excerpt(hit.text, terms);
  const marked = highlightSegments(text, terms).map((s) => (s.mark ? h('mark', {}, s.text) : s.text));
  return h(
    'li',
    { class: 'hit' },
    h('a', { class: 'hit-key', href: documentHref(hit.key, hit.bucket) }, hit.key),
    h('span', { class: 'hit-where' }, where),
    h('span', { class: 'hit-score' }, hit.score.toFixed(3)),
    h('p', { class: 'hit-excerpt' }, marked),
  );
}

async function runSearch(event) {
  event.preventDefault();
  const status = $('#search-status');
  const query = $('#query').value;
  const k = Number($('#k').value) || 5;
  const prefix = $('#prefix').value.trim();
  let filters;
  try {
    filters = parseFilters($('#filter').value);
  } catch (err) {
    status.textContent = 'metadata filter: ' + err.message;
    return;
  }
  // The API filters by exact key; a prefix is applied here, to a larger set of hits.
  const params = new URLSearchParams({ q: query, k: String(prefix ? Math.min(100, k * 4) : k), mode: $('#mode').value || 'hybrid' });
  for (const [name, value] of filters) params.append('filter', name + ':' + value);
  status.textContent = 'searching…';
  try {
    const body = await api('/search?' + params);
    const all = body.hits;
    const hits = prefix ? all.filter((hit) => hit.key.startsWith(prefix)).slice(0, k) : all;
    const terms = queryTerms(query);
    $('#hits').replaceChildren(...hits.map((hit) => hitElement(hit, terms)));
    const notes = [hits.length ? hits.length + ' hit(s), ' + (body.mode || 'hybrid') : 'no results'];
    if (prefix) notes.push(`key prefix ${prefix}: ${hits.length} of the best ${all.length}`);
    // The filter the API applied (a tenant's condition included); an API without metadata
    // filters ignores the parameter: say so rather than pretend.
    const applied = Object.entries(body.filter || {});
    if (applied.length > 0) notes.push('metadata ' + applied.map(([name, value]) => name + '=' + value).join(', '));
    else if (filters.length > 0) notes.push('this API ignored the metadata filter');
    status.textContent = notes.join(' · ');
  } catch (err) {
    status.textContent = 'search failed: ' + err.message;
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
  setUpUploads({ statusOf: (bucket, key) => state.byKey.get(bucket + '/' + key) });
  refresh();
});
