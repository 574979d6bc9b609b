import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SecretBox, newId } from '@herald/core';
import { newSourceToken, sourceTokenHash, withSecretEncryption } from '@herald/storage';
import { SqliteStore } from '../src/sqlite-store.ts';

test('source secrets and tokens never reach the database file or its WAL in plaintext, through rotation and update', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'herald-sqlite-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'herald.db');
  const raw = new SqliteStore({ path, synchronous: 'FULL' });
  await raw.migrate();
  const store = withSecretEncryption(raw, SecretBox.fromBase64([SecretBox.generateKey()]));
  const secret = () => randomBytes(18).toString('base64url');
  const [configSecret, previousSecret, password, firstToken, secondToken] = [secret(), secret(), secret(), secret(), secret()];
  const now = Date.now();
  const source = await store.createSource({
    id: newId('src'), uid: null, name: 'GitHub', type: 'github', config: { secret: configSecret }, metadata: {}, appId: newId('app'),
    disabled: false, allowedCidrs: null, rateLimit: null, response: null, dedupe: null,
  }, newSourceToken(firstToken), now);
  await store.rotateSourceToken(source.id, newSourceToken(secondToken), 60_000, now);
  await store.updateSource(source.id, { config: { secret: password, previousSecret } }, now);
  const other = await store.createSource({
    id: newId('src'), uid: null, name: 'Basic', type: 'basic-auth', config: { username: 'u', password }, metadata: {}, appId: newId('app'),
    disabled: false, allowedCidrs: null, rateLimit: null, response: null, dedupe: null,
  }, newSourceToken(secret()), now);

  // Still usable through the store: found by token hash, configs opened.
  assert.equal((await store.findSourceByToken(sourceTokenHash(firstToken), now))?.config.previousSecret, previousSecret);
  assert.deepEqual((await store.getSourceTokens(source.id, now)).map((token) => token.token), [secondToken, firstToken]);
  assert.equal((await store.getSource(other.id))?.config.password, password);
  await raw.close();

  const bytes = Buffer.concat(['herald.db', 'herald.db-wal'].map((name) => join(dir, name)).filter(existsSync).map((file) => readFileSync(file)));
  assert.ok(bytes.includes(sourceTokenHash(firstToken)), 'the file holds the token hashes (the check can see text at all)');
  for (const plaintext of [configSecret, previousSecret, password, firstToken, secondToken]) {
    assert.equal(bytes.includes(plaintext), false, `"${plaintext.slice(0, 6)}…" is in the file in plaintext`);
  }
});
