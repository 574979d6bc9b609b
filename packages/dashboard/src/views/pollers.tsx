import { useState, type FormEvent } from 'react';
import { errorText } from '../api/client.ts';
import { EmptyState } from '../components/empty-state.tsx';
import { LoadState } from '../components/load-state.tsx';
import { useNotice } from '../components/notice.tsx';
import { Pager } from '../components/pager.tsx';
import { useDashboard } from '../context.ts';
import { usePagedList } from '../hooks/use-paged-list.ts';
import { useResource } from '../hooks/use-resource.ts';
import { formatTime } from '../format.ts';
import { AppHeader } from './app-header.tsx';

interface PollerOut {
  id: string;
  uid: string | null;
  filterTypes: string[] | null;
  channels: string[] | null;
  description: string;
  createdAt: string;
}
interface ConsumerOut { id: string; iterator: string; updatedAt: string; lag: number; lagCapped: boolean }

const listOf = (text: string): string[] | null => {
  const items = text.split(',').map((item) => item.trim()).filter((item) => item.length > 0);
  return items.length > 0 ? items : null;
};

/** Polling endpoints (issue 18): create one (its token is shown once), and see each consumer's lag. */
export function Pollers({ appId }: { appId: string }) {
  const { api } = useDashboard();
  const { notify } = useNotice();
  const base = `/app/${encodeURIComponent(appId)}/poller`;
  const list = usePagedList((iterator) => api.page<PollerOut>(base, { limit: 50, iterator }), `pollers:${appId}`, 5000);
  const pollers = list.data?.data ?? [];
  const [description, setDescription] = useState('');
  const [types, setTypes] = useState('');
  const [channels, setChannels] = useState('');
  const [created, setCreated] = useState<{ id: string; token: string } | null>(null);

  const create = async (event: FormEvent) => {
    event.preventDefault();
    try {
      const poller = await api.send<PollerOut & { token: string }>('POST', base, { description, filterTypes: listOf(types), channels: listOf(channels) });
      setCreated({ id: poller.id, token: poller.token });
      setDescription('');
      setTypes('');
      setChannels('');
      list.reload();
    } catch (failure) {
      notify(`Could not create the polling endpoint: ${errorText(failure)}`, 'error');
    }
  };

  return (
    <>
      <AppHeader appId={appId} section="polling" />
      <section className="card" aria-labelledby="new-poller-title">
        <h2 id="new-poller-title">Add a polling endpoint</h2>
        <p>For consumers that cannot receive webhooks: they read this application's messages with the Svix SDK's <code>message.poller</code>, <code>herald poll</code> or a live stream.</p>
        <form onSubmit={create}>
          <label htmlFor="poller-description">Description</label>
          <input id="poller-description" value={description} onChange={(e) => setDescription(e.target.value)} />
          <label htmlFor="poller-types">Event types (comma-separated; empty for all)</label>
          <input id="poller-types" value={types} onChange={(e) => setTypes(e.target.value)} />
          <label htmlFor="poller-channels">Channels (comma-separated; empty for all)</label>
          <input id="poller-channels" value={channels} onChange={(e) => setChannels(e.target.value)} />
          <button type="submit">Add polling endpoint</button>
        </form>
        {created && (
          <p role="status">
            <label htmlFor="poller-token">Read-only token for {created.id} (shown once: copy it now)</label>
            <input id="poller-token" readOnly value={created.token} onFocus={(e) => e.target.select()} />
          </p>
        )}
      </section>
      <LoadState resource={list} what="polling endpoints" />
      {list.data && pollers.length === 0 && (
        <EmptyState title="No polling endpoints yet">Add one above; it holds every matching message from the moment it is created.</EmptyState>
      )}
      {pollers.map((poller) => <PollerCard key={poller.id} appId={appId} poller={poller} />)}
      <Pager list={list} label="Polling endpoints" />
    </>
  );
}

function PollerCard({ appId, poller }: { appId: string; poller: PollerOut }) {
  const { api } = useDashboard();
  const path = `/app/${encodeURIComponent(appId)}/poller/${encodeURIComponent(poller.id)}/consumer`;
  const consumers = useResource(() => api.get<{ data: ConsumerOut[] }>(path), `consumers:${poller.id}`, 5000);
  const rows = consumers.data?.data ?? [];
  return (
    <section className="card" aria-label={`Polling endpoint ${poller.id}`}>
      <h2>{poller.description || poller.uid || poller.id}</h2>
      <p><code>{poller.id}</code> · event types: {poller.filterTypes?.join(', ') ?? 'all'} · channels: {poller.channels?.join(', ') ?? 'all'} · created {formatTime(poller.createdAt)}</p>
      <LoadState resource={consumers} what="consumers" />
      {consumers.data && rows.length === 0 && <p>No consumer has polled it yet.</p>}
      {rows.length > 0 && (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">Consumers of {poller.id}</caption>
            <thead><tr><th scope="col">Consumer</th><th scope="col">Lag (unread messages)</th><th scope="col">Last moved</th></tr></thead>
            <tbody>
              {rows.map((consumer) => (
                <tr key={consumer.id}>
                  <td>{consumer.id}</td>
                  <td>{consumer.lag}{consumer.lagCapped ? '+' : ''}</td>
                  <td>{formatTime(consumer.updatedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
