import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { PUBLIC_URLS, SSRF_FORM_COUNT, SSRF_FORMS_PROMISED, SSRF_URL_COUNT, refusedUrls } from '@herald/testing/ssrf-forms';
import { checkTargetUrl, isBlockedAddress, isRefusedAddress, privateTargetMatcher } from '../src/ssrf-guard.ts';

const BLOCKED_ADDRESSES = [
  // IPv4 ranges, with their first and last addresses
  '0.0.0.0', '0.1.2.3', '0.255.255.255', '10.0.0.0', '10.0.0.1', '10.255.255.255', '100.64.0.0', '100.64.0.1',
  '100.127.255.255', '127.0.0.1', '127.1.2.3', '127.255.255.255', '169.254.0.0', '169.254.169.254', '169.254.255.255',
  '172.16.0.0', '172.16.0.1', '172.31.255.255', '192.0.0.0', '192.0.0.8', '192.0.0.255', '192.0.2.0', '192.0.2.1',
  '192.0.2.255', '192.168.0.0', '192.168.0.1', '192.168.255.255', '198.18.0.0', '198.18.0.1', '198.19.255.255',
  '198.51.100.0', '198.51.100.7', '198.51.100.255', '203.0.113.0', '203.0.113.9', '203.0.113.255', '224.0.0.0',
  '224.0.0.1', '239.255.255.250', '239.255.255.255', '240.0.0.0', '240.0.0.1', '254.255.255.255', '255.255.255.255',
  '168.63.129.16',
  // IPv6 ranges
  '::', '::1', 'fe80::', 'fe80::1', 'febf:ffff::1', 'fc00::', 'fc00::1', 'fd12:3456::1', 'fdff:ffff::1', 'ff00::',
  'ff02::1', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', '2001:db8::', '2001:db8::1', '2001:db8:ffff::1', '100::',
  '100::1', '100::ffff:ffff:ffff:ffff', 'fe80::1%eth0', '[::1]', '[fe80::1]',
  // IPv4 embedded in IPv6: mapped, compatible, NAT64 (well-known and local-use), 6to4, Teredo
  '::ffff:127.0.0.1', '::ffff:7f00:1', '0:0:0:0:0:ffff:7f00:1', '::ffff:10.0.0.1', '::ffff:a00:1',
  '::ffff:169.254.169.254', '::ffff:a9fe:a9fe', '::127.0.0.1', '::10.0.0.1', '::169.254.169.254',
  '64:ff9b::127.0.0.1', '64:ff9b::7f00:1', '64:ff9b::10.0.0.1', '64:ff9b::a9fe:a9fe', '64:ff9b:1::1',
  '64:ff9b:1::7f00:1', '64:ff9b:1::808:808', '2002:7f00:1::', '2002:7f00:1::1', '2002:a00:1::1', '2002:a9fe:a9fe::1',
  '2001:0:4136:e378:8000:63bf:80ff:fffe', // Teredo, client 127.0.0.1
  '2001:0:4136:e378:8000:63bf:f5ff:fffe', // Teredo, client 10.0.0.1
  '2001:0:4136:e378:8000:63bf:5601:5601', // Teredo, client 169.254.169.254
  // Not an address at all
  'not-an-ip', '', '[', '127.0.0.1.', '::ffff:999.0.0.1', '1.2.3.4.5', 'localhost',
];
const PUBLIC_ADDRESSES = [
  '8.8.8.8', '1.1.1.1', '93.184.216.34', '9.255.255.255', '11.0.0.0', '100.63.255.255', '100.128.0.0', '126.255.255.255',
  '128.0.0.0', '169.253.255.255', '169.255.0.0', '172.15.255.255', '172.32.0.0', '192.0.1.0', '192.0.3.0',
  '192.167.255.255', '192.169.0.0', '198.17.255.255', '198.20.0.0', '203.0.112.255', '223.255.255.255', '168.63.129.17',
  '2606:4700:4700::1111', '2a00:1450:4001:80b::200e', '2001:4860:4860::8888', '::ffff:8.8.8.8', '64:ff9b::808:808',
  '2002:808:808::1', '::8.8.8.8', '2001:0:4136:e378:8000:63bf:f7f7:f7f7', // Teredo, client 8.8.8.8
];

test('every non-public address form is blocked', () => {
  assert.ok(BLOCKED_ADDRESSES.length >= 60, 'table of blocked addresses too small');
  for (const address of BLOCKED_ADDRESSES) assert.equal(isBlockedAddress(address), true, address);
});

test('public unicast addresses, including those right next to blocked ranges, are allowed', () => {
  for (const address of PUBLIC_ADDRESSES) assert.equal(isBlockedAddress(address), false, address);
});

test('endpoint URLs pointing at private places, or with odd schemes or credentials, are refused with a reason', () => {
  const urls = refusedUrls(8080);
  const security = readFileSync(new URL('../../../SECURITY.md', import.meta.url), 'utf8');
  assert.match(security, new RegExp(`The table holds ${SSRF_FORMS_PROMISED} forms`), 'the count asserted is the count SECURITY.md states');
  assert.equal(SSRF_FORM_COUNT, SSRF_FORMS_PROMISED, `SECURITY.md promises ${SSRF_FORMS_PROMISED} forms`);
  assert.equal(new Set(urls).size, SSRF_URL_COUNT, 'every form is tried, each once');
  for (const url of urls) {
    const verdict = checkTargetUrl(url, { allowPrivateTargets: false });
    assert.equal(verdict.ok, false, url);
    assert.ok(!verdict.ok && verdict.reason.length > 10, url);
  }
  const verdict = checkTargetUrl('http://0x7f.1/', { allowPrivateTargets: false });
  assert.ok(!verdict.ok && verdict.reason.startsWith('URL resolves to a private address (127.0.0.1)'), JSON.stringify(verdict));
  assert.ok(!verdict.ok && verdict.reason.includes('HERALD_ALLOW_PRIVATE_TARGETS=true'));
});

test('public URLs are accepted, and private ones too when the development switch is on', () => {
  for (const url of PUBLIC_URLS) {
    const verdict = checkTargetUrl(url, { allowPrivateTargets: false });
    assert.equal(verdict.ok, true, url);
    assert.ok(verdict.ok && verdict.url instanceof URL);
  }
  for (const url of ['http://127.0.0.1:3000/', 'http://localhost:3000/', 'http://[::1]/', 'http://receiver.internal/']) {
    assert.equal(checkTargetUrl(url, { allowPrivateTargets: true }).ok, true, url);
  }
  for (const url of ['ftp://127.0.0.1/', 'http://user:pass@localhost/', 'file:///etc/passwd']) {
    assert.equal(checkTargetUrl(url, { allowPrivateTargets: true }).ok, false, `${url}: schemes and credentials are checked regardless`);
  }
});

test('with https-only on, plain http is refused even for a public host, and https is accepted', () => {
  const policy = { allowPrivateTargets: false, httpsOnly: true };
  const refused = checkTargetUrl('http://example.com/hook', policy);
  assert.ok(!refused.ok && refused.refusal === 'https-required' && refused.reason.includes('HERALD_HTTPS_ONLY'), JSON.stringify(refused));
  assert.equal(checkTargetUrl('https://example.com/hook', policy).ok, true);
  assert.equal(checkTargetUrl('http://127.0.0.1:3000/', { allowPrivateTargets: true, httpsOnly: true }).ok, false, 'the development switch does not lift it');
});

// The test's own table, independent of the implementation's, as [first address, prefix length].
const BLOCKED_V4_RANGES: Array<[number, number]> = [
  [0x00000000, 8], [0x0a000000, 8], [0x64400000, 10], [0x7f000000, 8], [0xa9fe0000, 16], [0xac100000, 12],
  [0xc0000000, 24], [0xc0000200, 24], [0xc0586300, 24], [0xc0a80000, 16], [0xc6120000, 15], [0xc6336400, 24],
  [0xcb007100, 24], [0xe0000000, 4], [0xf0000000, 4], [0xa83f8110, 32],
];
const inTable = (n: number) => BLOCKED_V4_RANGES.some(([base, bits]) => bits === 0 || (n >>> (32 - bits)) === (base >>> (32 - bits)));
const v4 = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
const hex = (n: number) => `${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
const teredoClient = (n: number) => hex(~n >>> 0);
const embeddings = (n: number) => [
  `::ffff:${v4(n)}`, `::ffff:${hex(n)}`, `::${v4(n)}`, `64:ff9b::${v4(n)}`, `64:ff9b::${hex(n)}`, `2002:${hex(n)}::1`,
  `2002:${hex(n)}:ffff:ffff:ffff:ffff:ffff`, `2001:0:4136:e378:8000:63bf:${teredoClient(n)}`,
];

test('an address in a blocked IPv4 range is blocked, and so is every IPv6 form that embeds it', () => {
  const inBlockedRange = fc.constantFrom(...BLOCKED_V4_RANGES).chain(([base, bits]) =>
    fc.integer({ min: 0, max: 2 ** (32 - bits) - 1 }).map((offset) => (base + offset) >>> 0));
  fc.assert(fc.property(inBlockedRange, (address) => {
    assert.equal(isBlockedAddress(v4(address)), true, v4(address));
    for (const form of embeddings(address)) {
      assert.equal(isBlockedAddress(form), true, form);
      assert.equal(checkTargetUrl(`https://[${form}]/hook`, { allowPrivateTargets: false }).ok, false, form);
    }
  }), { numRuns: 1_000 });
});

test('a random IPv4 address, alone or embedded, is blocked exactly when it falls in a blocked range', () => {
  fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), (address) => {
    const expected = inTable(address);
    assert.equal(isBlockedAddress(v4(address)), expected, v4(address));
    for (const form of embeddings(address)) assert.equal(isBlockedAddress(form), expected, form);
  }), { numRuns: 2_000 });
});

test('an opened private range lets its addresses through, and nothing else: not its neighbours, not metadata', () => {
  const opened = privateTargetMatcher(['10.20.0.0/16', 'fd00:1::/64', '169.254.0.0/16', 'fd00:ec2::/64']);
  for (const address of ['10.20.0.1', '10.20.255.255', '::ffff:10.20.3.4', 'fd00:1::5', '169.254.1.1']) {
    assert.equal(isRefusedAddress(address, opened), false, address);
  }
  for (const address of ['10.21.0.1', '10.19.255.255', '127.0.0.1', '192.168.1.1', 'fd00:2::5', '169.254.169.254', '::ffff:169.254.169.254', '::ffff:a9fe:a9fe', '0:0:0:0:0:ffff:a9fe:a9fe', 'FD00:EC2:0::254', 'not-an-ip']) {
    assert.equal(isRefusedAddress(address, opened), true, address);
  }
  assert.equal(isRefusedAddress('8.8.8.8', opened), false, 'public addresses are unaffected');
  assert.equal(isRefusedAddress('10.20.0.1', undefined), true, 'nothing is opened by default');
});

test('with private ranges opened, an internal name passes URL validation and an IP literal outside them does not', () => {
  const policy = { allowPrivateTargets: false, privateTargets: ['10.20.0.0/16'] };
  assert.equal(checkTargetUrl('http://billing.internal/hooks', policy).ok, true);
  assert.equal(checkTargetUrl('http://10.20.4.5:8080/hooks', policy).ok, true);
  assert.equal(checkTargetUrl('http://10.30.4.5/hooks', policy).ok, false);
  assert.equal(checkTargetUrl('http://169.254.169.254/latest/meta-data/', { allowPrivateTargets: false, privateTargets: ['169.254.0.0/16'] }).ok, false);
  assert.equal(checkTargetUrl('http://billing.internal/hooks', { allowPrivateTargets: false }).ok, false, 'closed by default');
});
