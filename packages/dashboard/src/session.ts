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

/**
 * Browsers may deny storage to a third-party iframe (an embedded portal): then the session lives in
 * memory, and the embedding page's iframe src (the link itself) opens it again on reload.
 */
const storage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem' | 'clear'> = (() => {
  try {
    window.sessionStorage.getItem(PORTAL_KEY);
    return window.sessionStorage;
  } catch {
    const memory = new Map<string, string>();
    return {
      getItem: (key: string) => memory.get(key) ?? null,
      setItem: (key: string, value: string) => void memory.set(key, value),
      removeItem: (key: string) => void memory.delete(key),
      clear: () => memory.clear(),
    };
  }
})();

export function endSession(): void {
  storage.clear();
}

export function loadOperatorSession(): Session | null {
  const token = storage.getItem(OPERATOR_KEY);
  return token ? { token, portalAppId: null } : null;
}

export function saveOperatorToken(token: string | null): void {
  if (token) storage.setItem(OPERATOR_KEY, token);
  else storage.removeItem(OPERATOR_KEY);
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
    storage.setItem(PORTAL_KEY, JSON.stringify({ token, portalAppId: app }));
    history.replaceState(null, '', `${window.location.pathname}${window.location.search}#/apps/${encodeURIComponent(app)}/endpoints`);
  }
  const saved = storage.getItem(PORTAL_KEY);
  return saved ? (JSON.parse(saved) as Session) : null;
}

export function portalLinkProblem(): string | null {
  const fragment = new URLSearchParams(window.location.hash.replace(/^#/, ''));
  if (fragment.get('token') && !fragment.get('app')) return 'This portal link names no application (it needs #token=…&app=…). Ask for a new link.';
  return null;
}
