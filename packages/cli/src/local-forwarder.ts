import type { RelayClientMessage } from '@herald/core';

/** Request headers that belong to the hop from Herald, not to the webhook; fetch sets its own. */
const NOT_FORWARDED = new Set(['host', 'connection', 'keep-alive', 'transfer-encoding', 'content-length', 'upgrade', 'te', 'trailer', 'expect']);
/** As much of the local answer as Herald would keep of any receiver's (HERALD_MAX_RESPONSE_BYTES' default). */
const MAX_BODY_CHARS = 65_536;

export interface Forwarded {
  reply: RelayClientMessage;
  durationMs: number;
}

/** POSTs one relayed delivery to the local URL, headers and body as Herald signed them. */
export async function forwardToLocal(
  target: string,
  requestId: number,
  headers: Record<string, string>,
  body: string,
  timeoutMs: number,
): Promise<Forwarded> {
  const started = performance.now();
  const outgoing = Object.fromEntries(Object.entries(headers).filter(([name]) => !NOT_FORWARDED.has(name.toLowerCase())));
  try {
    const response = await fetch(target, { method: 'POST', headers: outgoing, body, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
    const text = (await response.text()).slice(0, MAX_BODY_CHARS);
    const responseHeaders: Record<string, string> = {};
    response.headers.forEach((value, name) => (responseHeaders[name] = value));
    return { reply: { type: 'result', requestId, status: response.status, headers: responseHeaders, body: text }, durationMs: performance.now() - started };
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const reason = (error as Error).name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (cause?.code ?? cause?.message ?? (error as Error).message);
    return { reply: { type: 'result', requestId, error: reason }, durationMs: performance.now() - started };
  }
}
