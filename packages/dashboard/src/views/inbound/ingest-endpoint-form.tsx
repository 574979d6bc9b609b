import { useState, type FormEvent } from 'react';
import type { IngestEndpointOut } from '../../api/inbound-types.ts';
import { useNotice } from '../../components/notice.tsx';
import { parseFilterText } from '../../filter-text.ts';
import { FilterEditor } from './filter-editor.tsx';

export interface IngestEndpointFields {
  url: string;
  description: string;
  filter: Record<string, unknown> | null;
  forwardHeaders: string[] | null;
}

const filterTextOf = (filter: unknown) => (filter === null || filter === undefined ? '' : JSON.stringify(filter, null, 2));

/** Create or edit a source's endpoint: where matching requests go, which ones (the filter), and which provider headers go along. */
export function IngestEndpointForm({ sourceId, initial, submitLabel, idPrefix, onSubmit }: {
  sourceId: string;
  initial?: IngestEndpointOut;
  submitLabel: string;
  idPrefix: string;
  onSubmit(fields: IngestEndpointFields): Promise<boolean>;
}) {
  const { notify } = useNotice();
  const [url, setUrl] = useState(initial?.url ?? '');
  const [description, setDescription] = useState(initial?.description ?? '');
  const [headers, setHeaders] = useState((initial?.forwardHeaders ?? []).join(', '));
  const [filterText, setFilterText] = useState(filterTextOf(initial?.filter));
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const parsed = parseFilterText(filterText);
    if (!parsed.ok) return notify(`Fix the filter first: ${parsed.problem}`, 'error');
    setBusy(true);
    const forwardHeaders = headers.split(',').map((name) => name.trim()).filter(Boolean);
    const done = await onSubmit({ url, description, filter: parsed.filter, forwardHeaders: forwardHeaders.length > 0 ? forwardHeaders : null });
    setBusy(false);
    if (done && !initial) {
      setUrl('');
      setDescription('');
      setHeaders('');
      setFilterText('');
    }
  };

  return (
    <form onSubmit={submit} className="endpoint-form">
      <div className="fields">
        <div className="field grow">
          <label htmlFor={`${idPrefix}-url`}>Endpoint URL</label>
          <input id={`${idPrefix}-url`} type="url" required placeholder="https://orders.internal/hooks/github" value={url}
            onChange={(event) => setUrl(event.target.value)} />
        </div>
        <div className="field grow">
          <label htmlFor={`${idPrefix}-description`}>Description</label>
          <input id={`${idPrefix}-description`} value={description} onChange={(event) => setDescription(event.target.value)} />
        </div>
        <div className="field grow">
          <label htmlFor={`${idPrefix}-forward-headers`}>Provider headers to pass on</label>
          <input id={`${idPrefix}-forward-headers`} value={headers} placeholder="x-github-event, x-github-delivery"
            aria-describedby={`${idPrefix}-forward-headers-hint`} onChange={(event) => setHeaders(event.target.value)} />
          <small id={`${idPrefix}-forward-headers-hint`}>Comma-separated; content-type always goes along.</small>
        </div>
      </div>
      <FilterEditor sourceId={sourceId} idPrefix={idPrefix} text={filterText} onChange={setFilterText} />
      <button type="submit" className="primary" disabled={busy}>{submitLabel}</button>
    </form>
  );
}
