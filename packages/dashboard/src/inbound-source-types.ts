/**
 * The source types the create form offers, and what each one's config asks for. The server's
 * validation (validateSourceConfig in the core) stays the judge: this only chooses the fields.
 */
export type ConfigFields = 'secret' | 'optional-secret' | 'none' | 'basic-auth' | 'api-key' | 'json';

export interface SourceTypeChoice {
  type: string;
  label: string;
  fields: ConfigFields;
  /** Where the provider shows the secret, for the field's hint. */
  hint?: string;
}

export const SOURCE_TYPE_GROUPS: Array<{ label: string; types: SourceTypeChoice[] }> = [
  {
    label: 'Providers',
    types: [
      { type: 'github', label: 'GitHub', fields: 'optional-secret', hint: 'The webhook\u2019s “Secret” in the repository or organisation settings.' },
      { type: 'stripe', label: 'Stripe', fields: 'secret', hint: 'The endpoint\u2019s signing secret (whsec_\u2026) in the Stripe dashboard.' },
      { type: 'shopify', label: 'Shopify', fields: 'secret', hint: 'The app\u2019s client secret, or the store\u2019s webhook signing key.' },
      { type: 'slack', label: 'Slack', fields: 'secret', hint: 'The app\u2019s “Signing Secret”.' },
      { type: 'twilio', label: 'Twilio', fields: 'secret', hint: 'The account\u2019s Auth Token.' },
      { type: 'gitlab', label: 'GitLab', fields: 'secret', hint: 'The webhook\u2019s “Secret token”.' },
      { type: 'linear', label: 'Linear', fields: 'secret' },
      { type: 'paddle', label: 'Paddle', fields: 'secret' },
      { type: 'pagerduty', label: 'PagerDuty', fields: 'secret' },
    ],
  },
  {
    label: 'Standard Webhooks (Svix)',
    types: ['svix', 'clerk', 'resend', 'open-ai', 'replicate', 'render', 'brex', 'lithic', 'incident-io', 'beehiiv', 'guesty', 'nash', 'pleo',
      'psi-fi', 'safebase', 'sardine', 'stych'].map((type) => ({ type, label: type, fields: 'secret' as const, hint: 'The whsec_\u2026 signing secret.' })),
  },
  {
    label: 'Custom',
    types: [
      { type: 'hmac', label: 'HMAC signature (any header, algorithm, encoding)', fields: 'json' },
      { type: 'basic-auth', label: 'Basic authentication', fields: 'basic-auth' },
      { type: 'api-key', label: 'API key (header or query parameter)', fields: 'api-key' },
      { type: 'generic-webhook', label: 'No verification', fields: 'none' },
    ],
  },
];

export function sourceTypeChoice(type: string): SourceTypeChoice | undefined {
  for (const group of SOURCE_TYPE_GROUPS) {
    const found = group.types.find((choice) => choice.type === type);
    if (found) return found;
  }
  return undefined;
}

/** The providers with published webhook addresses (the server's IP_ALLOWLIST_PRESETS). */
export const IP_PRESETS = ['github', 'stripe', 'gitlab'];

export const HMAC_EXAMPLE = '{\n  "secret": "",\n  "header": "x-signature",\n  "algorithm": "sha256",\n  "encoding": "hex"\n}';

/** `10.0.0.0/8, 192.0.2.1` or one a line: the list the API takes (empty: any address). */
export function addressList(text: string): string[] {
  return text.split(/[\s,]+/).map((entry) => entry.trim()).filter((entry) => entry.length > 0);
}
