import { useState, type FormEvent } from 'react';
import type { EndpointOut } from '../api/types.ts';

export interface EndpointFields {
  url: string;
  description: string;
  filterTypes: string[] | null;
  /** Herald extension: a content filter on the payload; null for none (clears it on an edit). */
  filter: unknown;
}

const PAYLOAD_FILTER_EXAMPLE = '{ "total": { "amount": { "$gte": 10000 } } }';

/** The filter text as the API takes it: empty is "no filter"; anything else must parse as JSON. */
function parsePayloadFilter(text: string): { ok: true; filter: unknown } | { ok: false; problem: string } {
  if (text.trim() === '') return { ok: true, filter: null };
  try {
    return { ok: true, filter: JSON.parse(text) as unknown };
  } catch (error) {
    return { ok: false, problem: `The filter is not valid JSON: ${(error as Error).message}` };
  }
}

/** Create or edit an endpoint: where webhooks go, and which event types it wants (none = all). */
export function EndpointForm({ initial, submitLabel, idPrefix, onSubmit }: {
  initial?: EndpointOut;
  submitLabel: string;
  idPrefix: string;
  onSubmit(fields: EndpointFields): Promise<boolean>;
}) {
  const [url, setUrl] = useState(initial?.url ?? '');
  const [description, setDescription] = useState(initial?.description ?? '');
  const [types, setTypes] = useState((initial?.filterTypes ?? []).join(', '));
  const [filterText, setFilterText] = useState(initial?.filter == null ? '' : JSON.stringify(initial.filter, null, 2));
  const [filterProblem, setFilterProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const filter = parsePayloadFilter(filterText);
    setFilterProblem(filter.ok ? null : filter.problem);
    if (!filter.ok) return;
    setBusy(true);
    const filterTypes = types.split(',').map((type) => type.trim()).filter(Boolean);
    const done = await onSubmit({ url, description, filterTypes: filterTypes.length > 0 ? filterTypes : null, filter: filter.filter });
    setBusy(false);
    if (done && !initial) {
      setUrl('');
      setDescription('');
      setTypes('');
      setFilterText('');
    }
  };

  return (
    <form onSubmit={submit} className="endpoint-form">
      <div className="fields">
        <div className="field grow">
          <label htmlFor={`${idPrefix}-url`}>Endpoint URL</label>
          <input id={`${idPrefix}-url`} type="url" required placeholder="https://example.com/webhooks" value={url}
            onChange={(event) => setUrl(event.target.value)} />
        </div>
        <div className="field grow">
          <label htmlFor={`${idPrefix}-description`}>Description</label>
          <input id={`${idPrefix}-description`} value={description} onChange={(event) => setDescription(event.target.value)} />
        </div>
        <div className="field grow">
          <label htmlFor={`${idPrefix}-types`}>Event types</label>
          <input id={`${idPrefix}-types`} value={types} aria-describedby={`${idPrefix}-types-hint`}
            onChange={(event) => setTypes(event.target.value)} />
          <small id={`${idPrefix}-types-hint`}>Comma-separated; leave empty to receive every event type.</small>
        </div>
        <div className="field grow">
          <label htmlFor={`${idPrefix}-filter`}>Payload filter <span className="muted">(optional)</span></label>
          <textarea id={`${idPrefix}-filter`} rows={3} spellCheck={false} value={filterText} placeholder={PAYLOAD_FILTER_EXAMPLE}
            aria-describedby={`${idPrefix}-filter-hint`} onChange={(event) => setFilterText(event.target.value)} />
          <small id={`${idPrefix}-filter-hint`}>
            JSON matched against the message payload (<code>$eq $neq $in $nin $gt $gte $lt $lte $startsWith $endsWith $exist $or $and $not $regex</code>);
            a missing field is no match. Empty: every message.
          </small>
          {filterProblem && <p className="error" role="alert">{filterProblem}</p>}
        </div>
      </div>
      <button type="submit" className="primary" disabled={busy}>{submitLabel}</button>
    </form>
  );
}
