import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import type { Browser } from 'playwright-core';
import { newId, type Message } from '@herald/core';
import { loadConfig, startHerald, type RunningHerald } from '@herald/server';
import { SqliteStore } from '@herald/storage-sqlite';
import { TEST_ADMIN_TOKEN, eventually, tempDir, testEnv } from '@herald/testing';
import { chromiumOrSkipReason, ensureDashboardBuilt, launchChromium, signIn } from './dashboard-browser.ts';
import { join } from 'node:path';

const skip = chromiumOrSkipReason();
const MESSAGES = 100_000;
const T0 = Date.parse('2026-01-01T00:00:00Z');
const dir = tempDir();
let herald: RunningHerald;
let browser: Browser;
let appId: string;
const disputed: string[] = [];
const ids: string[] = [];

/** 100,000 messages written straight into the store (no endpoints, so nothing to deliver), one a second. */
async function seed(): Promise<void> {
  const store = new SqliteStore({ path: join(dir.path, 'herald.db'), synchronous: 'NORMAL' });
  await store.migrate();
  const app = await store.createApplication({ id: newId('app', T0), uid: 'big', name: 'Big tenant', throttleRate: null, metadata: {} }, T0);
  appId = app.id;
  for (let start = 0; start < MESSAGES; start += 5_000) {
    const batch = Array.from({ length: 5_000 }, (_, offset) => {
      const index = start + offset;
      const createdAt = T0 + index * 1000;
      const message: Message = {
        id: newId('msg', createdAt), appId: app.id, eventType: index % 1000 === 0 ? 'invoice.disputed' : 'invoice.paid',
        eventId: null, channels: null, tags: null, payload: JSON.stringify({ invoice: `inv_${index}` }), createdAt,
      };
      ids.push(message.id);
      if (message.eventType === 'invoice.disputed') disputed.push(message.id);
      return { message, endpointIds: [] };
    });
    await store.createMessages(batch, T0 + MESSAGES * 1000);
  }
  await store.close();
}

before(async () => {
  if (skip) return;
  ensureDashboardBuilt();
  const started = performance.now();
  await seed();
  console.log(`seeded ${MESSAGES} messages in ${Math.round(performance.now() - started)} ms`);
  herald = await startHerald(loadConfig(testEnv(dir.path)), pino({ level: 'silent' }));
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await herald?.stop();
  dir.remove();
});

test('with 100,000 messages the message list pages, filters and finds by id on the server', { skip }, async (t) => {
  const page = await browser.newPage();
  const apiCalls: string[] = [];
  page.on('request', (request) => { if (request.url().includes('/msg')) apiCalls.push(request.url()); });
  await signIn(page, herald.url, TEST_ADMIN_TOKEN);
  const timed = async (what: string, step: () => Promise<unknown>) => {
    const started = performance.now();
    await step();
    t.diagnostic(`${what}: ${Math.round(performance.now() - started)} ms`);
  };
  const rows = page.locator('tbody tr');

  await timed('first page', async () => {
    await page.goto(`${herald.url}/ui#/apps/${appId}/messages`);
    await page.getByText('Page 1').waitFor();
  });
  assert.equal(await rows.count(), 50, 'one page of 50, never the whole list');
  await timed('two pages older', async () => {
    await page.getByRole('button', { name: 'Older →' }).click();
    await page.getByText('Page 2').waitFor();
    await page.getByRole('button', { name: 'Older →' }).click();
    await page.getByText('Page 3').waitFor();
  });
  const [newest, oldest] = [await rows.first().getByRole('link').textContent(), await rows.last().getByRole('link').textContent()];
  assert.deepEqual([newest, oldest], [ids.at(-101), ids.at(-150)], 'the third page of the newest first');

  await timed('filter by a rare event type', async () => {
    await page.getByLabel('Event type').fill('invoice.disputed');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByText(disputed.at(-1)!).waitFor();
  });
  assert.equal(await rows.count(), 50);
  assert.deepEqual(await rows.getByRole('link').allTextContents(), disputed.slice(-50).reverse());

  await timed('time range', async () => {
    await page.getByLabel('Event type').fill('');
    await page.getByLabel('From').fill('2026-01-01T10:00');
    await page.getByLabel('Until').fill('2026-01-01T10:10');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    // The browser reads the inputs in the machine's time zone, as this process does.
    const until = (new Date('2026-01-01T10:10').getTime() - T0) / 1000;
    await eventually(async () => [ids[until - 1], ids[until]].includes((await rows.first().getByRole('link').textContent())!) || undefined,
      10_000, 'the newest message before the end of the range');
  });
  assert.equal(await rows.count(), 50);

  await timed('find by id', async () => {
    await page.getByLabel('Message id or event id').fill(disputed[3]!);
    await page.getByRole('button', { name: 'Open' }).click();
    await page.getByRole('heading', { name: disputed[3]! }).waitFor();
  });
  const lists = apiCalls.filter((url) => url.includes('/msg?'));
  assert.ok(lists.length >= 5 && lists.every((url) => url.includes('limit=50')), 'every list request asks for one page');
  await page.close();
});
