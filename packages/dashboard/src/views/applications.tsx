import { useState, type FormEvent } from 'react';
import { errorText } from '../api/client.ts';
import type { ApplicationOut } from '../api/types.ts';
import { EmptyState } from '../components/empty-state.tsx';
import { LoadState } from '../components/load-state.tsx';
import { useNotice } from '../components/notice.tsx';
import { Pager } from '../components/pager.tsx';
import { useDashboard } from '../context.ts';
import { formatTime } from '../format.ts';
import { usePagedList } from '../hooks/use-paged-list.ts';
import { hrefOf, navigate } from '../routing.ts';

export function Applications() {
  const { api } = useDashboard();
  const list = usePagedList((iterator) => api.page<ApplicationOut>('/app', { limit: 50, iterator }), 'apps');
  const apps = list.data?.data ?? [];
  return (
    <>
      <h1>Applications</h1>
      <p className="lead">An application is one of your customers (a tenant): it owns endpoints and the messages sent to them.</p>
      <CreateApplication onCreated={(app) => navigate({ view: 'endpoints', appId: app.id })} />
      <LoadState resource={list} what="applications" />
      {list.data && apps.length === 0 && (
        <EmptyState title="No applications yet">
          Create one above for each customer that receives webhooks; then add their endpoints and send messages with
          <code> POST /api/v1/app/&#123;app&#125;/msg</code>.
        </EmptyState>
      )}
      {apps.length > 0 && (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">Applications</caption>
            <thead><tr><th scope="col">Name</th><th scope="col">UID</th><th scope="col">ID</th><th scope="col">Created</th></tr></thead>
            <tbody>
              {apps.map((app) => (
                <tr key={app.id}>
                  <td><a href={hrefOf({ view: 'endpoints', appId: app.id })}>{app.name}</a></td>
                  <td>{app.uid ?? '—'}</td>
                  <td><code>{app.id}</code></td>
                  <td>{formatTime(app.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager list={list} label="Applications" />
    </>
  );
}

function CreateApplication({ onCreated }: { onCreated(app: ApplicationOut): void }) {
  const { api } = useDashboard();
  const { notify } = useNotice();
  const [name, setName] = useState('');
  const [uid, setUid] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    try {
      const app = await api.send<ApplicationOut>('POST', '/app', { name, uid: uid || undefined });
      notify(`Application ${app.name} created.`);
      onCreated(app);
    } catch (failure) {
      notify(`Could not create the application: ${errorText(failure)}`, 'error');
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="card inline-form" onSubmit={submit} aria-labelledby="create-app-title">
      <h2 id="create-app-title">New application</h2>
      <div className="fields">
        <div className="field">
          <label htmlFor="app-name">Name</label>
          <input id="app-name" required value={name} onChange={(event) => setName(event.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="app-uid">UID <span className="muted">(optional, your own id)</span></label>
          <input id="app-uid" value={uid} pattern="[a-zA-Z0-9\-_.]+" onChange={(event) => setUid(event.target.value)} />
        </div>
      </div>
      <button type="submit" className="primary" disabled={busy}>Create application</button>
    </form>
  );
}
