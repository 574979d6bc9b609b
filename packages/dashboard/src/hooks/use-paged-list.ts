import { useState } from 'react';
import type { Page } from '../api/types.ts';
import { useResource, type Resource } from './use-resource.ts';

export interface PagedList<T> extends Resource<Page<T>> {
  pageNumber: number;
  hasPrevious: boolean;
  hasNext: boolean;
  next(): void;
  previous(): void;
}

/**
 * Server-side pages through the API's iterators: only one page is ever in the browser, so a list
 * of 100,000 messages costs what a list of 50 does. The iterators of pages already seen are kept
 * to go back. A change of `filterKey` starts again at the first page.
 */
export function usePagedList<T>(load: (iterator: string | null) => Promise<Page<T>>, filterKey: string, pollMs?: number): PagedList<T> {
  const [trail, setTrail] = useState<{ key: string; iterators: Array<string | null> }>({ key: filterKey, iterators: [null] });
  const iterators = trail.key === filterKey ? trail.iterators : [null];
  const current = iterators[iterators.length - 1] ?? null;
  // Only the first page polls: later pages would shift under the reader.
  const resource = useResource(() => load(current), `${filterKey}|${current ?? ''}`, iterators.length === 1 ? pollMs : undefined);
  const page = resource.data;
  return {
    ...resource,
    pageNumber: iterators.length,
    hasPrevious: iterators.length > 1,
    hasNext: Boolean(page && !page.done && page.iterator),
    next: () => { if (page?.iterator) setTrail({ key: filterKey, iterators: [...iterators, page.iterator] }); },
    previous: () => setTrail({ key: filterKey, iterators: iterators.slice(0, -1) }),
  };
}
