import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { PUBLIC_URLS, SSRF_FORM_COUNT, SSRF_FORMS_PROMISED, SSRF_URL_COUNT, refusedUrls } from '@herald/testing/ssrf-forms';
import { cleanupList, apiClient, eventually, startReceiver, startTestHerald, type TestHerald } from '@herald/testing';

// Every cleanup runs even if another fails, so that a Herald or a server left running cannot hang the file.
const cleanups = cleanupList();
after(() => cleanups.run());

async function herald(overrides: Record<string, string>): Promise<TestHerald> {
  const started = await startTestHerald({ HERALD_DELIVERY_THREAD: 'false', ...overrides });
  cleanups.add(() => started.stop());
  return started;
}

const api = (target: TestHerald) => apiClient(target.url, target.token);

test('every form in the SSRF table is refused with a 422 at endpoint create, update (PUT) and patch', async () => {
  const call = api(await herald({ HERALD_ALLOW_PRIVATE_TARGETS: 'false' }));
  const app = (await call('POST', '/app', { name: 'ssrf' })).body;
  const endpoint = (await call('POST', `/app/${app.id}/endpoint`, { url: 'https://example.com/hook' })).body;
  const urls = refusedUrls(9);
  assert.equal(SSRF_FORM_COUNT, SSRF_FORMS_PROMISED, `SECURITY.md promises ${SSRF_FORMS_PROMISED} forms`);
  assert.equal(new Set(urls).size, SSRF_URL_COUNT, 'every form is tried, each once');
  for (const url of urls) {
    for (const [method, path] of [['POST', `/app/${app.id}/endpoint`], ['PUT', `/app/${app.id}/endpoint/${endpoint.id}`], ['PATCH', `/app/${app.id}/endpoint/${endpoint.id}`]] as const) {
      const answer = await call(method, path, { url });
      assert.equal(answer.status, 422, `${method} ${JSON.stringify(url)}: ${JSON.stringify(answer.body)}`);
    }
  }
  assert.equal((await call('GET', `/app/${app.id}/endpoint/${endpoint.id}`)).body.url, 'https://example.com/hook');
  assert.equal((await call('GET', `/app/${app.id}/endpoint`)).body.data.length, 1, 'no refused endpoint was stored');
});

test('public URLs, including those right next to blocked ranges, are accepted at create and update', async () => {
  const call = api(await herald({ HERALD_ALLOW_PRIVATE_TARGETS: 'false' }));
  const app = (await call('POST', '/app', { name: 'public' })).body;
  for (const url of PUBLIC_URLS) {
    const created = await call('POST', `/app/${app.id}/endpoint`, { url });
    assert.equal(created.status, 201, `${url}: ${JSON.stringify(created.body)}`);
    assert.equal((await call('PATCH', `/app/${app.id}/endpoint/${created.body.id}`, { url })).status, 200, url);
  }
});

test('with HERALD_HTTPS_ONLY, plain http endpoints are refused and https ones accepted', async () => {
  const call = api(await herald({ HERALD_ALLOW_PRIVATE_TARGETS: 'false', HERALD_HTTPS_ONLY: 'true' }));
  const app = (await call('POST', '/app', { name: 'https-only' })).body;
  const refused = await call('POST', `/app/${app.id}/endpoint`, { url: 'http://example.com/hook' });
  assert.equal(refused.status, 422);
  assert.match(JSON.stringify(refused.body), /HERALD_HTTPS_ONLY/);
  const accepted = await call('POST', `/app/${app.id}/endpoint`, { url: 'https://example.com/hook' });
  assert.equal(accepted.status, 201);
  assert.equal((await call('PATCH', `/app/${app.id}/endpoint/${accepted.body.id}`, { url: 'http://example.com/hook' })).status, 422);
});

test('a 301, 302, 307 or 308 answer is recorded as a failed attempt, and its Location gets no request', async () => {
  const canary = await startReceiver();
  cleanups.add(() => canary.close());
  // One attempt only within the test: the first retry is an hour away.
  const call = api(await herald({ HERALD_RETRY_SCHEDULE: '1h' }));
  const app = (await call('POST', '/app', { name: 'redirects' })).body;
  const statuses = [301, 302, 307, 308];
  for (const status of statuses) {
    const redirecting = await startReceiver(() => ({ status, headers: { location: canary.url } }));
    cleanups.add(() => redirecting.close());
    assert.equal((await call('POST', `/app/${app.id}/endpoint`, { url: redirecting.url, description: String(status) })).status, 201);
  }
  const message = (await call('POST', `/app/${app.id}/msg`, { eventType: 'order.paid', payload: { id: 1 } })).body;
  const attempts = await eventually(async () => {
    const listed = (await call('GET', `/app/${app.id}/attempt/msg/${message.id}`)).body.data as Array<{ status: number; responseStatusCode: number }>;
    return listed.length === statuses.length ? listed : undefined;
  });
  assert.deepEqual(attempts.map((attempt) => attempt.responseStatusCode).sort(), statuses);
  for (const attempt of attempts) assert.equal(attempt.status, 2, 'a redirect is a failure');
  assert.equal(canary.requests.length, 0, 'no redirect was followed');
});
