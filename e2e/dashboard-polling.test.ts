import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { Svix } from 'svix';
import { apiClient, startTestHerald, type ApiCall, type TestHerald } from '@herald/testing';
import { accessibilityViolations, chromiumOrSkipReason, ensureDashboardBuilt, launchChromium, signIn } from './dashboard-browser.ts';

/** Issue 18 in the dashboard: create a polling endpoint, copy its token once, and watch a consumer's lag. */
const skip = chromiumOrSkipReason();
let herald: TestHerald;
let browser: Browser;
let call: ApiCall;

before(async () => {
  if (skip) return;
  ensureDashboardBuilt();
  herald = await startTestHerald();
  browser = await launchChromium();
  call = apiClient(herald.url, herald.token);
});

after(async () => {
  await browser?.close();
  await herald?.stop();
});

test('an operator creates a polling endpoint, gets its token once, and sees a consumer\'s lag', { skip }, async () => {
  const app = (await call('POST', '/app', { name: 'Shop', uid: 'polling-shop' })).body as { id: string };
  // bypassCSP for axe, which injects a script.
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, bypassCSP: true });
  const page = await context.newPage();
  await signIn(page, herald.url, herald.token);
  await page.goto(`${herald.url}/ui#/apps/${app.id}/polling`);

  await page.getByLabel('Description').fill('Nightly export');
  await page.getByLabel(/^Event types/).fill('order.paid, order.refunded');
  await page.getByRole('button', { name: 'Add polling endpoint' }).click();
  const token = await page.getByLabel(/^Read-only token/).inputValue();
  assert.match(token, /^pollsk_/);
  await page.getByRole('heading', { name: 'Nightly export' }).waitFor();
  const [poller] = ((await call('GET', `/app/${app.id}/poller`)).body.data as Array<{ id: string; filterTypes: string[] }>);
  assert.deepEqual(poller!.filterTypes, ['order.paid', 'order.refunded']);

  for (let n = 0; n < 5; n++) await call('POST', `/app/${app.id}/msg`, { eventType: 'order.paid', payload: { n } });
  const reader = new Svix(token, { serverUrl: herald.url });
  await reader.message.poller.consumerPoll(app.id, poller!.id, 'warehouse', { limit: 2 });
  const row = page.getByRole('row').filter({ hasText: 'warehouse' });
  await row.waitFor({ timeout: 15_000 });
  // Five held, two read: a lag of three, shown in the row's second cell.
  await row.getByRole('cell').nth(1).filter({ hasText: /^3$/ }).waitFor({ timeout: 15_000 });
  assert.deepEqual(await accessibilityViolations(page), []);
  await context.close();
});
