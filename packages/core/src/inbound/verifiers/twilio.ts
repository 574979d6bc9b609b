/**
 * Twilio: `X-Twilio-Signature: <base64 HMAC-SHA1(auth token, url + sorted params)>`, as
 * twilio-node's `validateRequest`. The URL is the one Twilio called, with its query; Twilio may
 * or may not have included the default port, so both forms are tried, then the URL as WHATWG
 * normalises it. Form posts sign each parameter as name+value, names sorted, repeated values
 * de-duplicated and sorted. JSON posts carry `bodySHA256` (hex SHA-256 of the body) in the URL and
 * sign the URL alone; the body hash is then checked too. A SharedKey webhook announces
 * HMAC_SHA256 in X-Twilio-Webhooks-Signature-Settings; that is honoured, anything else is SHA-1.
 */
import { createHash } from 'node:crypto';
import { anySignature, sameSignature } from '../constant-time.ts';
import type { RawInboundRequest, VerifyResult } from '../verify.ts';
import { OK, bad, header, hmac, missing } from './common.ts';

export function verifyTwilio(secrets: readonly string[], request: RawInboundRequest): VerifyResult {
  const signature = header(request, 'x-twilio-signature');
  if (signature === null) return missing('no X-Twilio-Signature header');
  const algorithm = twilioAlgorithm(header(request, 'x-twilio-webhooks-signature-settings'));
  const query = queryOf(request.url);
  const bodyHash = query.get('bodySHA256');
  let signedParams = '';
  let bodyMatches = true;
  if (bodyHash !== null) {
    bodyMatches = sameSignature(bodyHash, createHash('sha256').update(request.body).digest('hex'));
  } else {
    signedParams = sortedParams(new URLSearchParams(request.body.toString('utf8')));
  }
  const expected: string[] = [];
  for (const url of candidateUrls(request.url)) {
    for (const secret of secrets) expected.push(hmac(algorithm, secret, Buffer.from(url + signedParams, 'utf8')).toString('base64'));
  }
  const signatureMatches = anySignature([signature], expected);
  if (!signatureMatches) return bad('X-Twilio-Signature does not match');
  return bodyMatches ? OK : bad('the bodySHA256 query parameter does not match the body');
}

function twilioAlgorithm(settings: string | null): 'sha1' | 'sha256' {
  for (const part of (settings ?? '').split(',')) {
    const at = part.indexOf('=');
    if (at !== -1 && part.slice(0, at).trim() === 'algorithm' && part.slice(at + 1).trim().toUpperCase() === 'HMAC_SHA256') return 'sha256';
  }
  return 'sha1';
}

function queryOf(url: string): URLSearchParams {
  const at = url.indexOf('?');
  return new URLSearchParams(at === -1 ? '' : url.slice(at + 1).split('#')[0]);
}

/** twilio-node's toFormUrlEncodedParam over sorted names: `name + value` for each distinct value, values sorted. */
function sortedParams(params: URLSearchParams): string {
  const names = [...new Set(params.keys())].sort();
  let out = '';
  for (const name of names) {
    for (const value of [...new Set(params.getAll(name))].sort()) out += name + value;
  }
  return out;
}

/** The URL as received with and without its port, then the WHATWG-normalised URL likewise. */
function candidateUrls(url: string): string[] {
  const candidates = [removePort(url), addPort(url)];
  try {
    const normalised = new URL(url).toString();
    candidates.push(removePort(normalised), addPort(normalised));
  } catch {
    // Not an absolute URL: only the as-received forms can match.
  }
  return [...new Set(candidates)];
}

interface UrlParts {
  scheme: string;
  userInfo: string;
  host: string;
  port: string;
  rest: string;
}

/** Splits without normalising, so the path and query keep the exact characters Twilio signed. */
function splitUrl(url: string): UrlParts | null {
  const match = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)/i.exec(url);
  if (!match) return null;
  const [prefix, scheme, authority] = match as unknown as [string, string, string];
  const userInfoEnd = authority.lastIndexOf('@');
  const hostAndPort = authority.slice(userInfoEnd + 1);
  const portStart = hostAndPort.indexOf(':', hostAndPort.lastIndexOf(']') + 1);
  return {
    scheme,
    userInfo: authority.slice(0, userInfoEnd + 1),
    host: portStart === -1 ? hostAndPort : hostAndPort.slice(0, portStart),
    port: portStart === -1 ? '' : hostAndPort.slice(portStart),
    rest: url.slice(prefix.length),
  };
}

function addPort(url: string): string {
  const parts = splitUrl(url);
  if (!parts || parts.port) return url;
  const port = parts.scheme.toLowerCase() === 'https://' ? ':443' : ':80';
  return parts.scheme + parts.userInfo + parts.host + port + parts.rest;
}

function removePort(url: string): string {
  const parts = splitUrl(url);
  return parts ? parts.scheme + parts.userInfo + parts.host + parts.rest : url;
}
