/**
 * Queue destinations: an endpoint URL whose scheme names a broker. Brokers live on private
 * networks, so the HTTP SSRF rules cannot apply to them; instead only the brokers the operator
 * lists in HERALD_BROKER_TARGETS (scheme://host:port) may be reached, checked when an endpoint is
 * saved and again before every send (the list may have shrunk since).
 */
export const DEFAULT_BROKER_PORTS: Readonly<Record<string, number>> = {
  amqp: 5672,
  amqps: 5671,
  redis: 6379,
  nats: 4222,
  mqtt: 1883,
  mqtts: 8883,
};

export type BrokerScheme = 'amqp' | 'amqps' | 'redis' | 'nats' | 'mqtt' | 'mqtts';

export function brokerSchemeOf(raw: string): BrokerScheme | undefined {
  const colon = raw.indexOf(':');
  if (colon <= 0) return undefined;
  const scheme = raw.slice(0, colon).toLowerCase();
  return scheme in DEFAULT_BROKER_PORTS ? (scheme as BrokerScheme) : undefined;
}

/** `scheme://host:port`, lower-cased, with the scheme's default port filled in. */
function targetKey(url: URL): string {
  const scheme = url.protocol.slice(0, -1).toLowerCase();
  const port = url.port === '' ? DEFAULT_BROKER_PORTS[scheme] : Number(url.port);
  return `${scheme}://${url.hostname.toLowerCase()}:${port}`;
}

/**
 * Parses HERALD_BROKER_TARGETS. Each entry is scheme://host[:port] and nothing else (no path, no
 * credentials): it names a broker, not a destination on it.
 */
export function parseBrokerTargets(text: string): { ok: true; targets: string[] } | { ok: false; bad: string } {
  const targets: string[] = [];
  for (const entry of text.split(',').map((part) => part.trim()).filter((part) => part !== '')) {
    let url: URL;
    try {
      url = new URL(entry);
    } catch {
      return { ok: false, bad: entry };
    }
    const clean = url.username === '' && url.password === '' && (url.pathname === '' || url.pathname === '/') && url.search === '';
    if (!brokerSchemeOf(entry) || url.hostname === '' || !clean) return { ok: false, bad: entry };
    targets.push(targetKey(url));
  }
  return { ok: true, targets };
}

export type BrokerVerdict = { ok: true; url: URL } | { ok: false; reason: string };

/** The policy for a broker URL: a known scheme, a host in the operator's list, the scheme's own form. */
export function checkBrokerUrl(raw: string, targets: readonly string[] | undefined): BrokerVerdict {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: 'URL is not a valid absolute URL.' };
  }
  const scheme = brokerSchemeOf(raw);
  if (!scheme || url.hostname === '') return { ok: false, reason: 'URL is not a broker URL.' };
  const key = targetKey(url);
  if (!targets || !targets.includes(key)) {
    return { ok: false, reason: `broker ${key} is not in HERALD_BROKER_TARGETS; the operator must list it there first.` };
  }
  const form = BROKER_FORMS[scheme](url);
  return form === undefined ? { ok: true, url } : { ok: false, reason: form };
}

/** Each scheme's required parts of the URL; undefined means the URL is complete. */
const BROKER_FORMS: Record<BrokerScheme, (url: URL) => string | undefined> = {
  amqp: (url) => (url.searchParams.has('exchange') ? undefined : 'an amqp URL needs ?exchange=NAME (and optionally &routingKey=KEY); use exchange= (empty) for the default exchange.'),
  amqps: (url) => BROKER_FORMS.amqp(url),
  redis: (url) => {
    const stream = url.searchParams.get('stream');
    if (!stream) return 'a redis URL needs ?stream=NAME (and optionally &maxlen=N).';
    const maxlen = url.searchParams.get('maxlen');
    if (maxlen !== null && !/^[1-9][0-9]{0,11}$/.test(maxlen)) return 'maxlen must be a positive whole number.';
    return undefined;
  },
  nats: (url) => (url.searchParams.get('subject') ? undefined : 'a nats URL needs ?subject=NAME, a subject a JetStream stream captures.'),
  mqtt: (url) => {
    const topic = url.searchParams.get('topic');
    if (!topic) return 'an mqtt URL needs ?topic=NAME.';
    return /[+#]/.test(topic) ? 'an mqtt topic to publish to cannot hold the wildcards + or #.' : undefined;
  },
  mqtts: (url) => BROKER_FORMS.mqtt(url),
};
