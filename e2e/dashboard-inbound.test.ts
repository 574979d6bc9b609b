import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { sign } from '@octokit/webhooks-methods';
import { Webhook } from 'standardwebhooks';
import { eventually, startReceiver, startTestHerald, type Receiver, type TestHerald } from '@herald/testing';
import { accessibilityViolations, chromiumOrSkipReason, ensureDashboardBuilt, launchChromium, screenshot, signIn } from './dashboard-browser.ts';

const skip = chromiumOrSkipReason();
const GITHUB_SECRET = 'dashboard-github-secret';
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

async function ingestApi<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${herald.url}/ingest/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${herald.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  assert.ok(response.ok, `${method} ${path} answered ${response.status}`);
  return (response.status === 204 ? undefined : await response.json()) as T;
}

/** A GitHub delivery to the ingest URL, signed with GitHub's own library (with the wrong secret when told). */
async function postGitHub(ingestUrl: string, event: string, payload: object, secret = GITHUB_SECRET): Promise<number> {
  const body = JSON.stringify(payload);
  const response = await fetch(ingestUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/json', 'x-github-event': event, 'x-github-delivery': randomUUID(),
      'x-hub-signature-256': await sign(secret, body),
    },
    body,
  });
  await response.arrayBuffer();
  return response.status;
}

async function newPage(): Promise<{ context: BrowserContext; page: Page }> {
  // Clipboard permissions, so that the Copy button's result can be read back; bypassCSP for axe.
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, bypassCSP: true, permissions: ['clipboard-read', 'clipboard-write'] });
  return { context, page: await context.newPage() };
}

test('an operator creates a GitHub source, writes a filter tested against recent requests, replays them and sees each outcome', { skip }, async () => {
  const { context, page } = await newPage();
  const checked = async (name: string) => {
    assert.deepEqual(await accessibilityViolations(page), [], `accessibility of ${name}`);
    // The last action's notice would cover part of the screenshot.
    const dismiss = page.getByRole('button', { name: 'Dismiss message' });
    if (await dismiss.count()) await dismiss.click();
    await screenshot(page, name);
  };
  await signIn(page, herald.url, herald.token);
  await page.getByRole('link', { name: 'Sources' }).click();
  await page.getByText('No sources yet').waitFor();

  await page.getByLabel('Name', { exact: true }).fill('GitHub');
  await page.getByLabel('UID').fill('github');
  assert.equal(await page.getByLabel('Type').inputValue(), 'github');
  await page.getByLabel('Signing secret').fill(GITHUB_SECRET);
  await page.getByRole('button', { name: 'Create source' }).click();
  await page.getByRole('heading', { name: 'GitHub', level: 1 }).waitFor();
  await page.getByText('No endpoints yet').waitFor();

  // The ingest URL is shown, and the Copy button puts exactly it on the clipboard.
  const ingestUrl = await page.getByLabel('Ingest URL', { exact: true }).inputValue();
  assert.match(ingestUrl, new RegExp(`^${herald.url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/in/[A-Za-z0-9_-]{22,}$`));
  await page.getByRole('button', { name: 'Copy Ingest URL' }).click();
  await page.getByRole('status').filter({ hasText: 'Ingest URL copied.' }).waitFor();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), ingestUrl);

  const mainPush = { ref: 'refs/heads/main', after: 'a1b2c3', pusher: { name: 'ada' } };
  assert.equal(await postGitHub(ingestUrl, 'push', mainPush), 200);
  assert.equal(await postGitHub(ingestUrl, 'push', { ref: 'refs/heads/feature', after: 'd4e5f6' }), 200);
  assert.equal(await postGitHub(ingestUrl, 'issues', { action: 'opened', issue: { number: 7 } }), 200);
  assert.equal(await postGitHub(ingestUrl, 'ping', { zen: 'forged' }, 'not the secret'), 401);

  // The filter is tested as it is typed, against the four requests just received.
  const filter = page.getByLabel('Filter');
  await filter.fill('{"headers": {"x-github-event": "push"}, "body": {"ref": {"$startsWith2": "refs/heads/main"}}}');
  await page.getByRole('alert').filter({ hasText: '$startsWith2' }).waitFor();
  await filter.fill('{"headers": {"x-github-event": "push"}}');
  await page.getByTestId('new-ingest-endpoint-filter-summary').filter({ hasText: 'Matches 2 of the last 4 requests.' }).waitFor();
  await filter.fill('{"headers": {"x-github-event": "push"}, "body": {"ref": {"$startsWith": "refs/heads/main"}}}');
  const summary = page.getByTestId('new-ingest-endpoint-filter-summary');
  await summary.filter({ hasText: 'Matches 1 of the last 4 requests.' }).waitFor();
  await page.getByLabel('Endpoint URL').fill(receiver.url);
  await page.getByLabel('Description').fill('CI on main');
  await page.getByLabel('Provider headers to pass on').fill('x-github-event');
  await checked('source-filter');
  await page.getByRole('button', { name: 'Add endpoint' }).click();
  await page.getByRole('heading', { name: receiver.url }).waitFor();
  const endpointId = decodeURIComponent(page.url().split('/endpoints/')[1]!);
  // The saved filter comes back into the editor, tested again.
  await page.getByTestId('edit-ingest-endpoint-filter-summary').filter({ hasText: 'Matches 1 of the last 4 requests.' }).waitFor();
  await checked('source-endpoint');

  // The requests came before the endpoint: routed nowhere. A bulk replay routes them to it now.
  await page.getByRole('link', { name: 'Requests' }).click();
  await page.getByRole('row').nth(4).waitFor();
  await page.getByRole('row', { name: /Rejected/ }).getByText('verification_failed').first().waitFor();
  assert.equal(await page.getByRole('row', { name: /Accepted/ }).count(), 3);
  await checked('source-requests');
  page.once('dialog', (dialog) => void dialog.accept());
  await page.getByRole('button', { name: 'Replay requests' }).click();
  await page.getByRole('status').filter({ hasText: '3 requests are being routed again.' }).waitFor();
  const [forwarded] = await receiver.waitFor(1, 15_000);
  assert.equal(forwarded!.body, JSON.stringify(mainPush), 'the original bytes');
  assert.equal(forwarded!.headers['x-github-event'], 'push');
  const { key } = await ingestApi<{ key: string }>('GET', `/source/github/endpoint/${endpointId}/secret`);
  assert.doesNotThrow(() => new Webhook(key).verify(forwarded!.body, forwarded!.headers), "signed with the endpoint's own secret");

  // Each request shows what routing did at each endpoint, and why.
  const requests = await ingestApi<{ data: Array<{ id: string; body: string | null }> }>('GET', '/source/github/request?limit=10');
  const featureId = requests.data.find((request) => request.body?.includes('refs/heads/feature'))!.id;
  const mainId = requests.data.find((request) => request.body === JSON.stringify(mainPush))!.id;
  await page.goto(`${herald.url}/ui#/sources/github/requests/${featureId}`);
  await page.getByText('Filtered out').waitFor();
  await page.goto(`${herald.url}/ui#/sources/github/requests/${mainId}`);
  await page.getByRole('row', { name: /Forwarded/ }).getByText('Succeeded').waitFor();
  await page.getByRole('heading', { name: 'Body' }).waitFor();
  await checked('inbound-request');
  await page.getByRole('button', { name: 'Replay', exact: true }).click();
  const [, again] = await receiver.waitFor(2, 15_000);
  assert.equal(again!.body, JSON.stringify(mainPush));
  await eventually(async () => (await page.getByRole('row', { name: /Forwarded/ }).count()) === 2 || undefined, 10_000, 'a second round');
  assert.equal(receiver.requests.length, 2, 'nothing else was forwarded');

  await page.setViewportSize({ width: 390, height: 844 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow}px on a narrow screen`);
  await context.close();
});

test('a source is disabled and given an allowlist from the dashboard: its ingest URL then refuses, and records the refusals', { skip }, async () => {
  const source = await ingestApi<{ id: string; ingestUrl: string }>('POST', '/source', { name: 'Stripe', type: 'stripe', config: { secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' } });
  const { context, page } = await newPage();
  await signIn(page, herald.url, herald.token);
  await page.getByRole('link', { name: 'Sources' }).click();
  await page.getByRole('link', { name: 'Stripe' }).waitFor();
  assert.deepEqual(await accessibilityViolations(page), [], 'accessibility of the sources list');
  await screenshot(page, 'sources');
  // The create form asks for what each type's config needs, accessibly in each shape.
  for (const [type, field] of [['hmac', 'Config (JSON)'], ['basic-auth', 'Password'], ['api-key', 'API key']] as const) {
    await page.getByLabel('Type').selectOption(type);
    await page.getByLabel(field).waitFor();
    assert.equal(await page.getByLabel('Signing secret').count(), 0);
    assert.deepEqual(await accessibilityViolations(page), [], `accessibility of the ${type} form`);
  }
  await page.getByRole('link', { name: 'Stripe' }).click();

  await page.getByRole('button', { name: 'Disable source' }).click();
  await page.getByText('Disabled', { exact: true }).waitFor();
  const disabled = await fetch(source.ingestUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  assert.equal(disabled.status, 410);
  await page.getByRole('button', { name: 'Enable source' }).click();
  await page.getByText('Enabled', { exact: true }).waitFor();

  await page.getByLabel('Addresses (CIDR)').fill('192.0.2.0/24');
  await page.getByRole('button', { name: 'Save allowed addresses' }).click();
  await page.getByRole('status').filter({ hasText: 'Allowed addresses saved.' }).waitFor();
  const refused = await fetch(source.ingestUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  assert.equal(refused.status, 403);
  const stored = await ingestApi<{ allowedIps: string[] | null; disabled: boolean }>('GET', `/source/${source.id}`);
  assert.deepEqual([stored.allowedIps, stored.disabled], [['192.0.2.0/24'], false]);

  // A new ingest URL; the old one keeps working through the grace period (a request to it is checked, not 404).
  page.once('dialog', (dialog) => void dialog.accept());
  await page.getByRole('button', { name: 'Rotate ingest URL' }).click();
  const rotated = await eventually(async () => {
    const shown = await page.getByLabel('Ingest URL', { exact: true }).inputValue();
    return shown !== source.ingestUrl ? shown : undefined;
  }, 10_000, 'the new ingest URL');
  assert.match(rotated, /\/in\/[A-Za-z0-9_-]{22,}$/);
  assert.equal((await ingestApi<{ ingestUrl: string }>('GET', `/source/${source.id}`)).ingestUrl, rotated);
  const throughOld = await fetch(source.ingestUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  assert.equal(throughOld.status, 403, 'the old URL still reaches the source (and its allowlist), not a 404');

  await page.getByRole('link', { name: 'Requests' }).click();
  await page.getByLabel('Verdict').selectOption('rejected');
  await page.getByRole('row').nth(3).waitFor();
  assert.equal(await page.getByRole('row', { name: /Rejected/ }).count(), 3, 'the request to the disabled source and the two refused ones are recorded');
  assert.equal(await page.getByRole('cell', { name: 'ip_not_allowed' }).count(), 2);
  await page.getByRole('cell', { name: 'source_disabled' }).waitFor();
  await context.close();
});

test('a request rejected for a mistyped secret is accepted and routed after the secret is replaced in the dashboard', { skip }, async () => {
  const source = await ingestApi<{ id: string; ingestUrl: string }>('POST', '/source', { name: 'Typo', type: 'github', config: { secret: 'mistyped' } });
  const target = await startReceiver();
  try {
    await ingestApi('POST', `/source/${source.id}/endpoint`, { url: target.url, description: 'Everything' });
    const payload = { ref: 'refs/heads/main', after: 'fixed' };
    assert.equal(await postGitHub(source.ingestUrl, 'push', payload), 401);
    const [rejected] = (await ingestApi<{ data: Array<{ id: string }> }>('GET', `/source/${source.id}/request`)).data;

    const { context, page } = await newPage();
    await signIn(page, herald.url, herald.token);
    await page.goto(`${herald.url}/ui#/sources/${source.id}/requests/${rejected!.id}`);
    await page.getByText('Rejected requests are never routed').waitFor();
    // With the wrong secret still in place, verifying again says why it fails, and changes nothing.
    await page.getByRole('button', { name: 'Verify again and route' }).click();
    await page.getByRole('status').filter({ hasText: 'Could not replay' }).waitFor();

    await page.getByRole('link', { name: 'Endpoints' }).click();
    await page.getByLabel('New signing secret').fill(GITHUB_SECRET);
    await page.getByRole('button', { name: 'Replace secret' }).click();
    await page.getByRole('status').filter({ hasText: 'Signing secret replaced.' }).waitFor();

    await page.goto(`${herald.url}/ui#/sources/${source.id}/requests/${rejected!.id}`);
    await page.getByRole('button', { name: 'Verify again and route' }).click();
    await page.getByRole('row', { name: /Forwarded/ }).waitFor();
    const [forwarded] = await target.waitFor(1, 15_000);
    assert.equal(forwarded!.body, JSON.stringify(payload));
    await page.getByText('Accepted', { exact: true }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Replay', exact: true }).count(), 1);
    await context.close();
  } finally {
    await target.close();
  }
});
