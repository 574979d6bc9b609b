// Builds and packs the packages people install outside this repository, as `npm publish` would ship
// them: `npm run pack:packages` writes .packages/herald-receiver.tgz and .packages/herald-cli.tgz
// (`--out <dir>` elsewhere). The version is the root package.json's, stamped into each package first:
// one place to change it. The tarballs are named without the version so that install instructions
// need no editing per release.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildPackage } from './build-package.mjs';
import { bundleCli } from './bundle-cli.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));

/**
 * The receiver's package.json is its published manifest. The CLI's stays a workspace manifest
 * (private, tsx launcher, @herald/* dependencies for running from sources); what ships is derived
 * from it: the bundled dist/herald.js as the bin, no @herald/* dependency (core is bundled in; the
 * server is not published yet, so `serve` says to install it), and no tsx.
 */
export const publishedPackages = [
  { directory: 'packages/receiver', build: buildPackage },
  {
    directory: 'packages/cli',
    build: bundleCli,
    manifest: (manifest) => {
      const { private: _private, devDependencies: _dev, optionalDependencies: _optional, ...rest } = manifest;
      const dependencies = Object.fromEntries(Object.entries(manifest.dependencies)
        .filter(([name]) => !name.startsWith('@herald/') && name !== 'tsx'));
      return { ...rest, bin: { herald: './dist/herald.js' }, files: ['dist', 'README.md', 'LICENSE'], dependencies };
    },
  },
];

/** Stamps the root version into the package; true when the file changed. */
export function stampVersion(directory) {
  const version = readJson(join(root, 'package.json')).version;
  const file = join(directory, 'package.json');
  const manifest = readJson(file);
  if (manifest.version === version) return false;
  manifest.version = version;
  writeFileSync(file, JSON.stringify(manifest, null, 2) + '\n');
  return true;
}

/** A copy of what the derived manifest ships, beside that manifest, for `npm pack` to pack. */
function stage(directory, manifest, into) {
  rmSync(into, { recursive: true, force: true });
  mkdirSync(into, { recursive: true });
  for (const entry of manifest.files) cpSync(join(directory, entry), join(into, entry), { recursive: true });
  writeFileSync(join(into, 'package.json'), JSON.stringify(manifest, null, 2) + '\n');
  return into;
}

/** Builds and packs every published package into `out`; returns the tarballs' paths by package name. */
export async function packPackages(out) {
  mkdirSync(out, { recursive: true });
  const tarballs = {};
  for (const { directory: relative, build, manifest: derive } of publishedPackages) {
    const directory = join(root, relative);
    if (stampVersion(directory)) console.error(`${relative}/package.json: version stamped from the root package.json`);
    await build(directory);
    const packFrom = derive ? stage(directory, derive(readJson(join(directory, 'package.json'))), join(out, '.stage', relative)) : directory;
    const packed = spawnSync('npm', ['pack', '--json', '--pack-destination', out], { cwd: packFrom, encoding: 'utf8' });
    if (packed.status !== 0) throw new Error(`npm pack in ${relative} failed:\n${packed.stderr}`);
    const [{ name, filename }] = JSON.parse(packed.stdout);
    const tarball = join(out, name.replace(/^@/, '').replace('/', '-') + '.tgz');
    renameSync(join(out, filename), tarball);
    tarballs[name] = tarball;
  }
  rmSync(join(out, '.stage'), { recursive: true, force: true });
  return tarballs;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const at = process.argv.indexOf('--out');
  const out = resolve(at > 0 ? process.argv[at + 1] : join(root, '.packages'));
  for (const [name, tarball] of Object.entries(await packPackages(out))) console.log(`${name}: ${tarball}`);
}
