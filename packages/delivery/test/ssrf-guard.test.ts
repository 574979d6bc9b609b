import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { checkTargetUrl, isBlockedAddress } from '../src/ssrf-guard.ts';

const BLOCKED_ADDRESSES = [
  '0.0.0.0', '0.1.2.3', '10.0.0.1', '10.255.255.255', '100.64.0.1', '100.127.255.254', '127.0.0.1', '127.1.2.3',
  '127.255.255.255', '169.254.0.1', '169.254.169.254', '172.16.0.1', '172.31.255.255', '192.0.0.8', '192.0.2.1',
  '192.168.0.1', '192.168.255.255', '198.18.0.1', '198.19.255.255', '198.51.100.7', '203.0.113.9', '224.0.0.1',
  '239.255.255.250', '240.0.0.1', '255.255.255.255', '168.63.129.16',
  '::', '::1', 'fe80::1', 'febf::1', 'fc00::1', 'fd12:3456::1', 'ff02::1', '2001:db8::1',
  '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:10.0.0.1', '::ffff:169.254.169.254', '::127.0.0.1',
  '64:ff9b::127.0.0.1', '64:ff9b::a9fe:a9fe', '64:ff9b:1::1', '2002:7f00:1::', '2002:a9fe:a9fe::1',
  '2001:0:4136:e378:8000:63bf:80ff:fffe', // Teredo wrapping 127.0.0.1
  '[::1]', 'not-an-ip', '',
];
const PUBLIC_ADDRESSES = ['8.8.8.8', '1.1.1.1', '93.184.216.34', '2606:4700:4700::1111', '2a00:1450:4001:80b::200e', '::ffff:8.8.8.8', '64:ff9b::808:808'];

test('every non-public address form is blocked', () => {
  for (const address of BLOCKED_ADDRESSES) assert.equal(isBlockedAddress(address), true, address);
});

test('public unicast addresses are allowed', () => {
  for (const address of PUBLIC_ADDRESSES) assert.equal(isBlockedAddress(address), false, address);
});

const REFUSED_URLS = [
  'http://127.0.0.1/', 'http://127.0.0.1:8080/hook', 'http://2130706433/', 'http://0x7f.1/', 'http://0177.0.0.1/',
  'http://0x7f000001/', 'http://127.1/', 'http://[::1]/', 'http://[::ffff:127.0.0.1]/', 'http://[0:0:0:0:0:ffff:7f00:1]/',
  'http://169.254.169.254/latest/meta-data/', 'http://[fd00:ec2::254]/', 'http://10.0.0.1/', 'http://192.168.1.1./',
  'http://localhost/', 'http://localhost./', 'http://LOCALHOST/', 'http://app.localhost/', 'http://printer.local/',
  'http://metadata.google.internal/', 'http://intranet/', 'http://user:pass@example.com/', 'http://user@example.com/',
  'ftp://example.com/', 'file:///etc/passwd', 'gopher://example.com/', 'javascript:alert(1)', 'not a url', 'http://0/',
  'https://[::]/', 'http://100.64.0.1/', 'http://198.18.0.1/', 'http://[64:ff9b::7f00:1]/', 'http://[2002:7f00:1::]/',
];

test('endpoint URLs pointing at private places, or with odd schemes or credentials, are refused', () => {
  for (const url of REFUSED_URLS) {
    const verdict = checkTargetUrl(url, { allowPrivateTargets: false });
    assert.equal(verdict.ok, false, url);
    assert.ok(!verdict.ok && verdict.reason.length > 10, url);
  }
});

test('public URLs are accepted, and private ones too when the development switch is on', () => {
  for (const url of ['https://example.com/hook', 'http://93.184.216.34/x?y=1', 'https://[2606:4700:4700::1111]/', 'https://hooks.example.co.uk:8443/a/b']) {
    assert.equal(checkTargetUrl(url, { allowPrivateTargets: false }).ok, true, url);
  }
  assert.equal(checkTargetUrl('http://127.0.0.1:3000/', { allowPrivateTargets: true }).ok, true);
  assert.equal(checkTargetUrl('ftp://127.0.0.1/', { allowPrivateTargets: true }).ok, false, 'schemes are checked regardless');
});

const BLOCKED_V4_RANGES: Array<[number, number]> = [
  [0x00000000, 8], [0x0a000000, 8], [0x64400000, 10], [0x7f000000, 8], [0xa9fe0000, 16], [0xac100000, 12],
  [0xc0a80000, 16], [0xc6120000, 15], [0xe0000000, 4], [0xf0000000, 4],
];
const v4 = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
const hex = (n: number) => `${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
const embeddings = (n: number) => [`::ffff:${v4(n)}`, `64:ff9b::${v4(n)}`, `2002:${hex(n)}::1`, `::ffff:${hex(n)}`];

test('an address in a blocked IPv4 range is blocked in every IPv6 embedding', () => {
  const inBlockedRange = fc.constantFrom(...BLOCKED_V4_RANGES).chain(([base, bits]) =>
    fc.integer({ min: 0, max: 2 ** (32 - bits) - 1 }).map((offset) => (base + offset) >>> 0));
  fc.assert(fc.property(inBlockedRange, (address) => {
    assert.equal(isBlockedAddress(v4(address)), true, v4(address));
    for (const form of embeddings(address)) assert.equal(isBlockedAddress(form), true, form);
  }), { numRuns: 500 });
});

test('a public IPv4 address is judged the same in its IPv6 embeddings', () => {
  fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), (address) => {
    const verdict = isBlockedAddress(v4(address));
    for (const form of embeddings(address)) assert.equal(isBlockedAddress(form), verdict, form);
  }), { numRuns: 500 });
});
