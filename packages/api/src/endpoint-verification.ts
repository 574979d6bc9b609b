import { randomBytes } from 'node:crypto';
import { UnavailableError, challengeBody, checkChallengeAnswer, newId, type Endpoint, type EndpointVerification } from '@herald/core';
import type { ApiDeps } from './deps.ts';

export const PENDING_VERIFICATION: EndpointVerification = Object.freeze({ status: 'pending', checkedAt: null, error: null });

/**
 * Posts a signed `{"type":"url_verification","challenge":...}` to the endpoint's URL and records
 * whether it echoed the challenge. Runs while the API request waits, bounded by the delivery
 * deadline, so the caller sees the verdict at once.
 */
export async function runChallenge(deps: ApiDeps, endpoint: Endpoint): Promise<Endpoint> {
  if (!deps.sendChallenge) throw new UnavailableError('This Herald cannot send verification challenges.');
  const now = deps.clock();
  const challenge = randomBytes(24).toString('base64url');
  const secrets = (await deps.store.getEndpointSecrets(endpoint.id, now)).map((secret) => secret.key);
  const answer = await deps.sendChallenge({
    url: endpoint.url, headers: endpoint.headers, body: challengeBody(challenge), msgId: newId('msg', now), secrets,
  });
  const verdict = 'error' in answer ? { ok: false as const, reason: answer.error } : checkChallengeAnswer(challenge, answer.status, answer.body);

  const current = await deps.store.getEndpoint(endpoint.appId, endpoint.id);
  // The URL may have changed, or verification been turned off, while the challenge was out: a
  // verdict about another URL says nothing about this one, so it is dropped.
  if (!current || current.url !== endpoint.url || !current.verification) return current ?? endpoint;
  const checkedAt = deps.clock();
  const verification: EndpointVerification = verdict.ok
    ? { status: 'verified', checkedAt, error: null }
    : { status: 'failed', checkedAt, error: verdict.reason };
  return deps.store.updateEndpoint(current.appId, current.id, { verification }, checkedAt);
}
