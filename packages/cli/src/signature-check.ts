import { timingSafeEqual } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

export interface CapturedRequest {
  headers: Record<string, string>;
  body: string;
}

export type Verdict = { ok: true; msgId: string } | { ok: false; reason: string };

/**
 * Standard Webhooks verification with a reason for every failure. The timestamp window is a
 * parameter, because a request captured earlier is legitimately older than the usual five minutes.
 */
export function checkSignature(request: CapturedRequest, secret: string, toleranceSeconds: number, nowSeconds: number): Verdict {
  const header = (name: string) => Object.entries(request.headers).find(([key]) => key.toLowerCase() === name)?.[1];
  const msgId = header('webhook-id');
  const timestamp = header('webhook-timestamp');
  const signatures = header('webhook-signature');
  const missing = [['webhook-id', msgId], ['webhook-timestamp', timestamp], ['webhook-signature', signatures]].filter(([, value]) => !value).map(([name]) => name);
  if (missing.length > 0) return { ok: false, reason: `missing header${missing.length > 1 ? 's' : ''} ${missing.join(', ')}` };
  const seconds = Number(timestamp);
  if (!/^\d+$/.test(timestamp!)) return { ok: false, reason: `webhook-timestamp "${timestamp}" is not a Unix time in seconds` };
  if (toleranceSeconds > 0 && Math.abs(nowSeconds - seconds) > toleranceSeconds) {
    const age = nowSeconds - seconds;
    return { ok: false, reason: `timestamp is ${Math.abs(age)} s ${age > 0 ? 'old' : 'in the future'}, outside the ${toleranceSeconds} s window (use --tolerance 0 for a captured request)` };
  }
  let expected: Buffer;
  try {
    expected = Buffer.from(new Webhook(secret).sign(msgId!, new Date(seconds * 1000), request.body));
  } catch (error) {
    return { ok: false, reason: `the secret is not usable: ${(error as Error).message}` };
  }
  for (const candidate of signatures!.split(' ')) {
    const presented = Buffer.from(candidate);
    if (presented.length === expected.length && timingSafeEqual(presented, expected)) return { ok: true, msgId: msgId! };
  }
  return { ok: false, reason: 'no signature matches: wrong secret, or the body or headers were changed' };
}
