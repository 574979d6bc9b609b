import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TEST_ADMIN_TOKEN, tempDir, testEnv } from '@herald/testing';
import { runCli, startCli } from './run-cli.ts';

const FORBID_SQLITE = fileURLToPath(new URL('./fixtures/forbid-sqlite.mjs', import.meta.url));
const dirs: Array<{ remove(): void }> = [];
after(() => dirs.forEach((dir) => dir.remove()));
function dataDir(): string {
  const dir = tempDir('herald-cli-server-');
  dirs.push(dir);
  return dir.path;
}

test('migrate creates the database and exits; a bad configuration exits 78 naming the variable', async () => {
  const dir = dataDir();
  const migrated = await runCli(['migrate'], testEnv(dir));
  assert.equal(migrated.code, 0, migrated.stderr);
  assert.ok(existsSync(join(dir, 'herald.db')));

  const misconfigured = await runCli(['migrate'], testEnv(dataDir(), { HERALD_PORT: 'eighty' }));
  assert.equal(misconfigured.code, 78);
  assert.match(misconfigured.stderr, /HERALD_PORT must be a whole number/);
});

test('serve runs Herald until SIGTERM, and the API commands talk to it without ever loading the SQLite driver', async () => {
  const server = startCli(['serve'], testEnv(dataDir()));
  const [, url] = await server.waitForOutput(/listening on (http:\/\/\S+) /, 30_000);
  const forbidSqlite = { NODE_OPTIONS: `--import=${FORBID_SQLITE}`, HERALD_URL: url!, HERALD_TOKEN: TEST_ADMIN_TOKEN };

  const created = await runCli(['app', 'create', 'Served'], forbidSqlite);
  assert.equal(created.code, 0, created.stderr);
  const listed = await runCli(['--json', 'app', 'list'], forbidSqlite);
  assert.deepEqual(JSON.parse(listed.stdout).map((app: { id: string }) => app.id), [created.stdout.trim()]);
  const control = await runCli(['migrate'], { ...testEnv(dataDir()), ...forbidSqlite });
  assert.notEqual(control.code, 0, 'the same preload stops a command that does load it');
  assert.match(control.stderr, /better-sqlite3 was loaded/);

  server.child.kill('SIGTERM');
  assert.equal((await server.exited).code, 0);
});
