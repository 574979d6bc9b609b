import assert from 'node:assert/strict';

/** What POST /api/v1/app/{app_id}/poller answers (Herald extension), token included. */
export interface CreatedPoller {
  id: string;
  uid: string | null;
  filterTypes: string[] | null;
  channels: string[] | null;
  token: string;
}

export async function createPoller(url: string, token: string, appId: string, body: Record<string, unknown>): Promise<CreatedPoller> {
  const response = await fetch(`${url}/api/v1/app/${appId}/poller`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  assert.equal(response.status, 201, await response.clone().text());
  return (await response.json()) as CreatedPoller;
}

export async function sendMessage(url: string, token: string, appId: string, body: Record<string, unknown>): Promise<string> {
  const response = await fetch(`${url}/api/v1/app/${appId}/msg`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  assert.equal(response.status, 202, await response.clone().text());
  return ((await response.json()) as { id: string }).id;
}

export interface StreamEvent { id: string; data: { id: string; eventType: string } }

/**
 * Reads a polling endpoint's SSE stream until `count` events came, then drops the connection;
 * returns them. Parses the event-stream format itself, as EventSource would.
 */
export async function readStream(url: string, token: string, path: string, count: number, lastEventId?: string): Promise<StreamEvent[]> {
  const controller = new AbortController();
  const response = await fetch(`${url}${path}`, {
    headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream', ...(lastEventId ? { 'last-event-id': lastEventId } : {}) },
    signal: controller.signal,
  });
  if (response.status !== 200) assert.fail(`the stream answered ${response.status}: ${await response.text()}`);
  assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
  const events: StreamEvent[] = [];
  const decoder = new TextDecoder();
  let buffer = '';
  const reader = response.body!.getReader();
  try {
    while (events.length < count) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0 && events.length < count) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const fields = Object.fromEntries(block.split('\n').filter((line) => !line.startsWith(':') && line.includes(':'))
          .map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1).trimStart()]));
        if (fields.data !== undefined && fields.id !== undefined) events.push({ id: fields.id, data: JSON.parse(fields.data) as StreamEvent['data'] });
      }
    }
  } finally {
    controller.abort();
    await reader.cancel().catch(() => undefined);
  }
  return events;
}
