import { Command } from 'commander';
import { contextOf } from '../output.ts';
import { positiveInteger } from '../list-options.ts';

interface PollOptions {
  app: string;
  poller: string;
  consumer?: string;
  follow?: boolean;
  limit: number;
  count?: number;
}

interface PollPage {
  data: Array<Record<string, unknown>>;
  iterator: string;
  done: boolean;
}

/** How long one request of --follow waits for a message (the server allows up to 60 s). */
const FOLLOW_WAIT = '30s';

export function pollCommand(): Command {
  return new Command('poll')
    .description("Read a polling endpoint's messages as JSON lines, from a named consumer's position or from the start")
    .requiredOption('--app <app>', 'application id or uid')
    .requiredOption('--poller <id>', 'polling endpoint id or uid')
    .option('--consumer <name>', 'a consumer whose position Herald keeps: resume where it stopped')
    .option('--follow', 'keep waiting for new messages (long polling) instead of stopping at the end')
    .option('--limit <n>', 'messages per request', positiveInteger, 100)
    .option('--count <n>', 'stop after this many messages', positiveInteger)
    .action((options: PollOptions, self: Command) => poll(options, self))
    .addHelpText('after', `
Each message is one JSON line on stdout (Svix's PollingEndpointMessageOut), ready for jq or a pipe.
With --consumer, Herald keeps the position: the next run continues after the last message printed.
The token may be a polling endpoint's own read-only token (pollsk_...).

Examples:
  herald poll --app acme --poller orders --consumer billing
  herald poll --app acme --poller orders --consumer billing --follow | jq .payload`);
}

async function poll(options: PollOptions, self: Command): Promise<void> {
  const { client } = contextOf(self);
  const base = `/api/v1/app/${encodeURIComponent(options.app)}/poller/${encodeURIComponent(options.poller)}`;
  const path = options.consumer === undefined ? base : `${base}/consumer/${encodeURIComponent(options.consumer)}`;
  let iterator: string | undefined;
  let printed = 0;
  let stopped = false;
  process.once('SIGINT', () => (stopped = true));
  while (!stopped) {
    const limit = options.count === undefined ? options.limit : Math.min(options.limit, options.count - printed);
    // A consumer's first request starts from the position Herald kept; each later one names the
    // iterator of what was printed, so a lost answer is asked for again rather than skipped.
    const page = await client.request<PollPage>('GET', path, { query: { limit, iterator, wait: options.follow ? FOLLOW_WAIT : undefined } });
    for (const message of page.data) process.stdout.write(`${JSON.stringify(message)}\n`);
    printed += page.data.length;
    iterator = page.iterator;
    if (options.count !== undefined && printed >= options.count) return;
    if (page.done && page.data.length === 0 && !options.follow) return;
  }
}
