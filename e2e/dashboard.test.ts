import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { Webhook } from 'standardwebhooks';
import { eventually, startReceiver, startTestHerald, type Receiver, type TestHerald } from '@herald/testing';
import { accessibilityViolations, chromiumOrSkipReason, ensureDashboardBuilt, launchChromium, screenshot, signIn } from './dashboard-browser.ts';

const skip = chromiumOrSkipReason();
let herald: TestHerald;
let receiver: Receiver;
let browser: Browser;

before(async () => {
  if (skip) return;
  ensureDashboardBuilt();
  herald = await startTestHerald();
  // Every fourth delivery fails, so that the health charts and the attempt list show both outcomes.
  receiver = await startReceiver((_request, count) => (count % 4 === 0
    ? { status: 500, body: '{"error":"database unavailable"}', headers: { 'content-type': 'application/json' } }
    : { status: 200, body: '{"received":true}', headers: { 'content-type': 'application/json' } }));
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await receiver?.close();
  await herald?.stop();
});

async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${herald.url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${herald.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  assert.ok(response.ok, `${method} ${path} answered ${response.status}`);
  return (response.status === 204 ? undefined : await response.json()) as T;
}

/** Presses Tab until `selector` has the focus: proves it is reachable from the keyboard. */
async function tabTo(page: Page, selector: string): Promise<void> {
  for (let presses = 0; presses < 25; presses++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate((wanted) => document.activeElement?.matches(wanted) ?? false, selector)) {
      const outline = await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle);
      assert.notEqual(outline, 'none', `${selector} shows where the keyboard focus is`);
      return;
    }
  }
  assert.fail(`${selector} cannot be reached with the Tab key`);
}

test('an operator creates an application and an endpoint, watches a delivery, resends it and rotates the secret', { skip }, async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await signIn(page, herald.url, herald.token);
  await page.getByText('No applications yet').waitFor();

  // Keyboard only: the form is reachable with Tab and submits with Enter.
  await tabTo(page, '#app-name');
  await page.keyboard.type('Shop');
  await tabTo(page, '#app-uid');
  await page.keyboard.type('shop');
  await page.keyboard.press('Enter');
  await page.getByText('No endpoints yet').waitFor();
  await screenshot(page, 'endpoints-empty');

  await page.getByLabel('Endpoint URL').fill(receiver.url);
  await page.getByLabel('Description').fill('Order service');
  await page.getByRole('button', { name: 'Add endpoint' }).click();
  await page.getByRole('heading', { name: receiver.url }).waitFor();
  await page.getByText('Nothing delivered yet').waitFor();
  const endpointId = decodeURIComponent(page.url().split('/endpoints/')[1]!);

  await api('PUT', `/app/shop/endpoint/${endpointId}/headers`, { headers: { 'x-tenant': 'shop-eu', authorization: 'Bearer receiver-secret' } });
  // A message from the customer's application appears in the endpoint's attempts without a reload.
  const sent = await api<{ id: string }>('POST', '/app/shop/msg', { eventType: 'order.paid', payload: { id: 'ord_1', amount: 4200 } });
  await page.getByRole('link', { name: sent.id }).waitFor();
  await receiver.waitFor(1);

  await page.getByRole('link', { name: sent.id }).click();
  await page.getByRole('heading', { name: 'Payload' }).waitFor();
  const attempts = page.getByTestId('attempt');
  await attempts.first().locator('summary').click();
  assert.equal(await attempts.first().getByTestId('attempt-status-code').textContent(), 'HTTP 200');
  assert.match((await attempts.first().getByTestId('attempt-latency').textContent())!, /^\d+ ms$/);
  assert.match(await page.locator('pre.code').first().textContent() ?? '', /"amount": 4200/);
  // The headers shown are the ones the receiver got.
  const signatureRow = attempts.first().getByRole('row', { name: /webhook-signature/ });
  assert.equal(await signatureRow.getByRole('cell').textContent(), receiver.requests[0]!.headers['webhook-signature']);
  assert.equal(await attempts.first().getByRole('row', { name: /x-tenant/ }).getByRole('cell').textContent(), 'shop-eu');
  // A credential among the custom headers reaches the receiver but is never shown.
  assert.equal(receiver.requests[0]!.headers.authorization, 'Bearer receiver-secret');
  assert.equal(await attempts.first().getByRole('row', { name: /authorization/ }).getByRole('cell').textContent(), '(hidden)');

  await page.getByRole('button', { name: 'Resend' }).click();
  await attempts.nth(1).waitFor();
  assert.equal(await attempts.count(), 2);
  await receiver.waitFor(2);
  assert.equal(receiver.requests[1]!.headers['webhook-id'], sent.id);

  // Rotate: the new secret differs, and the next delivery verifies against it.
  await page.goto(`${herald.url}/ui#/apps/shop/endpoints/${endpointId}`);
  await page.getByRole('button', { name: 'Reveal secret' }).click();
  const secret = page.getByTestId('endpoint-secret');
  const oldSecret = (await secret.textContent())!;
  page.once('dialog', (dialog) => void dialog.accept());
  await page.getByRole('button', { name: 'Rotate secret' }).click();
  const newSecret = await eventually(async () => {
    const text = (await secret.textContent())!;
    return text !== oldSecret ? text : undefined;
  }, 10_000, 'the rotated secret');
  assert.match(newSecret, /^whsec_/);
  // The test event button sends to this endpoint, signed with the new secret.
  await page.getByRole('button', { name: 'Send test event' }).click();
  const notice = await page.getByRole('status').filter({ hasText: 'Test event sent' }).textContent();
  const testMessageId = /(msg_\w+)/.exec(notice ?? '')?.[1];
  const [, , third] = await receiver.waitFor(3);
  assert.equal(third!.headers['webhook-id'], testMessageId);
  assert.doesNotThrow(() => new Webhook(newSecret).verify(third!.body, third!.headers));
  await page.close();
});

test('the main views render with data, meet WCAG 2.1 AA as axe-core checks it, and fit a 390-pixel-wide screen', { skip }, async () => {
  const app = await api<{ id: string }>('POST', '/app', { name: 'Acme Corp', uid: 'acme' });
  await api('POST', '/event-type', { name: 'invoice.paid', description: 'An invoice was paid in full' });
  await api('POST', '/event-type', { name: 'invoice.refunded', description: 'Money went back to the customer' });
  const endpoint = await api<{ id: string }>('POST', `/app/${app.id}/endpoint`, { url: receiver.url, description: 'Billing webhooks' });
  const before = receiver.requests.length;
  for (let index = 0; index < 8; index++) {
    await api('POST', `/app/${app.id}/msg`, { eventType: index % 3 ? 'invoice.paid' : 'invoice.refunded', payload: { invoice: `inv_${index}`, total: 1000 + index } });
  }
  await receiver.waitFor(before + 8);

  const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, bypassCSP: true });
  const checked = async (name: string) => {
    assert.deepEqual(await accessibilityViolations(page), [], `accessibility of ${name}`);
    await screenshot(page, name);
  };
  await signIn(page, herald.url, herald.token);
  await page.getByRole('link', { name: 'Acme Corp' }).waitFor();
  await checked('applications');

  await page.getByRole('link', { name: 'Event types' }).click();
  await page.getByRole('cell', { name: 'invoice.refunded' }).waitFor();
  await checked('event-types');

  await page.goto(`${herald.url}/ui#/apps/${app.id}/endpoints/${endpoint.id}`);
  await page.getByRole('img', { name: /Success rate per period/ }).waitFor();
  await checked('endpoint');

  await page.goto(`${herald.url}/ui#/apps/${app.id}/messages`);
  await page.getByRole('row').nth(8).waitFor();
  // Server-side filter: only the refunds.
  await page.getByLabel('Event type').fill('invoice.refunded');
  await page.getByRole('button', { name: 'Apply filters' }).click();
  await eventually(async () => (await page.getByRole('row').count()) === 4 ? true : undefined, 10_000, 'three refunds and a header row');
  await page.getByRole('button', { name: 'Clear' }).click();
  await page.getByRole('row').nth(8).waitFor();
  await checked('messages');

  await page.getByRole('row').nth(1).getByRole('link').click();
  await page.getByTestId('attempt').first().locator('summary').click();
  await page.getByRole('heading', { name: 'Request headers' }).waitFor();
  await checked('message');

  await page.setViewportSize({ width: 390, height: 844 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow}px on a narrow screen`);
  await checked('message-narrow');
  await page.close();
});

test('the portal shows one application, themed from its link, inside an iframe on another site; the operator dashboard refuses the iframe', { skip }, async () => {
  const mine = await api<{ id: string }>('POST', '/app', { name: 'Portal tenant' });
  await api('POST', `/app/${mine.id}/endpoint`, { url: `${receiver.url}?tenant=mine`, description: 'Production' });
  const other = await api<{ id: string }>('POST', '/app', { name: 'Someone else' });
  await api('POST', `/app/${other.id}/endpoint`, { url: `${receiver.url}?tenant=other` });
  // Any token opens the portal; which applications a token may read is the API's business (dashboard-portal.test.ts).
  const link = `${herald.url}/ui/portal?primary=%230f766e&name=Acme%20webhooks#token=${herald.token}&app=${mine.id}`;
  const site = createServer((request, response) => {
    const source = request.url === '/portal' ? link : `${herald.url}/ui`;
    response.writeHead(200, { 'content-type': 'text/html' })
      .end(`<!doctype html><title>Customer site</title><iframe title="embedded" src="${source}" width="1000" height="700"></iframe>`);
  });
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
  // "localhost" and "127.0.0.1" are different origins: the embedding site is cross-origin.
  const siteUrl = `http://localhost:${(site.address() as AddressInfo).port}`;
  try {
    const page = await browser.newPage({ viewport: { width: 1100, height: 760 } });
    await page.goto(`${siteUrl}/portal`);
    const portal = page.frameLocator('iframe[title="embedded"]');
    await portal.getByRole('link', { name: `${receiver.url}?tenant=mine` }).waitFor();
    assert.equal(await portal.getByRole('link', { name: 'Applications' }).count(), 0, 'no way to other applications');
    assert.equal(await portal.locator('header.top').evaluate((element) => getComputedStyle(element).backgroundColor), 'rgb(15, 118, 110)');
    await portal.getByText('Acme webhooks').first().waitFor();
    const frame = page.frames().find((candidate) => candidate.url().includes('/ui/portal'))!;
    assert.doesNotMatch(frame.url(), /token=/, 'the token leaves the address bar');
    await screenshot(page, 'portal-embedded');

    // Another application's route falls back to the portal's own application.
    await frame.evaluate((appId) => { window.location.hash = `#/apps/${appId}/endpoints`; }, other.id);
    await portal.getByRole('link', { name: `${receiver.url}?tenant=mine` }).waitFor();
    assert.equal(await portal.getByText('tenant=other').count(), 0);

    await page.goto(`${siteUrl}/operator`);
    const blocked = await eventually(() => page.frames().find((candidate) => candidate !== page.mainFrame() && candidate.url() !== 'about:blank'), 10_000, 'the iframe');
    assert.equal(await blocked.getByRole('button', { name: 'Sign in' }).count(), 0, 'the operator dashboard does not render in a frame');
    await page.close();
  } finally {
    await new Promise((resolve) => site.close(resolve));
  }
});

test('an endpoint disabled by a 410 is edited, enabled again and its failed message recovered from the dashboard', { skip }, async () => {
  const gone = await startReceiver((_request, count) => (count === 1 ? { status: 410, body: 'gone' } : { status: 200, body: 'ok' }));
  try {
    const app = await api<{ id: string }>('POST', '/app', { name: 'Moved house' });
    const endpoint = await api<{ id: string }>('POST', `/app/${app.id}/endpoint`, { url: gone.url, description: 'Old address' });
    const sent = await api<{ id: string }>('POST', `/app/${app.id}/msg`, { eventType: 'order.paid', payload: { id: 'ord_9' } });
    await gone.waitFor(1);
    await eventually(async () => (await api<{ disabled: boolean }>('GET', `/app/${app.id}/endpoint/${endpoint.id}`)).disabled || undefined, 10_000, 'the endpoint disabled');

    const page = await browser.newPage();
    await signIn(page, herald.url, herald.token);
    await page.goto(`${herald.url}/ui#/apps/${app.id}/endpoints/${endpoint.id}`);
    await page.getByText('Disabled', { exact: true }).waitFor();

    const description = page.getByLabel('Description');
    await description.fill('New address');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('— New address').waitFor();

    await page.getByRole('button', { name: 'Enable endpoint' }).click();
    await page.getByText('Enabled', { exact: true }).waitFor();
    await page.getByRole('button', { name: 'Recover' }).click();
    const [, again] = await gone.waitFor(2);
    assert.equal(again!.headers['webhook-id'], sent.id);

    await page.getByRole('button', { name: 'Disable endpoint' }).click();
    await page.getByText('Disabled', { exact: true }).waitFor();
    const saved = await api<{ disabled: boolean; description: string }>('GET', `/app/${app.id}/endpoint/${endpoint.id}`);
    assert.deepEqual([saved.disabled, saved.description], [true, 'New address']);
    await page.close();
  } finally {
    await gone.close();
  }
});
