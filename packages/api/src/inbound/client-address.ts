import { BlockList, isIP } from 'node:net';

/**
 * HERALD_TRUSTED_PROXIES: addresses or CIDR ranges, comma-separated. Returns the entries as given
 * (validated), so the configuration can be shown back to the operator; build the list to check
 * against with trustedProxyList.
 */
export function parseTrustedProxies(text: string): { ok: true; list: string[] } | { ok: false; bad: string } {
  const list = text.split(',').map((entry) => entry.trim()).filter((entry) => entry.length > 0);
  for (const entry of list) {
    if (!addEntry(new BlockList(), entry)) return { ok: false, bad: entry };
  }
  return { ok: true, list };
}

export function trustedProxyList(entries: readonly string[]): BlockList | null {
  if (entries.length === 0) return null;
  const list = new BlockList();
  for (const entry of entries) {
    if (!addEntry(list, entry)) throw new Error(`not an address or CIDR range: ${entry}`);
  }
  return list;
}

function addEntry(list: BlockList, entry: string): boolean {
  const [address, prefixText, extra] = entry.split('/');
  if (extra !== undefined || !address) return false;
  const family = isIP(address);
  if (family === 0) return false;
  const type = family === 4 ? 'ipv4' : 'ipv6';
  if (prefixText === undefined) {
    list.addAddress(address, type);
    return true;
  }
  const prefix = Number(prefixText);
  if (!/^\d{1,3}$/.test(prefixText) || prefix > (family === 4 ? 32 : 128)) return false;
  list.addSubnet(address, prefix, type);
  return true;
}

/** `::ffff:1.2.3.4` (an IPv4 peer on a dual-stack socket) is 1.2.3.4: allowlists are written in IPv4. */
export function normalizeAddress(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

export function isInList(list: BlockList, address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  return list.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/**
 * The sender's address. X-Forwarded-For is believed only when the peer is a trusted proxy, and then
 * read from the right: each hop appends the address it saw, so the rightmost entry that is not one
 * of our proxies is the client. Taking the leftmost would let any client choose its own address
 * (and so pass a source's IP allowlist) by sending the header itself.
 */
export function clientAddress(peer: string, forwardedFor: string | string[] | undefined, trusted: BlockList | null): string {
  const direct = normalizeAddress(peer);
  if (!trusted || forwardedFor === undefined || !isInList(trusted, direct)) return direct;
  const hops = [forwardedFor].flat().join(',').split(',').map((hop) => normalizeAddress(hop.trim())).filter((hop) => hop.length > 0);
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i]!;
    if (isIP(hop) === 0) return direct; // a mangled header: trust nothing in it
    if (!isInList(trusted, hop)) return hop;
  }
  return hops[0] ?? direct;
}
