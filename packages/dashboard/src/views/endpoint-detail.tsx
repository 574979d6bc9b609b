import { useState } from 'react';
import { errorText } from '../api/client.ts';
import type { AttemptOut, EndpointOut, EndpointStatsOut, TimelineOut } from '../api/types.ts';
import { EmptyState } from '../components/empty-state.tsx';
import { HealthCharts } from '../components/health-chart.tsx';
import { LoadState } from '../components/load-state.tsx';
import { useNotice } from '../components/notice.tsx';
import { Pager } from '../components/pager.tsx';
import { EnabledBadge } from '../components/status-badge.tsx';
import { useDashboard } from '../context.ts';
import { usePagedList } from '../hooks/use-paged-list.ts';
import { useResource } from '../hooks/use-resource.ts';
import { HEALTH_WINDOWS } from '../health.ts';
import { hrefOf } from '../routing.ts';
import { AppHeader } from './app-header.tsx';
import { AttemptsTable } from './attempts-table.tsx';
import { EnableToggle, RecoverPanel, SecretPanel, TestEventPanel } from './endpoint-actions.tsx';
import { EndpointForm } from './endpoint-form.tsx';

const LIVE_MS = 3000;

export function EndpointDetail({ appId, endpointId }: { appId: string; endpointId: string }) {
  const { api } = useDashboard();
  const { notify } = useNotice();
  const path = `/app/${encodeURIComponent(appId)}/endpoint/${encodeURIComponent(endpointId)}`;
  const endpoint = useResource(() => api.get<EndpointOut>(path), `endpoint:${path}`);
  const stats = useResource(() => api.get<EndpointStatsOut>(`${path}/stats`), `stats:${path}`, LIVE_MS);
  const [windowIndex, setWindowIndex] = useState(1);
  const healthWindow = HEALTH_WINDOWS[windowIndex]!;
  const timeline = useResource(() => api.get<TimelineOut>(`${path}/stats/timeline`, {
    since: new Date(Date.now() - healthWindow.spanMs).toISOString(), bucket: healthWindow.bucket,
  }), `timeline:${path}:${windowIndex}`, LIVE_MS);
  const attempts = usePagedList(
    (iterator) => api.page<AttemptOut>(`/app/${encodeURIComponent(appId)}/attempt/endpoint/${encodeURIComponent(endpointId)}`, { limit: 20, iterator }),
    `attempts:${path}`, LIVE_MS);
  const changed = () => { endpoint.reload(); stats.reload(); attempts.reload(); };

  return (
    <>
      <AppHeader appId={appId} section="endpoints" />
      <p className="breadcrumb"><a href={hrefOf({ view: 'endpoints', appId })}>Endpoints</a> /</p>
      <LoadState resource={endpoint} what="the endpoint" />
      {endpoint.data && (
        <>
          <div className="title-row">
            <h2 className="break">{endpoint.data.url}</h2>
            <EnabledBadge disabled={endpoint.data.disabled} />
            <EnableToggle path={path} endpoint={endpoint.data} changed={changed} />
          </div>
          <p className="muted"><code>{endpoint.data.id}</code>{endpoint.data.description && ` — ${endpoint.data.description}`}</p>

          <section aria-labelledby="health-title" className="card">
            <div className="title-row">
              <h2 id="health-title">Health</h2>
              <label htmlFor="health-window" className="visually-hidden">Period</label>
              <select id="health-window" className="compact" value={windowIndex} onChange={(event) => setWindowIndex(Number(event.target.value))}>
                {HEALTH_WINDOWS.map((option, index) => <option key={option.label} value={index}>{option.label}</option>)}
              </select>
            </div>
            {stats.data && (
              <dl className="stats">
                <div><dt>Succeeded</dt><dd>{stats.data.success}</dd></div>
                <div><dt>Failed</dt><dd>{stats.data.fail}</dd></div>
                <div><dt>Pending</dt><dd>{stats.data.pending}</dd></div>
                <div><dt>Sending</dt><dd>{stats.data.sending}</dd></div>
              </dl>
            )}
            {timeline.data && <HealthCharts timeline={timeline.data} period={healthWindow.label} />}
          </section>

          <section aria-labelledby="attempts-title">
            <h2 id="attempts-title">Delivery attempts</h2>
            <LoadState resource={attempts} what="attempts" />
            {attempts.data && attempts.data.data.length === 0 && (
              <EmptyState title="Nothing delivered yet">
                Send a test event below, or post a message to this application: each attempt appears here within seconds.
              </EmptyState>
            )}
            {attempts.data && attempts.data.data.length > 0 && <AttemptsTable appId={appId} attempts={attempts.data.data} caption="Delivery attempts" />}
            <Pager list={attempts} label="Attempts" />
          </section>

          <div className="grid">
            <TestEventPanel path={path} />
            <SecretPanel path={path} />
            <RecoverPanel path={path} changed={changed} />
          </div>

          <section className="card" aria-labelledby="edit-title">
            <h2 id="edit-title">Edit endpoint</h2>
            <EndpointForm key={endpoint.data.updatedAt} idPrefix="edit-endpoint" initial={endpoint.data} submitLabel="Save changes"
              onSubmit={async (fields) => {
                try {
                  await api.send('PATCH', path, fields);
                  notify('Endpoint saved.');
                  changed();
                  return true;
                } catch (failure) {
                  notify(`Could not save the endpoint: ${errorText(failure)}`, 'error');
                  return false;
                }
              }} />
          </section>
        </>
      )}
    </>
  );
}
