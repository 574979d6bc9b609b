import { join } from 'node:path';
import { SecretBox } from '@herald/core';
import { withSecretEncryption, type Store } from '@herald/storage';
import { SqliteStore } from '@herald/storage-sqlite';
import { startTestHerald, type TestHerald } from '@herald/testing';
import { TEST_ENCRYPTION_KEY } from '@herald/testing/postgres';

export const PUBLIC_URL = 'https://hooks.example.com';

export interface IngestHarness {
  herald: TestHerald;
  /** A second connection to the Herald's SQLite file, sealing and opening secrets as Herald does: to seed and inspect. */
  store: Store;
  call(method: string, path: string, json?: unknown, token?: string): Promise<{ status: number; body: any; text: string }>;
  stop(): Promise<void>;
}

/** A real Herald (embedded mode, loopback HTTP) with a known encryption key and public URL. */
export async function startIngestHarness(overrides: Record<string, string> = {}): Promise<IngestHarness> {
  const herald = await startTestHerald({ HERALD_PUBLIC_URL: PUBLIC_URL, HERALD_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY, ...overrides });
  const sqlite = new SqliteStore({ path: join(herald.dataDir, 'herald.db'), synchronous: 'NORMAL' });
  const store = withSecretEncryption(sqlite, SecretBox.fromBase64([TEST_ENCRYPTION_KEY]));
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
      await sqlite.close();
      await herald.stop();
    },
  };
}

/** The loc paths of a 422's issues, joined with dots. */
export function issueLocations(body: { detail: Array<{ loc: Array<string | number> }> }): string[] {
  return body.detail.map((issue) => issue.loc.join('.'));
}
