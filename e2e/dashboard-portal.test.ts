// The tenant portal, against the portal-access contract: POST /api/v1/auth/app-portal-access/{app}
// answers {url, token}, url = <herald>/ui/portal#token=<token>; the token is a Bearer token for that
// application's /api/v1/app/{app}/... routes only. This file needs the portal-token routes; the
// portal's own behaviour (confinement, theme, iframe) is tested in dashboard.test.ts with any token.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { startReceiver, startTestHerald, type Receiver, type TestHerald } from '@herald/testing';
import { chromiumOrSkipReason, ensureDashboardBuilt, launchChromium, screenshot } from './dashboard-browser.ts';

const skip = chromiumOrSkipReason();
let herald: TestHerald;
let receiver: Receiver;
let browser: Browser;

before(async () => {
  if (skip) return;
  ensureDashboardBuilt();
  herald = await startTestHerald();
  receiver = await startReceiver();
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await receiver?.close();
  await herald?.stop();
});

async function api<T>(method: string, path: string, body?: unknown, token = herald.token): Promise<{ status: number; body: T }> {
  const response = await fetch(`${herald.url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (response.status === 204 ? undefined : await response.json()) as T };
}

/** Two tenants, each with an endpoint and a message. */
async function twoTenants() {
  const tenants = [];
  for (const name of ['Tenant A', 'Tenant B']) {
    const app = (await api<{ id: string }>('POST', '/app', { name })).body;
    const endpoint = (await api<{ id: string }>('POST', `/app/${app.id}/endpoint`, { url: `${receiver.url}?tenant=${encodeURIComponent(name)}` })).body;
    const message = (await api<{ id: string }>('POST', `/app/${app.id}/msg`, { eventType: 'invoice.paid', payload: { tenant: name } })).body;
    tenants.push({ name, app, endpoint, message });
  }
  return tenants as [typeof tenants[0], typeof tenants[0]];
}

/** The portal expects the application next to the token in the fragment: #token=…&app=…. */
async function portalLink(appId: string, theme: Record<string, string> = {}): Promise<{ url: string; token: string }> {
  const access = await api<{ url: string; token: string }>('POST', `/auth/app-portal-access/${appId}`, {});
  assert.equal(access.status, 200, 'the portal-access route exists');
  const url = new URL(access.body.url);
  for (const [name, value] of Object.entries(theme)) url.searchParams.set(name, value);
  if (!new URLSearchParams(url.hash.slice(1)).has('app')) url.hash = `${url.hash.slice(1)}&app=${encodeURIComponent(appId)}`;
  return { url: url.href, token: access.body.token };
}

test("a portal link shows its application's endpoints and messages, and nothing of another application", { skip }, async () => {
  const [mine, theirs] = await twoTenants();
  const link = await portalLink(mine.app.id, { primary: '#0f766e', name: 'Acme webhooks' });
  assert.equal(new URL(link.url).pathname, '/ui/portal');

  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(link.url);
  await page.getByRole('link', { name: `${receiver.url}?tenant=Tenant%20A` }).waitFor();
  assert.doesNotMatch(page.url(), /token=/, 'the token leaves the address bar');
  assert.equal(await page.getByRole('link', { name: 'Applications' }).count(), 0, 'no way to other applications');
  const headerColour = await page.locator('header.top').evaluate((element) => getComputedStyle(element).backgroundColor);
  assert.equal(headerColour, 'rgb(15, 118, 110)', 'themed with the primary colour from the link');
  await page.getByText('Acme webhooks').first().waitFor();
  await screenshot(page, 'portal');

  await page.getByRole('link', { name: 'Messages' }).click();
  await page.getByRole('link', { name: mine.message.id }).waitFor();

  // Another application's routes fall back to the portal's own application...
  await page.goto(`${new URL(link.url).origin}/ui/portal#/apps/${theirs.app.id}/messages/${theirs.message.id}`);
  await page.getByRole('heading', { name: 'Add an endpoint' }).waitFor();
  assert.equal(await page.getByText(theirs.message.id).count(), 0);
  assert.equal(await page.getByText('Tenant B').count(), 0);
  // ...and the API refuses the token for it.
  assert.equal((await api('GET', `/app/${theirs.app.id}/msg/${theirs.message.id}`, undefined, link.token)).status, 404);
  assert.equal((await api('GET', `/app/${theirs.app.id}/endpoint`, undefined, link.token)).status, 404);
  assert.equal((await api('GET', `/app/${mine.app.id}/endpoint`, undefined, link.token)).status, 200);
  await page.close();
});
