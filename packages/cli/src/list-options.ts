import { InvalidArgumentError, Option, type Command } from 'commander';
import type { HeraldClient, ListPage } from './api-client.ts';
import { progress } from './output.ts';

/** `--limit` for one page, `--all` for every page (with progress on a terminal). */
export function withListOptions(command: Command): Command {
  return command
    .addOption(new Option('--limit <n>', 'how many to show (one page, at most 250)').argParser((text) => Math.min(positiveInteger(text), 250)).default(50))
    .option('--all', 'fetch every page');
}

export async function fetchList<T>(
  client: HeraldClient,
  path: string,
  options: { limit: number; all?: boolean },
  what: string,
  query: Record<string, string | undefined> = {},
): Promise<T[]> {
  if (!options.all) return (await client.request<ListPage<T>>('GET', path, { query: { ...query, limit: options.limit } })).data;
  const report = progress(what);
  try {
    return await client.listAll<T>(path, query, report.update);
  } finally {
    report.done();
  }
}

export function positiveInteger(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new InvalidArgumentError(`"${text}" is not a positive whole number.`);
  return value;
}
