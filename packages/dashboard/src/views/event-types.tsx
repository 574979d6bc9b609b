import { useState, type FormEvent } from 'react';
import { errorText } from '../api/client.ts';
import type { EventTypeOut } from '../api/types.ts';
import { EmptyState } from '../components/empty-state.tsx';
import { LoadState } from '../components/load-state.tsx';
import { useNotice } from '../components/notice.tsx';
import { Pager } from '../components/pager.tsx';
import { useDashboard } from '../context.ts';
import { usePagedList } from '../hooks/use-paged-list.ts';

export function EventTypes() {
  const { api } = useDashboard();
  const { notify } = useNotice();
  const list = usePagedList((iterator) => api.page<EventTypeOut>('/event-type', { limit: 100, iterator }), 'event-types');
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const types = list.data?.data ?? [];

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    try {
      await api.send('POST', '/event-type', { name, description });
      notify(`Event type ${name} created.`);
      setName('');
      setDescription('');
      list.reload();
    } catch (failure) {
      notify(`Could not create the event type: ${errorText(failure)}`, 'error');
    }
  };

  return (
    <>
      <h1>Event types</h1>
      <p className="lead">The kinds of events your messages carry (e.g. <code>invoice.paid</code>). Endpoints can subscribe to some of them only.</p>
      <form className="card inline-form" onSubmit={submit} aria-labelledby="create-type-title">
        <h2 id="create-type-title">New event type</h2>
        <div className="fields">
          <div className="field">
            <label htmlFor="type-name">Name</label>
            <input id="type-name" required pattern="[a-zA-Z0-9\-_.]+" value={name} onChange={(event) => setName(event.target.value)} />
          </div>
          <div className="field grow">
            <label htmlFor="type-description">Description</label>
            <input id="type-description" value={description} onChange={(event) => setDescription(event.target.value)} />
          </div>
        </div>
        <button type="submit" className="primary">Create event type</button>
      </form>
      <LoadState resource={list} what="event types" />
      {list.data && types.length === 0 && (
        <EmptyState title="No event types yet">
          Messages may use any event type name, but declaring them here documents them and lets endpoints filter on them.
        </EmptyState>
      )}
      {types.length > 0 && (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">Event types</caption>
            <thead><tr><th scope="col">Name</th><th scope="col">Description</th><th scope="col">State</th></tr></thead>
            <tbody>
              {types.map((type) => (
                <tr key={type.name}>
                  <td><code>{type.name}</code></td>
                  <td>{type.description || '—'}</td>
                  <td>{type.archived ? 'Archived' : type.deprecated ? 'Deprecated' : 'Active'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager list={list} label="Event types" />
    </>
  );
}
