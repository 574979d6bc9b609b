import type { Page } from './types.ts';

export class ApiError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

export type Query = Record<string, string | number | boolean | undefined | null>;

export interface ApiClient {
  get<T>(path: string, query?: Query): Promise<T>;
  send<T>(method: 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<T>;
  page<T>(path: string, query?: Query): Promise<Page<T>>;
}

/** Svix problem bodies say what is wrong in `detail`: a sentence, or a list of field errors for 422. */
function problemText(status: number, body: unknown): string {
  const detail = (body as { detail?: unknown } | null)?.detail;
  if (typeof detail === 'string') return detail;
  if (Array.isArray(detail)) {
    return detail.map((item: { loc?: unknown[]; msg?: string }) => `${(item.loc ?? []).slice(1).join('.')}: ${item.msg ?? ''}`).join('; ');
  }
  return `The server answered ${status}.`;
}

/** `base`: /api/v1 (Svix v1) or /ingest/api/v1 (the inbound gateway, Svix Ingest). */
export function createApiClient(token: string, onUnauthorized: () => void, base = '/api/v1'): ApiClient {
  const call = async <T>(method: string, path: string, body?: unknown, query?: Query): Promise<T> => {
    const url = new URL(`${base}${path}`, window.location.origin);
    for (const [name, value] of Object.entries(query ?? {})) {
      if (value !== undefined && value !== null && value !== '') url.searchParams.set(name, String(value));
    }
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    if (response.status === 401) onUnauthorized();
    const text = await response.text();
    const parsed: unknown = text ? JSON.parse(text) : undefined;
    if (!response.ok) throw new ApiError(response.status, problemText(response.status, parsed));
    return parsed as T;
  };
  return {
    get: (path, query) => call('GET', path, undefined, query),
    send: (method, path, body) => call(method, path, body),
    page: (path, query) => call('GET', path, undefined, query),
  };
}

export const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));
