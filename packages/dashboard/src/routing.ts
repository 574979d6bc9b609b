import { useEffect, useState } from 'react';

/**
 * Hash routes, so that every view has a link and Herald serves one file for all of them:
 * #/apps, #/event-types, #/apps/:app/endpoints[/:ep], #/apps/:app/messages[/:msg];
 * the inbound gateway: #/sources, #/sources/:src[/endpoints/:ep], #/sources/:src/requests[/:req].
 */
export type Route =
  | { view: 'apps' }
  | { view: 'event-types' }
  | { view: 'endpoints'; appId: string }
  | { view: 'endpoint'; appId: string; endpointId: string }
  | { view: 'messages'; appId: string }
  | { view: 'pollers'; appId: string }
  | { view: 'message'; appId: string; messageId: string }
  | { view: 'sources' }
  | { view: 'source'; sourceId: string }
  | { view: 'source-endpoint'; sourceId: string; endpointId: string }
  | { view: 'source-requests'; sourceId: string }
  | { view: 'source-request'; sourceId: string; requestId: string };

export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('?', 1)[0]!.split('/').filter(Boolean).map(decodeURIComponent);
  const [first, appId, section, id] = parts;
  if (first === 'event-types') return { view: 'event-types' };
  if (first === 'sources') {
    const sourceId = appId;
    if (!sourceId) return { view: 'sources' };
    if (section === 'requests') return id ? { view: 'source-request', sourceId, requestId: id } : { view: 'source-requests', sourceId };
    return section === 'endpoints' && id ? { view: 'source-endpoint', sourceId, endpointId: id } : { view: 'source', sourceId };
  }
  if (first === 'apps' && appId) {
    if (section === 'messages') return id ? { view: 'message', appId, messageId: id } : { view: 'messages', appId };
    if (section === 'polling') return { view: 'pollers', appId };
    return id ? { view: 'endpoint', appId, endpointId: id } : { view: 'endpoints', appId };
  }
  return { view: 'apps' };
}

export function hrefOf(route: Route): string {
  const app = 'appId' in route ? `#/apps/${encodeURIComponent(route.appId)}` : '';
  const source = 'sourceId' in route ? `#/sources/${encodeURIComponent(route.sourceId)}` : '';
  switch (route.view) {
    case 'apps': return '#/apps';
    case 'event-types': return '#/event-types';
    case 'endpoints': return `${app}/endpoints`;
    case 'endpoint': return `${app}/endpoints/${encodeURIComponent(route.endpointId)}`;
    case 'messages': return `${app}/messages`;
    case 'pollers': return `${app}/polling`;
    case 'message': return `${app}/messages/${encodeURIComponent(route.messageId)}`;
    case 'sources': return '#/sources';
    case 'source': return source;
    case 'source-endpoint': return `${source}/endpoints/${encodeURIComponent(route.endpointId)}`;
    case 'source-requests': return `${source}/requests`;
    case 'source-request': return `${source}/requests/${encodeURIComponent(route.requestId)}`;
  }
}

export function navigate(route: Route): void {
  window.location.hash = hrefOf(route);
}

export function useHash(): string {
  const [hash, setHash] = useState(window.location.hash);
  useEffect(() => {
    const changed = () => setHash(window.location.hash);
    window.addEventListener('hashchange', changed);
    return () => window.removeEventListener('hashchange', changed);
  }, []);
  return hash;
}
