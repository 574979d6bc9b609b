import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { loadConfig, startHerald } from '@herald/server';

export const TEST_ADMIN_TOKEN = 'sk_test_herald_admin_token_0123456789';

export function tempDir(prefix = 'herald-test-'): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** Environment for a test Herald: its own data directory, a known token, loopback targets allowed. */
export function testEnv(dataDir: string, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    HERALD_PORT: '0',
    HERALD_DATA_DIR: dataDir,
    HERALD_ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    HERALD_ALLOW_PRIVATE_TARGETS: 'true',
    HERALD_RETRY_SCHEDULE: '1s,2s,4s',
    HERALD_LOG_LEVEL: 'silent',
    HERALD_SQLITE_SYNCHRONOUS: 'NORMAL',
    ...overrides,
  };
}

export interface TestHerald {
  url: string;
  token: string;
  dataDir: string;
  stop(): Promise<void>;
}

/** Herald in this process, on a free loopback port, with a fresh SQLite file. */
export async function startTestHerald(overrides: Record<string, string> = {}): Promise<TestHerald> {
  const dir = tempDir();
  const config = loadConfig(testEnv(dir.path, overrides));
  const herald = await startHerald(config, pino({ level: overrides.HERALD_LOG_LEVEL ?? 'silent' }));
  return {
    url: herald.url,
    token: overrides.HERALD_ADMIN_TOKEN ?? TEST_ADMIN_TOKEN,
    dataDir: dir.path,
    async stop() {
      await herald.stop();
      dir.remove();
    },
  };
}

const MAIN = fileURLToPath(new URL('../../server/src/main.ts', import.meta.url));

export interface HeraldProcess {
  url: string;
  child: ChildProcess;
  /** Everything the process wrote to stderr so far. */
  stderr(): string;
  exited: Promise<number | null>;
}

/** Herald as a separate OS process (`herald serve`), for tests that kill it. */
export async function spawnHerald(env: Record<string, string>, timeoutMs = 20_000, nodeArgs: string[] = []): Promise<HeraldProcess> {
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', MAIN, 'serve'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`herald did not start in ${timeoutMs} ms:\n${stderr}`)), timeoutMs);
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
      const match = /listening on (http:\/\/\S+) /.exec(stderr);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`herald exited with ${code} before it was ready:\n${stderr}`));
    });
  });
  return { url, child, stderr: () => stderr, exited };
}
