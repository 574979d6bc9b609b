import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { Webhook } from 'standardwebhooks';
import { startTestHerald, type TestHerald } from '@herald/testing';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'];
/** HERALD_UPDATE_SCREENSHOTS=1 refreshes the README's picture; otherwise it goes to a temporary folder. */
const SCREENSHOT_DIR = process.env.HERALD_UPDATE_SCREENSHOTS === '1' ? new URL('../../../docs/', import.meta.url).pathname : undefined;
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const WRONG_SECRET = 'whsec_' + Buffer.from('not the secret of this endpoint').toString('base64');

const hasChromium = existsSync(CHROMIUM);
if (!hasChromium && process.env.CI === 'true') {
  throw new Error(`The inspector page test needs Chromium at ${CHROMIUM} (Debian package "chromium"); CI must install it.`);
}

describe('the inspector page in a real browser', { skip: !hasChromium && `no Chromium at ${CHROMIUM}` }, () => {
  let herald: TestHerald;
  let browser: Browser;
  let page: Page;
  let bin: { token: string; captureUrl: string; pageUrl: string };
  const pageErrors: string[] = [];
  const scratch = mkdtempSync(join(tmpdir(), 'herald-inspector-page-'));

  before(async () => {
    herald = await startTestHerald();
    const response = await fetch(`${herald.url}/api/v1/inspector`, {
      method: 'POST', headers: { authorization: `Bearer ${herald.token}`, 'content-type': 'application/json' }, body: '{}',
    });
    bin = (await response.json()) as typeof bin;
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1000, height: 900 } });
    page.on('pageerror', (error) => pageErrors.push(error.message));
  });
  afterEach(() => assert.deepEqual(pageErrors, [], 'the page threw no error'));
  after(async () => {
    await browser?.close();
    await herald?.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  const captureItems = () => page.locator('#requests > li');

  test('a signed request posted to the capture URL appears live with its method, headers and pretty body', async () => {
    await page.goto(bin.pageUrl);
    await page.locator('#capture-url', { hasText: bin.captureUrl }).waitFor();
    assert.equal(await captureItems().count(), 0);

    // Sent after the page is open: it must show up without a reload.
    const payload = JSON.stringify({ type: 'order.paid', data: { id: 'ord_1', amount: 4200, items: ['book', 'pen'] } });
    const msgId = 'msg_inspector_page_1';
    const sentAt = new Date();
    const sent = await fetch(`${bin.captureUrl}/orders?source=shop`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json', 'webhook-id': msgId, 'webhook-timestamp': String(Math.floor(sentAt.getTime() / 1000)),
        'webhook-signature': new Webhook(SECRET).sign(msgId, sentAt, payload),
      },
      body: payload,
    });
    assert.equal(sent.status, 200);

    const item = captureItems().first();
    await item.waitFor();
    assert.equal(await item.locator('.method').textContent(), 'POST');
    assert.match((await item.locator('h3').textContent()) ?? '', /\/orders\?source=shop$/);
    assert.equal(await item.locator('tr', { hasText: 'webhook-id' }).locator('td').textContent(), msgId);
    assert.equal(await item.locator('pre.body').textContent(), JSON.stringify(JSON.parse(payload), null, 2), 'the body is pretty-printed JSON');
    assert.equal(await item.locator('.signature').getAttribute('data-signature'), 'unchecked');
  });

  test('the pasted secret checks the signature in the page: the right one says valid, a wrong one invalid', async () => {
    const secretBox = page.getByLabel('Endpoint secret');
    const verdict = captureItems().first().locator('.signature');
    await secretBox.fill(SECRET);
    await page.locator('#requests > li .signature[data-signature=valid]').waitFor();
    assert.equal(await verdict.textContent(), 'Signature valid');
    await secretBox.fill(WRONG_SECRET);
    await page.locator('#requests > li .signature[data-signature=invalid]').waitFor();
    assert.equal(await verdict.textContent(), 'Signature invalid');
    await secretBox.fill(SECRET);
    await page.locator('#requests > li .signature[data-signature=valid]').waitFor();
  });

  test('unsigned and non-JSON requests are shown as text, newest first, and the page fits a phone screen', async () => {
    await fetch(bin.captureUrl, { method: 'PUT', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'a=1&b=<script>alert(1)</script>' });
    await page.locator('#requests > li:nth-child(2)').waitFor();
    const newest = captureItems().first();
    assert.equal(await newest.locator('.method').textContent(), 'PUT');
    assert.equal(await newest.locator('pre.body').textContent(), 'a=1&b=<script>alert(1)</script>', 'shown as text, never as markup');
    assert.equal(await newest.locator('.signature').getAttribute('data-signature'), 'unsigned');
    assert.match((await page.locator('#status').textContent()) ?? '', /2 requests/);

    // The secret box is reachable from the keyboard.
    await page.locator('#copy-url').focus();
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate('document.activeElement?.id'), 'secret');
    await page.locator('#secret').blur();

    await page.screenshot({ path: join(SCREENSHOT_DIR ?? scratch, 'inspector.png'), fullPage: true });
    await page.setViewportSize({ width: 360, height: 740 });
    // A string, evaluated in the page: this package is type-checked without the DOM library.
    const tooWide = await page.evaluate(`[...document.querySelectorAll('body *')]
      .filter((node) => node.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5)
      .map((node) => node.tagName.toLowerCase() + (node.id ? '#' + node.id : '') + '.' + node.className)`);
    assert.deepEqual(tooWide, [], 'nothing sticks out sideways on a narrow screen');
  });
});
