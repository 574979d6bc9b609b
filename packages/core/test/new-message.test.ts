import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newMessage } from '../src/index.ts';

test('a new message gets a time-sortable msg_ id, and an empty or missing channel list means no channels', () => {
  const first = newMessage({ appId: 'app_1', eventType: 'order.paid', payload: '{"a": 1}', channels: [] }, 1_700_000_000_000);
  const later = newMessage({ appId: 'app_1', eventType: 'order.paid', payload: '{}', eventId: 'e1', channels: ['eu'] }, 1_700_000_001_000);
  assert.match(first.id, /^msg_/);
  assert.ok(first.id < later.id);
  assert.deepEqual([first.channels, first.eventId, first.payload, first.createdAt], [null, null, '{"a": 1}', 1_700_000_000_000]);
  assert.deepEqual([later.channels, later.eventId], [['eu'], 'e1']);
});
