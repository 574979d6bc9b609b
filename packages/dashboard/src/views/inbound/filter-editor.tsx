import { useEffect, useState } from 'react';
import { errorText } from '../../api/client.ts';
import type { SourceFilterTestOut } from '../../api/inbound-types.ts';
import { useDashboard } from '../../context.ts';
import { useDebounced } from '../../hooks/use-debounced.ts';
import { parseFilterText } from '../../filter-text.ts';
import { hrefOf } from '../../routing.ts';
import { VerdictBadge } from './badges.tsx';

/** How long typing must pause before the filter is tested: a request per pause, not per key. */
const TEST_DELAY_MS = 400;
const RECENT = 20;

export const FILTER_EXAMPLE = '{\n  "headers": { "x-github-event": "push" },\n  "body": { "ref": { "$startsWith": "refs/heads/main" } }\n}';

type TestState =
  | { kind: 'idle' }
  | { kind: 'testing' }
  | { kind: 'problem'; text: string }
  | { kind: 'result'; result: SourceFilterTestOut };

/**
 * A request filter (Hookdeck's dialect) typed as JSON and tested as you type against the source's
 * most recent requests (POST /source/{id}/filter/test), so a user sees which requests it lets
 * through before saving it. The server validates: a bad operator comes back as its 422 message.
 */
export function FilterEditor({ sourceId, idPrefix, text, onChange }: { sourceId: string; idPrefix: string; text: string; onChange(text: string): void }) {
  const { ingest } = useDashboard();
  const settled = useDebounced(text, TEST_DELAY_MS);
  const [state, setState] = useState<TestState>({ kind: 'idle' });

  useEffect(() => {
    const parsed = parseFilterText(settled);
    if (!parsed.ok) return setState({ kind: 'problem', text: parsed.problem });
    if (parsed.filter === null) return setState({ kind: 'idle' });
    let current = true;
    setState({ kind: 'testing' });
    ingest.send<SourceFilterTestOut>('POST', `/source/${encodeURIComponent(sourceId)}/filter/test`, { filter: parsed.filter, limit: RECENT }).then(
      (result) => { if (current) setState({ kind: 'result', result }); },
      (failure: unknown) => { if (current) setState({ kind: 'problem', text: errorText(failure) }); },
    );
    return () => { current = false; };
  }, [settled, sourceId, ingest]);

  const stale = settled !== text;
  const matched = state.kind === 'result' ? state.result.data.filter((item) => item.match).length : 0;
  return (
    <div className="filter-editor">
      <div className="field">
        <label htmlFor={`${idPrefix}-filter`}>Filter <span className="muted">(optional)</span></label>
        <textarea id={`${idPrefix}-filter`} rows={Math.min(20, Math.max(8, text.split('\n').length + 1))} spellCheck={false} value={text} placeholder={FILTER_EXAMPLE}
          aria-describedby={`${idPrefix}-filter-hint`} onChange={(event) => onChange(event.target.value)} />
        <small id={`${idPrefix}-filter-hint`}>
          JSON with optional <code>body</code>, <code>headers</code>, <code>query</code>, <code>path</code>; every section must match.
          Operators: <code>$eq $neq $in $nin $gt $gte $lt $lte $startsWith $endsWith $exist $or $and $not $regex</code>. Empty: every request.
        </small>
      </div>
      <div className="filter-test" aria-live="polite" aria-busy={stale || state.kind === 'testing'} data-testid={`${idPrefix}-filter-test`}>
        <h3 className="filter-test-title">Recent requests</h3>
        {state.kind === 'idle' && <p className="muted">No filter: every accepted request is forwarded.</p>}
        {state.kind === 'testing' && <p className="muted">Testing…</p>}
        {state.kind === 'problem' && <p className="error" role="alert">{state.text}</p>}
        {state.kind === 'result' && state.result.data.length === 0 && <p className="muted">No requests yet to test against.</p>}
        {state.kind === 'result' && state.result.data.length > 0 && (
          <>
            <p data-testid={`${idPrefix}-filter-summary`}>Matches {matched} of the last {state.result.data.length} requests.</p>
            <ul className="filter-results">
              {state.result.data.map((item) => (
                <li key={item.requestId}>
                  <span className={`badge ${item.match ? 'badge-match' : 'badge-nomatch'}`}>{item.match ? 'Match' : 'No match'}</span>
                  <a href={hrefOf({ view: 'source-request', sourceId, requestId: item.requestId })}><code>{item.requestId}</code></a>
                  <code>{item.eventType}</code>
                  <VerdictBadge verdict={item.verdict} />
                  {!item.match && <span className="muted">{item.section}: {item.reason}</span>}
                </li>
              ))}
            </ul>
          </>
        )}
      </div>
    </div>
  );
}
