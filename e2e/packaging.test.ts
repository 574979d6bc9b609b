import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import ts from 'typescript';
import { Webhook } from 'standardwebhooks';
import { packPackages } from '../scripts/pack-packages.mjs';

/**
 * @herald/receiver as someone outside this repository gets it: built, packed with `npm pack`, and
 * installed from the tarball into a scratch project in a temporary folder (no workspace links, the
 * frameworks from the registry), where plain `node` imports and requires it, `tsc` type-checks a
 * consumer, and Express, Fastify and Hono apps receive a signed request.
 */
const root = resolve(import.meta.dirname, '..');
const fixtures = join(import.meta.dirname, 'packaging-consumer');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const run = promisify(execFile);
const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8'));

// The frameworks at the versions this repository tests the adapters with.
const lock = readJson(join(root, 'package-lock.json'));
const installedVersion = (name: string): string =>
  (lock.packages[`packages/receiver/node_modules/${name}`] ?? lock.packages[`node_modules/${name}`]).version;
const frameworks = ['express', '@types/express', 'fastify', 'hono', '@hono/node-server', '@types/node'];

const scratch = mkdtempSync(join(tmpdir(), 'herald-packaging-'));
const project = join(scratch, 'consumer');
// The scratch project must see nothing of the repository: no tsx loader, no npm settings of the
// `npm test` that started this file (npm_config_* would point npm back at the workspace).
const env: NodeJS.ProcessEnv = Object.fromEntries(
  Object.entries(process.env).filter(([key]) => !key.toLowerCase().startsWith('npm_') && key !== 'NODE_OPTIONS'),
);
const npmEnv = { ...env, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_prefer_offline: 'true', npm_config_update_notifier: 'false' };
const NETWORK_ERROR = /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|network/i;

/** The README's install lines, exactly as written there: the first `sh` block of "Receiving webhooks". */
function readmeInstallLines(): string {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Receiving webhooks'));
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1];
  assert.ok(block?.includes('npm install'), 'the "Receiving webhooks" section starts with an sh block of npm install lines');
  return block!;
}

let tarball: string;
let cliTarball: string;
let installed = false;

before(async () => {
  const tarballs = await packPackages(join(scratch, 'herald', '.packages'));
  tarball = tarballs['@herald/receiver']!;
  cliTarball = tarballs['@herald/cli']!;
  mkdirSync(project);
  // The app's own dependencies (and the CLI's tarball) are in its package.json already; the README's
  // line adds the receiver and installs everything in one go.
  writeFileSync(join(project, 'package.json'), JSON.stringify({
    name: 'herald-receiver-consumer',
    private: true,
    dependencies: {
      ...Object.fromEntries(frameworks.map((name) => [name, installedVersion(name)])),
      '@herald/cli': `file:${cliTarball}`,
    },
  }, null, 2));
  try {
    await run('sh', ['-ec', readmeInstallLines()], { cwd: project, env: { ...npmEnv, HERALD: join(scratch, 'herald') } });
    installed = true;
  } catch (error) {
    const output = `${String(error)}\n${(error as { stderr?: string }).stderr ?? ''}`;
    if (process.env.CI === 'true' || !NETWORK_ERROR.test(output)) throw new Error(`npm install in the scratch project failed:\n${output}`);
    console.error(`the packaging tests are skipped: npm cannot reach its registry (set CI=true to fail instead)\n${output}`);
  }
  for (const file of ['verify.mjs', 'verify.cjs', 'express.cjs', 'fastify.mjs', 'hono.mjs', 'wrong-types.ts']) {
    copyFileSync(join(fixtures, file), join(project, file));
  }
  for (const copy of ['consumer.ts', 'consumer.mts', 'consumer.cts']) copyFileSync(join(fixtures, 'consumer.ts'), join(project, copy));
});
after(() => rmSync(scratch, { recursive: true, force: true }));

const secret = 'whsec_' + Buffer.alloc(32, 7).toString('base64');
/** A request signed by the Standard Webhooks reference library, not by the package under test. */
function signed(id: string, payload: object) {
  const body = JSON.stringify(payload);
  const timestamp = new Date();
  const headers = {
    'content-type': 'application/json',
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
    'webhook-signature': new Webhook(secret).sign(id, timestamp, body),
  };
  return { body, headers };
}

const node = (script: string, extra: NodeJS.ProcessEnv = {}) => run(process.execPath, [script], { cwd: project, env: { ...env, ...extra } });
const requireInstall = (t: { skip: (reason: string) => void }) => {
  if (!installed) t.skip('npm could not install into the scratch project');
  return installed;
};

describe('@herald/receiver installed from its tarball', () => {
  test('the tarball holds the ES module and CommonJS builds with declarations and source maps, the licence and README, and no tests', async () => {
    const { stdout } = await run('tar', ['-tzf', tarball]);
    const files = stdout.split('\n').filter(Boolean);
    for (const file of ['dist/index.js', 'dist/index.d.ts', 'dist/index.js.map', 'dist/cjs/index.js', 'dist/cjs/index.d.ts', 'dist/cjs/package.json', 'dist/adapters/express.js', 'dist/cjs/dedupe/postgres.js', 'LICENSE', 'README.md', 'package.json']) {
      assert.ok(files.includes(`package/${file}`), `${file} is in the tarball`);
    }
    assert.deepEqual(files.filter((file) => /\/test\/|tsconfig|\.test\./.test(file)), []);
  });

  test("the package's version is the root package.json's, and it is publishable (not private, MIT, Node 20.18+)", async () => {
    const { stdout } = await run('tar', ['-xzOf', tarball, 'package/package.json']);
    const manifest = JSON.parse(stdout);
    assert.equal(manifest.version, readJson(join(root, 'package.json')).version);
    assert.equal(manifest.private, undefined);
    assert.equal(manifest.license, 'MIT');
    assert.equal(manifest.engines.node, '>=20.18.1');
    assert.deepEqual(Object.keys(manifest.dependencies ?? {}), [], 'the receiver depends on nothing (frameworks are optional peers)');
  });

  test('inside the repository every export resolves to its TypeScript source (tsconfig paths), the same list as the exports map', () => {
    const manifest = readJson(join(root, 'packages/receiver/package.json'));
    const config = ts.readConfigFile(join(root, 'tsconfig.json'), ts.sys.readFile).config;
    const paths: Record<string, string[]> = config.compilerOptions.paths;
    const fromExports = Object.entries<{ import?: { default: string } }>(manifest.exports)
      .filter(([, target]) => typeof target === 'object')
      .map(([subpath, target]) => [
        '@herald/receiver' + subpath.slice(1),
        target.import!.default.replace('./dist/', './packages/receiver/src/').replace(/\.js$/, '.ts'),
      ]);
    const fromPaths = Object.entries(paths).filter(([name]) => name.startsWith('@herald/receiver')).map(([name, [source]]) => [name, source]);
    assert.deepEqual(fromPaths.sort(), fromExports.sort());
  });

  test('plain node verifies a signed request with `import` (the ES module build) and refuses a changed body', async (t) => {
    if (!requireInstall(t)) return;
    const request = signed('msg_esm', { type: 'order.paid', orderId: 'ord_1' });
    const { stdout } = await node('verify.mjs', { SIGNED: JSON.stringify({ secret, ...request }) });
    const result = JSON.parse(stdout);
    assert.match(result.resolved, /\/node_modules\/@herald\/receiver\/dist\/index\.js$/);
    assert.deepEqual([result.id, result.body, result.refused], ['msg_esm', request.body, 'invalid_signature']);
  });

  test('plain node verifies a signed request with `require` (the CommonJS build) and refuses a changed body', async (t) => {
    if (!requireInstall(t)) return;
    const request = signed('msg_cjs', { type: 'order.paid', orderId: 'ord_2' });
    const { stdout } = await node('verify.cjs', { SIGNED: JSON.stringify({ secret, ...request }) });
    const result = JSON.parse(stdout);
    assert.match(result.resolved, /\/node_modules\/@herald\/receiver\/dist\/cjs\/index\.js$/);
    assert.deepEqual([result.id, result.body, result.refused], ['msg_cjs', request.body, 'invalid_signature']);
  });

  const typeCheck = (resolution: 'node16' | 'bundler', files: string[]) => run(process.execPath, [
    tsc, '--noEmit', '--strict', '--target', 'es2022', '--types', 'node',
    '--module', resolution === 'node16' ? 'node16' : 'esnext', '--moduleResolution', resolution, ...files,
  ], { cwd: project, env });

  test('a strict TypeScript consumer type-checks with moduleResolution node16, through both the import and the require condition', async (t) => {
    if (!requireInstall(t)) return;
    await typeCheck('node16', ['consumer.mts', 'consumer.cts']);
  });

  test('with moduleResolution bundler the consumer type-checks, and a wrong use beside it is an error (the declarations are real, not any)', async (t) => {
    if (!requireInstall(t)) return;
    // One tsc run for both files (tsc's start-up is most of its time): its only errors must be the two
    // planted in wrong-types.ts.
    const failure = await typeCheck('bundler', ['consumer.ts', 'wrong-types.ts']).then(() => null, (error: { stdout: string }) => error.stdout);
    assert.ok(failure, 'wrong-types.ts must not type-check');
    const errors = failure.split('\n').filter((line) => /error TS/.test(line)).map((line) => line.replace(/: error (TS\d+).*/, ' $1'));
    assert.deepEqual(errors, ['wrong-types.ts(5,14) TS2322', 'wrong-types.ts(6,45) TS2345']);
  });

  for (const [framework, script] of [['Express', 'express.cjs'], ['Fastify', 'fastify.mjs'], ['Hono', 'hono.mjs']] as const) {
    test(`the ${framework} adapter, mounted in an app of the scratch project, accepts a signed request and refuses a forged one`, async (t) => {
      if (!requireInstall(t)) return;
      const app = spawn(process.execPath, [script], { cwd: project, env: { ...env, WEBHOOK_SECRET: secret }, stdio: ['ignore', 'pipe', 'inherit'] });
      let output = '';
      app.stdout.setEncoding('utf8').on('data', (chunk: string) => { output += chunk; });
      const exited = once(app, 'exit');
      try {
        const port = await new Promise<number>((resolvePort, reject) => {
          app.stdout.on('data', () => { const match = /listening (\d+)/.exec(output); if (match) resolvePort(Number(match[1])); });
          void exited.then(([code]) => reject(new Error(`${script} exited (${code}) before listening:\n${output}`)));
        });
        const url = `http://127.0.0.1:${port}/webhooks`;
        const request = signed(`msg_${framework.toLowerCase()}`, { type: 'order.paid', orderId: 'ord_3' });
        const accepted = await fetch(url, { method: 'POST', headers: request.headers, body: request.body });
        assert.deepEqual([accepted.status, await accepted.json()], [200, { received: true }]);
        const forged = await fetch(url, { method: 'POST', headers: request.headers, body: request.body.replace('ord_3', 'ord_4') });
        assert.equal(forged.status, 401);
        assert.equal(((await forged.json()) as { code: string }).code, 'invalid_signature');
      } finally {
        app.kill();
        await exited;
      }
      assert.match(output, new RegExp(`^event order\\.paid msg_${framework.toLowerCase()}$`, 'm'));
      assert.equal(output.match(/^event /gm)?.length, 1, 'the forged request never reached onEvent');
    });
  }
});

describe('the herald command installed from its tarball', () => {
  const npx = (...args: string[]) => run('npx', args, { cwd: project, env: npmEnv });

  test('`npx herald --help` runs the compiled command with plain node, and nothing installed tsx', async (t) => {
    if (!requireInstall(t)) return;
    const { stdout } = await npx('herald', '--help');
    assert.match(stdout, /^Usage: herald /m);
    for (const command of ['trigger', 'tail', 'listen', 'verify', 'serve']) assert.match(stdout, new RegExp(`^  ${command}\\b`, 'm'));
    const { stdout: resolved } = await run('readlink', ['-f', join(project, 'node_modules/.bin/herald')]);
    assert.match(resolved.trim(), /\/node_modules\/@herald\/cli\/dist\/herald\.js$/);
    assert.equal(existsSync(join(project, 'node_modules/tsx')), false, 'tsx is not a run-time dependency');
    assert.equal(existsSync(join(project, 'node_modules/@herald/core')), false, '@herald/core is bundled, not installed');
  });

  test("`herald --version` is the root package.json's version", async (t) => {
    if (!requireInstall(t)) return;
    const { stdout } = await npx('herald', '--version');
    assert.equal(stdout.trim(), readJson(join(root, 'package.json')).version);
  });

  test('`herald serve` without the server package says what to install instead of crashing', async (t) => {
    if (!requireInstall(t)) return;
    const failure = await npx('herald', 'serve').then(() => null, (error: { code: number; stderr: string }) => error);
    assert.ok(failure, 'serve cannot run without @herald/server');
    assert.notEqual(failure.code, 0);
    assert.match(failure.stderr, /install @herald\/server/);
    assert.doesNotMatch(failure.stderr, /unexpected error/);
  });
});
