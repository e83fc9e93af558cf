/**
 * Screenshots of each console view, from the demo (console-demo.ts: fake stores, a pretend
 * pipeline), for the README and docs/console.md:
 *
 *   node --import tsx test/support/console-screenshots.ts [docs/img]
 *
 * The integration test (test/integration/web-page.test.ts) takes the same views from the real
 * stack into test/artifacts/.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { DEMO_USERS, startConsoleDemo } from './console-demo.js';

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const out = process.argv[2] ?? 'docs/img';
mkdirSync(out, { recursive: true });
const demo = await startConsoleDemo({ stepMs: 400 });
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
const errors: string[] = [];
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, httpCredentials: { username: DEMO_USERS.operator.user, password: DEMO_USERS.operator.password } });
  const page = await context.newPage();
  page.on('pageerror', (err) => errors.push(err.message));
  page.on('console', (m) => void (m.type() === 'error' && errors.push(m.text())));

  await page.goto(`${demo.url}/ui`);
  await page.locator('#documents tbody tr').first().waitFor();
  // Three files dropped on the page, as a person would.
  const dataTransfer = await page.evaluateHandle(() => {
    const dt = new DataTransfer();
    dt.items.add(new File(['# Tide tables\n\nHigh water at the north pier comes forty minutes after the harbour mouth.'], 'tide-tables.md', { type: 'text/markdown' }));
    dt.items.add(new File(['# Crane manual\n\nThe berth four crane lifts forty tonnes in winds below force six.'], 'crane-manual.md', { type: 'text/markdown' }));
    dt.items.add(new File(['# Ferry timetable\n\nThe winter ferry leaves at seven and at four, weather allowing.'], 'ferry-timetable.md', { type: 'text/markdown' }));
    return dt;
  });
  await page.fill('#upload-prefix', 'harbour/2026');
  await page.dispatchEvent('#dropzone', 'drop', { dataTransfer });
  await page.locator('#uploads li[data-status="embedding"], #uploads li[data-status="indexing"]').first().waitFor({ timeout: 20_000 });
  await page.fill('#query', 'who trims the lighthouse wicks in the winter storms?');
  await page.click('#search-form button[type=submit]');
  await page.locator('#hits li.hit').first().waitFor();
  await page.screenshot({ path: join(out, 'console-documents.png'), fullPage: true });

  await page.goto(`${demo.url}/ui/doc/reports/2026/q1-summary.pdf`);
  await page.locator('#chunks li.chunk').first().waitFor();
  await page.screenshot({ path: join(out, 'console-document.png'), fullPage: true });

  await page.goto(`${demo.url}/ui/doc/reports/2026/board-minutes.md`);
  await page.locator('#letters li').first().waitFor();
  await page.screenshot({ path: join(out, 'console-document-failed.png'), fullPage: true });

  await page.goto(`${demo.url}/ui/pipeline`);
  await page.locator('#stages tbody tr').first().waitFor();
  await page.screenshot({ path: join(out, 'console-pipeline.png'), fullPage: true });

  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, httpCredentials: { username: DEMO_USERS.viewer.user, password: DEMO_USERS.viewer.password } });
  const small = await phone.newPage();
  small.on('pageerror', (err) => errors.push(err.message));
  await small.goto(`${demo.url}/ui/doc/scans/invoice-0042.pdf`);
  await small.locator('#chunks li.chunk').first().waitFor();
  await small.screenshot({ path: join(out, 'console-phone.png'), fullPage: true });
} finally {
  await browser.close();
  await demo.close();
}
if (errors.length > 0) {
  console.error(`script errors on the page:\n${errors.join('\n')}`);
  process.exit(1);
}
console.log(`screenshots in ${out}/`);
