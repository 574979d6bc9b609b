/**
 * Who the dashboard acts as. Kept in sessionStorage: it ends with the tab, and is never sent
 * anywhere but this origin's API.
 */
export interface Session {
  token: string;
  /** Set in the tenant portal: every view is limited to this application. */
  portalAppId: string | null;
}

const OPERATOR_KEY = 'herald.operatorToken';
const PORTAL_KEY = 'herald.portal';

export function loadOperatorSession(): Session | null {
  const token = sessionStorage.getItem(OPERATOR_KEY);
  return token ? { token, portalAppId: null } : null;
}

export function saveOperatorToken(token: string | null): void {
  if (token) sessionStorage.setItem(OPERATOR_KEY, token);
  else sessionStorage.removeItem(OPERATOR_KEY);
}

/**
 * The portal link is `/ui/portal#token=<token>&app=<app id or uid>`. The fragment never reaches a
 * server or a Referer header; it is moved to sessionStorage and wiped from the address bar.
 */
export function takePortalSession(): Session | null {
  const fragment = new URLSearchParams(window.location.hash.replace(/^#/, ''));
  const token = fragment.get('token');
  const app = fragment.get('app');
  if (token && app) {
    sessionStorage.setItem(PORTAL_KEY, JSON.stringify({ token, portalAppId: app }));
    history.replaceState(null, '', `${window.location.pathname}${window.location.search}#/apps/${encodeURIComponent(app)}/endpoints`);
  }
  const saved = sessionStorage.getItem(PORTAL_KEY);
  return saved ? (JSON.parse(saved) as Session) : null;
}

export function portalLinkProblem(): string | null {
  const fragment = new URLSearchParams(window.location.hash.replace(/^#/, ''));
  if (fragment.get('token') && !fragment.get('app')) return 'This portal link names no application (it needs #token=…&app=…). Ask for a new link.';
  return null;
}
