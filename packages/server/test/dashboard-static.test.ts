import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Fastify from 'fastify';
import { tempDir } from '@herald/testing';
import { loadConfig } from '../src/config.ts';
import { registerDashboard } from '../src/dashboard-static.ts';

// root/dist is the build; root/secret.js sits beside it and must stay out of reach.
const root = tempDir('herald-dist-');
after(() => root.remove());
const dist = { path: join(root.path, 'dist') };
const missing = { path: join(root.path, 'never-built') };
mkdirSync(join(dist.path, 'assets'), { recursive: true });
writeFileSync(join(dist.path, 'index.html'), '<!doctype html><title>Herald</title><div id="root"></div>');
writeFileSync(join(dist.path, 'assets', 'index-abc123.js'), 'console.log("dashboard")');
writeFileSync(join(root.path, 'secret.js'), 'not for the web');

function server(distDir: string, portalFrameAncestors = '*') {
  const app = Fastify({ routerOptions: { ignoreTrailingSlash: true } });
  registerDashboard(app, { distDir, portalFrameAncestors });
  return app;
}

test('the operator dashboard is served under /ui and may not be framed by any site', async () => {
  const app = server(dist.path);
  for (const url of ['/ui', '/ui/', '/ui/apps/shop/endpoints']) {
    const response = await app.inject({ url });
    assert.equal(response.statusCode, 200, url);
    assert.match(response.body, /<div id="root">/);
    assert.match(response.headers['content-security-policy'] as string, /frame-ancestors 'none'/);
    assert.equal(response.headers['x-frame-options'], 'DENY');
  }
});

test('the tenant portal can be embedded by the origins HERALD_PORTAL_FRAME_ANCESTORS allows', async () => {
  const open = await server(dist.path).inject({ url: '/ui/portal' });
  assert.equal(open.statusCode, 200);
  assert.match(open.headers['content-security-policy'] as string, /frame-ancestors \*/);
  assert.equal(open.headers['x-frame-options'], undefined);
  const limited = await server(dist.path, "https://app.example.com 'self'").inject({ url: '/ui/portal/' });
  assert.match(limited.headers['content-security-policy'] as string, /frame-ancestors https:\/\/app\.example\.com 'self'/);
});

test('built assets are served with a long cache life; a missing asset is a 404, never the page', async () => {
  const app = server(dist.path);
  const asset = await app.inject({ url: '/ui/assets/index-abc123.js' });
  assert.equal(asset.statusCode, 200);
  assert.match(asset.headers['content-type'] as string, /^text\/javascript/);
  assert.match(asset.headers['cache-control'] as string, /immutable/);
  assert.equal((await app.inject({ url: '/ui/assets/gone.js' })).statusCode, 404);
});

test('paths that climb out of the build folder do not reach other files', async () => {
  const app = server(dist.path);
  for (const url of ['/ui/../secret.js', '/ui/%2e%2e/secret.js', '/ui/assets/..%2f..%2fsecret.js']) {
    const response = await app.inject({ url });
    assert.doesNotMatch(response.body, /not for the web/, url);
  }
});

test('without a build, /ui answers 503 with the command that builds it', async () => {
  const response = await server(missing.path).inject({ url: '/ui' });
  assert.equal(response.statusCode, 503);
  assert.match(response.body, /npm run build -w @herald\/dashboard/);
});

test('HERALD_PORTAL_FRAME_ANCESTORS accepts origins and keywords, and refuses anything that would break the policy', () => {
  assert.equal(loadConfig({}).portalFrameAncestors, '*');
  assert.equal(loadConfig({ HERALD_PORTAL_FRAME_ANCESTORS: "https://app.example.com 'self'" }).portalFrameAncestors, "https://app.example.com 'self'");
  assert.throws(() => loadConfig({ HERALD_PORTAL_FRAME_ANCESTORS: "https://a.example; script-src 'unsafe-inline'" }), /HERALD_PORTAL_FRAME_ANCESTORS/);
});
