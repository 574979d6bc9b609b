import { useMemo, useState } from 'react';
import { createApiClient } from './api/client.ts';
import { Layout } from './components/layout.tsx';
import { NoticeProvider } from './components/notice.tsx';
import { Dashboard } from './context.ts';
import { parseRoute, useHash, type Route } from './routing.ts';
import { endSession, loadOperatorSession, saveOperatorToken, type Session } from './session.ts';
import type { Theme } from './theme.ts';
import { Applications } from './views/applications.tsx';
import { EndpointDetail } from './views/endpoint-detail.tsx';
import { Endpoints } from './views/endpoints.tsx';
import { EventTypes } from './views/event-types.tsx';
import { MessageDetail } from './views/message-detail.tsx';
import { Messages } from './views/messages.tsx';
import { Pollers } from './views/pollers.tsx';
import { SignIn } from './views/sign-in.tsx';
import { InboundRequestDetail } from './views/inbound/request-detail.tsx';
import { SourceEndpointDetail } from './views/inbound/source-endpoint-detail.tsx';
import { SourceEndpoints } from './views/inbound/source-endpoints.tsx';
import { SourceRequests } from './views/inbound/source-requests.tsx';
import { Sources } from './views/inbound/sources.tsx';

function View({ route }: { route: Route }) {
  switch (route.view) {
    case 'apps': return <Applications />;
    case 'event-types': return <EventTypes />;
    case 'endpoints': return <Endpoints appId={route.appId} />;
    case 'endpoint': return <EndpointDetail key={route.endpointId} appId={route.appId} endpointId={route.endpointId} />;
    case 'messages': return <Messages key={route.appId} appId={route.appId} />;
    case 'pollers': return <Pollers key={route.appId} appId={route.appId} />;
    case 'message': return <MessageDetail key={route.messageId} appId={route.appId} messageId={route.messageId} />;
    case 'sources': return <Sources />;
    case 'source': return <SourceEndpoints key={route.sourceId} sourceId={route.sourceId} />;
    case 'source-endpoint': return <SourceEndpointDetail key={route.endpointId} sourceId={route.sourceId} endpointId={route.endpointId} />;
    case 'source-requests': return <SourceRequests key={route.sourceId} sourceId={route.sourceId} />;
    case 'source-request': return <InboundRequestDetail key={route.requestId} sourceId={route.sourceId} requestId={route.requestId} />;
  }
}

/** The portal shows one application: any other route falls back to its endpoints. */
function confine(route: Route, appId: string): Route {
  return 'appId' in route && route.appId === appId ? route : { view: 'endpoints', appId };
}

export function App({ portalSession, portalProblem, theme }: { portalSession?: Session | null; portalProblem?: string | null; theme: Theme }) {
  const portal = portalSession !== undefined;
  const [session, setSession] = useState<Session | null>(() => (portal ? portalSession : loadOperatorSession()));
  const hash = useHash();
  const signOut = () => {
    endSession();
    setSession(null);
  };
  const context = useMemo(() => session && {
    api: createApiClient(session.token, signOut),
    ingest: createApiClient(session.token, signOut, '/ingest/api/v1'),
    portalAppId: session.portalAppId,
  }, [session]);

  if (!session || !context) {
    if (portal) {
      return (
        <main id="main" className="sign-in">
          <h1>{theme.name ?? 'Webhooks'}</h1>
          <p role="alert">{portalProblem ?? 'This portal session has ended or the link is invalid. Open the portal again from the link you were given.'}</p>
        </main>
      );
    }
    return <SignIn onSignedIn={(token) => { saveOperatorToken(token); setSession({ token, portalAppId: null }); }} />;
  }
  const route = session.portalAppId ? confine(parseRoute(hash), session.portalAppId) : parseRoute(hash);
  return (
    <Dashboard.Provider value={context}>
      <NoticeProvider>
        <Layout route={route} theme={theme} portal={portal} onSignOut={signOut}>
          <View route={route} />
        </Layout>
      </NoticeProvider>
    </Dashboard.Provider>
  );
}
