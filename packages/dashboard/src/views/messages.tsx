import { useState } from 'react';
import { errorText } from '../api/client.ts';
import type { EndpointMessageOut, MessageOut } from '../api/types.ts';
import { EmptyState } from '../components/empty-state.tsx';
import { LoadState } from '../components/load-state.tsx';
import { useNotice } from '../components/notice.tsx';
import { Pager } from '../components/pager.tsx';
import { StatusBadge } from '../components/status-badge.tsx';
import { useDashboard } from '../context.ts';
import { formatTime, isoFromLocalInput } from '../format.ts';
import { usePagedList } from '../hooks/use-paged-list.ts';
import { hrefOf, navigate } from '../routing.ts';
import { AppHeader } from './app-header.tsx';
import { MessageFilters, NO_FILTER, type MessageFilter } from './message-filters.tsx';

const PAGE_SIZE = 50;

export function Messages({ appId }: { appId: string }) {
  const { api } = useDashboard();
  const { notify } = useNotice();
  const [filter, setFilter] = useState<MessageFilter>(NO_FILTER);
  const app = `/app/${encodeURIComponent(appId)}`;
  const query = {
    limit: PAGE_SIZE,
    event_types: filter.eventType || undefined,
    after: isoFromLocalInput(filter.after),
    before: isoFromLocalInput(filter.before),
    with_content: false,
  };
  // With an endpoint chosen, the endpoint's own message list also knows each delivery's status.
  const list = usePagedList<MessageOut | EndpointMessageOut>(
    (iterator) => filter.endpointId
      ? api.page<EndpointMessageOut>(`${app}/endpoint/${encodeURIComponent(filter.endpointId)}/msg`, { ...query, status: filter.status || undefined, iterator })
      : api.page<MessageOut>(`${app}/msg`, { ...query, iterator }),
    `messages:${appId}:${JSON.stringify(filter)}`, 5000);
  const messages = list.data?.data ?? [];
  const filtered = JSON.stringify(filter) !== JSON.stringify(NO_FILTER);

  const findId = async (id: string) => {
    try {
      const message = await api.get<MessageOut>(`${app}/msg/${encodeURIComponent(id)}`, { with_content: false });
      navigate({ view: 'message', appId, messageId: message.id });
    } catch (failure) {
      notify(`No message found for “${id}”: ${errorText(failure)}`, 'error');
    }
  };

  return (
    <>
      <AppHeader appId={appId} section="messages" />
      <MessageFilters appId={appId} applied={filter} onApply={setFilter} onFindId={findId} />
      <LoadState resource={list} what="messages" />
      {list.data && messages.length === 0 && (filtered ? (
        <EmptyState title="No messages match these filters">Widen the time range or clear the filters.</EmptyState>
      ) : (
        <EmptyState title="No messages yet">
          Send one from your application with <code>POST /api/v1/app/{appId}/msg</code>, or use “Send a test event” on an endpoint.
          Messages appear here as they arrive.
        </EmptyState>
      ))}
      {messages.length > 0 && (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">Messages, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Message</th><th scope="col">Event type</th>
                {filter.endpointId && <th scope="col">Delivery</th>}
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {messages.map((message) => (
                <tr key={message.id}>
                  <td><a href={hrefOf({ view: 'message', appId, messageId: message.id })}><code>{message.id}</code></a></td>
                  <td><code>{message.eventType}</code></td>
                  {filter.endpointId && <td>{'status' in message ? <StatusBadge status={message.status} /> : '—'}</td>}
                  <td>{formatTime(message.timestamp)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager list={list} label="Messages" />
    </>
  );
}
