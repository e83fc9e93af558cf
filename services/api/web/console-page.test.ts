/**
 * The console in a real browser (Debian chromium via playwright-core) against the demo server
 * (test/support/console-demo.ts: the real API app on fake stores, a fake S3 for presigned PUTs, a
 * pretend pipeline). The same journeys as test/integration/web-page.test.ts on the real stack,
 * fast and deterministic: drop files, watch them index, open one, replay a failed one, see the
 * charts move, stay read-only, use it by keyboard and on a phone, and never run a hostile key.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { DEMO_USERS, startConsoleDemo, type ConsoleDemo } from '../../../test/support/console-demo.js';

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const skip = existsSync(CHROMIUM) ? false : `no ${CHROMIUM} (make install brings Debian's chromium)`;
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const HOSTILE_NAME = '<img src=x onerror=alert(1)>.md';

describe('the console in a browser', { skip, timeout: 120_000 }, () => {
  let demo: ConsoleDemo;
  let browser: Browser;
  let operator: BrowserContext;
  const errors: string[] = [];
  const dialogs: string[] = [];

  /** A page whose script errors and console errors are collected (unless a refusal is what the test wants). */
  const open = async (context: BrowserContext, path: string, expectRefusals = false): Promise<Page> => {
    const page = await context.newPage();
    page.on('pageerror', (err) => errors.push(err.message));
    page.on('console', (m) => void (m.type() === 'error' && !(expectRefusals && /status of 403/.test(m.text())) && errors.push(m.text())));
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await page.goto(demo.url + path);
    return page;
  };

  /** Drops files on the drop zone the way a browser delivers a drop (a DataTransfer). */
  const drop = async (page: Page, files: { name: string; text: string }[]) => {
    const dataTransfer = await page.evaluateHandle((list) => {
      const dt = new DataTransfer();
      for (const f of list) dt.items.add(new File([f.text], f.name, { type: 'text/markdown' }));
      return dt;
    }, files);
    await page.dispatchEvent('#dropzone', 'drop', { dataTransfer });
  };

  before(async () => {
    demo = await startConsoleDemo({ stepMs: 150, sampleMs: 500 });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
    operator = await browser.newContext({ viewport: { width: 1280, height: 900 }, httpCredentials: { username: DEMO_USERS.operator.user, password: DEMO_USERS.operator.password } });
  });
  after(async () => {
    await browser?.close();
    await demo?.close();
  });

  it('uploads three dropped files straight to S3 and shows each reach indexed; a hostile name stays text', async () => {
    const page = await open(operator, '/ui');
    await page.fill('#upload-prefix', 'dropped');
    await drop(page, [
      { name: 'one.md', text: '# One\n\nThe first keeper lit the lamp.' },
      { name: 'two.md', text: '# Two\n\nThe second keeper trimmed the wick.' },
      { name: HOSTILE_NAME, text: '# Three\n\nThe third keeper <b>wrote</b> the log.' },
    ]);
    for (const key of ['dropped/one.md', 'dropped/two.md', `dropped/${HOSTILE_NAME}`]) {
      await page.locator(`#uploads li[data-key="${key.replace(/"/g, '\\"')}"][data-status="indexed"]`).waitFor({ timeout: 20_000 });
      assert.equal(await page.locator(`#uploads li[data-key="${key.replace(/"/g, '\\"')}"] progress`).getAttribute('value'), '100');
      assert.ok(demo.objects.has(key), `${key} is in the bucket`);
    }
    await page.locator(`#documents tbody tr[data-key="dropped/${HOSTILE_NAME}"] td.status`, { hasText: 'indexed' }).waitFor();
    assert.equal(await page.locator('img').count(), 0, 'no key became an element');
    assert.deepEqual(dialogs, [], 'no script of a key ran');
  });

  it('searches with the mode, marks the query terms, and links a hit to its document and chunks', async () => {
    const page = await open(operator, '/ui');
    // By keyboard: focus the question, type, Enter.
    await page.focus('#query');
    await page.keyboard.type('which keeper trimmed the wick');
    await page.selectOption('#mode', 'sparse');
    await page.focus('#query');
    await page.keyboard.press('Enter');
    const hit = page.locator('#hits li.hit', { has: page.locator('.hit-key', { hasText: 'dropped/two.md' }) }).first();
    await hit.waitFor();
    assert.match((await page.locator('#search-status').textContent()) ?? '', /sparse/);
    assert.deepEqual(await hit.locator('mark').allTextContents(), ['keeper', 'trimmed', 'wick']);
    // A prefix keeps only the keys under it.
    await page.fill('#prefix', 'handbook/');
    await page.click('#search-form button[type=submit]');
    await page.locator('#search-status', { hasText: 'key prefix handbook/' }).waitFor();
    for (const key of await page.locator('#hits .hit-key').allTextContents()) assert.ok(key.startsWith('handbook/'), key);
    await page.fill('#prefix', '');
    await page.fill('#filter', 'lang:en');
    await page.click('#search-form button[type=submit]');
    await page.locator('#search-status', { hasText: 'metadata lang=en' }).waitFor();

    await page.fill('#filter', '');
    await page.click('#search-form button[type=submit]');
    await page.locator('#hits .hit-key', { hasText: 'dropped/two.md' }).first().click();
    await page.waitForURL(/\/ui\/doc\/dropped\/two\.md/);
    await page.locator('#chunks li.chunk').first().waitFor();
    assert.match((await page.locator('#chunks li.chunk .text').first().textContent()) ?? '', /second keeper trimmed the wick/);
    assert.deepEqual(await page.locator('#timeline li').evaluateAll((items) => items.map((li) => (li as HTMLElement).dataset.status)), ['queued', 'splitting', 'embedding', 'indexing', 'indexed']);
    assert.equal(await page.locator('#doc-status').textContent(), 'indexed');
  });

  it('replays a failed document\'s dead letter once its cause is fixed', async () => {
    const page = await open(operator, '/ui');
    demo.splitDown = true;
    await drop(page, [{ name: 'outage.md', text: '# Outage\n\nWritten while split was down.' }]);
    await page.locator('#uploads li[data-key="outage.md"][data-status="failed"]').waitFor({ timeout: 20_000 });
    demo.splitDown = false;
    const doc = await open(operator, '/ui/doc/outage.md');
    await doc.locator('#letters li').first().waitFor();
    assert.equal(await doc.locator('#doc-status').textContent(), 'failed');
    await doc.click('#replay');
    await doc.locator('#doc-status', { hasText: 'indexed' }).waitFor({ timeout: 20_000 });
    await doc.locator('#chunks li.chunk').first().waitFor();
    assert.ok(await doc.locator('#letters-panel').isHidden(), 'the letter is gone');
  });

  it('deletes only after confirmation; Escape deletes nothing', async () => {
    const page = await open(operator, '/ui/doc/dropped/one.md');
    await page.locator('#chunks li.chunk').first().waitFor();
    await page.click('#delete');
    await page.keyboard.press('Escape');
    assert.ok(demo.objects.has('dropped/one.md'), 'Escape cancels');
    await page.click('#delete');
    await page.click('#confirm-delete-button');
    await page.locator('#doc-status', { hasText: 'deleted' }).waitFor();
    assert.equal(demo.objects.has('dropped/one.md'), false);
  });

  it('shows the queue and in-flight charts move during a bulk upload, and reconciles on request', async () => {
    const pipeline = await open(operator, '/ui/pipeline');
    await pipeline.locator('#stages tbody tr[data-stage="split"]').waitFor();
    // What split had waiting or in flight over the newest samples of its row.
    // (A string: the test runner's transpiler would wrap a named inner function in a helper the page lacks.)
    const recent = (n: number): Promise<number> =>
      pipeline.evaluate(`(() => {
        const row = document.querySelector('#stages tr[data-stage="split"]');
        let peak = 0;
        for (const cls of ['queued', 'in-flight']) {
          const values = (row?.querySelector('.chart.' + cls)?.dataset.values ?? '').split(',').map(Number).slice(-${n});
          peak = Math.max(peak, ...values.filter((v) => Number.isFinite(v)));
        }
        return peak;
      })()`);
    await pipeline.waitForFunction(() => document.querySelector('#stages tr[data-stage="split"] .chart.queued'));
    assert.equal(await recent(3), 0, 'quiet before the bulk upload');
    const uploads = await open(operator, '/ui');
    await drop(uploads, Array.from({ length: 12 }, (_, i) => ({ name: `bulk-${i}.md`, text: `# Bulk ${i}\n\nPage ${i} of the bulk upload.` })));
    await uploads.locator('#uploads li[data-key="bulk-11.md"][data-status="indexed"]').waitFor({ timeout: 30_000 });
    // A refresh of the view after the bulk: the chart moved while it ran.
    await pipeline.waitForTimeout(2500);
    assert.ok((await recent(20)) > 0, 'split had events waiting or in flight during the bulk upload');
    await pipeline.click('#reconcile-now');
    await pipeline.locator('#reconcile-last', { hasText: 'requested' }).waitFor();
  });

  it('keeps a read-only user from changing anything, in the page and behind it', async () => {
    const viewer = await browser.newContext({ viewport: { width: 1280, height: 900 }, httpCredentials: { username: DEMO_USERS.viewer.user, password: DEMO_USERS.viewer.password } });
    const page = await open(viewer, '/ui/doc/dropped/two.md', true);
    await page.locator('#chunks li.chunk').first().waitFor();
    for (const id of ['#delete', '#reingest']) assert.ok(await page.locator(id).isDisabled(), id);
    // Past the disabled button, the API itself says no.
    const answer = await page.evaluate(async () => {
      const res = await fetch('/documents/dropped/two.md', { method: 'DELETE' });
      return { status: res.status, body: await res.json() };
    });
    assert.equal(answer.status, 403);
    assert.match(answer.body.error, /read-only/);
    assert.ok(demo.objects.has('dropped/two.md'));
    const home = await open(viewer, '/ui');
    assert.ok(await home.locator('#pick-files').isDisabled());
    await viewer.close();
  });

  it('fits a phone: no sideways scrolling on any view', async () => {
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, httpCredentials: { username: DEMO_USERS.operator.user, password: DEMO_USERS.operator.password } });
    for (const path of ['/ui', '/ui/doc/dropped/two.md', '/ui/pipeline']) {
      const page = await open(phone, path);
      await page.waitForLoadState('networkidle');
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `${path} is ${overflow}px wider than the phone`);
    }
    await phone.close();
  });

  it('ran no script errors and no CSP violations', () => {
    assert.deepEqual(errors, []);
  });
});
