/**
 * The endpoint verification challenge (a Herald extension, like Slack's url_verification): an
 * endpoint that opts in gets no messages until its URL has echoed a random challenge.
 */

export type VerificationStatus = 'pending' | 'verified' | 'failed';

export interface EndpointVerification {
  status: VerificationStatus;
  /** When the last challenge was answered or failed; null before the first one. */
  checkedAt: number | null;
  /** Why the last challenge failed; null otherwise. */
  error: string | null;
}

export const VERIFICATION_EVENT_TYPE = 'url_verification';

/** The body Herald posts; the endpoint proves it controls the URL by echoing `challenge`. */
export function challengeBody(challenge: string): string {
  return JSON.stringify({ type: VERIFICATION_EVENT_TYPE, challenge });
}

/**
 * A 2xx whose body is `{"challenge": "<value>"}` or the bare value (surrounding whitespace
 * allowed) passes; anything else fails with a reason the operator can act on.
 */
export function checkChallengeAnswer(challenge: string, status: number, body: string): { ok: true } | { ok: false; reason: string } {
  if (status < 200 || status > 299) return { ok: false, reason: `the endpoint answered ${status}, not 2xx` };
  const text = body.trim();
  if (text === challenge) return { ok: true };
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null && (parsed as { challenge?: unknown }).challenge === challenge) return { ok: true };
  } catch {
    // Not JSON: only the bare value could have matched.
  }
  return { ok: false, reason: 'the endpoint did not echo the challenge' };
}

/** Whether messages may go to an endpoint: those that never opted in, or whose URL has passed. */
export function isVerifiedOrExempt(endpoint: { verification?: EndpointVerification | null }): boolean {
  return !endpoint.verification || endpoint.verification.status === 'verified';
}
