import { createContext, useCallback, useContext, useState, type ReactNode } from 'react';

interface NoticeApi {
  notify(text: string, kind?: 'ok' | 'error'): void;
}

const NoticeContext = createContext<NoticeApi>({ notify: () => undefined });

/** One polite live region for the results of actions ("Secret rotated"), so they are announced. */
export function NoticeProvider({ children }: { children: ReactNode }) {
  const [notice, setNotice] = useState<{ text: string; kind: 'ok' | 'error' } | null>(null);
  const notify = useCallback((text: string, kind: 'ok' | 'error' = 'ok') => setNotice({ text, kind }), []);
  return (
    <NoticeContext.Provider value={{ notify }}>
      {children}
      <div className={`notice ${notice ? `notice-${notice.kind}` : ''}`} role="status" aria-live="polite">
        {notice && (
          <>
            <span>{notice.text}</span>
            <button type="button" className="link" onClick={() => setNotice(null)} aria-label="Dismiss message">✕</button>
          </>
        )}
      </div>
    </NoticeContext.Provider>
  );
}

export const useNotice = (): NoticeApi => useContext(NoticeContext);
