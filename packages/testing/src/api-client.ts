/** A bare JSON client for Herald's API: status and parsed body, nothing thrown for 4xx/5xx. */
export type ApiCall = (method: string, path: string, body?: unknown) => Promise<{ status: number; body: any }>;

export function apiClient(baseUrl: string, token: string): ApiCall {
  return async (method, path, body) => {
    const response = await fetch(`${baseUrl}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
  };
}

/** One authenticated request, answered as the raw Response (status, headers and body as sent). */
export function bearerFetch(url: string, token: string, method = 'GET', json?: unknown): Promise<Response> {
  return fetch(url, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(json === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(json === undefined ? {} : { body: JSON.stringify(json) }),
  });
}
