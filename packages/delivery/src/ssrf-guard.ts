import ipaddr from 'ipaddr.js';
import { isAddressAllowed, parseCidrList } from '@herald/core';

/**
 * Which addresses Herald may send to: only globally routable unicast. Everything else — loopback,
 * private, link-local, CGNAT, benchmarking, documentation, multicast, reserved, cloud metadata —
 * is refused, and so is any IPv6 address that merely wraps one of those IPv4 addresses.
 */
const BLOCKED_V4 = [
  '0.0.0.0/8', '10.0.0.0/8', '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16', '172.16.0.0/12',
  '192.0.0.0/24', '192.0.2.0/24', '192.88.99.0/24', '192.168.0.0/16', '198.18.0.0/15',
  '198.51.100.0/24', '203.0.113.0/24', '224.0.0.0/4', '240.0.0.0/4', // 240/4 includes 255.255.255.255
  '168.63.129.16/32', // Azure's wire server (metadata and DHCP), a public address that is not public
].map((cidr) => ipaddr.IPv4.parseCIDR(cidr));

const V6 = (cidr: string) => ipaddr.IPv6.parseCIDR(cidr);
const IPV4_COMPATIBLE = V6('::/96');
const NAT64 = V6('64:ff9b::/96');
const SIX_TO_FOUR = V6('2002::/16');
const TEREDO = V6('2001::/32');
/** Outside 2000::/3 nothing is global unicast: ::, ::1, 100::/64, fc00::/7, fe80::/10, ff00::/8… */
const GLOBAL_UNICAST_V6 = V6('2000::/3');
/** Inside it: documentation, IETF protocol assignments, and the local-use NAT64 prefix (RFC 8215). */
const BLOCKED_V6 = [V6('2001:db8::/32'), V6('3fff::/20'), V6('2001::/23'), V6('64:ff9b:1::/48')];

function v4FromBytes(a: number, b: number, c: number, d: number): ipaddr.IPv4 {
  return new ipaddr.IPv4([a, b, c, d]);
}

/** The IPv4 address an IPv6 address carries (mapped, compatible, NAT64, 6to4, Teredo), if any. */
export function embeddedIPv4(address: ipaddr.IPv6): ipaddr.IPv4 | undefined {
  if (address.isIPv4MappedAddress()) return address.toIPv4Address();
  const p = address.parts; // eight 16-bit words
  if (address.match(IPV4_COMPATIBLE) || address.match(NAT64)) return v4FromBytes(p[6]! >> 8, p[6]! & 255, p[7]! >> 8, p[7]! & 255);
  if (address.match(SIX_TO_FOUR)) return v4FromBytes(p[1]! >> 8, p[1]! & 255, p[2]! >> 8, p[2]! & 255);
  // Teredo: the client's public address is the last 32 bits, inverted.
  if (address.match(TEREDO)) return v4FromBytes(~p[6]! >> 8 & 255, ~p[6]! & 255, ~p[7]! >> 8 & 255, ~p[7]! & 255);
  return undefined;
}

function isBlockedV4(address: ipaddr.IPv4): boolean {
  for (const range of BLOCKED_V4) if (address.match(range)) return true;
  return false;
}

/** True for every address that is not globally routable unicast; unparsable input is blocked too. */
export function isBlockedAddress(ip: string): boolean {
  const text = ip.length > 1 && ip[0] === '[' && ip[ip.length - 1] === ']' ? ip.slice(1, -1) : ip;
  let parsed: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    parsed = ipaddr.parse(text);
  } catch {
    return true;
  }
  if (parsed.kind() === 'ipv4') return isBlockedV4(parsed as ipaddr.IPv4);
  const v6 = parsed as ipaddr.IPv6;
  const embedded = embeddedIPv4(v6);
  if (embedded) return isBlockedV4(embedded);
  if (!v6.match(GLOBAL_UNICAST_V6)) return true;
  return BLOCKED_V6.some((range) => v6.match(range));
}

/**
 * Names that only mean something on the local network (RFC 6761, RFC 8375, and the private-use
 * suffixes of RFC 6762 appendix G); single-label names are refused too.
 */
const LOCAL_NAMES = /(^|\.)(localhost|local|internal|localdomain|home\.arpa|intranet|private|corp|home|lan)$/i;
const DEV_HINT = 'open internal ranges with HERALD_PRIVATE_TARGETS, or set HERALD_ALLOW_PRIVATE_TARGETS=true only for development';

export interface TargetPolicy {
  allowPrivateTargets: boolean;
  /**
   * HERALD_PRIVATE_TARGETS: private ranges an operator opens on purpose (an inbound source routed
   * to internal services). Everything else stays refused, and cloud metadata addresses stay
   * refused even inside an opened range.
   */
  privateTargets?: readonly string[];
  /** Refuse plain http: webhooks carry customer data and their signatures are replayable if read. */
  httpsOnly?: boolean;
}

/** Why a URL is refused; the sender records it as the failed attempt's reason. */
export type TargetRefusal = 'invalid-url' | 'blocked-address' | 'https-required';

export type TargetVerdict = { ok: true; url: URL } | { ok: false; refusal: TargetRefusal; reason: string };

const refuse = (refusal: TargetRefusal, reason: string): TargetVerdict => ({ ok: false, refusal, reason });

/**
 * Endpoint URL policy, applied when an endpoint is created or updated, and again before every send
 * (the policy may have changed since the endpoint was stored). The send-time check on the
 * connected address (http-sender.ts) is what actually stops DNS rebinding; this one gives the user
 * a clear validation error up front, and keeps local names from ever reaching the resolver.
 */
export function checkTargetUrl(raw: string, opts: TargetPolicy): TargetVerdict {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return refuse('invalid-url', 'URL is not a valid absolute URL.');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return refuse('invalid-url', `URL scheme "${url.protocol.slice(0, -1)}" is not allowed; use http or https.`);
  }
  if (opts.httpsOnly && url.protocol !== 'https:') {
    return refuse('https-required', 'URL must use https (HERALD_HTTPS_ONLY is on).');
  }
  if (url.username !== '' || url.password !== '') {
    return refuse('invalid-url', 'URL must not contain a user name or password; send credentials in a custom header instead.');
  }
  // WHATWG URL has already turned 2130706433, 0x7f.1, 0177.0.0.1 and 127.1 into 127.0.0.1.
  const host = url.hostname.replace(/\.+$/, '');
  if (host === '') return refuse('invalid-url', 'URL has no host.');
  if (opts.allowPrivateTargets) return { ok: true, url };
  const literal = host[0] === '[' ? host.slice(1, -1) : host;
  const opened = privateTargetMatcher(opts.privateTargets);
  if (ipaddr.isValid(literal)) {
    if (isRefusedAddress(literal, opened)) return refuse('blocked-address', `URL resolves to a private address (${literal}); ${DEV_HINT}.`);
  } else if (!opened && (LOCAL_NAMES.test(host) || !host.includes('.'))) {
    // With ranges opened, an internal name may resolve into one of them: the connect-time check
    // on the address actually reached decides.
    return refuse('blocked-address', `URL host "${host}" is a local name; ${DEV_HINT}.`);
  }
  return { ok: true, url };
}

/** Metadata services hand out cloud credentials: no opened range ever reaches them. */
const NEVER_OPENED = new Set(['169.254.169.254', '168.63.129.16', '100.100.100.200', 'fd00:ec2::254']);

export type PrivateTargetMatcher = (address: string) => boolean;

const matchers = new WeakMap<readonly string[], PrivateTargetMatcher | undefined>();

/** The opened private ranges as a matcher (undefined: none); the list is validated at start-up. */
export function privateTargetMatcher(ranges: readonly string[] | undefined): PrivateTargetMatcher | undefined {
  if (!ranges || ranges.length === 0) return undefined;
  if (matchers.has(ranges)) return matchers.get(ranges);
  const parsed = parseCidrList([...ranges]);
  const matcher = parsed.ok
    ? (address: string) => {
        const plain = canonicalAddress(address);
        return !NEVER_OPENED.has(plain) && isAddressAllowed(parsed.blockList, plain);
      }
    : undefined;
  matchers.set(ranges, matcher);
  return matcher;
}

/** One spelling per address (IPv4-mapped IPv6 as IPv4, IPv6 compressed), so no form slips past NEVER_OPENED. */
function canonicalAddress(address: string): string {
  try {
    return ipaddr.process(address).toString();
  } catch {
    return address;
  }
}

/** Blocked, unless the operator opened the private range it is in. */
export function isRefusedAddress(address: string, opened: PrivateTargetMatcher | undefined): boolean {
  if (!isBlockedAddress(address)) return false;
  const text = address.length > 1 && address[0] === '[' ? address.slice(1, -1) : address;
  return !(opened?.(text) ?? false);
}
