import { errorText } from '../api/client.ts';
import type { AttemptOut, DestinationOut, FanOutOut, MessageOut } from '../api/types.ts';
import { EmptyState } from '../components/empty-state.tsx';
import { JsonView } from '../components/json-view.tsx';
import { LoadState } from '../components/load-state.tsx';
import { useNotice } from '../components/notice.tsx';
import { StatusBadge } from '../components/status-badge.tsx';
import { useDashboard } from '../context.ts';
import { formatTime } from '../format.ts';
import { useResource } from '../hooks/use-resource.ts';
import { hrefOf } from '../routing.ts';
import { AppHeader } from './app-header.tsx';
import { AttemptDetails } from './attempt-details.tsx';

const LIVE_MS = 2000;

export function MessageDetail({ appId, messageId }: { appId: string; messageId: string }) {
  const { api } = useDashboard();
  const { notify } = useNotice();
  const app = `/app/${encodeURIComponent(appId)}`;
  const id = encodeURIComponent(messageId);
  const message = useResource(() => api.get<MessageOut>(`${app}/msg/${id}`), `msg:${appId}:${messageId}`);
  const destinations = useResource(() => api.page<DestinationOut>(`${app}/msg/${id}/endpoint`, { limit: 250 }), `dest:${appId}:${messageId}`, LIVE_MS);
  const fanOut = useResource(() => api.get<{ data: FanOutOut[] }>(`${app}/msg/${id}/fan-out`), `fanout:${appId}:${messageId}`);
  const attempts = useResource(() => api.page<AttemptOut>(`${app}/attempt/msg/${id}`, { limit: 250 }), `attempts:${appId}:${messageId}`, LIVE_MS);

  const resend = async (endpoint: DestinationOut) => {
    try {
      await api.send('POST', `${app}/msg/${id}/endpoint/${encodeURIComponent(endpoint.id)}/resend`, {});
      notify(`Resending to ${endpoint.url}.`);
      destinations.reload();
      attempts.reload();
    } catch (failure) {
      notify(`Could not resend: ${errorText(failure)}`, 'error');
    }
  };

  const attemptsByEndpoint = (endpointId: string) => attempts.data?.data.filter((attempt) => attempt.endpointId === endpointId) ?? [];

  return (
    <>
      <AppHeader appId={appId} section="messages" />
      <p className="breadcrumb"><a href={hrefOf({ view: 'messages', appId })}>Messages</a> /</p>
      <LoadState resource={message} what="the message" />
      {message.data && (
        <>
          <h2><code>{message.data.id}</code></h2>
          <dl className="facts">
            <div><dt>Event type</dt><dd><code>{message.data.eventType}</code></dd></div>
            <div><dt>Created</dt><dd>{formatTime(message.data.timestamp)}</dd></div>
            {message.data.eventId && <div><dt>Event id</dt><dd><code>{message.data.eventId}</code></dd></div>}
            {message.data.channels && <div><dt>Channels</dt><dd>{message.data.channels.join(', ')}</dd></div>}
          </dl>
          <section aria-labelledby="payload-title">
            <h3 id="payload-title">Payload</h3>
            <JsonView value={message.data.payload} label="Message payload" />
          </section>
        </>
      )}
      <section aria-labelledby="deliveries-title">
        <h3 id="deliveries-title">Deliveries</h3>
        <LoadState resource={destinations} what="deliveries" />
        {destinations.data?.data.length === 0 && (
          <EmptyState title="No endpoint receives this message">
            No endpoint was subscribed to this event type when it was sent. Add an endpoint, then use its “Send a test event”.
          </EmptyState>
        )}
        {destinations.data?.data.map((endpoint) => {
          const forEndpoint = attemptsByEndpoint(endpoint.id);
          return (
            <article key={endpoint.id} className="card destination" aria-label={`Delivery to ${endpoint.url}`}>
              <div className="title-row">
                <h4 className="break"><a href={hrefOf({ view: 'endpoint', appId, endpointId: endpoint.id })}>{endpoint.url}</a></h4>
                <StatusBadge status={endpoint.status} />
                {endpoint.nextAttempt && <span className="muted">next attempt {formatTime(endpoint.nextAttempt)}</span>}
                <button type="button" onClick={() => resend(endpoint)}>Resend</button>
              </div>
              {forEndpoint.length === 0
                ? <p className="muted">No attempt yet.</p>
                : <ol className="attempts" reversed>{forEndpoint.map((attempt, index) =>
                    <AttemptDetails key={attempt.id} attempt={attempt} number={forEndpoint.length - index} />)}</ol>}
            </article>
          );
        })}
      </section>
      <SkippedEndpoints appId={appId} verdicts={fanOut.data?.data ?? []} />
    </>
  );
}

/** The endpoints this message did not go to, and why: the content filter's reason names the field. */
function SkippedEndpoints({ appId, verdicts }: { appId: string; verdicts: FanOutOut[] }) {
  const skipped = verdicts.filter((verdict) => !verdict.delivered);
  if (skipped.length === 0) return null;
  return (
    <section aria-labelledby="skipped-title">
      <h3 id="skipped-title">Skipped endpoints</h3>
      <ul className="skipped">
        {skipped.map((verdict) => (
          <li key={verdict.endpointId}>
            <a className="break" href={hrefOf({ view: 'endpoint', appId, endpointId: verdict.endpointId })}>{verdict.url}</a>{' '}
            <span className="muted">{verdict.outcome === 'filtered'
              ? <>its filter did not match: <code>{verdict.reason}</code></>
              : verdict.outcome === 'not_subscribed'
                ? 'not subscribed to this event type or channel, or disabled'
                : 'would get it now, but did not when it was sent (created or changed since)'}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}
