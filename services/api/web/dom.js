// The console's small DOM toolkit. Untrusted values only ever become text nodes or attribute
// values set through the DOM: no HTML is built from strings anywhere in the console's scripts.

/**
 * `h('a', { href, class: 'x' }, 'text', child)`: an element with attributes and children; strings
 * become text nodes. `on*` functions are listeners, `dataset` an object, booleans toggle attributes.
 */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  setAttributes(element, attributes);
  append(element, children);
  return element;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

/** An SVG element (charts): attributes as strings, children as for `h`. */
export function svg(tag, attributes = {}, ...children) {
  const element = document.createElementNS(SVG_NS, tag);
  setAttributes(element, attributes);
  append(element, children);
  return element;
}

function setAttributes(element, attributes) {
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') element.addEventListener(name.slice(2), value);
    else if (name === 'dataset') Object.assign(element.dataset, value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
}

function append(element, children) {
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    element.append(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child);
  }
}

export const $ = (selector, root = document) => root.querySelector(selector);

/** The API's JSON, or an Error carrying its `error` message and status. */
export async function api(path, options = {}) {
  const { json, ...init } = options;
  const headers = { accept: 'application/json', ...(json !== undefined ? { 'content-type': 'application/json' } : {}), ...init.headers };
  const res = await fetch(path, { cache: 'no-store', ...init, headers, ...(json !== undefined ? { body: JSON.stringify(json) } : {}) });
  const text = await res.text();
  let body;
  try {
    body = text ? JSON.parse(text) : {};
  } catch {
    body = { error: text.slice(0, 300) };
  }
  if (!res.ok) {
    const error = new Error(body.error || `the API answered ${res.status}`);
    error.status = res.status;
    error.body = body;
    throw error;
  }
  return body;
}

/** `/ui/doc/<key>` with each segment URL-escaped. */
export function documentHref(key, bucket) {
  return '/ui/doc/' + key.split('/').map(encodeURIComponent).join('/') + (bucket ? '?bucket=' + encodeURIComponent(bucket) : '');
}

/** `/documents/<key>`-style API paths, each segment escaped. */
export function keyPath(prefix, key) {
  return prefix + key.split('/').map(encodeURIComponent).join('/');
}

export function formatBytes(n) {
  if (n < 1024) return n + ' B';
  const units = ['KiB', 'MiB', 'GiB'];
  let value = n / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return value.toFixed(value < 10 ? 1 : 0) + ' ' + units[unit];
}

export function formatTime(iso) {
  if (!iso) return '';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}

/** A short message at the bottom of the page, read out by screen readers. */
export function toast(message) {
  const element = $('#toast');
  if (!element) return;
  element.textContent = message;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => (element.textContent = ''), 6000);
}

/** Who is looking: the server puts the role on the body. */
export function role() {
  return document.body.dataset.role === 'viewer' ? 'viewer' : 'operator';
}
