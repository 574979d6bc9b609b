import { useState, type FormEvent } from 'react';
import type { EndpointOut } from '../api/types.ts';
import { useDashboard } from '../context.ts';
import { useResource } from '../hooks/use-resource.ts';

export interface MessageFilter {
  eventType: string;
  after: string;
  before: string;
  endpointId: string;
  status: string;
}

export const NO_FILTER: MessageFilter = { eventType: '', after: '', before: '', endpointId: '', status: '' };

/** Filters are applied on submit, and every one of them is evaluated by the server. */
export function MessageFilters({ appId, applied, onApply, onFindId }: {
  appId: string;
  applied: MessageFilter;
  onApply(filter: MessageFilter): void;
  onFindId(id: string): void;
}) {
  const { api } = useDashboard();
  const endpoints = useResource(() => api.page<EndpointOut>(`/app/${encodeURIComponent(appId)}/endpoint`, { limit: 250 }), `filter-endpoints:${appId}`);
  const [draft, setDraft] = useState(applied);
  const [messageId, setMessageId] = useState('');
  const set = (name: keyof MessageFilter) => (event: { target: { value: string } }) => setDraft({ ...draft, [name]: event.target.value });

  const apply = (event: FormEvent) => {
    event.preventDefault();
    onApply(draft.endpointId ? draft : { ...draft, status: '' });
  };
  const find = (event: FormEvent) => {
    event.preventDefault();
    if (messageId.trim()) onFindId(messageId.trim());
  };

  return (
    <div className="filters">
      <form onSubmit={apply} className="card" aria-labelledby="filter-title">
        <h2 id="filter-title" className="visually-hidden">Filter messages</h2>
        <div className="fields">
          <div className="field">
            <label htmlFor="filter-event-type">Event type</label>
            <input id="filter-event-type" value={draft.eventType} onChange={set('eventType')} placeholder="any" />
          </div>
          <div className="field">
            <label htmlFor="filter-after">From</label>
            <input id="filter-after" type="datetime-local" value={draft.after} onChange={set('after')} />
          </div>
          <div className="field">
            <label htmlFor="filter-before">Until</label>
            <input id="filter-before" type="datetime-local" value={draft.before} onChange={set('before')} />
          </div>
          <div className="field">
            <label htmlFor="filter-endpoint">Endpoint</label>
            <select id="filter-endpoint" value={draft.endpointId} onChange={set('endpointId')}>
              <option value="">Any endpoint</option>
              {endpoints.data?.data.map((endpoint) => <option key={endpoint.id} value={endpoint.id}>{endpoint.url}</option>)}
            </select>
          </div>
          <div className="field">
            <label htmlFor="filter-status">Delivery status</label>
            <select id="filter-status" value={draft.status} onChange={set('status')} disabled={!draft.endpointId}
              aria-describedby="filter-status-hint">
              <option value="">Any</option>
              <option value="0">Succeeded</option>
              <option value="2">Failed</option>
              <option value="1">Pending</option>
              <option value="3">Sending</option>
            </select>
            <small id="filter-status-hint">A status belongs to one endpoint: choose the endpoint first.</small>
          </div>
        </div>
        <div className="actions">
          <button type="submit" className="primary">Apply filters</button>
          <button type="button" onClick={() => { setDraft(NO_FILTER); onApply(NO_FILTER); }}>Clear</button>
        </div>
      </form>
      <form onSubmit={find} className="card find-id" role="search" aria-label="Find a message by id">
        <div className="field">
          <label htmlFor="find-message-id">Message id or event id</label>
          <input id="find-message-id" value={messageId} onChange={(event) => setMessageId(event.target.value)} placeholder="msg_…" />
        </div>
        <button type="submit">Open</button>
      </form>
    </div>
  );
}
