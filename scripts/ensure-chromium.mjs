// The browser tests drive Debian's Chromium (never a downloaded build). On a fresh machine the test
// command installs it, so that `npm ci && npm test` is the whole set-up; elsewhere it says what to do.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const CHROMIUM_PATH = '/usr/bin/chromium';

export function ensureChromium() {
  if (existsSync(CHROMIUM_PATH)) return;
  const canInstall = process.getuid?.() === 0 && existsSync('/usr/bin/apt-get');
  if (!canInstall) {
    console.error(`The browser tests need Chromium at ${CHROMIUM_PATH}: install it with \`sudo apt-get install chromium\`.`);
    process.exit(1);
  }
  console.error('Installing Chromium from Debian for the browser tests (once per machine)...');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update', '-qq'], ['install', '-y', '-qq', 'chromium']]) {
    const result = spawnSync('apt-get', args, { stdio: 'inherit', env });
    if (result.status !== 0) {
      console.error(`apt-get ${args.join(' ')} failed (exit ${result.status}); install chromium by hand and run the tests again.`);
      process.exit(1);
    }
  }
}
