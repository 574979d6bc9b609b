import { useState, type FormEvent } from 'react';
import type { EndpointOut } from '../api/types.ts';

export interface EndpointFields {
  url: string;
  description: string;
  filterTypes: string[] | null;
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
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    const filterTypes = types.split(',').map((type) => type.trim()).filter(Boolean);
    const done = await onSubmit({ url, description, filterTypes: filterTypes.length > 0 ? filterTypes : null });
    setBusy(false);
    if (done && !initial) {
      setUrl('');
      setDescription('');
      setTypes('');
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
      </div>
      <button type="submit" className="primary" disabled={busy}>{submitLabel}</button>
    </form>
  );
}
