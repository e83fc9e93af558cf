// `/ui/doc/<key>`: one document from `GET /documents/<key>?include=history,chunks,letters`:
// status, timeline, versions, dead letters and the chunks as indexed; re-ingest, delete (with a
// confirmation dialog) and replay of its dead letter. Refreshed while the pipeline works on it.
import { $, api, formatTime, h, keyPath, role, toast } from './dom.js';

const { bucket, key } = document.body.dataset;
const CHUNKS_PER_PAGE = 25;
const TERMINAL = new Set(['indexed', 'unchanged', 'failed', 'deleted']);
const state = { offset: 0, detail: undefined, timer: undefined };

const fact = (term, value) => (value === undefined || value === null || value === '' ? [] : [h('dt', {}, term), h('dd', {}, String(value))]);

function renderFacts(detail) {
  const r = detail.record;
  const badge = $('#doc-status');
  badge.textContent = r ? r.status : 'no status';
  badge.className = 'badge' + (r ? ' status-' + r.status : '');
  if (!r) {
    $('#facts').replaceChildren(...fact('status', 'no status record: the pipeline has not seen this key'), ...fact('points', detail.points));
    return;
  }
  $('#facts').replaceChildren(
    ...fact('status', r.status),
    ...fact('version', r.version),
    ...fact('cycle started', formatTime(r.cycle)),
    ...fact('attempts', r.attempts),
    ...fact('chunks', r.chunk_count),
    ...fact('reason', r.reason),
    ...fact('error', r.error),
    ...fact('indexed version', r.indexed_version && r.indexed_version !== r.version ? r.indexed_version : undefined),
    ...fact('points in the index', detail.points),
    ...fact('self-healing attempts', r.heal_attempts),
    ...fact('updated', formatTime(r.updated_at)),
  );
}

function renderTimeline(transitions) {
  const items = (transitions || []).map((t) =>
    h(
      'li',
      { class: 'status-' + t.status, dataset: { status: t.status } },
      h('strong', {}, t.status),
      h('time', { datetime: t.at }, formatTime(t.at)),
      t.version || t.reason || t.error || t.chunkCount !== undefined
        ? h('div', { class: 'detail' }, [t.version ? 'version ' + t.version.slice(0, 12) : '', t.chunkCount !== undefined ? t.chunkCount + ' chunks' : '', t.reason || '', t.error || ''].filter(Boolean).join(' · '))
        : null,
    ),
  );
  $('#timeline').replaceChildren(...(items.length ? items : [h('li', {}, 'no transitions recorded')]));
}

function renderVersions(versions) {
  const rows = (versions || []).map((v) =>
    h('tr', {}, h('td', { class: 'mono', title: v.version }, v.version.slice(0, 16)), h('td', {}, String(v.points)), h('td', {}, [v.current ? 'current' : '', v.indexed ? 'indexed' : ''].filter(Boolean).join(', '))),
  );
  $('#versions tbody').replaceChildren(...(rows.length ? rows : [h('tr', {}, h('td', { colspan: '3' }, 'none known'))]));
}

function renderLetters(letters) {
  const panel = $('#letters-panel');
  const replay = $('#replay');
  panel.hidden = !letters || letters.length === 0;
  replay.hidden = panel.hidden;
  if (panel.hidden) return;
  $('#letters').replaceChildren(
    ...letters.map((l) =>
      h(
        'li',
        { dataset: { id: l.id } },
        h('strong', {}, l.type),
        ' ',
        h('time', { datetime: l.receivedAt }, formatTime(l.receivedAt)),
        h('div', { class: 'hint' }, [l.errorCode ? 'last answer ' + l.errorCode : '', l.errorDest ? 'from ' + l.errorDest : ''].filter(Boolean).join(' ')),
        l.errorData ? h('div', { class: 'mono' }, l.errorData.slice(0, 500)) : null,
      ),
    ),
  );
}

function metaList(meta) {
  const entries = Object.entries(meta || {});
  if (entries.length === 0) return null;
  return h('dl', {}, ...entries.map(([name, value]) => h('div', {}, h('dt', {}, name), h('dd', {}, typeof value === 'string' ? value : JSON.stringify(value)))));
}

function renderChunks(detail) {
  const shown = detail.chunks;
  const status = $('#chunks-status');
  if (!shown) {
    status.textContent = 'this API shows no chunks';
    $('#chunks').replaceChildren();
    return;
  }
  const total = shown.total ?? detail.record?.indexed_chunks ?? detail.record?.chunk_count;
  status.textContent = shown.items.length
    ? `chunks ${shown.offset + 1}–${shown.offset + shown.items.length}${total !== undefined ? ' of ' + total : ''}, version ${shown.version.slice(0, 12)}`
    : 'no chunks in the index' + (shown.version ? ' for version ' + shown.version.slice(0, 12) : '');
  $('#chunks').replaceChildren(
    ...shown.items.map((c) =>
      h(
        'li',
        { class: 'chunk', dataset: { index: String(c.index) } },
        h(
          'header',
          {},
          h('strong', {}, '#' + c.index),
          c.page !== undefined ? h('span', {}, 'page ' + c.page) : null,
          c.heading ? h('span', {}, '§ ' + c.heading) : null,
          c.ocr ? h('span', { class: 'ocr', title: 'text recognised from an image' }, 'OCR') : null,
        ),
        h('p', { class: 'text' }, c.text),
        metaList(c.meta),
      ),
    ),
  );
  $('#chunks-prev').disabled = shown.offset === 0;
  $('#chunks-next').disabled = total === undefined ? shown.items.length < shown.limit : shown.offset + shown.limit >= total;
}

async function load() {
  clearTimeout(state.timer);
  try {
    const params = new URLSearchParams({ include: 'history,chunks,letters', offset: String(state.offset), limit: String(CHUNKS_PER_PAGE), bucket });
    const detail = await api(keyPath('/documents/', key) + '?' + params);
    state.detail = detail;
    renderFacts(detail);
    renderTimeline(detail.transitions);
    renderVersions(detail.versions);
    renderLetters(detail.deadLetters);
    renderChunks(detail);
    document.body.dataset.status = detail.record ? detail.record.status : '';
    // Keep watching while the pipeline is still at it.
    state.timer = setTimeout(load, detail.record && TERMINAL.has(detail.record.status) ? 10_000 : 1500);
  } catch (err) {
    $('#chunks-status').textContent = 'loading failed: ' + err.message;
    state.timer = setTimeout(load, 5000);
  }
}

async function act(button, what, call) {
  button.disabled = true;
  try {
    const message = await call();
    toast(message);
    state.offset = 0;
    await load();
  } catch (err) {
    toast(`${what} failed: ${err.message}`);
  } finally {
    button.disabled = role() === 'viewer';
  }
}

document.addEventListener('DOMContentLoaded', () => {
  $('#reingest').addEventListener('click', (event) =>
    act(event.currentTarget, 're-ingest', async () => {
      await api('/ingest', { method: 'POST', json: { bucket, key } });
      return 're-ingest requested';
    }),
  );
  $('#replay').addEventListener('click', (event) =>
    act(event.currentTarget, 'replay', async () => {
      const letters = state.detail?.deadLetters || [];
      for (const letter of letters) await api('/dead-letters/' + encodeURIComponent(letter.id) + '/replay', { method: 'POST' });
      return letters.length + ' dead letter(s) replayed';
    }),
  );
  const dialog = $('#confirm-delete');
  $('#delete').addEventListener('click', () => {
    // Escape closes without a value and would leave the last one: start from none.
    dialog.returnValue = '';
    dialog.showModal();
  });
  dialog.addEventListener('close', () => {
    if (dialog.returnValue !== 'delete') return;
    act($('#delete'), 'delete', async () => {
      await api(keyPath('/documents/', key) + '?bucket=' + encodeURIComponent(bucket), { method: 'DELETE' });
      return 'deleted: its chunks leave the index shortly';
    });
  });
  $('#chunks-prev').addEventListener('click', () => {
    state.offset = Math.max(0, state.offset - CHUNKS_PER_PAGE);
    load();
  });
  $('#chunks-next').addEventListener('click', () => {
    state.offset += CHUNKS_PER_PAGE;
    load();
  });
  load();
});
