import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IP_ALLOWLIST_PRESETS, isAddressAllowed, parseCidrList } from '@herald/core';

function allowList(list: string[]) {
  const parsed = parseCidrList(list);
  assert.ok(parsed.ok, JSON.stringify(parsed));
  return parsed.blockList;
}

test('addresses and CIDR blocks of both families are matched, IPv4-mapped IPv6 client addresses as IPv4', () => {
  const list = allowList(['203.0.113.0/24', '198.51.100.7', '2001:db8::/32', ' 192.0.2.1 ']);
  for (const address of ['203.0.113.0', '203.0.113.255', '198.51.100.7', '2001:db8::1', '2001:db8:ffff::1', '::ffff:203.0.113.9', '192.0.2.1']) {
    assert.equal(isAddressAllowed(list, address), true, address);
  }
  for (const address of ['203.0.114.0', '198.51.100.8', '2001:db9::1', '::ffff:198.51.100.8', '127.0.0.1', 'localhost', '']) {
    assert.equal(isAddressAllowed(list, address), false, address);
  }
});

test('an empty list allows nobody', () => {
  assert.equal(isAddressAllowed(allowList([]), '203.0.113.1'), false);
});

test('the first bad entry is named', () => {
  for (const bad of ['10.0.0.0/33', '::/129', 'example.com', '10.0.0.0/', '10.0.0.0/8/8', '10.0.0.0/-1', '10.0.0.256', '', '10.0.0.0/08x']) {
    assert.deepEqual(parseCidrList(['10.0.0.0/8', bad, 'also bad']), { ok: false, bad }, bad);
  }
});

test('every preset parses, and holds addresses its provider sends from', () => {
  for (const [name, list] of Object.entries(IP_ALLOWLIST_PRESETS)) assert.ok(parseCidrList(list).ok && list.length > 0, name);
  assert.equal(isAddressAllowed(allowList(IP_ALLOWLIST_PRESETS.stripe!), '54.187.216.72'), true);
  assert.equal(isAddressAllowed(allowList(IP_ALLOWLIST_PRESETS.github!), '140.82.115.1'), true);
  assert.equal(isAddressAllowed(allowList(IP_ALLOWLIST_PRESETS.gitlab!), '34.74.226.17'), true);
  assert.equal(isAddressAllowed(allowList(IP_ALLOWLIST_PRESETS.github!), '54.187.216.72'), false);
});
