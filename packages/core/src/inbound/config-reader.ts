/**
 * Reads the fields of one source config as the API received it, collecting every problem (in
 * Svix's {loc, msg} shape) instead of stopping at the first; source-types.ts says which fields
 * each type has.
 */

/** A problem in Svix's validation shape; `loc` starts at the request body's `config` (or `type`). */
export interface SourceConfigProblem {
  loc: string[];
  msg: string;
}

const MAX_SECRET_LENGTH = 1024;
/** RFC 9110 token characters: what a header name may hold. */
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,128}$/;
const STANDARD_WEBHOOKS_SECRET = /^(whsec_)?([A-Za-z0-9+/]+={0,2})$/;

/** Reads fields of one config object, collecting problems instead of stopping at the first. */
export class ConfigReader {
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

