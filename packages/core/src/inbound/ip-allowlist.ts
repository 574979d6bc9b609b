/**
 * Per-source IP allowlists: CIDR lists parsed into a node:net BlockList (an in-memory matcher, no
 * I/O, so it belongs in the pure core), and presets for providers that publish the addresses
 * their webhooks come from.
 */
import { BlockList, isIP } from 'node:net';

export type CidrListParse = { ok: true; blockList: BlockList } | { ok: false; bad: string };

/**
 * Parses addresses ("203.0.113.7", "2001:db8::1") and CIDR blocks ("203.0.113.0/24",
 * "2001:db8::/32"). The first entry that is neither is returned as `bad`, so the API can name it.
 * IPv4-mapped IPv6 client addresses ("::ffff:203.0.113.7", what a dual-stack socket reports)
 * match IPv4 entries: BlockList treats them as the same address.
 */
export function parseCidrList(list: string[]): CidrListParse {
  const blockList = new BlockList();
  for (const entry of list) {
    const text = typeof entry === 'string' ? entry.trim() : '';
    const slash = text.indexOf('/');
    const address = slash === -1 ? text : text.slice(0, slash);
    const version = isIP(address);
    if (version === 0) return { ok: false, bad: String(entry) };
    const family = version === 4 ? 'ipv4' : 'ipv6';
    if (slash === -1) {
      blockList.addAddress(address, family);
      continue;
    }
    const prefixText = text.slice(slash + 1);
    const prefix = /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : -1;
    if (prefix < 0 || prefix > (version === 4 ? 32 : 128)) return { ok: false, bad: String(entry) };
    blockList.addSubnet(address, prefix, family);
  }
  return { ok: true, blockList };
}

/** Whether a client address is in the list; an address that is not an IP at all is not. */
export function isAddressAllowed(blockList: BlockList, address: string): boolean {
  const version = isIP(address);
  if (version === 0) return false;
  return blockList.check(address, version === 4 ? 'ipv4' : 'ipv6');
}

/**
 * Published webhook source addresses, by source type. Only providers that publish a list meant
 * for allowlisting are here; Shopify, Slack, Twilio and PagerDuty say not to rely on addresses
 * and publish none that is stable, so signatures are the check for them. Providers change these
 * lists: each entry names the page to re-read.
 */
export const IP_ALLOWLIST_PRESETS: Record<string, string[]> = {
  // https://docs.stripe.com/ips ("Webhook notifications"; https://stripe.com/files/ips/ips_webhooks.json).
  stripe: [
    '3.18.12.63',
    '3.130.192.231',
    '13.235.14.237',
    '13.235.122.149',
    '18.211.135.69',
    '35.154.171.200',
    '52.15.183.38',
    '54.88.130.119',
    '54.88.130.237',
    '54.187.174.169',
    '54.187.205.235',
    '54.187.216.72',
  ],
  // https://api.github.com/meta, key "hooks" (GitHub: "About GitHub's IP addresses").
  github: ['192.30.252.0/22', '185.199.108.0/22', '140.82.112.0/20', '143.55.64.0/20', '2a0a:a440::/29', '2606:50c0::/32'],
  // https://docs.gitlab.com/user/gitlab_com/#ip-range (GitLab.com's Web/API fleet; self-managed GitLab: your own).
  gitlab: ['34.74.90.64/28', '34.74.226.0/24'],
};
