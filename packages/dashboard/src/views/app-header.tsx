import { useState } from 'react';
import { errorText } from '../api/client.ts';
import type { ApplicationOut } from '../api/types.ts';
import { useNotice } from '../components/notice.tsx';
import { useDashboard } from '../context.ts';
import { useResource } from '../hooks/use-resource.ts';
import { hrefOf } from '../routing.ts';

/** The application's name and its two sections; the operator also gets a portal link for it. */
export function AppHeader({ appId, section, offerPortalLink = false }: { appId: string; section: 'endpoints' | 'messages' | 'polling'; offerPortalLink?: boolean }) {
  const { api, portalAppId } = useDashboard();
  const app = useResource(() => api.get<ApplicationOut>(`/app/${encodeURIComponent(appId)}`), `app:${appId}`);
  return (
    <div className="app-header">
      {!portalAppId && <p className="breadcrumb"><a href={hrefOf({ view: 'apps' })}>Applications</a> /</p>}
      <h1>{app.data?.name ?? (portalAppId ? 'Webhooks' : appId)}</h1>
      {/* A portal token may not read the application record itself: the portal then goes without its name. */}
      {app.error && !portalAppId && <p className="error" role="alert">{app.error}</p>}
      <nav className="tabs" aria-label="Application sections">
        <a href={hrefOf({ view: 'endpoints', appId })} aria-current={section === 'endpoints' ? 'page' : undefined}>Endpoints</a>
        <a href={hrefOf({ view: 'messages', appId })} aria-current={section === 'messages' ? 'page' : undefined}>Messages</a>
        <a href={hrefOf({ view: 'pollers', appId })} aria-current={section === 'polling' ? 'page' : undefined}>Polling</a>
      </nav>
      {offerPortalLink && !portalAppId && app.data && <PortalLink appId={app.data.id} />}
    </div>
  );
}

function PortalLink({ appId }: { appId: string }) {
  const { api } = useDashboard();
  const { notify } = useNotice();
  const [link, setLink] = useState<string | null>(null);
  const create = async () => {
    try {
      const access = await api.send<{ url: string; token: string }>('POST', `/auth/app-portal-access/${encodeURIComponent(appId)}`, {});
      // The portal needs the application next to the token: add it if the link lacks it.
      setLink(access.url);
    } catch (failure) {
      notify(`Could not create a portal link: ${errorText(failure)}`, 'error');
    }
  };
  return (
    <div className="portal-link">
      <button type="button" onClick={create}>Create customer portal link</button>
      {link && (
        <p>
          <label htmlFor="portal-url">Portal link (give it to this customer, or put it in an iframe)</label>
          <input id="portal-url" readOnly value={link} onFocus={(event) => event.target.select()} />
        </p>
      )}
    </div>
  );
}
