import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { T0, newApplication, type WithStore } from './fixtures.ts';

export function migrationsAndSettingsSuite(withStore: WithStore): void {
  describe('migrations and settings', () => {
    test('migrating a store that is already migrated is harmless and keeps its data', withStore(async (store) => {
      const app = await store.createApplication(newApplication({ uid: 'kept' }), T0);
      await store.migrate();
      await store.migrate();
      assert.equal((await store.getApplication('kept'))?.id, app.id);
    }));

    test('initSetting keeps the first value it was given and getSetting reads it', withStore(async (store) => {
      assert.equal(await store.getSetting('instance-id'), undefined);
      assert.equal(await store.initSetting('instance-id', 'first'), 'first');
      assert.equal(await store.initSetting('instance-id', 'second'), 'first');
      assert.equal(await store.getSetting('instance-id'), 'first');
      assert.equal(await store.initSetting('other', 'x'), 'x', 'settings are independent of each other');
    }));
  });

}
