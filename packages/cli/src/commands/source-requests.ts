import { setTimeout as sleep } from 'node:timers/promises';
import { Command, Option } from 'commander';
import type { HeraldClient, ListPage } from '../api-client.ts';
import { contextOf, paint } from '../output.ts';
import { positiveInteger } from '../list-options.ts';

/** InboundRequestOut (Herald extension of the ingest API): one request a source received. */
export interface InboundRequestOut {
  id: string;
  sourceId: string;
  receivedAt: string | number;
  method: string;
  path: string;
  query: string;
  headers: Record<string, string>;
  body: string | null;
  sourceIp: string;
  verdict: 'accepted' | 'rejected' | 'duplicate';
  rejectReason: string | null;
  dedupeKey: string | null;
  duplicateOf: string | null;
  duplicates: number;
  eventType: string;
}

interface RequestsOptions {
  verdict?: string;
  limit: number;
  follow?: boolean;
  interval: number;
  count?: number;
}

/** New requests are asked for from a little before the newest one seen: two API processes may commit out of order. */
const OVERLAP_MS = 5_000;
/** At most this many pages per poll: a flood is shown as it comes, not fetched whole first. */
const MAX_PAGES_PER_POLL = 20;

export function sourceRequestsCommand(): Command {
  return new Command('requests')
    .argument('<source>', 'source id or uid')
    .description("A source's request log, newest last: time, id, method, verdict (accepted, rejected with its cause, duplicate), event type")
    .addOption(new Option('--verdict <verdict>', 'only requests with this verdict').choices(['accepted', 'rejected', 'duplicate']))
    .addOption(new Option('--limit <n>', 'how many of the latest to show first (at most 250)').argParser((text) => Math.min(positiveInteger(text), 250)).default(20))
    .option('-f, --follow', 'keep running and print new requests as they arrive (Ctrl-C to stop)')
    .option('--interval <ms>', 'with --follow: how often to poll Herald', positiveInteger, 1_000)
    .option('--count <n>', 'with --follow: stop after this many new requests', positiveInteger)
    .action((source: string, options: RequestsOptions, self: Command) => requests(source, options, self))
    .addHelpText('after', `
Accepted requests are green, rejected ones red (colors only on a terminal; NO_COLOR turns them off).
With --json, each request is one JSON line (its body left out; see the API's request detail).

Example:
  herald source requests github --follow`);
}

async function requests(source: string, options: RequestsOptions, self: Command): Promise<void> {
  const { client, output } = contextOf(self);
  const path = `/ingest/api/v1/source/${encodeURIComponent(source)}/request`;
  // With --follow, the requests already received are old news, shown or not (--limit): noted before
  // the latest are listed, so that one arriving in between is either listed or followed, never lost.
  const known = options.follow ? (await since(client, path, Date.now() - 2 * OVERLAP_MS, options.verdict)).map((request) => request.id) : [];
  const latest = await client.request<ListPage<InboundRequestOut>>('GET', path, { query: { limit: options.limit, verdict: options.verdict } });
  const shownFirst = [...latest.data].reverse();
  for (const request of shownFirst) print(request, output.json);
  if (!options.follow) {
    if (shownFirst.length === 0 && !output.json) output.note('(none)');
    return;
  }

  const seen = new Set(shownFirst.map((request) => request.id));
  let newest = Math.max(Date.now() - OVERLAP_MS, ...shownFirst.map((request) => epochMs(request.receivedAt)));
  for (const id of known) seen.add(id);
  let stopped = false;
  let shown = 0;
  const stop = () => (stopped = true);
  process.once('SIGINT', stop);
  output.note(`following requests of ${source} (Ctrl-C to stop)`);
  try {
    while (!stopped) {
      await sleep(options.interval);
      const fresh = (await since(client, path, newest - OVERLAP_MS, options.verdict)).filter((request) => !seen.has(request.id));
      fresh.sort((a, b) => epochMs(a.receivedAt) - epochMs(b.receivedAt) || a.id.localeCompare(b.id));
      for (const request of fresh) {
        seen.add(request.id);
        newest = Math.max(newest, epochMs(request.receivedAt));
        print(request, output.json);
        if (options.count !== undefined && ++shown >= options.count) return;
      }
    }
  } finally {
    process.removeListener('SIGINT', stop);
  }
}

/** Every request received after `afterMs` (the API lists newest first), up to MAX_PAGES_PER_POLL pages. */
async function since(client: HeraldClient, path: string, afterMs: number, verdict: string | undefined): Promise<InboundRequestOut[]> {
  const found: InboundRequestOut[] = [];
  let iterator: string | undefined;
  for (let pages = 0; pages < MAX_PAGES_PER_POLL; pages++) {
    const page = await client.request<ListPage<InboundRequestOut>>('GET', path, {
      query: { limit: 250, verdict, after: new Date(afterMs).toISOString(), iterator },
    });
    found.push(...page.data);
    if (page.done || !page.iterator) break;
    iterator = page.iterator;
  }
  return found;
}

/** receivedAt is RFC 3339 on the wire (as every Svix time is); a number is taken as epoch ms. */
function epochMs(time: string | number): number {
  return typeof time === 'number' ? time : Date.parse(time);
}

function print(request: InboundRequestOut, json: boolean): void {
  const time = new Date(epochMs(request.receivedAt)).toISOString();
  if (json) {
    const { body: _body, headers: _headers, ...summary } = request;
    process.stdout.write(`${JSON.stringify({ ...summary, receivedAt: time })}\n`);
    return;
  }
  const verdict = request.verdict === 'rejected' ? paint('red', 'rejected') : request.verdict === 'accepted' ? paint('green', 'accepted') : 'duplicate';
  const detail = request.verdict === 'rejected' ? (request.rejectReason ?? '') : request.verdict === 'duplicate' ? `of ${request.duplicateOf ?? '?'}` : request.eventType;
  process.stdout.write(`${time}  ${request.id}  ${request.method.padEnd(4)}  ${verdict}  ${detail}  ${request.sourceIp}\n`);
}
