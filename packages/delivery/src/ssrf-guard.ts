import ipaddr from 'ipaddr.js';

/**
 * Which addresses Herald may send to: only globally routable unicast. Everything else — loopback,
 * private, link-local, CGNAT, benchmarking, documentation, multicast, reserved, cloud metadata —
 * is refused, and so is any IPv6 address that merely wraps one of those IPv4 addresses.
 */
const BLOCKED_V4: Array<[string, number]> = [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16],
  ['172.16.0.0', 12], ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.88.99.0', 24], ['192.168.0.0', 16],
  ['198.18.0.0', 15], ['198.51.100.0', 24], ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4],
  ['168.63.129.16', 32], // Azure's wire server
];
const BLOCKED_V4_RANGES = BLOCKED_V4.map(([address, bits]) => [ipaddr.IPv4.parse(address), bits] as const);

const V6 = (cidr: string) => ipaddr.IPv6.parseCIDR(cidr);
const GLOBAL_UNICAST_V6 = V6('2000::/3');
const BLOCKED_V6 = [V6('2001:db8::/32'), V6('2001::/23'), V6('64:ff9b:1::/48'), V6('3fff::/20')];

function v4FromBytes(bytes: number[]): ipaddr.IPv4 {
  return new ipaddr.IPv4(bytes as [number, number, number, number]);
}

/** The IPv4 address an IPv6 address carries (mapped, compatible, NAT64, 6to4, Teredo), if any. */
export function embeddedIPv4(address: ipaddr.IPv6): ipaddr.IPv4 | undefined {
  const bytes = address.toByteArray();
  const last32 = bytes.slice(12, 16);
  if (address.isIPv4MappedAddress()) return address.toIPv4Address();
  if (address.match(V6('::/96'))) return v4FromBytes(last32);
  if (address.match(V6('64:ff9b::/96'))) return v4FromBytes(last32);
  if (address.match(V6('2002::/16'))) return v4FromBytes(bytes.slice(2, 6));
  if (address.match(V6('2001::/32'))) return v4FromBytes(last32.map((byte) => byte ^ 0xff));
  return undefined;
}

function isBlockedV4(address: ipaddr.IPv4): boolean {
  return BLOCKED_V4_RANGES.some(([range, bits]) => address.match(range, bits));
}

export function isBlockedAddress(ip: string): boolean {
  const text = ip.startsWith('[') && ip.endsWith(']') ? ip.slice(1, -1) : ip;
  if (!ipaddr.isValid(text)) return true;
  const parsed = ipaddr.parse(text);
  if (parsed.kind() === 'ipv4') return isBlockedV4(parsed as ipaddr.IPv4);
  const v6 = parsed as ipaddr.IPv6;
  const embedded = embeddedIPv4(v6);
  if (embedded) return isBlockedV4(embedded);
  if (!v6.match(GLOBAL_UNICAST_V6)) return true;
  return BLOCKED_V6.some((range) => v6.match(range));
}

const PRIVATE_NAMES = /(^|\.)(localhost|local|internal|localdomain|home\.arpa)$/i;

/**
 * Endpoint URL policy, applied when an endpoint is created or updated. The send-time check on the
 * connected address (http-sender.ts) is what actually stops rebinding; this one gives the user a
 * clear 422 up front.
 */
export function checkTargetUrl(raw: string, opts: { allowPrivateTargets: boolean }): { ok: true; url: URL } | { ok: false; reason: string } {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: 'is not a valid absolute URL' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { ok: false, reason: `scheme "${url.protocol.slice(0, -1)}" is not allowed; use http or https` };
  if (url.username !== '' || url.password !== '') return { ok: false, reason: 'must not contain a user name or password; send credentials in a custom header' };
  const host = url.hostname.replace(/\.+$/, '');
  if (host === '') return { ok: false, reason: 'has no host' };
  if (opts.allowPrivateTargets) return { ok: true, url };
  const literal = host.startsWith('[') ? host.slice(1, -1) : host;
  if (ipaddr.isValid(literal) && isBlockedAddress(literal)) {
    return { ok: false, reason: `points at a private or reserved address (${literal}); set HERALD_ALLOW_PRIVATE_TARGETS=true only for development` };
  }
  if (PRIVATE_NAMES.test(host) || !host.includes('.') && !ipaddr.isValid(literal)) {
    return { ok: false, reason: `host "${host}" is a local name; set HERALD_ALLOW_PRIVATE_TARGETS=true only for development` };
  }
  return { ok: true, url };
}
