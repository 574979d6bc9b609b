/**
 * Path prefix of Herald's own relay route (`herald listen`): a temporary endpoint's URL is
 * `http://<Herald's address>/relay/<session id>`, and only that exact target is exempt from the
 * private-address policy.
 */
export const RELAY_PATH_PREFIX = '/relay/';

/** `herald listen`'s WebSocket: `GET /api/v1/app/{app}/listen?events=a,b` (Herald extension). */
export const LISTEN_PATH_SUFFIX = '/listen';

/** Herald to the CLI, as JSON text frames. */
export type RelayServerMessage =
  | { type: 'ready'; sessionId: string; endpointId: string; secret: string }
  | { type: 'delivery'; requestId: number; headers: Record<string, string>; body: string };

/** The CLI to Herald: what the local URL answered, or why it could not be reached. */
export type RelayClientMessage =
  | { type: 'result'; requestId: number; status: number; headers: Record<string, string>; body: string }
  | { type: 'result'; requestId: number; error: string };
