// Uploads from the page: files and folders by drag-and-drop or the pickers, each PUT straight to
// S3 with a presigned URL the API issues (POST /uploads), with a progress bar per file; after
// the PUT the row follows the document's status in the table's data.
import { $, api, documentHref, formatBytes, h, role } from './dom.js';

/** Files uploaded at once; the rest wait their turn. */
const PARALLEL = 3;

/** The key of `path` under `prefix`: a non-empty prefix is a folder (a trailing / is added). */
export function uploadKey(prefix, path) {
  const folder = String(prefix).trim().replace(/^\/+/, '');
  const name = String(path).replace(/^\/+/, '');
  return folder === '' ? name : folder.endsWith('/') ? folder + name : folder + '/' + name;
}

/** Every file of a drop, folders walked (webkitGetAsEntry where the browser has it). */
export async function droppedFiles(dataTransfer) {
  const items = [...(dataTransfer.items || [])].filter((item) => item.kind === 'file');
  const entries = items.map((item) => (typeof item.webkitGetAsEntry === 'function' ? item.webkitGetAsEntry() : null));
  if (items.length === 0 || entries.some((entry) => entry === null)) {
    // No entries (a synthetic drop, an older browser): the files as they are, without folders.
    return [...(dataTransfer.files || [])].map((file) => ({ file, path: file.name }));
  }
  const files = [];
  for (const entry of entries) await walk(entry, files);
  return files;
}

async function walk(entry, files) {
  if (entry.isFile) {
    const file = await new Promise((resolve, reject) => entry.file(resolve, reject));
    files.push({ file, path: entry.fullPath.replace(/^\/+/, '') || file.name });
    return;
  }
  if (!entry.isDirectory) return;
  const reader = entry.createReader();
  // readEntries answers in batches until an empty one.
  for (;;) {
    const batch = await new Promise((resolve, reject) => reader.readEntries(resolve, reject));
    if (batch.length === 0) break;
    for (const child of batch) await walk(child, files);
  }
}

/** What S3 said, from its XML error body (read as data, never as markup). */
function s3Error(xhr) {
  try {
    const doc = new DOMParser().parseFromString(xhr.responseText || '', 'application/xml');
    const code = doc.querySelector('Code')?.textContent;
    const message = doc.querySelector('Message')?.textContent;
    if (code || message) return [code, message].filter(Boolean).join(': ');
  } catch {
    // not XML
  }
  return 'S3 answered ' + xhr.status;
}

function put(grant, file, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(grant.method, grant.url);
    for (const [name, value] of Object.entries(grant.headers)) xhr.setRequestHeader(name, value);
    xhr.upload.addEventListener('progress', (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    });
    xhr.addEventListener('load', () => (xhr.status >= 200 && xhr.status < 300 ? resolve(xhr.getResponseHeader('etag')) : reject(new Error(s3Error(xhr)))));
    xhr.addEventListener('error', () => reject(new Error('the upload did not reach S3 (network, CORS or CSP)')));
    xhr.addEventListener('abort', () => reject(new Error('cancelled')));
    xhr.send(file);
  });
}

export function setUpUploads({ statusOf }) {
  const zone = $('#dropzone');
  if (!zone) return;
  const list = $('#uploads');
  const prefix = $('#upload-prefix');
  const bucketSelect = $('#upload-bucket');
  const target = $('#upload-target');
  const readOnly = role() === 'viewer';
  const rows = [];
  const waiting = [];
  let active = 0;

  const showTarget = () => {
    target.textContent = 'to ' + uploadKey(prefix.value, '…');
  };
  prefix.addEventListener('input', showTarget);
  showTarget();

  const setState = (row, text, kind) => {
    row.element.className = 'upload ' + (kind || '');
    row.state.textContent = text;
  };

  const next = () => {
    while (active < PARALLEL && waiting.length > 0) {
      const row = waiting.shift();
      active++;
      upload(row).finally(() => {
        active--;
        next();
      });
    }
  };

  async function upload(row) {
    setState(row, 'asking for an upload URL…', 'active');
    try {
      const grant = await api('/uploads', { method: 'POST', json: { key: row.key, size: row.file.size, contentType: row.file.type || 'application/octet-stream', ...(row.bucket ? { bucket: row.bucket } : {}) } });
      row.bucket = grant.bucket;
      setState(row, 'uploading 0%', 'active');
      const etag = await put(grant, row.file, (share) => {
        row.progress.value = Math.round(share * 100);
        row.state.textContent = 'uploading ' + Math.round(share * 100) + '%';
      });
      row.progress.value = 100;
      // The ETag is the version the status will name, when S3's CORS rules let the page read it.
      row.etag = (etag || '').replace(/"/g, '');
      // A little before now: the browser's clock and the API's are not the same clock.
      row.uploadedAt = new Date(Date.now() - 5000).toISOString();
      row.link.href = documentHref(row.key, row.bucket);
      setState(row, 'uploaded: waiting for the pipeline', 'done');
    } catch (err) {
      setState(row, 'failed: ' + err.message, 'error');
    }
  }

  function add(files) {
    if (readOnly) return;
    const bucket = bucketSelect ? bucketSelect.value : undefined;
    for (const { file, path } of files) {
      const key = uploadKey(prefix.value, path);
      const progress = h('progress', { max: '100', value: '0', 'aria-label': 'upload of ' + key });
      const link = h('a', { class: 'upload-key', href: documentHref(key, bucket) }, key);
      const state = h('span', { class: 'upload-state' }, 'waiting');
      const element = h('li', { class: 'upload', dataset: { key } }, h('span', {}, link, ' ', h('span', { class: 'hint' }, formatBytes(file.size))), progress, state);
      const row = { key, file, bucket, element, progress, state, link };
      rows.push(row);
      waiting.push(row);
      list.prepend(element);
    }
    next();
  }

  // After the PUT, a row says what the pipeline did with it (from the table's polling).
  setInterval(() => {
    for (const row of rows) {
      if (!row.uploadedAt) continue;
      const record = statusOf(row.bucket, row.key);
      if (record && ((row.etag && record.version === row.etag) || record.updated_at >= row.uploadedAt)) {
        row.state.textContent = record.status + (record.error ? ': ' + record.error : '');
        row.element.dataset.status = record.status;
        row.element.className = 'upload ' + (record.status === 'failed' ? 'error' : record.status === 'indexed' || record.status === 'unchanged' ? 'done' : 'active');
      }
    }
  }, 1000);

  const pick = (input) => () => input.click();
  const fileInput = $('#file-input');
  const folderInput = $('#folder-input');
  $('#pick-files').addEventListener('click', pick(fileInput));
  $('#pick-folder').addEventListener('click', pick(folderInput));
  // Browsers without folder picking (webkitdirectory) get files only.
  if (!('webkitdirectory' in folderInput)) $('#pick-folder').hidden = true;
  for (const input of [fileInput, folderInput]) {
    input.addEventListener('change', () => {
      add([...input.files].map((file) => ({ file, path: file.webkitRelativePath || file.name })));
      input.value = '';
    });
  }
  zone.addEventListener('dragover', (event) => {
    event.preventDefault();
    if (readOnly) return;
    event.dataTransfer.dropEffect = 'copy';
    zone.classList.add('over');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', async (event) => {
    event.preventDefault();
    zone.classList.remove('over');
    if (readOnly) return;
    add(await droppedFiles(event.dataTransfer));
  });
}
