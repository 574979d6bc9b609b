import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { spawnHerald, tempDir, testEnv } from '@herald/testing';

const MAIN = fileURLToPath(new URL('../packages/server/src/main.ts', import.meta.url));
const dirs: Array<{ remove(): void }> = [];
after(() => dirs.forEach((dir) => dir.remove()));

test('without HERALD_ADMIN_TOKEN the first start prints a working token once; later starts do not', async () => {
  const dir = tempDir();
  dirs.push(dir);
  const { HERALD_ADMIN_TOKEN: _unused, ...env } = testEnv(dir.path);
  const first = await spawnHerald(env);
  const token = /\n\s+(sk_herald_\S+)\n/.exec(first.stderr())?.[1];
  assert.ok(token, first.stderr());
  const authorised = await fetch(`${first.url}/api/v1/app`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(authorised.status, 200);
  first.child.kill('SIGTERM');
  assert.equal(await first.exited, 0, 'SIGTERM shuts down cleanly');

  const second = await spawnHerald(env);
  assert.doesNotMatch(second.stderr(), /sk_herald_/);
  assert.equal((await fetch(`${second.url}/api/v1/app`, { headers: { authorization: `Bearer ${token}` } })).status, 200);
  second.child.kill('SIGTERM');
  await second.exited;
});

test('bad configuration stops Herald at start with messages that name each variable', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'serve'], {
    env: { ...process.env, HERALD_PORT: 'eighty', HERALD_RETRY_SCHEDULE: '1s,soon', HERALD_ALLOW_PRIVATE_TARGETS: 'maybe' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise((resolve) => child.once('exit', resolve));
  assert.equal(code, 78);
  assert.match(stderr, /HERALD_PORT must be a whole number/);
  assert.match(stderr, /HERALD_RETRY_SCHEDULE: "soon" is not a duration/);
  assert.match(stderr, /HERALD_ALLOW_PRIVATE_TARGETS must be true or false/);
});
