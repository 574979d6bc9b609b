import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app.tsx';
import { portalLinkProblem, takePortalSession } from './session.ts';
import { applyTheme, themeFrom } from './theme.ts';
import './styles.css';

// /ui/portal is the tenant portal (one application, opened with a portal token); /ui is the operator's dashboard.
const isPortal = /^\/ui\/portal\/?$/.test(window.location.pathname);
const params = new URLSearchParams(window.location.search);
for (const [name, value] of new URLSearchParams(window.location.hash.replace(/^#/, ''))) if (!params.has(name)) params.set(name, value);
const theme = isPortal ? themeFrom(params) : { primary: null, logoUrl: null, name: null };
applyTheme(theme);
document.title = isPortal ? (theme.name ?? 'Webhooks') : 'Herald';

const problem = isPortal ? portalLinkProblem() : null;
const portalSession = isPortal ? takePortalSession() : undefined;

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App portalSession={portalSession} portalProblem={problem} theme={theme} />
  </StrictMode>,
);
