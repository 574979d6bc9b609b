import type { EndpointSecret, SecretBox } from '@herald/core';
import type { Store } from './store.ts';

/**
 * The store, with endpoint secrets sealed by `box` on the way in and opened on the way out. Every
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
  const replaced: Partial<Store> = {
    createEndpoint: (input, now) => store.createEndpoint({ ...input, secret: box.seal(input.secret) }, now),
    rotateEndpointSecret: (endpointId, newKey, graceMs, now) => store.rotateEndpointSecret(endpointId, box.seal(newKey), graceMs, now),
    getEndpointSecrets: async (endpointId, now) => open(await store.getEndpointSecrets(endpointId, now)),
    // Every argument passes through as given, so that options added to claims later reach the adapter.
    claimDeliveries: async (...args) =>
      (await store.claimDeliveries(...args)).map((claimed) => ({ ...claimed, secrets: open(claimed.secrets) })),
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

/** Seals every stored secret under the box's first key; returns how many were rewritten. */
export function resealEndpointSecrets(store: Store, box: SecretBox): Promise<number> {
  return store.rewriteEndpointSecrets((stored) => box.reseal(stored));
}
