// Runs every test file with node's test runner, TypeScript loaded through tsx.
// Node 20's runner does not expand globs itself, so the files are listed here.
import { spawnSync } from 'node:child_process';
import { readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { ensureChromium } from './ensure-chromium.mjs';

const roots = [
  ...readdirSync('packages').map((name) => join('packages', name, 'test')),
  'e2e',
];
const filter = process.argv[2];
const files = roots
  .filter((dir) => existsSync(dir))
  .flatMap((dir) => readdirSync(dir).filter((file) => file.endsWith('.test.ts')).map((file) => join(dir, file)))
  .filter((file) => !filter || file.includes(filter))
  .sort();

if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
ensureChromium();
const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', ...files], { stdio: 'inherit' });
process.exit(result.status ?? 1);
