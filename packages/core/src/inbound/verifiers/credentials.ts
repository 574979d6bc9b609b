/**
 * Schemes that send a shared credential rather than a signature: GitLab's `X-Gitlab-Token`,
 * HTTP Basic authentication, and an API key in a header or the query. Every comparison is
 * constant-time over hashes of both sides (constant-time.ts), and every accepted credential is
 * compared, so neither the credential's length nor which one matched shows in the timing.
 */
import { anySecret } from '../constant-time.ts';
import { DEFAULT_API_KEY_HEADER, type ApiKeySourceConfig, type BasicAuthSourceConfig } from '../source-types.ts';
import type { RawInboundRequest, VerifyResult } from '../verify.ts';
import { OK, header, unauthorized } from './common.ts';

export function verifyGitlab(secrets: readonly string[], request: RawInboundRequest): VerifyResult {
  const token = header(request, 'x-gitlab-token');
  if (token === null) return unauthorized('no X-Gitlab-Token header');
  return anySecret([token], secrets) ? OK : unauthorized('X-Gitlab-Token does not match');
}

export function verifyBasicAuth(config: BasicAuthSourceConfig, request: RawInboundRequest): VerifyResult {
  const value = header(request, 'authorization');
  const match = value === null ? null : /^basic\s+([A-Za-z0-9+/=]+)$/i.exec(value);
  if (!match) return unauthorized('no Basic Authorization header');
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon === -1) return unauthorized('the Basic credentials have no ":"');
  // The user and the password are compared as one string so that one comparison covers both.
  const presented = decoded;
  const accepted = [config.password, config.previousSecret]
    .filter((password): password is string => typeof password === 'string' && password.length > 0)
    .map((password) => `${config.username}:${password}`);
  return anySecret([presented], accepted) ? OK : unauthorized('the Basic credentials do not match');
}

export function verifyApiKey(config: ApiKeySourceConfig, secrets: readonly string[], request: RawInboundRequest): VerifyResult {
  const presented: string[] = [];
  const headerName = config.header ?? (config.query ? null : DEFAULT_API_KEY_HEADER);
  if (headerName) {
    const value = header(request, headerName);
    if (value !== null) presented.push(headerName === 'authorization' ? value.replace(/^bearer\s+/i, '') : value);
  }
  if (config.query) {
    const at = request.url.indexOf('?');
    const value = at === -1 ? null : new URLSearchParams(request.url.slice(at + 1).split('#')[0]).get(config.query);
    if (value) presented.push(value);
  }
  if (presented.length === 0) return unauthorized(`no API key in ${[headerName && `the ${headerName} header`, config.query && `the ${config.query} query parameter`].filter(Boolean).join(' or ')}`);
  return anySecret(presented, secrets) ? OK : unauthorized('the API key does not match');
}
