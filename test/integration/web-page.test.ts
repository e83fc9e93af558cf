/**
 * The console in a real browser (Debian chromium driven by playwright-core) through the real
 * stack (issue 17): three files dropped on the page go straight to S3 by presigned PUTs and turn
 * `indexed`; a search hit opens its document with its chunks; a file uploaded while split is down
 * is dead-lettered, and once split is back the document view replays it to `indexed`; the
 * pipeline view's charts move during a bulk upload; a read-only user can look but not delete.
 * Screenshots of each view go to test/artifacts/.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { loadApiConfig } from '../../lib/config.js';
import { parseBasicAuthUsers } from '../../lib/http/basic-auth.js';
import { api, bucket, component, config, repoRoot, s3, waitFor } from '../support/stack.js';

const apiUrl = process.env.SLUICE_API_URL ?? `http://127.0.0.1:${config.API_PORT}`;
const users = parseBasicAuthUsers(config.SLUICE_BASIC_AUTH) ?? {};
const { readOnlyUsers, PIPELINE_SAMPLE_INTERVAL_S: sampleS } = loadApiConfig();
const operatorName = Object.keys(users).find((u) => !readOnlyUsers.includes(u));
const viewerName = readOnlyUsers[0];
const credentials = (user: string | undefined) => (user ? { httpCredentials: { username: user, password: users[user]! } } : {});
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const run = `web/${Date.now()}`;
const artifacts = join(repoRoot, 'test/artifacts');

let browser: Browser;
let operator: BrowserContext;
const pageErrors: string[] = [];

/** A page whose script errors and console errors are collected (a refusal the test asks for is not one). */
async function open(context: BrowserContext, path: string, expectRefusals = false): Promise<Page> {
  const page = await context.newPage();
  page.on('pageerror', (err) => pageErrors.push(`${path}: ${err.message}`));
  page.on('console', (m) => void (m.type() === 'error' && !(expectRefusals && /status of 403/.test(m.text())) && pageErrors.push(`${path}: ${m.text()}`)));
  const response = await page.goto(apiUrl + path);
  assert.equal(response?.status(), 200, path);
  return page;
}

/** Drops files on the page's drop zone as a browser delivers a drop: a DataTransfer with Files. */
async function drop(page: Page, files: { name: string; text: string }[]): Promise<void> {
  const dataTransfer = await page.evaluateHandle((list) => {
    const dt = new DataTransfer();
    for (const f of list) dt.items.add(new File([f.text], f.name, { type: 'text/markdown' }));
    return dt;
  }, files);
  await page.dispatchEvent('#dropzone', 'drop', { dataTransfer });
}

const uploadRow = (page: Page, key: string, status?: string) => page.locator(`#uploads li[data-key="${key}"]${status ? `[data-status="${status}"]` : ''}`);
const docPath = (key: string) => `/ui/doc/${key.split('/').map(encodeURIComponent).join('/')}`;

async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(artifacts, { recursive: true });
  const path = join(artifacts, `web-${name}.png`);
  await page.screenshot({ path, fullPage: true });
  assert.ok(statSync(path).size > 10_000, `${name}: the screenshot has content`);
}

before(async () => {
  // launch() starts from a fresh temporary profile: nothing cached from another run can help the page.
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ARGS });
  operator = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...credentials(operatorName) });
});

after(async () => {
  await browser?.close();
});

const lighthouse = [
  { name: 'keepers.md', text: '# Lighthouse keepers\n\nThe keepers of the Faroe Islands lighthouses trimmed the wicks every four hours through the winter storms.\n\n## Supplies\n\nParaffin, bread and letters arrived by boat once a month when the sea allowed it.' },
  { name: 'tides.md', text: '# Tide tables\n\nHigh water at the north pier comes forty minutes after the harbour mouth, and the ferry waits for it.' },
  { name: 'crane.md', text: '# Crane manual\n\nThe berth four crane lifts forty tonnes in winds below force six; above it the jib is lowered and locked.' },
];

test('three files dropped on the page go to S3 and turn indexed; a search hit opens the document and its chunks', { timeout: 300_000 }, async () => {
  const page = await open(operator, '/ui');
  assert.equal(await page.title(), 'Sluice');
  await page.fill('#upload-prefix', `${run}/dropped`);
  await drop(page, lighthouse);
  for (const { name } of lighthouse) {
    const key = `${run}/dropped/${name}`;
    // The row follows the document from the PUT to the pipeline's verdict.
    await uploadRow(page, key, 'indexed').waitFor({ timeout: 180_000 });
    assert.equal(await uploadRow(page, key).locator('progress').getAttribute('value'), '100');
    await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    // And the table, from its own polling.
    await page.locator(`#documents tbody tr[data-key="${key}"] td.status`, { hasText: 'indexed' }).waitFor({ timeout: 30_000 });
  }

  // The key filter narrows the table; the status filter hides the indexed ones.
  await page.fill('#key-filter', `${run}/dropped/`);
  const keys = await page.locator('#documents tbody td.key').allTextContents();
  assert.deepEqual(keys.sort(), lighthouse.map((f) => `${run}/dropped/${f.name}`).sort());
  await page.selectOption('#status-filter', 'failed');
  assert.equal(await page.locator('#documents tbody tr').count(), 0);
  await page.selectOption('#status-filter', '');
  await page.fill('#key-filter', '');

  // Search, by keyboard, restricted to this run's keys; the excerpt marks the query's terms.
  const key = `${run}/dropped/keepers.md`;
  await page.focus('#query');
  await page.keyboard.type('who trimmed the lighthouse wicks in winter storms?');
  await page.fill('#prefix', `${run}/`);
  await page.focus('#query');
  await page.keyboard.press('Enter');
  const hit = page.locator('#hits li.hit', { has: page.locator('.hit-key', { hasText: key }) }).first();
  await hit.waitFor({ timeout: 60_000 });
  assert.match((await hit.locator('.hit-excerpt').textContent()) ?? '', /trimmed the wicks/);
  assert.ok((await hit.locator('mark').allTextContents()).map((t) => t.toLowerCase()).includes('wicks'), 'the query terms are marked');
  assert.match((await hit.locator('.hit-score').textContent()) ?? '', /^\d\.\d{3}$/);
  for (const other of await page.locator('#hits .hit-key').allTextContents()) assert.ok(other.startsWith(`${run}/`), other);
  await page.selectOption('#mode', 'sparse');
  await page.click('#search-form button[type=submit]');
  await page.locator('#search-status', { hasText: 'sparse' }).waitFor();
  await hit.waitFor();
  await screenshot(page, 'documents');

  await hit.locator('.hit-key').click();
  await page.waitForURL(new RegExp(`/ui/doc/${run}/dropped/keepers\\.md`));
  await page.locator('#chunks li.chunk').first().waitFor({ timeout: 30_000 });
  const { points } = await api.documentPoints(key);
  assert.equal(await page.locator('#chunks li.chunk').count(), points, 'every indexed chunk is shown');
  assert.match((await page.locator('#chunks li.chunk .text').allTextContents()).join('\n'), /trimmed the wicks every four hours/);
  assert.match((await page.locator('#chunks li.chunk header').allTextContents()).join('\n'), /Lighthouse keepers|Supplies/, 'the chunks carry their headings');
  assert.equal(await page.locator('#doc-status').textContent(), 'indexed');
  const timeline = await page.locator('#timeline li').evaluateAll((items) => items.map((li) => (li as HTMLElement).dataset.status));
  assert.equal(timeline.at(-1), 'indexed');
  assert.ok(timeline.includes('splitting'), `the timeline has the stages: ${timeline.join(', ')}`);
  await screenshot(page, 'document');
});

test('a file uploaded while split is down is dead-lettered, and its document view replays it once split is back', { timeout: 420_000 }, async () => {
  const key = `${run}/outage.md`;
  const page = await open(operator, '/ui');
  await page.fill('#upload-prefix', run);
  await component('stop', 'split');
  try {
    await drop(page, [{ name: 'outage.md', text: '# Outage report\n\nWritten while the split function was down; replayed once it was back.' }]);
    // The broker's retries (about 31 s), then the dead letter and a failed status.
    await uploadRow(page, key, 'failed').waitFor({ timeout: 240_000 });
  } finally {
    await component('start', 'split');
  }
  const doc = await open(operator, docPath(key));
  await doc.locator('#letters li').first().waitFor({ timeout: 30_000 });
  assert.equal(await doc.locator('#doc-status').textContent(), 'failed');
  assert.match((await doc.locator('#facts').textContent()) ?? '', /dead-lettered/);
  await screenshot(doc, 'document-failed');
  await doc.click('#replay');
  await doc.locator('#doc-status', { hasText: 'indexed' }).waitFor({ timeout: 180_000 });
  await doc.locator('#chunks li.chunk').first().waitFor({ timeout: 30_000 });
  assert.ok(await doc.locator('#letters-panel').isHidden(), 'the letter is gone once replayed');
  assert.equal((await api.deadLetters()).filter((l) => l.subject === key).length, 0);
});

test('the pipeline view\'s charts move during a bulk upload, and reconcile runs from it', { timeout: 300_000 }, async () => {
  const pipeline = await open(operator, '/ui/pipeline');
  await pipeline.locator('#stages tbody tr[data-stage="split"] .chart.queued').waitFor({ timeout: 30_000 });
  // The newest samples of the charts: documents waiting, and what the stages had queued or in flight.
  const recent = (n: number): Promise<{ waiting: number; stages: number }> =>
    pipeline.evaluate(`(() => {
      const peak = (el) => Math.max(0, ...((el && el.dataset.values) || '').split(',').slice(-${n}).map(Number).filter((v) => Number.isFinite(v)));
      let stages = 0;
      for (const el of document.querySelectorAll('#stages .chart.queued, #stages .chart.in-flight')) stages = Math.max(stages, peak(el));
      return { waiting: peak(document.querySelector('#waiting-chart .chart')), stages };
    })()`);
  // Where the charts stand before (documents some other test left waiting count in the baseline).
  await pipeline.waitForTimeout(Math.max(2, sampleS) * 1000 + 2_000);
  const baseline = await recent(1);
  const uploads = await open(operator, '/ui');
  await uploads.fill('#upload-prefix', `${run}/bulk`);
  const files = Array.from({ length: 40 }, (_, i) => ({ name: `page-${String(i).padStart(2, '0')}.md`, text: `# Bulk page ${i}\n\nPage ${i} of the bulk upload: ${'the tide tables of the north pier '.repeat(20)}` }));
  const started = Date.now();
  await drop(uploads, files);
  await uploadRow(uploads, `${run}/bulk/page-39.md`, 'indexed').waitFor({ timeout: 240_000 });
  for (const f of files) await uploadRow(uploads, `${run}/bulk/${f.name}`, 'indexed').waitFor({ timeout: 60_000 });
  // One more refresh of the view, then look back over the samples taken since the drop.
  await pipeline.waitForTimeout(Math.max(2, sampleS) * 1000 + 2_000);
  const moved = await recent(Math.ceil((Date.now() - started) / 1000 / Math.max(1, sampleS)) + 1);
  const seen = JSON.stringify({ baseline, moved });
  assert.ok(moved.waiting > baseline.waiting, `documents waiting rose during the bulk upload: ${seen}`);
  assert.ok(moved.stages > baseline.stages, `a stage had more events queued or in flight during the bulk upload: ${seen}`);
  assert.match((await pipeline.locator('#targets').textContent()) ?? '', /split/);
  await screenshot(pipeline, 'pipeline');
  await pipeline.click('#reconcile-now');
  await pipeline.locator('#reconcile-last', { hasText: 'in sync' }).waitFor({ timeout: 120_000 });
});

test('a read-only user can look at a document but not delete it', { skip: viewerName ? false : 'no SLUICE_READ_ONLY_USERS', timeout: 120_000 }, async () => {
  const key = `${run}/dropped/crane.md`;
  const viewer = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...credentials(viewerName) });
  try {
    const page = await open(viewer, docPath(key), true);
    await page.locator('#chunks li.chunk').first().waitFor({ timeout: 30_000 });
    assert.ok(await page.locator('#delete').isDisabled(), 'the delete button is disabled');
    assert.ok(await page.locator('#reingest').isDisabled());
    assert.match((await page.locator('#who').textContent()) ?? '', /read-only/);
    // Past the disabled button, the API itself refuses.
    const answer = await page.evaluate(async (path) => {
      const res = await fetch(path, { method: 'DELETE' });
      return { status: res.status, body: await res.text() };
    }, `/documents/${key.split('/').map(encodeURIComponent).join('/')}`);
    assert.equal(answer.status, 403, answer.body);
    await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    await screenshot(page, 'document-read-only');
    const home = await open(viewer, '/ui', true);
    assert.ok(await home.locator('#pick-files').isDisabled(), 'no uploads for a viewer');
    // A phone's width: nothing scrolls sideways.
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, ...credentials(viewerName) });
    const small = await open(phone, docPath(key), true);
    await small.locator('#chunks li.chunk').first().waitFor({ timeout: 30_000 });
    assert.ok((await small.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)) <= 0, 'fits a phone');
    await screenshot(small, 'phone');
    await phone.close();
  } finally {
    await viewer.close();
  }
  // Still there, still indexed.
  await waitFor(`${key} still indexed`, async () => ((await api.status(key)).status === 'indexed' ? true : undefined), 10_000);
});

test('no script errors or CSP violations on any page', () => {
  assert.deepEqual(pageErrors, []);
});
