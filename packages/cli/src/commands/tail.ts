import { setTimeout as sleep } from 'node:timers/promises';
import { Command } from 'commander';
import type { HeraldClient, ListPage } from '../api-client.ts';
import { contextOf, paint } from '../output.ts';
import { positiveInteger } from '../list-options.ts';
import type { AttemptOut } from './message.ts';

interface TailOptions {
  app: string;
  interval: number;
  count?: number;
}

/** Endpoints are listed again every this many polls, so new ones join the stream. */
const ENDPOINT_REFRESH_POLLS = 10;
/** Attempts are listed from a little before the newest seen, to catch ones recorded out of order. */
const OVERLAP_MS = 5_000;

export function tailCommand(): Command {
  return new Command('tail')
    .description("Stream an app's delivery attempts as they happen: time, message, event type, endpoint, status, latency")
    .requiredOption('--app <app>', 'application id or uid')
    .option('--interval <ms>', 'how often to poll Herald', positiveInteger, 1_000)
    .option('--count <n>', 'stop after this many attempts', positiveInteger)
    .action((options: TailOptions, self: Command) => tail(options, self))
    .addHelpText('after', `
Successful attempts are green, failed ones red (colors only on a terminal; NO_COLOR turns them off).
With --json, each attempt is one JSON line. Stop with Ctrl-C.

Example:
  herald tail --app acme`);
}

async function tail(options: TailOptions, self: Command): Promise<void> {
  const { client, output } = contextOf(self);
  const app = encodeURIComponent(options.app);
  const eventTypes = new Map<string, string>();
  const seen = new Set<string>();
  const since = new Map<string, number>();
  const started = Date.now();
  let endpoints: Array<{ id: string; url: string }> = [];
  let shown = 0;
  let stopped = false;
  process.once('SIGINT', () => (stopped = true));
  output.note(`tailing delivery attempts of ${options.app} (Ctrl-C to stop)`);

  for (let poll = 0; !stopped; poll++) {
    if (poll % ENDPOINT_REFRESH_POLLS === 0) endpoints = await client.listAll(`/api/v1/app/${app}/endpoint`, {});
    const fresh: Array<AttemptOut & { endpointUrl: string }> = [];
    for (const endpoint of endpoints) {
      const after = new Date((since.get(endpoint.id) ?? started) - OVERLAP_MS).toISOString();
      const page = await client.request<ListPage<AttemptOut>>('GET', `/api/v1/app/${app}/attempt/endpoint/${endpoint.id}`, { query: { limit: 250, after } });
      for (const attempt of page.data) {
        if (seen.has(attempt.id) || Date.parse(attempt.timestamp) < started) continue;
        seen.add(attempt.id);
        fresh.push({ ...attempt, endpointUrl: endpoint.url });
        since.set(endpoint.id, Math.max(since.get(endpoint.id) ?? 0, Date.parse(attempt.timestamp)));
      }
    }
    fresh.sort((a, b) => a.timestamp.localeCompare(b.timestamp) || a.id.localeCompare(b.id));
    for (const attempt of fresh) {
      const eventType = await eventTypeOf(client, app, attempt.msgId, eventTypes);
      printAttempt(attempt, eventType, output.json);
      if (options.count !== undefined && ++shown >= options.count) return;
    }
    await sleep(options.interval);
  }
}

async function eventTypeOf(client: HeraldClient, app: string, msgId: string, cache: Map<string, string>): Promise<string> {
  let eventType = cache.get(msgId);
  if (eventType === undefined) {
    eventType = (await client.request<{ eventType: string }>('GET', `/api/v1/app/${app}/msg/${msgId}`, { query: { with_content: false } })).eventType;
    cache.set(msgId, eventType);
  }
  return eventType;
}

function printAttempt(attempt: AttemptOut & { endpointUrl: string }, eventType: string, json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify({
      time: attempt.timestamp, attemptId: attempt.id, msgId: attempt.msgId, eventType, endpointId: attempt.endpointId,
      url: attempt.endpointUrl, status: attempt.statusText, statusCode: attempt.responseStatusCode, latencyMs: attempt.responseDurationMs,
    })}\n`);
    return;
  }
  const ok = attempt.statusText === 'success';
  const code = paint(ok ? 'green' : 'red', String(attempt.responseStatusCode || attempt.statusText).padEnd(4));
  process.stdout.write(`${attempt.timestamp}  ${attempt.msgId}  ${eventType.padEnd(20)}  ${attempt.endpointId}  ${code}  ${String(attempt.responseDurationMs).padStart(5)} ms\n`);
}
