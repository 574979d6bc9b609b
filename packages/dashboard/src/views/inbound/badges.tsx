import type { InboundVerdict, RouteOutcomeKind } from '../../api/inbound-types.ts';

const VERDICT_TEXT: Record<InboundVerdict, string> = { accepted: 'Accepted', rejected: 'Rejected', duplicate: 'Duplicate' };
const OUTCOME_TEXT: Record<RouteOutcomeKind, string> = {
  forwarded: 'Forwarded', filtered: 'Filtered out', transformation_failed: 'Transformation failed', endpoint_disabled: 'Endpoint disabled',
};

/** As the other badges: the word always, the colour only as a second signal. */
export function VerdictBadge({ verdict }: { verdict: InboundVerdict }) {
  return <span className={`badge badge-${verdict}`}>{VERDICT_TEXT[verdict] ?? verdict}</span>;
}

export function OutcomeBadge({ outcome }: { outcome: RouteOutcomeKind }) {
  return <span className={`badge badge-${outcome}`}>{OUTCOME_TEXT[outcome] ?? outcome}</span>;
}
