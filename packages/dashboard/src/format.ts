import type { DeliveryStatus } from './api/types.ts';

export const STATUS_TEXT: Record<DeliveryStatus, string> = { 0: 'Succeeded', 1: 'Pending', 2: 'Failed', 3: 'Sending' };

export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
}

export function prettyJson(value: unknown): string {
  return JSON.stringify(value, null, 2);
}

/** `<input type="datetime-local">` speaks local time without a zone; the API wants RFC 3339. */
export function isoFromLocalInput(value: string): string | undefined {
  if (!value) return undefined;
  const time = new Date(value);
  return Number.isNaN(time.getTime()) ? undefined : time.toISOString();
}

export function localInputFromDate(date: Date): string {
  const offset = date.getTimezoneOffset() * 60_000;
  return new Date(date.getTime() - offset).toISOString().slice(0, 16);
}
