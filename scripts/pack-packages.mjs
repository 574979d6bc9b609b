// Builds and packs the packages people install outside this repository, as `npm publish` would ship
// them: `npm run pack:packages` writes .packages/herald-receiver.tgz (`--out <dir>` elsewhere).
// The version is the root package.json's, stamped into each package first: one place to change it.
// The tarballs get names without the version so that install instructions need no editing per release.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildPackage } from './build-package.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const publishedPackages = ['packages/receiver'];

const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));

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

/** Builds and packs every published package into `out`; returns the tarballs' paths by package name. */
export function packPackages(out) {
  mkdirSync(out, { recursive: true });
  const tarballs = {};
  for (const relative of publishedPackages) {
    const directory = join(root, relative);
    if (stampVersion(directory)) console.error(`${relative}/package.json: version stamped from the root package.json`);
    buildPackage(directory);
    const packed = spawnSync('npm', ['pack', '--json', '--pack-destination', out], { cwd: directory, encoding: 'utf8' });
    if (packed.status !== 0) throw new Error(`npm pack in ${relative} failed:\n${packed.stderr}`);
    const [{ name, filename }] = JSON.parse(packed.stdout);
    const tarball = join(out, name.replace(/^@/, '').replace('/', '-') + '.tgz');
    renameSync(join(out, filename), tarball);
    tarballs[name] = tarball;
  }
  return tarballs;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const at = process.argv.indexOf('--out');
  const out = resolve(at > 0 ? process.argv[at + 1] : join(root, '.packages'));
  for (const [name, tarball] of Object.entries(packPackages(out))) console.log(`${name}: ${tarball}`);
}
