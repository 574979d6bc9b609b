import { useCallback, useEffect, useRef, useState } from 'react';
import { errorText } from '../api/client.ts';

export interface Resource<T> {
  data: T | undefined;
  error: string | null;
  loading: boolean;
  reload(): void;
}

/**
 * Loads once per `key`, and again every `pollMs` while the tab is visible: live updates without a
 * server push channel. A slow answer for an old key never overwrites a newer one.
 */
export function useResource<T>(load: () => Promise<T>, key: string, pollMs?: number): Resource<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [generation, setGeneration] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  const latestKey = useRef(key);

  useEffect(() => {
    latestKey.current = key;
    setData(undefined);
    setLoading(true);
  }, [key]);

  useEffect(() => {
    let cancelled = false;
    const run = () => {
      loadRef.current().then(
        (value) => { if (!cancelled && latestKey.current === key) { setData(value); setError(null); setLoading(false); } },
        (failure: unknown) => { if (!cancelled) { setError(errorText(failure)); setLoading(false); } },
      );
    };
    run();
    const timer = pollMs ? setInterval(() => { if (document.visibilityState === 'visible') run(); }, pollMs) : undefined;
    return () => { cancelled = true; clearInterval(timer); };
  }, [key, pollMs, generation]);

  const reload = useCallback(() => setGeneration((value) => value + 1), []);
  return { data, error, loading, reload };
}
