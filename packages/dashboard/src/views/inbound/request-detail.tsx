import { errorText } from '../../api/client.ts';
import type { IngestEndpointOut, InboundRequestDetailOut } from '../../api/inbound-types.ts';
import { EmptyState } from '../../components/empty-state.tsx';
import { LoadState } from '../../components/load-state.tsx';
import { useNotice } from '../../components/notice.tsx';
import { StatusBadge } from '../../components/status-badge.tsx';
import { useDashboard } from '../../context.ts';
import { formatTime } from '../../format.ts';
import { useResource } from '../../hooks/use-resource.ts';
import { hrefOf } from '../../routing.ts';
import { OutcomeBadge, VerdictBadge } from './badges.tsx';
import { SourceHeader, sourcePath, useSource } from './source-header.tsx';

const LIVE_MS = 2000;

/** The raw request as received, Herald's verdict, and what routing did with it at each endpoint. */
export function InboundRequestDetail({ sourceId, requestId }: { sourceId: string; requestId: string }) {
  const { ingest } = useDashboard();
  const { notify } = useNotice();
  const source = useSource(sourceId);
  const path = `${sourcePath(sourceId)}/request/${encodeURIComponent(requestId)}`;
  const request = useResource(() => ingest.get<InboundRequestDetailOut>(path), `inbound-request:${path}`, LIVE_MS);
  const endpoints = useResource(() => ingest.page<IngestEndpointOut>(`${sourcePath(sourceId)}/endpoint`, { limit: 250 }), `source-endpoints-all:${sourceId}`);
  const urlOf = (endpointId: string) => endpoints.data?.data.find((endpoint) => endpoint.id === endpointId)?.url ?? endpointId;
  // The routed messages belong to the source's backing application (uid ingest-<source id>).
  const backingApp = source.data ? `ingest-${source.data.id}` : null;

  const replay = async () => {
    try {
      await ingest.send('POST', `${path}/replay`, {});
      notify(request.data?.verdict === 'rejected' ? 'The request passes now: it is being routed.' : 'The request is being routed again.');
      request.reload();
    } catch (failure) {
      notify(`Could not replay: ${errorText(failure)}`, 'error');
    }
  };

  const data = request.data;
  return (
    <>
      <SourceHeader sourceId={sourceId} source={source} section="requests" />
      <p className="breadcrumb"><a href={hrefOf({ view: 'source-requests', sourceId })}>Requests</a> /</p>
      <LoadState resource={request} what="the request" />
      {data && (
        <>
          <div className="title-row">
            <h2><code>{data.id}</code></h2>
            <VerdictBadge verdict={data.verdict} />
            {data.verdict !== 'duplicate' && (
              <button type="button" onClick={replay}>{data.verdict === 'rejected' ? 'Verify again and route' : 'Replay'}</button>
            )}
          </div>
          <dl className="facts">
            <div><dt>Received</dt><dd>{formatTime(data.receivedAt)}</dd></div>
            <div><dt>Request</dt><dd><code>{data.method} {data.path}{data.query ? `?${data.query}` : ''}</code></dd></div>
            <div><dt>From</dt><dd><code>{data.sourceIp}</code></dd></div>
            <div><dt>Event type</dt><dd><code>{data.eventType || '—'}</code></dd></div>
            {data.rejectReason && <div><dt>Cause</dt><dd>{data.rejectReason}</dd></div>}
            {data.dedupeKey && <div><dt>Delivery id</dt><dd><code>{data.dedupeKey}</code></dd></div>}
            {data.duplicateOf && (
              <div><dt>Duplicate of</dt><dd><a href={hrefOf({ view: 'source-request', sourceId, requestId: data.duplicateOf })}><code>{data.duplicateOf}</code></a></dd></div>
            )}
            {data.duplicates > 0 && <div><dt>Repeats received</dt><dd>{data.duplicates}</dd></div>}
          </dl>

          <section aria-labelledby="outcomes-title">
            <h3 id="outcomes-title">Routing</h3>
            {data.outcomes.length === 0 ? (
              <EmptyState title={data.verdict === 'accepted' ? 'Not routed yet' : 'Not routed'}>
                {data.verdict === 'accepted'
                  ? 'Herald routes accepted requests within moments; if the source had no endpoints then, add one and replay.'
                  : data.verdict === 'rejected'
                    ? 'Rejected requests are never routed. After fixing the source\u2019s secret, “Verify again and route” checks it again.'
                    : 'A duplicate is routed through its original only.'}
              </EmptyState>
            ) : (
              <div className="table-wrap">
                <table>
                  <caption className="visually-hidden">Each endpoint's outcome, newest round first</caption>
                  <thead>
                    <tr><th scope="col">Endpoint</th><th scope="col">Outcome</th><th scope="col">Delivery</th><th scope="col">Round</th><th scope="col">Why</th></tr>
                  </thead>
                  <tbody>
                    {data.outcomes.map((outcome) => {
                      const last = outcome.attempts[0];
                      return (
                        <tr key={`${outcome.round}:${outcome.endpointId}`}>
                          <td className="break"><a href={hrefOf({ view: 'source-endpoint', sourceId, endpointId: outcome.endpointId })}>{urlOf(outcome.endpointId)}</a></td>
                          <td><OutcomeBadge outcome={outcome.outcome} /></td>
                          <td>
                            {outcome.msgId && backingApp ? (
                              <a href={hrefOf({ view: 'message', appId: backingApp, messageId: outcome.msgId })}>
                                {last ? <StatusBadge status={last.status} /> : 'Pending'}{last ? ` HTTP ${last.responseStatusCode}` : ''}
                              </a>
                            ) : '—'}
                          </td>
                          <td>{outcome.round}</td>
                          <td>{outcome.reason ?? '—'}</td>
                        </tr>
                      );
                    })}
                  </tbody>
                </table>
              </div>
            )}
          </section>

          <section aria-labelledby="request-headers-title">
            <h3 id="request-headers-title">Headers</h3>
            <div className="table-wrap">
              <table className="headers">
                <caption className="visually-hidden">Request headers</caption>
                <tbody>
                  {Object.entries(data.headers).map(([name, value]) => (
                    <tr key={name}><th scope="row"><code>{name}</code></th><td className="break"><code>{value}</code></td></tr>
                  ))}
                </tbody>
              </table>
            </div>
          </section>
          <section aria-labelledby="request-body-title">
            <h3 id="request-body-title">Body</h3>
            {data.body !== null ? (
              <pre className="code" tabIndex={0} aria-label="Request body">{prettyBody(data.body)}</pre>
            ) : data.bodyBase64 ? (
              <pre className="code" tabIndex={0} aria-label="Request body (base64)">{data.bodyBase64}</pre>
            ) : (
              <p className="muted">Not kept: the body was never read (too large or wrong method), or a rejected request&rsquo;s body passed its retention.</p>
            )}
          </section>
        </>
      )}
    </>
  );
}

/** JSON is shown indented; anything else as it came. */
function prettyBody(body: string): string {
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return body;
  }
}
