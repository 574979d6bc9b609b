import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { apiClient, startReceiver, startTestHerald, type ApiCall, type Receiver, type TestHerald } from '@herald/testing';
import { chromiumOrSkipReason, ensureDashboardBuilt, launchChromium, signIn } from './dashboard-browser.ts';

/** Issue 13 §2 in the dashboard: a payload filter set in the endpoint form, and a message page that names the endpoints it skipped. */
const skip = chromiumOrSkipReason();
let herald: TestHerald;
let receiver: Receiver;
let browser: Browser;
let call: ApiCall;

before(async () => {
  if (skip) return;
  ensureDashboardBuilt();
  herald = await startTestHerald();
  receiver = await startReceiver();
  browser = await launchChromium();
  call = apiClient(herald.url, herald.token);
});

after(async () => {
  await browser?.close();
  await receiver?.close();
  await herald?.stop();
});

test('an operator sets a payload filter in the endpoint form, sees a bad operator refused, and the message page names the skipped endpoint and why', { skip }, async () => {
  const app = (await call('POST', '/app', { name: 'Shop', uid: 'filters-shop' })).body as { id: string };
  const open = (await call('POST', `/app/${app.id}/endpoint`, { url: receiver.url, description: 'everything' })).body as { id: string };
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await signIn(page, herald.url, herald.token);
  await page.goto(`${herald.url}/ui#/apps/${app.id}/endpoints`);

  await page.getByLabel('Endpoint URL').fill(`${receiver.url}?large`);
  const filter = page.getByLabel('Payload filter');
  await filter.fill('{"total": {"$gtee": 10000}}');
  await page.getByRole('button', { name: 'Add endpoint' }).click();
  await page.getByRole('status').or(page.getByRole('alert')).filter({ hasText: '$gtee' }).first().waitFor();
  assert.equal(((await call('GET', `/app/${app.id}/endpoint`)).body.data as unknown[]).length, 1, 'nothing saved');

  await filter.fill('{"total": {"$gte": 10000}}');
  await page.getByRole('button', { name: 'Add endpoint' }).click();
  await page.getByRole('heading', { name: `${receiver.url}?large` }).waitFor();
  const filteredId = decodeURIComponent(page.url().split('/endpoints/')[1]!);
  assert.deepEqual((await call('GET', `/app/${app.id}/endpoint/${filteredId}`)).body.filter, { total: { $gte: 10_000 } });
  assert.deepEqual(JSON.parse(await page.getByLabel('Payload filter').inputValue()), { total: { $gte: 10_000 } }, 'the edit form shows the saved filter');

  const sent = (await call('POST', `/app/${app.id}/msg`, { eventType: 'order.paid', payload: { total: 500 } })).body as { id: string };
  await page.goto(`${herald.url}/ui#/apps/${app.id}/messages/${sent.id}`);
  const skipped = page.getByRole('region', { name: 'Skipped endpoints' });
  await skipped.getByText('body.total: expected $gte 10000, got 500').waitFor();
  assert.equal(await skipped.getByRole('link', { name: `${receiver.url}?large` }).count(), 1);
  await page.getByRole('article', { name: `Delivery to ${receiver.url}` }).waitFor();
  assert.equal(await skipped.getByRole('link', { name: receiver.url, exact: true }).count(), 0, `${open.id} got the message`);
});
