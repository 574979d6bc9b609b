import { join } from 'node:path';
import { SecretBox } from '@herald/core';
import { withSecretEncryption, type Store } from '@herald/storage';
import { PostgresStore } from '@herald/storage-postgres';
import { SqliteStore } from '@herald/storage-sqlite';
import { startTestHerald, tempDir, type TestHerald } from '@herald/testing';
import { TEST_ENCRYPTION_KEY, postgresModeEnv } from '@herald/testing/postgres';

export const PUBLIC_URL = 'https://hooks.example.com';

export interface IngestHarness {
  herald: TestHerald;
  /** A second connection to the Herald's SQLite file, sealing and opening secrets as Herald does: to seed and inspect. */
  store: Store;
  call(method: string, path: string, json?: unknown, token?: string): Promise<{ status: number; body: any; text: string }>;
  stop(): Promise<void>;
}

/**
 * A real Herald on loopback with a known encryption key and public URL: embedded mode (its own
 * SQLite file), or PostgreSQL mode (every role in one process) on `postgresUrl`, a database of the
 * test file's own.
 */
export async function startIngestHarness(overrides: Record<string, string> = {}, postgresUrl?: string): Promise<IngestHarness> {
  const settings = { HERALD_PUBLIC_URL: PUBLIC_URL, HERALD_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY, ...overrides };
  const dir = postgresUrl ? tempDir() : undefined;
  const herald = await startTestHerald(postgresUrl && dir ? postgresModeEnv(postgresUrl, 'all', dir.path, settings) : settings);
  const adapter = postgresUrl
    ? new PostgresStore({ connectionString: postgresUrl, poolSize: 2 })
    : new SqliteStore({ path: join(herald.dataDir, 'herald.db'), synchronous: 'NORMAL' });
  const store = withSecretEncryption(adapter, SecretBox.fromBase64([TEST_ENCRYPTION_KEY]));
  return {
    herald,
    store,
    async call(method, path, json, token = herald.token) {
      const response = await fetch(herald.url + path, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(json !== undefined ? { 'content-type': 'application/json' } : {}) },
        body: json !== undefined ? JSON.stringify(json) : undefined,
      });
      const text = await response.text();
      let body: unknown = null;
      if (text.length > 0) body = JSON.parse(text);
      return { status: response.status, body, text };
    },
    async stop() {
      await adapter.close();
      await herald.stop();
      dir?.remove();
    },
  };
}

/** The loc paths of a 422's issues, joined with dots. */
export function issueLocations(body: { detail: Array<{ loc: Array<string | number> }> }): string[] {
  return body.detail.map((issue) => issue.loc.join('.'));
}
