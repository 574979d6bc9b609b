import { errorText } from '../../api/client.ts';
import type { IngestEndpointOut } from '../../api/inbound-types.ts';
import { EmptyState } from '../../components/empty-state.tsx';
import { LoadState } from '../../components/load-state.tsx';
import { useNotice } from '../../components/notice.tsx';
import { Pager } from '../../components/pager.tsx';
import { EnabledBadge } from '../../components/status-badge.tsx';
import { useDashboard } from '../../context.ts';
import { usePagedList } from '../../hooks/use-paged-list.ts';
import { hrefOf, navigate } from '../../routing.ts';
import { IngestEndpointForm } from './ingest-endpoint-form.tsx';
import { SourceHeader, sourcePath, useSource } from './source-header.tsx';
import { SourceSettings } from './source-settings.tsx';

/** A source's endpoints (where its requests are routed) and its access settings. */
export function SourceEndpoints({ sourceId }: { sourceId: string }) {
  const { ingest } = useDashboard();
  const { notify } = useNotice();
  const source = useSource(sourceId);
  const base = `${sourcePath(sourceId)}/endpoint`;
  const list = usePagedList((iterator) => ingest.page<IngestEndpointOut>(base, { limit: 50, iterator }), `source-endpoints:${sourceId}`, 5000);
  const endpoints = list.data?.data ?? [];

  return (
    <>
      <SourceHeader sourceId={sourceId} source={source} section="endpoints" />
      <LoadState resource={list} what="endpoints" />
      {list.data && endpoints.length === 0 && (
        <EmptyState title="No endpoints yet">
          Requests this source accepts are stored, but go nowhere until you add an endpoint below. Each endpoint gets the
          requests its filter matches, signed with its own secret.
        </EmptyState>
      )}
      {endpoints.length > 0 && (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">Endpoints of this source</caption>
            <thead><tr><th scope="col">URL</th><th scope="col">Description</th><th scope="col">Filter</th><th scope="col">State</th></tr></thead>
            <tbody>
              {endpoints.map((endpoint) => (
                <tr key={endpoint.id}>
                  <td className="break"><a href={hrefOf({ view: 'source-endpoint', sourceId, endpointId: endpoint.id })}>{endpoint.url}</a></td>
                  <td>{endpoint.description || '—'}</td>
                  <td className="break">{endpoint.filter ? <code>{JSON.stringify(endpoint.filter)}</code> : 'Every request'}</td>
                  <td><EnabledBadge disabled={endpoint.disabled} /></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager list={list} label="Endpoints" />
      <section className="card" aria-labelledby="new-ingest-endpoint-title">
        <h2 id="new-ingest-endpoint-title">Add an endpoint</h2>
        <IngestEndpointForm sourceId={sourceId} idPrefix="new-ingest-endpoint" submitLabel="Add endpoint" onSubmit={async (fields) => {
          try {
            const endpoint = await ingest.send<IngestEndpointOut>('POST', base, fields);
            notify(`Endpoint ${endpoint.url} added.`);
            navigate({ view: 'source-endpoint', sourceId, endpointId: endpoint.id });
            return true;
          } catch (failure) {
            notify(`Could not add the endpoint: ${errorText(failure)}`, 'error');
            return false;
          }
        }} />
      </section>
      {source.data && <SourceSettings key={source.data.updatedAt} source={source.data} changed={source.reload} />}
    </>
  );
}
