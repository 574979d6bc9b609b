import { isIP } from 'node:net';
import { dedupeKey, parseCidrList, parseInboundBody, verifyInbound, type RawInboundRequest, type SourceType } from '@herald/core';
import type { InboundRequest, InboundSource } from '@herald/storage';

export type Reverification = { ok: true; dedupeKey: string | null } | { ok: false; reason: string };

/**
 * Checks a rejected request again against the source as it is now (after a secret fix, a wider
 * allowlist, re-enabling), in the receive route's order. Time-limited signatures are checked at the
 * moment the request arrived, not now: the provider signed it then. What the log never kept (a
 * body refused unread, credentials the recorder hid) cannot pass.
 */
export function reverify(source: InboundSource, request: InboundRequest, ingestUrl: string): Reverification {
  if (source.disabled) return { ok: false, reason: 'the source is disabled' };
  if (request.body === null) return { ok: false, reason: `its body was not kept (${request.rejectReason ?? 'purged'})` };
  if (request.method !== 'POST' && request.method !== 'PUT') return { ok: false, reason: `method ${request.method} is not accepted` };
  if (source.allowedCidrs) {
    const parsed = parseCidrList(source.allowedCidrs);
    const version = isIP(request.sourceIp);
    if (!parsed.ok || version === 0 || !parsed.blockList.check(request.sourceIp, version === 4 ? 'ipv4' : 'ipv6')) {
      return { ok: false, reason: `${request.sourceIp} is not in the source's allowlist` };
    }
  }
  const raw: RawInboundRequest = {
    method: request.method,
    url: `${ingestUrl}${request.path === '/' ? '' : request.path}${request.query ? `?${request.query}` : ''}`,
    headers: request.headers,
    body: request.body,
  };
  const type = source.type as SourceType;
  const verified = verifyInbound(type, source.config as never, raw, request.receivedAt);
  if (!verified.ok) return { ok: false, reason: `verification_failed: ${verified.reason} (${verified.detail})` };
  const parsed = parseInboundBody(request.headers['content-type'], request.body);
  return { ok: true, dedupeKey: dedupeKey(type, source.dedupe, raw, parsed) };
}
