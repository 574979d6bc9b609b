/**
 * What Herald reads from an inbound request once it is verified: its parsed body (for filters and
 * dedupe), its de-duplication key, its event type, and Slack's url_verification answer.
 */
import { createHash } from 'node:crypto';
import { isSvixConfigType, type SourceType } from './source-types.ts';
import type { RawInboundRequest } from './verify.ts';

/** Where a source's delivery id is read from; a body path is dotted ("data.object.id", "items.0.id"). */
export interface DedupeRule {
  from: 'header' | 'body' | 'query';
  path: string;
}

/** Parses a body for filters and dedupe: JSON, or form-urlencoded into an object; anything else: null. */
export function parseInboundBody(contentType: string | undefined, body: Buffer): unknown {
  const mediaType = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (mediaType === 'application/x-www-form-urlencoded') return parseForm(body.toString('utf8'));
  // No content type at all: many senders omit it for JSON, so JSON is tried.
  if (mediaType === '' || mediaType === 'application/json' || mediaType.endsWith('+json') || mediaType === 'text/json') {
    return parseJson(body);
  }
  return null;
}

function parseJson(body: Buffer): unknown {
  if (body.length === 0) return null;
  try {
    // A UTF-8 byte order mark is legal before JSON on the wire but not for JSON.parse.
    return JSON.parse(body.toString('utf8').replace(/^\uFEFF/, ''));
  } catch {
    return null;
  }
}

/** Repeated names become arrays, in order. Object.fromEntries defines own properties, so "__proto__" is just a key. */
function parseForm(text: string): Record<string, string | string[]> {
  const values = new Map<string, string[]>();
  for (const [name, value] of new URLSearchParams(text)) {
    const list = values.get(name);
    if (list) list.push(value);
    else values.set(name, [value]);
  }
  return Object.fromEntries([...values].map(([name, list]) => [name, list.length === 1 ? list[0]! : list]));
}

/** Keys longer than this are stored as their SHA-256, so that a huge id cannot bloat the unique index. */
const MAX_DEDUPE_KEY_LENGTH = 256;

/**
 * The provider's delivery id per type: the same id on every retry of one delivery and a new one
 * for every other, so a repeat can be answered 2xx and routed no second time. Types without a
 * known id give null (no de-duplication) unless the source sets its own rule.
 */
export const DEDUPE_PRESETS: Partial<Record<SourceType, DedupeRule>> = {
  github: { from: 'header', path: 'x-github-delivery' },
  stripe: { from: 'body', path: 'id' },
  slack: { from: 'body', path: 'event_id' },
  shopify: { from: 'header', path: 'x-shopify-webhook-id' },
  pagerduty: { from: 'header', path: 'x-webhook-id' },
  linear: { from: 'header', path: 'linear-delivery' },
  paddle: { from: 'body', path: 'event_id' },
  twilio: { from: 'header', path: 'i-twilio-idempotency-token' },
  gitlab: { from: 'header', path: 'idempotency-key' },
};

/** The override rule if any, else the type's preset (Standard Webhooks: webhook-id, or svix-id). */
export function dedupeKey(type: SourceType, override: DedupeRule | null, request: RawInboundRequest, body: unknown): string | null {
  let key: string | null;
  if (override) key = readRule(override, request, body);
  else if (isSvixConfigType(type)) key = request.headers['webhook-id'] || request.headers['svix-id'] || null;
  else {
    const preset = DEDUPE_PRESETS[type];
    key = preset ? readRule(preset, request, body) : null;
  }
  if (key === null || key === '') return null;
  return key.length > MAX_DEDUPE_KEY_LENGTH ? `sha256:${createHash('sha256').update(key).digest('hex')}` : key;
}

/**
 * A header by name, read as an own property only: a rule naming `__proto__` or `constructor` must
 * find nothing, not Object.prototype's members.
 */
function ownHeader(request: RawInboundRequest, name: string): string | undefined {
  const value = Object.hasOwn(request.headers, name) ? request.headers[name] : undefined;
  return typeof value === 'string' ? value : undefined;
}

function readRule(rule: DedupeRule, request: RawInboundRequest, body: unknown): string | null {
  switch (rule.from) {
    case 'header':
      return ownHeader(request, rule.path.toLowerCase())?.trim() || null;
    case 'query':
      return queryOf(request.url).get(rule.path) || null;
    case 'body':
      return scalarText(readPath(body, rule.path));
  }
}

/** A problem with a dedupe rule as the API received it, or null when it is usable. */
export function validateDedupeRule(rule: unknown): { loc: string[]; msg: string } | null {
  if (typeof rule !== 'object' || rule === null || Array.isArray(rule)) return { loc: ['dedupe'], msg: 'must be an object {from, path}' };
  const { from, path } = rule as Record<string, unknown>;
  if (from !== 'header' && from !== 'body' && from !== 'query') return { loc: ['dedupe', 'from'], msg: 'must be one of header, body, query' };
  if (typeof path !== 'string' || path.length === 0 || path.length > 256) return { loc: ['dedupe', 'path'], msg: 'must be a string of 1 to 256 characters' };
  if (from === 'body' && path.split('.').some((part) => part === '')) return { loc: ['dedupe', 'path'], msg: 'must be a dotted path without empty parts' };
  return null;
}

function queryOf(url: string): URLSearchParams {
  const at = url.indexOf('?');
  return new URLSearchParams(at === -1 ? '' : url.slice(at + 1).split('#')[0]);
}

/** Follows a dotted path through objects and arrays (numeric parts index arrays); own properties only. */
function readPath(value: unknown, path: string): unknown {
  let current = value;
  for (const part of path.split('.')) {
    if (typeof current !== 'object' || current === null) return undefined;
    if (Array.isArray(current)) {
      if (!/^\d+$/.test(part)) return undefined;
      current = current[Number(part)];
    } else {
      if (!Object.hasOwn(current, part)) return undefined;
      current = (current as Record<string, unknown>)[part];
    }
  }
  return current;
}

function scalarText(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return null;
}

export const FALLBACK_EVENT_TYPE = 'inbound';
const MAX_EVENT_TYPE_LENGTH = 256;

/**
 * The event type of the message a routed request becomes. Read from where each provider names
 * its event:
 * - github: `<X-GitHub-Event>.<body.action>` when the body has an action ("issues.opened"),
 *   else the header alone ("push"). Chosen over the header alone because Octokit names events the
 *   same way, and most GitHub events mean little without their action; a filter on the
 *   x-github-event header still selects every action of an event.
 * - stripe `body.type`; slack `body.event.type`, else `body.type` (url_verification), else for
 *   its form posts the interactivity payload's type or "slash_command"; shopify `X-Shopify-Topic`; svix-config types `body.type`
 *   (Standard Webhooks payloads carry it); gitlab `body.object_kind`, else `X-Gitlab-Event`;
 *   linear `<body.type>.<body.action>`; paddle `body.event_type`; pagerduty `body.event.event_type`.
 * Anything else, or a value missing: "inbound".
 * The result is made to fit Herald's event type names (letters, digits, "-", "_", "."; 256 at
 * most): "/" becomes "." (Shopify's "orders/create" is "orders.create"), anything else "_".
 */
export function inboundEventType(type: SourceType, request: RawInboundRequest, body: unknown): string {
  return eventTypeName(rawEventType(type, request, body));
}

function rawEventType(type: SourceType, request: RawInboundRequest, body: unknown): string | null {
  const text = (path: string) => {
    const value = readPath(body, path);
    return typeof value === 'string' && value !== '' ? value : null;
  };
  const headerValue = (name: string) => ownHeader(request, name)?.trim() || null;
  if (isSvixConfigType(type)) return text('type');
  switch (type) {
    case 'github': {
      const event = headerValue('x-github-event');
      const action = text('action');
      return event && action ? `${event}.${action}` : event;
    }
    case 'stripe':
      return text('type');
    case 'slack':
      return text('event.type') ?? text('type') ?? slackFormType(body);
    case 'shopify':
      return headerValue('x-shopify-topic');
    case 'gitlab':
      return text('object_kind') ?? headerValue('x-gitlab-event');
    case 'linear': {
      const kind = text('type');
      const action = text('action');
      return kind && action ? `${kind}.${action}` : kind;
    }
    case 'paddle':
      return text('event_type');
    case 'pagerduty':
      return text('event.event_type');
    default:
      return null;
  }
}

/**
 * Slack's form posts: interactivity sends `payload=<JSON>` whose `type` names it ("block_actions");
 * a slash command has a `command` field and is "slash_command".
 */
function slackFormType(body: unknown): string | null {
  if (typeof body !== 'object' || body === null) return null;
  const form = body as Record<string, unknown>;
  if (typeof form.payload === 'string') {
    try {
      const type = (JSON.parse(form.payload) as Record<string, unknown> | null)?.type;
      if (typeof type === 'string' && type !== '') return type;
    } catch {
      // Not JSON: no type from it.
    }
  }
  return typeof form.command === 'string' ? 'slash_command' : null;
}

function eventTypeName(raw: string | null): string {
  if (raw === null) return FALLBACK_EVENT_TYPE;
  const name = raw.replace(/\//g, '.').replace(/[^a-zA-Z0-9\-_.]/g, '_').slice(0, MAX_EVENT_TYPE_LENGTH);
  return name === '' ? FALLBACK_EVENT_TYPE : name;
}

/**
 * Slack's url_verification: Slack posts `{type: "url_verification", challenge}` when a URL is
 * configured and expects the challenge back. Only asked after the signature passed, so an
 * unsigned request can never make Herald echo text. Other types have no handshake: null.
 */
export function challengeAnswer(type: SourceType, body: unknown): { status: number; contentType: string; body: string } | null {
  if (type !== 'slack' || typeof body !== 'object' || body === null) return null;
  const record = body as Record<string, unknown>;
  if (record.type !== 'url_verification' || typeof record.challenge !== 'string') return null;
  return { status: 200, contentType: 'text/plain; charset=utf-8', body: record.challenge };
}
