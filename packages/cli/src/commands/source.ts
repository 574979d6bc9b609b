import { Command } from 'commander';
import { CliError, EXIT } from '../exit-codes.ts';
import { contextOf, type Column } from '../output.ts';
import { fetchList, positiveInteger, withListOptions } from '../list-options.ts';
import { commaList, jsonArgument, rfc3339, textArgument } from './arguments.ts';
import { sourceRequestsCommand } from './source-requests.ts';

/** IngestSourceOut (Svix Ingest) with Herald's extensions; config never holds secrets on the way out. */
export interface SourceOut {
  id: string;
  uid: string | null;
  name: string;
  type: string;
  ingestUrl: string | null;
  config?: Record<string, unknown>;
  metadata: Record<string, string>;
  disabled?: boolean;
  allowedIps?: string[] | null;
  rateLimit?: number | null;
  createdAt: string;
  updatedAt: string;
}

export const SOURCES = '/ingest/api/v1/source';
export const sourcePath = (source: string) => `${SOURCES}/${encodeURIComponent(source)}`;

const COLUMNS: Array<Column<SourceOut>> = [
  ['id', (source) => source.id], ['uid', (source) => source.uid], ['name', (source) => source.name], ['type', (source) => source.type],
  ['disabled', (source) => source.disabled ?? false], ['ingest url', (source) => source.ingestUrl],
];

interface CreateOptions {
  type: string;
  secret?: string;
  config?: unknown;
  uid?: string;
  allowedIps?: string[];
  ipPreset?: string;
  rateLimit?: number;
}

export function sourceCommand(): Command {
  const command = new Command('source')
    .description('Inbound sources: URLs that receive other providers\' webhooks (GitHub, Stripe, ...), verify them and route them to endpoints');

  withListOptions(command.command('list').description('List the sources'))
    .action(async (options: { limit: number; all?: boolean }, self: Command) => {
      const { client, output } = contextOf(self);
      output.list(await fetchList<SourceOut>(client, SOURCES, options, 'sources'), COLUMNS);
    });

  command.command('create <name>')
    .description('Create a source and print its id; its ingest URL (the one to give the provider) is printed on stderr')
    .requiredOption('--type <type>', 'how requests are verified: github, stripe, shopify, slack, svix, twilio, gitlab, hmac, basic-auth, api-key, generic-webhook, ...')
    .option('--secret <secret>', 'the provider\'s signing secret (config {"secret": ...}); `@file` reads it from a file, `@-` from stdin', textArgument)
    .option('--config <json>', 'the whole type config as JSON, for types with more than a secret (hmac, basic-auth, api-key); `@file` reads it', jsonArgument)
    .option('--uid <uid>', 'your own unique id for it')
    .option('--allowed-ips <cidrs>', 'accept requests only from these addresses (comma-separated CIDRs)', commaList)
    .option('--ip-preset <provider>', 'accept requests only from the provider\'s published addresses (e.g. stripe)')
    .option('--rate-limit <n>', 'requests per second accepted; more get 429', positiveInteger)
    .action(async (name: string, options: CreateOptions, self: Command) => {
      const { client, output } = contextOf(self);
      if (options.secret !== undefined && options.config !== undefined) throw new CliError('give --secret or --config, not both', EXIT.usage);
      const config = options.config ?? (options.secret !== undefined ? { secret: options.secret } : {});
      const created = await client.request<SourceOut>('POST', SOURCES, {
        body: {
          name, uid: options.uid, type: options.type, config,
          allowedIps: options.allowedIps, ipPreset: options.ipPreset, rateLimit: options.rateLimit,
        },
      });
      output.value(created.id, created);
      if (created.ingestUrl) output.note(`ingest URL (give it to the provider): ${created.ingestUrl}`);
    })
    .addHelpText('after', `
Examples:
  herald source create "GitHub" --uid github --type github --secret @github-secret.txt
  herald source create "Stripe" --type stripe --secret whsec_... --ip-preset stripe
  herald source create "Partner" --type hmac --config '{"secret":"s3cret","header":"x-signature","algorithm":"sha256","encoding":"hex"}'`);

  command.command('get <source>').description('Show one source (id or uid), with its ingest URL').action(async (source: string, _options, self: Command) => {
    const { client, output } = contextOf(self);
    output.item(await client.request<SourceOut>('GET', sourcePath(source)));
  });

  command.command('delete <source>')
    .description('Delete a source, its endpoints and its recorded requests; its ingest URL answers 404 from then on')
    .action(async (source: string, _options, self: Command) => {
      const { client, output } = contextOf(self);
      await client.request('DELETE', sourcePath(source));
      output.note(`deleted source ${source}`);
    });

  command.command('replay <source> [request]')
    .description("Route stored requests again, from their exact bytes, to the source's endpoints and filters as they are now")
    .option('--since <time>', 'without a request id: every accepted request received since this time (RFC 3339, e.g. 2026-01-31T09:00:00Z)', rfc3339)
    .option('--until <time>', 'and until this time', rfc3339)
    .action(async (source: string, request: string | undefined, options: { since?: string; until?: string }, self: Command) => {
      const { client, output } = contextOf(self);
      if (request !== undefined) {
        if (options.since !== undefined || options.until !== undefined) throw new CliError('--since and --until replay many requests; give them without a request id', EXIT.usage);
        // A rejected request is verified again first (after a secret fix); the API says why if it still fails.
        const replayed = await client.request<{ id: string; verdict: string }>('POST', `${sourcePath(source)}/request/${encodeURIComponent(request)}/replay`, { body: {} });
        output.value(replayed.id, replayed);
        output.note(`request ${replayed.id} (${replayed.verdict}) is being routed again; see it with: herald source requests ${source}`);
        return;
      }
      if (options.since === undefined) throw new CliError('give a request id, or --since to replay every accepted request since then', EXIT.usage);
      const { replayed } = await client.request<{ replayed: number }>('POST', `${sourcePath(source)}/replay`, { body: { since: options.since, until: options.until ?? null } });
      output.value(String(replayed), { replayed });
      output.note(`${replayed} ${replayed === 1 ? 'request is' : 'requests are'} being routed again`);
    })
    .addHelpText('after', `
Examples:
  herald source replay github inreq_2bT...                   # one request (a rejected one is verified again)
  herald source replay github --since 2026-01-31T09:00:00Z   # every accepted request since then`);

  command.addCommand(sourceRequestsCommand());
  return command;
}

