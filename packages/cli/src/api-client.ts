import { CliError, EXIT } from './exit-codes.ts';

export interface Connection {
  url: string;
  token: string | undefined;
}

export interface ListPage<T> {
  data: T[];
  iterator: string | null;
  done: boolean;
}

type Query = Record<string, string | number | boolean | undefined>;

/** A thin client of Herald's API: JSON in, JSON out, problem responses turned into one clear error. */
export class HeraldClient {
  constructor(readonly connection: Connection) {}

  async request<T>(method: string, path: string, options: { body?: unknown; query?: Query } = {}): Promise<T> {
    const url = new URL(path, this.connection.url);
    for (const [name, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined) url.searchParams.set(name, String(value));
    }
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.connection.token) headers.authorization = `Bearer ${this.connection.token}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(url, { method, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body) });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new CliError(`could not reach Herald at ${this.connection.url} (${cause?.code ?? cause?.message ?? (error as Error).message}); ` +
        'is it running? Set --url or HERALD_URL.');
    }
    const text = await response.text();
    if (!response.ok) throw new CliError(`${method} ${url.pathname} failed: ${describeProblem(response.status, text)}`, EXIT.remoteFailure);
    return (text === '' ? {} : JSON.parse(text)) as T;
  }

  /** Every page of a list, following `iterator`; `onPage` reports progress. */
  async listAll<T>(path: string, query: Query, onPage: (fetched: number) => void = () => {}): Promise<T[]> {
    const items: T[] = [];
    let iterator: string | undefined;
    for (;;) {
      const page = await this.request<ListPage<T>>('GET', path, { query: { ...query, limit: 250, iterator } });
      items.push(...page.data);
      onPage(items.length);
      if (page.done || !page.iterator) return items;
      iterator = page.iterator;
    }
  }
}

/** `404 not_found: Application not found.`, or each 422 issue as `body.url: URL is not valid`. */
export function describeProblem(status: number, text: string): string {
  let problem: { code?: string; detail?: unknown; title?: string } | undefined;
  try {
    problem = JSON.parse(text) as typeof problem;
  } catch {
    return `${status} ${text.slice(0, 200)}`.trim();
  }
  const detail = Array.isArray(problem?.detail)
    ? (problem.detail as Array<{ loc?: unknown[]; msg?: string }>).map((issue) => `${(issue.loc ?? []).join('.')}: ${issue.msg}`).join('; ')
    : String(problem?.detail ?? problem?.title ?? '');
  if (status === 401) return `${status} ${problem?.code ?? 'unauthorized'}: ${detail} (set --token or HERALD_TOKEN)`;
  return `${status} ${problem?.code ?? ''}: ${detail}`;
}
