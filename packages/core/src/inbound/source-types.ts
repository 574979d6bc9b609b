/**
 * Inbound source types and their configs: which providers Herald verifies, the config each
 * needs, the validation the API runs when a source is saved, and the view of a config that may
 * leave Herald (no secrets).
 *
 * The names and config shapes follow the svix SDK's `IngestSourceIn` (1.99.1) so that
 * `svix.ingest.source.create` works unchanged; the types it has that Herald cannot verify yet
 * (cron, zoom, hubspot, ...) are refused rather than accepted unverified.
 */

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

/** A problem in Svix's validation shape; `loc` starts at the request body's `config` (or `type`). */
export interface SourceConfigProblem {
  loc: string[];
  msg: string;
}

export type SourceConfigValidation =
  | { ok: true; config: SourceConfig }
  | { ok: false; problems: SourceConfigProblem[] };

const MAX_SECRET_LENGTH = 1024;
/** RFC 9110 token characters: what a header name may hold. */
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,128}$/;
const STANDARD_WEBHOOKS_SECRET = /^(whsec_)?([A-Za-z0-9+/]+={0,2})$/;

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

/** Reads fields of one config object, collecting problems instead of stopping at the first. */
class ConfigReader {
  readonly problems: SourceConfigProblem[] = [];
  private readonly seen = new Set<string>();

  constructor(private readonly input: Record<string, unknown>) {}

  problem(loc: string[], msg: string): void {
    this.problems.push({ loc, msg });
  }

  /** Svix's models ignore nothing silently here: a misspelt `previousSecret` must not vanish. */
  refuseUnknownFields(): void {
    for (const key of Object.keys(this.input)) {
      if (!this.seen.has(key)) this.problem(['config', key], 'unknown field');
    }
  }

  private raw(field: string, required: boolean): unknown {
    this.seen.add(field);
    const value = this.input[field];
    if (value === undefined || value === null) {
      if (required) this.problem(['config', field], 'field required');
      return undefined;
    }
    return value;
  }

  text(field: string, required: boolean, maxLength: number): string | null {
    const value = this.raw(field, required);
    if (value === undefined) return null;
    if (typeof value !== 'string') return this.fail(field, 'must be a string');
    if (value.length === 0) return this.fail(field, 'may not be empty');
    if (value.length > maxLength) return this.fail(field, `may be at most ${maxLength} characters`);
    return value;
  }

  secret(field: string, required: boolean): string | null {
    return this.text(field, required, MAX_SECRET_LENGTH);
  }

  /** `whsec_` + base64 of 16 to 128 bytes (the prefix is added when missing, as Herald does for endpoint secrets). */
  standardWebhooksSecret(field: string, required: boolean): string | null {
    const value = this.secret(field, required);
    if (value === null) return null;
    const match = STANDARD_WEBHOOKS_SECRET.exec(value);
    const bytes = match && match[2]!.length % 4 === 0 ? Buffer.from(match[2]!, 'base64').length : 0;
    if (!match || bytes < 16 || bytes > 128) return this.fail(field, 'must be "whsec_" followed by base64 of 16 to 128 bytes');
    return match[1] ? value : `whsec_${value}`;
  }

  headerName(field: string, required: boolean): string | null {
    const value = this.text(field, required, 128);
    if (value === null) return null;
    if (!HEADER_NAME.test(value)) return this.fail(field, 'must be a valid HTTP header name');
    return value.toLowerCase();
  }

  oneOf<const T extends string>(field: string, allowed: readonly T[], fallback: T): T {
    const value = this.raw(field, false);
    if (value === undefined) return fallback;
    if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
      this.fail(field, `must be one of ${allowed.join(', ')}`);
      return fallback;
    }
    return value as T;
  }

  integer(field: string, min: number, max: number): number | null {
    const value = this.raw(field, false);
    if (value === undefined) return null;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      return this.fail(field, `must be an integer from ${min} to ${max}`);
    }
    return value;
  }

  private fail(field: string, msg: string): null {
    this.problem(['config', field], msg);
    return null;
  }
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
