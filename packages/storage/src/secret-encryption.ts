import type { EndpointSecret, SecretBox } from '@herald/core';
import type { Store } from './store.ts';
import type { InboundSource, SourceConfig } from './inbound.ts';

/**
 * A source config as the adapter stores it once sealed: the whole JSON in one sealed string, since
 * any field of any type's config may be a secret, and the core (not the store) knows which.
 */
const SEALED_CONFIG = '$sealed';

/**
 * The store, with endpoint secrets, inbound source configs and source tokens sealed by `box` on
 * the way in and opened on the way out (a token's lookup hash is taken before sealing). Every
 * adapter stores secrets as opaque strings, so encryption lives here once, above all of them.
 * Only the methods that carry secrets are replaced; everything else is the adapter's own.
 */
export function withSecretEncryption<S extends Store>(store: S, box: SecretBox): S {
  // Every claimed delivery carries its endpoint's secrets: opening each sealed value once, not once
  // per delivery, keeps AES-GCM off the delivery hot path. A sealed value never changes (rotation
  // writes a new one), so a cached opening cannot go stale; the cap bounds memory.
  const opened = new Map<string, string>();
  const openKey = (sealed: string) => {
    let plaintext = opened.get(sealed);
    if (plaintext === undefined) {
      plaintext = box.open(sealed);
      if (opened.size >= 10_000) opened.clear();
      opened.set(sealed, plaintext);
    }
    return plaintext;
  };
  const open = (secrets: EndpointSecret[]) => secrets.map((secret) => ({ ...secret, key: openKey(secret.key) }));
  const sealConfig = (config: SourceConfig): SourceConfig => ({ [SEALED_CONFIG]: box.seal(JSON.stringify(config)) });
  const openConfig = (config: SourceConfig): SourceConfig => {
    const sealed = config[SEALED_CONFIG];
    // A config stored before encryption (or by a bare adapter) is returned as it is.
    return typeof sealed === 'string' && Object.keys(config).length === 1 ? (JSON.parse(openKey(sealed)) as SourceConfig) : config;
  };
  const openSource = <T extends InboundSource | undefined>(source: T): T =>
    (source === undefined ? source : { ...source, config: openConfig(source.config) }) as T;
  const replaced: Partial<Store> = {
    createEndpoint: (input, now) => store.createEndpoint({ ...input, secret: box.seal(input.secret) }, now),
    rotateEndpointSecret: (endpointId, newKey, graceMs, now) => store.rotateEndpointSecret(endpointId, box.seal(newKey), graceMs, now),
    getEndpointSecrets: async (endpointId, now) => open(await store.getEndpointSecrets(endpointId, now)),
    // Every argument passes through as given, so that options added to claims later reach the adapter.
    claimDeliveries: async (...args) =>
      (await store.claimDeliveries(...args)).map((claimed) => ({ ...claimed, secrets: open(claimed.secrets) })),
    createSource: async (source, token, now) =>
      openSource(await store.createSource({ ...source, config: sealConfig(source.config) }, { ...token, token: box.seal(token.token) }, now)),
    getSource: async (idOrUid) => openSource(await store.getSource(idOrUid)),
    listSources: async (page) => {
      const listed = await store.listSources(page);
      return { ...listed, data: listed.data.map(openSource) };
    },
    updateSource: async (id, changes, now) =>
      openSource(await store.updateSource(id, changes.config === undefined ? changes : { ...changes, config: sealConfig(changes.config) }, now)),
    // The hash was taken from the plaintext by newSourceToken, so only the kept value is sealed.
    rotateSourceToken: (sourceId, newToken, graceMs, now) =>
      store.rotateSourceToken(sourceId, { ...newToken, token: box.seal(newToken.token) }, graceMs, now),
    getSourceTokens: async (sourceId, now) =>
      (await store.getSourceTokens(sourceId, now)).map((token) => ({ ...token, token: openKey(token.token) })),
    findSourceByToken: async (tokenSha256, now) => openSource(await store.findSourceByToken(tokenSha256, now)),
    // Each source opened once per claim, not once per request: a batch is mostly one busy source's.
    claimInboundRequests: async (...args) => {
      const opened = new Map<string, InboundSource>();
      return (await store.claimInboundRequests(...args)).map((claimed) => {
        let source = opened.get(claimed.source.id);
        if (!source) opened.set(claimed.source.id, source = openSource(claimed.source));
        return { ...claimed, source };
      });
    },
  };
  const createMessagesClaiming = store.createMessagesClaiming?.bind(store);
  if (createMessagesClaiming) {
    replaced.createMessagesClaiming = async (...args) => {
      const result = await createMessagesClaiming(...args);
      return { ...result, claimed: result.claimed.map((claimed) => ({ ...claimed, secrets: open(claimed.secrets) })) };
    };
  }
  // Bound once per method: binding on every access made a new function for every store call.
  const bound = new WeakMap<object, unknown>();
  return new Proxy(store, {
    get(target, property) {
      if (Object.hasOwn(replaced, property)) return replaced[property as keyof Store];
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      let method = bound.get(value);
      if (method === undefined) {
        method = (value as (...args: unknown[]) => unknown).bind(target);
        bound.set(value, method);
      }
      return method;
    },
  });
}

/**
 * Seals every stored secret (endpoint secrets, source configs and tokens) under the box's first
 * key; returns how many were rewritten. Values stored in plaintext before encryption get sealed.
 */
export async function resealEndpointSecrets(store: Store, box: SecretBox): Promise<number> {
  const endpoints = await store.rewriteEndpointSecrets((stored) => box.reseal(stored));
  const sources = await store.rewriteSourceSecrets({
    config: (stored) => {
      const sealed = stored[SEALED_CONFIG];
      return typeof sealed === 'string' && Object.keys(stored).length === 1
        ? { [SEALED_CONFIG]: box.reseal(sealed) }
        : { [SEALED_CONFIG]: box.seal(JSON.stringify(stored)) };
    },
    token: (stored) => box.reseal(stored),
  });
  return endpoints + sources;
}
