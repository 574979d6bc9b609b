import { useState, type FormEvent } from 'react';
import { errorText } from '../../api/client.ts';
import type { InboundRequestOut, InboundVerdict } from '../../api/inbound-types.ts';
import { EmptyState } from '../../components/empty-state.tsx';
import { LoadState } from '../../components/load-state.tsx';
import { useNotice } from '../../components/notice.tsx';
import { Pager } from '../../components/pager.tsx';
import { useDashboard } from '../../context.ts';
import { formatTime, isoFromLocalInput, localInputFromDate } from '../../format.ts';
import { usePagedList } from '../../hooks/use-paged-list.ts';
import { hrefOf } from '../../routing.ts';
import { VerdictBadge } from './badges.tsx';
import { SourceHeader, sourcePath, useSource } from './source-header.tsx';

const PAGE_SIZE = 50;

/** Every request the source received, newest first, live: accepted, rejected (with the cause) and duplicates. */
export function SourceRequests({ sourceId }: { sourceId: string }) {
  const { ingest } = useDashboard();
  const source = useSource(sourceId);
  const [verdict, setVerdict] = useState<InboundVerdict | ''>('');
  const list = usePagedList(
    (iterator) => ingest.page<InboundRequestOut>(`${sourcePath(sourceId)}/request`, { limit: PAGE_SIZE, verdict: verdict || undefined, iterator }),
    `source-requests:${sourceId}:${verdict}`, 3000);
  const requests = list.data?.data ?? [];

  return (
    <>
      <SourceHeader sourceId={sourceId} source={source} section="requests" />
      <div className="fields filters-row">
        <div className="field">
          <label htmlFor="request-verdict">Verdict</label>
          <select id="request-verdict" value={verdict} onChange={(event) => setVerdict(event.target.value as InboundVerdict | '')}>
            <option value="">All</option>
            <option value="accepted">Accepted</option>
            <option value="rejected">Rejected</option>
            <option value="duplicate">Duplicate</option>
          </select>
        </div>
      </div>
      <LoadState resource={list} what="requests" />
      {list.data && requests.length === 0 && (verdict ? (
        <EmptyState title="No requests with this verdict">Choose “All” to see every request.</EmptyState>
      ) : (
        <EmptyState title="No requests yet">
          Give the provider this source&rsquo;s ingest URL (above). Every request it sends appears here within seconds, with Herald&rsquo;s verdict.
        </EmptyState>
      ))}
      {requests.length > 0 && (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">Requests, newest first</caption>
            <thead>
              <tr><th scope="col">Request</th><th scope="col">Verdict</th><th scope="col">Event type or cause</th><th scope="col">From</th><th scope="col">Received</th></tr>
            </thead>
            <tbody>
              {requests.map((request) => (
                <tr key={request.id}>
                  <td><a href={hrefOf({ view: 'source-request', sourceId, requestId: request.id })}><code>{request.id}</code></a> <span className="muted">{request.method}</span></td>
                  <td><VerdictBadge verdict={request.verdict} /></td>
                  <td>{request.verdict === 'rejected' ? request.rejectReason : <code>{request.eventType}</code>}</td>
                  <td><code>{request.sourceIp}</code></td>
                  <td>{formatTime(request.receivedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager list={list} label="Requests" />
      <BulkReplay sourceId={sourceId} replayed={list.reload} />
    </>
  );
}

function BulkReplay({ sourceId, replayed }: { sourceId: string; replayed(): void }) {
  const { ingest } = useDashboard();
  const { notify } = useNotice();
  const [since, setSince] = useState(() => localInputFromDate(new Date(Date.now() - 3_600_000)));
  const [until, setUntil] = useState('');
  const replay = async (event: FormEvent) => {
    event.preventDefault();
    const from = isoFromLocalInput(since);
    if (!from) return notify('Choose a valid time to replay from.', 'error');
    if (!window.confirm('Route every accepted request of this period again, to the current endpoints and filters?')) return;
    try {
      const result = await ingest.send<{ replayed: number }>('POST', `${sourcePath(sourceId)}/replay`, { since: from, until: isoFromLocalInput(until) ?? null });
      notify(`${result.replayed} ${result.replayed === 1 ? 'request is' : 'requests are'} being routed again.`);
      replayed();
    } catch (failure) {
      notify(`Could not replay: ${errorText(failure)}`, 'error');
    }
  };
  return (
    <form className="card" onSubmit={replay} aria-labelledby="bulk-replay-title">
      <h2 id="bulk-replay-title">Replay requests</h2>
      <p>Route the accepted requests of a period again, from the stored bytes, to the endpoints and filters as they are now (e.g. after adding an endpoint).</p>
      <div className="fields">
        <div className="field">
          <label htmlFor="replay-since">Since</label>
          <input id="replay-since" type="datetime-local" required value={since} onChange={(event) => setSince(event.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="replay-until">Until <span className="muted">(optional)</span></label>
          <input id="replay-until" type="datetime-local" value={until} onChange={(event) => setUntil(event.target.value)} />
        </div>
      </div>
      <button type="submit">Replay requests</button>
    </form>
  );
}
