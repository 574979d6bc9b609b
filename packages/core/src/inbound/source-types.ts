/**
 * Inbound source types and their configs: which providers Herald verifies, the config each
 * needs, the validation the API runs when a source is saved, and the view of a config that may
 * leave Herald (no secrets).
 *
 * The names and config shapes follow the svix SDK's `IngestSourceIn` (1.99.1) so that
 * `svix.ingest.source.create` works unchanged; the types it has that Herald cannot verify yet
 * (cron, zoom, hubspot, ...) are refused rather than accepted unverified.
 */

import { ConfigReader, type SourceConfigProblem } from './config-reader.ts';

export type { SourceConfigProblem } from './config-reader.ts';

/**
 * Every type in the svix SDK's `IngestSourceIn` whose config is `SvixConfig` (read from
 * node_modules/svix/dist/models/ingestSourceIn.d.ts): these providers send Standard Webhooks
 * (Svix) signatures, so one verifier serves them all.
 */
export const SVIX_CONFIG_TYPES = [
  'beehiiv',
  'brex',
  'clerk',
  'guesty',
  'incident-io',
  'lithic',
  'nash',
  'open-ai',
  'pleo',
  'psi-fi',
  'render',
  'replicate',
  'resend',
  'safebase',
  'sardine',
  'stych',
  'svix',
] as const;

/** Herald's own types: the svix SDK's github/stripe/shopify/slack/generic-webhook, plus Herald extensions. */
export const HERALD_SOURCE_TYPES = [
  'generic-webhook',
  'github',
  'stripe',
  'shopify',
  'slack',
  'twilio',
  'gitlab',
  'linear',
  'paddle',
  'pagerduty',
  'hmac',
  'basic-auth',
  'api-key',
] as const;

export type SvixConfigType = (typeof SVIX_CONFIG_TYPES)[number];
export type SourceType = (typeof HERALD_SOURCE_TYPES)[number] | SvixConfigType;

export const SOURCE_TYPES: readonly SourceType[] = [...HERALD_SOURCE_TYPES, ...SVIX_CONFIG_TYPES];

export function isSourceType(type: string): type is SourceType {
  return (SOURCE_TYPES as readonly string[]).includes(type);
}

export function isSvixConfigType(type: string): type is SvixConfigType {
  return (SVIX_CONFIG_TYPES as readonly string[]).includes(type);
}

/**
 * `previousSecret` is a Herald extension on every secret-bearing config: the secret being
 * rotated out, tried after the current one until the user removes it.
 */
export interface SecretSourceConfig {
  secret: string;
  previousSecret?: string | null;
}

/** GitHub lets a webhook have no secret (and then signs nothing); the svix SDK's GithubConfig mirrors that. */
export interface GithubSourceConfig {
  secret?: string | null;
  previousSecret?: string | null;
}

export type HmacAlgorithm = 'sha256' | 'sha512' | 'sha1';
export type HmacEncoding = 'hex' | 'base64';

/** A generic HMAC scheme for providers Herald has no preset for. */
export interface HmacSourceConfig extends SecretSourceConfig {
  /** Lower-cased header name carrying the signature. */
  header: string;
  algorithm: HmacAlgorithm;
  encoding: HmacEncoding;
  /** Text before the signature in the header, e.g. "sha256=". */
  prefix?: string | null;
  /** What is signed: "{body}" alone by default; "{timestamp}" needs timestampHeader. */
  signedString?: string | null;
  /** Lower-cased header carrying the unix timestamp (seconds; 13-digit values are read as ms). */
  timestampHeader?: string | null;
  /** Allowed clock difference when timestampHeader is set; default 300. */
  toleranceSeconds?: number | null;
}

/** `previousSecret` is the previous password here. */
export interface BasicAuthSourceConfig {
  username: string;
  password: string;
  previousSecret?: string | null;
}

/**
 * The key is read from `header` or from the `query` parameter; with neither set, from the
 * `x-api-key` header; with both set, either place is accepted. `previousSecret` is the previous key.
 */
export interface ApiKeySourceConfig {
  key: string;
  header?: string | null;
  query?: string | null;
  previousSecret?: string | null;
}

export type GenericWebhookSourceConfig = Record<string, never>;

export type SourceConfig =
  | SecretSourceConfig
  | GithubSourceConfig
  | HmacSourceConfig
  | BasicAuthSourceConfig
  | ApiKeySourceConfig
  | GenericWebhookSourceConfig;

export const DEFAULT_API_KEY_HEADER = 'x-api-key';
export const DEFAULT_HMAC_TOLERANCE_SECONDS = 300;

export type SourceConfigValidation =
  | { ok: true; config: SourceConfig }
  | { ok: false; problems: SourceConfigProblem[] };

/** Checks and normalises a config for `type` (header names lower-cased, defaults filled in). */
export function validateSourceConfig(type: string, config: unknown): SourceConfigValidation {
  if (!isSourceType(type)) {
    return { ok: false, problems: [{ loc: ['type'], msg: `unsupported source type "${type}"; supported: ${SOURCE_TYPES.join(', ')}` }] };
  }
  // The svix SDK sends no config for generic-webhook; every other type needs an object.
  if (type === 'generic-webhook' && (config === undefined || config === null)) return { ok: true, config: {} };
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    return { ok: false, problems: [{ loc: ['config'], msg: 'must be an object' }] };
  }
  const reader = new ConfigReader(config as Record<string, unknown>);
  const result = readConfig(type, reader);
  reader.refuseUnknownFields();
  return reader.problems.length > 0 ? { ok: false, problems: reader.problems } : { ok: true, config: result };
}

function readConfig(type: SourceType, reader: ConfigReader): SourceConfig {
  if (isSvixConfigType(type)) {
    return withPrevious({ secret: reader.standardWebhooksSecret('secret', true) ?? '' }, reader.standardWebhooksSecret('previousSecret', false));
  }
  switch (type) {
    case 'generic-webhook':
      return {};
    case 'github': {
      const secret = reader.secret('secret', false);
      const previous = reader.secret('previousSecret', false);
      const out: GithubSourceConfig = { secret: secret ?? null };
      if (previous !== null) {
        if (secret === null) reader.problem(['config', 'previousSecret'], 'needs a current secret as well');
        out.previousSecret = previous;
      }
      return out;
    }
    case 'stripe':
    case 'shopify':
    case 'slack':
    case 'twilio':
    case 'gitlab':
    case 'linear':
    case 'paddle':
    case 'pagerduty':
      return withPrevious({ secret: reader.secret('secret', true) ?? '' }, reader.secret('previousSecret', false));
    case 'hmac':
      return readHmacConfig(reader);
    case 'basic-auth': {
      const username = reader.secret('username', true) ?? '';
      if (username.includes(':')) reader.problem(['config', 'username'], 'may not contain ":" (Basic authentication splits on it)');
      return withPrevious({ username, password: reader.secret('password', true) ?? '' }, reader.secret('previousSecret', false));
    }
    case 'api-key': {
      const out: ApiKeySourceConfig = { key: reader.secret('key', true) ?? '' };
      const header = reader.headerName('header', false);
      const query = reader.text('query', false, 128);
      out.header = header ?? (query === null ? DEFAULT_API_KEY_HEADER : null);
      out.query = query;
      return withPrevious(out, reader.secret('previousSecret', false));
    }
  }
}

function readHmacConfig(reader: ConfigReader): HmacSourceConfig {
  const out: HmacSourceConfig = {
    secret: reader.secret('secret', true) ?? '',
    header: reader.headerName('header', true) ?? '',
    algorithm: reader.oneOf('algorithm', ['sha256', 'sha512', 'sha1'] as const, 'sha256'),
    encoding: reader.oneOf('encoding', ['hex', 'base64'] as const, 'hex'),
    prefix: reader.text('prefix', false, 64),
    signedString: reader.text('signedString', false, 512),
    timestampHeader: reader.headerName('timestampHeader', false),
    toleranceSeconds: reader.integer('toleranceSeconds', 1, 86_400),
  };
  const previous = reader.secret('previousSecret', false);
  if (previous !== null) out.previousSecret = previous;
  const template = out.signedString;
  if (template !== null && template !== undefined) {
    // A template without the body would let anyone replay a signature over any body.
    if (!template.includes('{body}')) reader.problem(['config', 'signedString'], 'must contain "{body}"');
    if (template.includes('{timestamp}') && !out.timestampHeader) {
      reader.problem(['config', 'timestampHeader'], 'is required when signedString contains "{timestamp}"');
    }
  }
  if (out.timestampHeader && out.toleranceSeconds === null) out.toleranceSeconds = DEFAULT_HMAC_TOLERANCE_SECONDS;
  if (!out.timestampHeader && out.toleranceSeconds !== null) {
    reader.problem(['config', 'toleranceSeconds'], 'needs timestampHeader');
  }
  return out;
}

function withPrevious<T extends object>(config: T, previous: string | null): T & { previousSecret?: string } {
  return previous === null ? config : { ...config, previousSecret: previous };
}

/**
 * The config as the API may show it: no secret, password or key. Svix's `*ConfigOut` models are
 * empty objects, so the Svix-shaped types give `{}`; Herald's extensions keep their non-secret
 * settings so that a dashboard can show how a source checks requests.
 */
export function publicSourceConfig(type: string, config: SourceConfig): Record<string, unknown> {
  switch (type) {
    case 'hmac': {
      const hmac = config as HmacSourceConfig;
      return {
        header: hmac.header,
        algorithm: hmac.algorithm,
        encoding: hmac.encoding,
        prefix: hmac.prefix ?? null,
        signedString: hmac.signedString ?? null,
        timestampHeader: hmac.timestampHeader ?? null,
        toleranceSeconds: hmac.toleranceSeconds ?? null,
      };
    }
    case 'basic-auth':
      return { username: (config as BasicAuthSourceConfig).username };
    case 'api-key': {
      const apiKey = config as ApiKeySourceConfig;
      return { header: apiKey.header ?? null, query: apiKey.query ?? null };
    }
    default:
      return {};
  }
}

/** Every secret of a config, current first: what verification tries and what a rotation keeps. */
export function configSecrets(type: SourceType, config: SourceConfig): string[] {
  const record = config as { secret?: string | null; password?: string; key?: string; previousSecret?: string | null };
  const current = type === 'basic-auth' ? record.password : type === 'api-key' ? record.key : record.secret;
  return [current, record.previousSecret].filter((secret): secret is string => typeof secret === 'string' && secret.length > 0);
}
