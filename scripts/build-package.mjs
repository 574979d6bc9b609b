// Builds one package as it is published: `node scripts/build-package.mjs packages/receiver`.
// tsconfig.build.json gives the ES module build (dist/), tsconfig.build-cjs.json, when the package has
// one, the CommonJS build (dist/cjs/) that `require` gets. Inside the repository nothing needs this:
// the workspace runs the TypeScript sources (see tsconfig.json `paths`).
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

export async function buildPackage(directory) {
  const dist = join(directory, 'dist');
  // A stale file from an earlier build (a module since renamed) must not ship.
  rmSync(dist, { recursive: true, force: true });
  for (const config of ['tsconfig.build.json', 'tsconfig.build-cjs.json']) {
    if (!existsSync(join(directory, config))) continue;
    const result = spawnSync(process.execPath, [tsc, '-p', join(directory, config)], { stdio: 'inherit' });
    if (result.status !== 0) throw new Error(`tsc -p ${join(directory, config)} failed`);
  }
  // The package is "type": "module"; this marker makes Node and TypeScript read dist/cjs as CommonJS.
  if (existsSync(join(dist, 'cjs'))) writeFileSync(join(dist, 'cjs', 'package.json'), '{"type":"commonjs"}\n');
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const directory = process.argv[2];
  if (!directory) {
    console.error('usage: node scripts/build-package.mjs <package directory>');
    process.exit(2);
  }
  await buildPackage(directory);
}
