import { errorText } from '../api/client.ts';
import type { EndpointOut } from '../api/types.ts';
import { EmptyState } from '../components/empty-state.tsx';
import { LoadState } from '../components/load-state.tsx';
import { useNotice } from '../components/notice.tsx';
import { Pager } from '../components/pager.tsx';
import { EnabledBadge } from '../components/status-badge.tsx';
import { useDashboard } from '../context.ts';
import { usePagedList } from '../hooks/use-paged-list.ts';
import { hrefOf, navigate } from '../routing.ts';
import { AppHeader } from './app-header.tsx';
import { EndpointForm } from './endpoint-form.tsx';

export function Endpoints({ appId }: { appId: string }) {
  const { api } = useDashboard();
  const { notify } = useNotice();
  const base = `/app/${encodeURIComponent(appId)}/endpoint`;
  const list = usePagedList((iterator) => api.page<EndpointOut>(base, { limit: 50, iterator }), `endpoints:${appId}`, 5000);
  const endpoints = list.data?.data ?? [];

  return (
    <>
      <AppHeader appId={appId} section="endpoints" offerPortalLink />
      <section className="card" aria-labelledby="new-endpoint-title">
        <h2 id="new-endpoint-title">Add an endpoint</h2>
        <EndpointForm idPrefix="new-endpoint" submitLabel="Add endpoint" onSubmit={async (fields) => {
          try {
            const endpoint = await api.send<EndpointOut>('POST', base, fields);
            notify(`Endpoint ${endpoint.url} added.`);
            navigate({ view: 'endpoint', appId, endpointId: endpoint.id });
            return true;
          } catch (failure) {
            notify(`Could not add the endpoint: ${errorText(failure)}`, 'error');
            return false;
          }
        }} />
      </section>
      <LoadState resource={list} what="endpoints" />
      {list.data && endpoints.length === 0 && (
        <EmptyState title="No endpoints yet">
          Add the URL that should receive webhooks above. Herald signs every request, retries failures and records every attempt here.
        </EmptyState>
      )}
      {endpoints.length > 0 && (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">Endpoints</caption>
            <thead><tr><th scope="col">URL</th><th scope="col">Description</th><th scope="col">Event types</th><th scope="col">State</th></tr></thead>
            <tbody>
              {endpoints.map((endpoint) => (
                <tr key={endpoint.id}>
                  <td className="break"><a href={hrefOf({ view: 'endpoint', appId, endpointId: endpoint.id })}>{endpoint.url}</a></td>
                  <td>{endpoint.description || '—'}</td>
                  <td>{endpoint.filterTypes?.join(', ') ?? 'All'}</td>
                  <td><EnabledBadge disabled={endpoint.disabled} /></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager list={list} label="Endpoints" />
    </>
  );
}
