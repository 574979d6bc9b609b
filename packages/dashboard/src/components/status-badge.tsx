import type { DeliveryStatus } from '../api/types.ts';
import { STATUS_TEXT } from '../format.ts';

/** Colour is never the only signal: the badge always carries the word. */
export function StatusBadge({ status }: { status: DeliveryStatus }) {
  return <span className={`badge badge-${status}`}>{STATUS_TEXT[status]}</span>;
}

export function EnabledBadge({ disabled }: { disabled: boolean }) {
  return <span className={`badge ${disabled ? 'badge-2' : 'badge-0'}`}>{disabled ? 'Disabled' : 'Enabled'}</span>;
}
