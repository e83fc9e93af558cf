/**
 * The status and search page in a real browser (Debian chromium driven by playwright-core)
 * against the real stack: the page is open before the upload, so the document appears and
 * reaches `indexed` by the page's own polling; then a search shows it as a hit.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { firstCredential } from '../../lib/http/basic-auth.js';
import { config, putObject, repoRoot, waitIndexed } from '../support/stack.js';

const apiUrl = process.env.SLUICE_API_URL ?? `http://127.0.0.1:${config.API_PORT}`;
const userDataDir = mkdtempSync(join(tmpdir(), 'sluice-chromium-'));
let context: BrowserContext | undefined;

after(async () => {
  await context?.close();
  rmSync(userDataDir, { recursive: true, force: true });
});

test('the page shows a new document reaching indexed, and finds it by search', { timeout: 300_000 }, async () => {
  const credential = firstCredential(config.SLUICE_BASIC_AUTH);
  // A fresh profile directory per run, so nothing cached from another run can help the page.
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1280, height: 900 },
    ...(credential ? { httpCredentials: { username: credential.user, password: credential.password } } : {}),
  });
  const page = await context.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (err) => pageErrors.push(err.message));
  page.on('console', (message) => {
    if (message.type() === 'error') pageErrors.push(message.text());
  });

  const response = await page.goto(`${apiUrl}/ui`);
  assert.equal(response?.status(), 200);
  assert.equal(await page.title(), 'Sluice');

  const key = `web/lighthouse-${Date.now()}.md`;
  const text = [
    '# Lighthouse keepers',
    'The keepers of the Faroe Islands lighthouses trimmed the wicks every four hours through the winter storms.',
    '## Supplies',
    'Paraffin, bread and letters arrived by boat once a month when the sea allowed it.',
  ].join('\n\n');
  const version = await putObject(key, text);

  // No reload: the page's polling brings the row in and moves it to indexed.
  const row = page.locator(`#documents tbody tr[data-key="${key}"]`);
  await row.locator('td.status', { hasText: 'indexed' }).waitFor({ timeout: 180_000 });
  const chunks = await waitIndexed(key, version);
  assert.equal(await row.locator('td.chunks').textContent(), String(chunks));
  assert.equal(await row.locator('td.version').getAttribute('title'), version);

  // The key filter narrows the table to matching documents.
  await page.fill('#key-filter', 'lighthouse-');
  const keys = await page.locator('#documents tbody td.key').allTextContents();
  assert.ok(keys.length >= 1 && keys.every((k) => k.includes('lighthouse-')), `filtered keys: ${keys.join(', ')}`);
  await page.selectOption('#status-filter', 'failed');
  assert.equal(await row.count(), 0, 'the status filter hides the indexed document');
  await page.selectOption('#status-filter', '');

  await page.fill('#query', 'who trimmed the lighthouse wicks in winter storms?');
  await page.click('#search-form button[type=submit]');
  const hit = page.locator('#hits li.hit', { has: page.locator('.hit-key', { hasText: key }) }).first();
  await hit.waitFor({ timeout: 60_000 });
  assert.match((await hit.locator('.hit-excerpt').textContent()) ?? '', /trimmed the wicks/);
  assert.match((await hit.locator('.hit-score').textContent()) ?? '', /^\d\.\d{3}$/);
  assert.match((await hit.locator('.hit-where').textContent()) ?? '', /Lighthouse keepers|Supplies/);

  const artifacts = join(repoRoot, 'test/artifacts');
  mkdirSync(artifacts, { recursive: true });
  const screenshot = join(artifacts, 'web-page.png');
  await page.screenshot({ path: screenshot, fullPage: true });
  assert.ok(statSync(screenshot).size > 10_000, 'the screenshot has content');
  assert.deepEqual(pageErrors, [], 'no script errors on the page');
});
