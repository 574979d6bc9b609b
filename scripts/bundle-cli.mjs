// Builds the `herald` command as it is published: one ES module file, packages/cli/dist/herald.js
// (with a source map), that plain `node` runs, no tsx. @herald/core is bundled in because it is not
// a published package; the CLI's registry dependencies stay imports, installed beside it.
// @herald/server stays a lazy import too: `serve` and `migrate` need it (and its SQLite driver),
// and without it they say so (packages/cli/src/commands/server.ts), while every other command works.
// Why esbuild rather than tsc: tsc cannot pull a workspace package's sources into another's output;
// esbuild is already in the lockfile (tsx and vite use it), pinned there.
import { rmSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

export async function bundleCli(directory) {
  const manifest = JSON.parse(readFileSync(join(directory, 'package.json'), 'utf8'));
  const external = Object.keys({ ...manifest.dependencies, ...manifest.optionalDependencies })
    .filter((name) => name !== '@herald/core')
    .flatMap((name) => [name, `${name}/*`]);
  rmSync(join(directory, 'dist'), { recursive: true, force: true });
  await build({
    entryPoints: [join(directory, 'src/main.ts')],
    outfile: join(directory, 'dist/herald.js'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20.18',
    sourcemap: true,
    external,
    banner: { js: '#!/usr/bin/env node' },
    logLevel: 'warning',
  });
}
