import type { ReactNode } from 'react';
import type { Theme } from '../theme.ts';
import { hrefOf, type Route } from '../routing.ts';

export function Layout({ route, theme, portal, onSignOut, children }: {
  route: Route;
  theme: Theme;
  portal: boolean;
  onSignOut(): void;
  children: ReactNode;
}) {
  const current = (view: Route['view'][]) => (view.includes(route.view) ? 'page' : undefined);
  return (
    <>
      <a className="skip-link" href="#main" onClick={(event) => { event.preventDefault(); document.getElementById('main')?.focus(); }}>
        Skip to content
      </a>
      <header className="top">
        <div className="brand">
          {theme.logoUrl && <img src={theme.logoUrl} alt="" height={28} />}
          <span>{theme.name ?? (portal ? 'Webhooks' : 'Herald')}</span>
        </div>
        {!portal && (
          <nav aria-label="Main">
            <a href={hrefOf({ view: 'apps' })} aria-current={current(['apps', 'endpoints', 'endpoint', 'messages', 'message', 'pollers'])}>Applications</a>
            <a href={hrefOf({ view: 'event-types' })} aria-current={current(['event-types'])}>Event types</a>
            <a href={hrefOf({ view: 'sources' })} aria-current={current(['sources', 'source', 'source-endpoint', 'source-requests', 'source-request'])}>Sources</a>
          </nav>
        )}
        <button type="button" className="sign-out" onClick={onSignOut}>Sign out</button>
      </header>
      <main id="main" tabIndex={-1}>{children}</main>
    </>
  );
}
